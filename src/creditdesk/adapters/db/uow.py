"""The unit of work: one transaction that rolls back unless committed."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy import Connection, Engine, RootTransaction

from creditdesk.adapters.db.application_store import SqlApplications
from creditdesk.adapters.db.audit_log import SqlAuditLog
from creditdesk.adapters.db.collections_store import SqlCollections
from creditdesk.adapters.db.cover_store import SqlCover
from creditdesk.adapters.db.credit_store import SqlCreditStore
from creditdesk.adapters.db.dispute_store import SqlDisputes
from creditdesk.adapters.db.limit_management import SqlLimitManagement
from creditdesk.adapters.db.master_data_store import SqlMasterData
from creditdesk.adapters.db.note_store import SqlNotes
from creditdesk.adapters.db.policy_store import SqlPolicies
from creditdesk.adapters.db.repositories import (
    SqlAccounts,
    SqlCustomers,
    SqlGroups,
    SqlLimitHistory,
    SqlLoginThrottle,
    SqlTokens,
    SqlUsers,
)
from creditdesk.adapters.db.segment_store import SqlSegments
from creditdesk.service.ports import Clock


class SqlUnitOfWork:
    customers: SqlCustomers
    groups: SqlGroups
    accounts: SqlAccounts
    limits: SqlLimitHistory
    audit: SqlAuditLog
    tokens: SqlTokens
    users: SqlUsers
    throttle: SqlLoginThrottle
    credit: SqlCreditStore  # one store behind every narrow credit port below
    commands: SqlCreditStore
    credit_accounts: SqlCreditStore
    group_accounts: SqlCreditStore
    reference: SqlCreditStore
    orders: SqlCreditStore
    receivables: SqlCreditStore
    ledger: SqlCreditStore
    management: SqlLimitManagement
    collections: SqlCollections
    connection: Connection

    def __init__(
        self, engine: Engine, clock: Clock, *, readonly: bool = False, unlocked: bool = False, brief: bool = False
    ) -> None:
        """``brief``: a read-only unit of a few statements (a what-if check), no transaction.
        ``unlocked`` is a test-only strategy: the credit engine reads its figures through a
        separate connection before taking any lock (check, then act), the bug the locking
        strategy prevents. Concurrency tests use it as their negative control."""
        self._engine = engine
        self._clock = clock
        self._readonly = readonly
        self._unlocked = unlocked
        self._brief = brief
        self._transaction: RootTransaction | None = None
        self._side: Connection | None = None

    def _side_connection(self) -> Connection:
        if self._side is None:
            self._side = self._engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        return self._side

    def __enter__(self) -> Self:
        connection = self._engine.connect()
        if self._readonly:
            connection = connection.execution_options(readonly=True)
            if self._brief and connection.dialect.name == "postgresql":
                # A check's few reads need no BEGIN/ROLLBACK round trips: each statement sees
                # what was committed when it started, as in a READ COMMITTED transaction.
                connection = connection.execution_options(isolation_level="AUTOCOMMIT")
        self.connection = connection
        # Unlocked: no transaction until the first statement on this connection (autobegin).
        self._transaction = None if self._unlocked else connection.begin()
        self.customers = SqlCustomers(connection)
        self.groups = SqlGroups(connection)
        self.accounts = SqlAccounts(connection)
        self.limits = SqlLimitHistory(connection)
        self.audit = SqlAuditLog(connection, self._clock)
        self.tokens = SqlTokens(connection)
        self.users = SqlUsers(connection, self._clock)
        self.throttle = SqlLoginThrottle(connection)
        self.credit = SqlCreditStore(connection, self._clock, self._side_connection if self._unlocked else None)
        # One object, so the account read's policy version serves the check in the same unit.
        self.commands = self.credit_accounts = self.group_accounts = self.credit
        self.reference = self.orders = self.receivables = self.ledger = self.credit
        self.management = SqlLimitManagement(connection)
        self.policies = SqlPolicies(connection)
        self.collections = SqlCollections(connection)
        self.segments = SqlSegments(connection)
        self.master_data = SqlMasterData(connection)
        self.applications = SqlApplications(connection)
        self.notes = SqlNotes(connection)
        self.disputes = SqlDisputes(connection)
        self.cover = SqlCover(connection)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            self.rollback()
        finally:
            self.connection.close()
            if self._side is not None:
                self._side.close()
                self._side = None

    def commit(self) -> None:
        if self._transaction is None:
            self.connection.commit()
            return
        self._transaction.commit()

    def rollback(self) -> None:
        if self._transaction is None:
            self.connection.rollback()
        elif self._transaction.is_active:
            self._transaction.rollback()
