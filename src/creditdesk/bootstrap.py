"""The composition root: the one place where concrete adapters meet the service layer."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import Engine

from creditdesk.adapters.audit_evidence import AuditKeyFile, AuditSealFile
from creditdesk.adapters.clock import SystemClock
from creditdesk.adapters.db.audit_log import attach_audit_keys
from creditdesk.adapters.db.engine import make_engine
from creditdesk.adapters.db.uow import SqlUnitOfWork
from creditdesk.adapters.security import Argon2Hasher
from creditdesk.config import Settings, load_settings
from creditdesk.service.ports import Clock

if TYPE_CHECKING:
    from creditdesk.adapters.db.event_store import SqlEventStore, WebhookUnitOfWork
    from creditdesk.adapters.db.job_store import SqlJobStore
    from creditdesk.adapters.db.limit_inputs import SqlLimitInputs
    from creditdesk.adapters.db.monitor_facts import SqlMonitorFacts
    from creditdesk.adapters.db.notification_store import SqlNotificationStore
    from creditdesk.adapters.db.receivables_data import SqlReceivables
    from creditdesk.adapters.db.risk_data import SqlScoringStore
    from creditdesk.adapters.db.snapshot_store import SqlSnapshotStore
    from creditdesk.adapters.webhook_sender import HttpWebhookSender

# The analytical adapters below read with pandas and the modelling library: each is imported by the
# first request or command that uses it, so a credit check or `token create` never loads them.


@dataclass
class Services:
    settings: Settings
    engine: Engine
    clock: Clock = field(default_factory=SystemClock)
    hasher: Argon2Hasher = field(default_factory=Argon2Hasher)

    def uow(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.engine, self.clock)

    def read_uow(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.engine, self.clock, readonly=True)

    def scoring_store(self) -> SqlScoringStore:
        from creditdesk.adapters.db.risk_data import SqlScoringStore

        return SqlScoringStore(self.engine)

    def limit_inputs(self) -> SqlLimitInputs:
        from creditdesk.adapters.db.limit_inputs import SqlLimitInputs

        return SqlLimitInputs(self.engine)

    def monitor_facts(self) -> SqlMonitorFacts:
        from creditdesk.adapters.db.monitor_facts import SqlMonitorFacts

        return SqlMonitorFacts(self.engine)

    def receivables(self) -> SqlReceivables:
        from creditdesk.adapters.db.receivables_data import SqlReceivables

        return SqlReceivables(self.engine, self.settings.in_process_invoices)

    def snapshot_store(self) -> SqlSnapshotStore:
        from creditdesk.adapters.db.snapshot_store import SqlSnapshotStore

        return SqlSnapshotStore(self.engine)

    def job_store(self) -> SqlJobStore:
        from creditdesk.adapters.db.job_store import SqlJobStore

        return SqlJobStore(self.engine)

    def notification_store(self) -> SqlNotificationStore:
        from creditdesk.adapters.db.notification_store import SqlNotificationStore

        return SqlNotificationStore(self.engine)

    def event_store(self) -> SqlEventStore:
        from creditdesk.adapters.db.event_store import SqlEventStore

        return SqlEventStore(self.engine)

    def webhook_uow(self) -> WebhookUnitOfWork:
        from creditdesk.adapters.db.event_store import WebhookUnitOfWork

        return WebhookUnitOfWork(self.engine, self.clock)

    def webhook_sender(self) -> HttpWebhookSender:
        """One per process: its connections stay open between the relay's rounds."""
        from creditdesk.adapters.webhook_sender import HttpWebhookSender

        found: HttpWebhookSender | None = self.__dict__.get("_webhook_sender")
        if found is None:
            found = self.__dict__["_webhook_sender"] = HttpWebhookSender(self.settings.webhook_timeout_seconds)
        return found

    def audit_seals(self) -> AuditSealFile:
        return AuditSealFile(self.settings.audit_seal_path())

    def check_uow(self) -> SqlUnitOfWork:
        """For what-if checks: a few reads without transaction round trips."""
        return SqlUnitOfWork(self.engine, self.clock, readonly=True, brief=True)


def bootstrap(database_url: str | None = None, *, clock: Clock | None = None, pool_size: int | None = None) -> Services:
    settings = load_settings(database_url)
    engine = make_engine(settings.database_url, pool_size=pool_size or settings.pool_size)
    # The audit key travels with the engine: units of work, importers and migrations sign alike.
    attach_audit_keys(engine, AuditKeyFile(settings.audit_key_path))
    return Services(settings=settings, engine=engine, clock=clock or SystemClock(settings.today))
