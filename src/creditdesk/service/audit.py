"""Verifying and sealing the audit trail (docs/audit.md)."""

from __future__ import annotations

from dataclasses import dataclass, field

from creditdesk.domain.audit import AuditHead
from creditdesk.domain.audit_seal import Seal, make_seal, seal_line
from creditdesk.domain.audit_verify import Breach, verify_trail
from creditdesk.service.ports import AuditLog, Clock, SealLog, UnitOfWork


@dataclass(frozen=True, slots=True)
class Sealing:
    seal: Seal | None  # None: not sealed, because the trail is broken
    breaches: list[Breach] = field(default_factory=list)


def verify_audit_trail(uow: UnitOfWork, seals: SealLog | None = None) -> list[Breach]:
    """Every breach of the trail, earliest first ([]: intact), checked against the latest seal
    when ``seals`` is given."""
    with uow:
        _, breaches = _read_and_verify(uow.audit, seals)
    return breaches


def verify_audit_chain(uow: UnitOfWork, seals: SealLog | None = None) -> Breach | None:
    """The first breach, or None when the trail is intact."""
    breaches = verify_audit_trail(uow, seals)
    return breaches[0] if breaches else None


def seal_audit_trail(uow: UnitOfWork, seals: SealLog, clock: Clock) -> Sealing:
    """Verify the trail, then append a seal of every stream's head to ``seals``. A broken trail
    is not sealed: sealing it would make what was done to it the new truth."""
    with uow:
        heads, breaches = _read_and_verify(uow.audit, seals)
        if breaches:
            return Sealing(None, breaches)
        seal = make_seal(heads.values(), clock.now(), uow.audit.keys(create=True))
    seals.append(seal_line(seal))
    return Sealing(seal)


def _read_and_verify(audit: AuditLog, seals: SealLog | None) -> tuple[dict[str, AuditHead], list[Breach]]:
    audit.begin_snapshot()
    heads = audit.heads()
    latest = seals.latest() if seals is not None else None
    if not heads and latest is None and audit.is_empty():
        return heads, []  # nothing written, nothing sealed: no key needed yet
    return heads, verify_trail(audit.records_by_stream(), heads, audit.keys(), latest)
