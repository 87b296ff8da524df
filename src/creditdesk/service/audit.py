"""Verifying the audit chain."""

from __future__ import annotations

from creditdesk.domain.audit import AuditRecord, first_broken
from creditdesk.service.ports import UnitOfWork


def verify_audit_chain(uow: UnitOfWork) -> AuditRecord | None:
    with uow:
        return first_broken(uow.audit.records())
