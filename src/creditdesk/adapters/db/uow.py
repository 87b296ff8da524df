"""The unit of work: one transaction that rolls back unless committed."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy import Connection, Engine, RootTransaction

from creditdesk.adapters.db.repositories import (
    SqlAccounts,
    SqlAuditLog,
    SqlCustomers,
    SqlGroups,
    SqlLimitHistory,
    SqlTokens,
    SqlUsers,
)
from creditdesk.service.ports import Clock


class SqlUnitOfWork:
    customers: SqlCustomers
    groups: SqlGroups
    accounts: SqlAccounts
    limits: SqlLimitHistory
    audit: SqlAuditLog
    tokens: SqlTokens
    users: SqlUsers
    connection: Connection

    def __init__(self, engine: Engine, clock: Clock, *, readonly: bool = False) -> None:
        self._engine = engine
        self._clock = clock
        self._readonly = readonly
        self._transaction: RootTransaction | None = None

    def __enter__(self) -> Self:
        connection = self._engine.connect()
        if self._readonly:
            connection = connection.execution_options(readonly=True)
        self.connection = connection
        self._transaction = connection.begin()
        self.customers = SqlCustomers(connection)
        self.groups = SqlGroups(connection)
        self.accounts = SqlAccounts(connection)
        self.limits = SqlLimitHistory(connection)
        self.audit = SqlAuditLog(connection, self._clock)
        self.tokens = SqlTokens(connection)
        self.users = SqlUsers(connection, self._clock)
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

    def commit(self) -> None:
        assert self._transaction is not None, "commit outside a unit of work"
        self._transaction.commit()

    def rollback(self) -> None:
        if self._transaction is not None and self._transaction.is_active:
            self._transaction.rollback()
