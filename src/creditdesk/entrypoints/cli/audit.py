"""`creditdesk audit verify|seal|rotate-key`: the audit trail's evidence (docs/audit.md)."""

from __future__ import annotations

from typing import Any, NoReturn

import typer

from creditdesk.adapters.audit_evidence import AuditKeyFile
from creditdesk.domain.audit_verify import Breach
from creditdesk.entrypoints.cli.context import state
from creditdesk.entrypoints.cli.output import EXIT_REFUSED, err, print_json, user_errors
from creditdesk.service.audit import seal_audit_trail, verify_audit_trail

audit_app = typer.Typer(help="The audit trail.", no_args_is_help=True)
_LISTED = 20  # breaches listed in text; --json lists them all


@audit_app.command("verify")
def audit_verify(ctx: typer.Context) -> None:
    """Exit 0 when the audit trail is intact; 1 and the first broken record otherwise.

    Checks every record's MAC and link, every stream against its head, and every stream
    against the latest seal. A missing key file exits 69."""
    services = state(ctx).services
    with user_errors():
        breaches = verify_audit_trail(services.read_uow(), services.audit_seals())
    if breaches:
        _report_broken(ctx, breaches, "audit trail broken")
    if state(ctx).json:
        print_json({"intact": True})
    else:
        err.print("audit trail intact")


@audit_app.command("seal")
def audit_seal(ctx: typer.Context) -> None:
    """Verify the trail, then append a seal of every stream's length and last hash to the seal
    file (CREDITDESK_AUDIT_SEAL_FILE). Run it often, from cron: what is sealed cannot be cut."""
    services = state(ctx).services
    seals = services.audit_seals()
    with user_errors():
        sealing = seal_audit_trail(services.read_uow(), seals, services.clock)
    if sealing.seal is None:
        _report_broken(ctx, sealing.breaches, "not sealed: the audit trail is broken")
    seal = sealing.seal
    if state(ctx).json:
        print_json(
            {"sealed": True, "at": seal.at.isoformat(), "streams": len(seal.streams), "records": seal.records,
             "file": str(seals.path)}
        )  # fmt: skip
    else:
        err.print(f"sealed {len(seal.streams)} streams ({seal.records} records) in {seals.path}")


@audit_app.command("rotate-key")
def audit_rotate_key(ctx: typer.Context) -> None:
    """Make a new current MAC key; the old ones stay in the key file to verify what they signed."""
    keys = AuditKeyFile(state(ctx).services.settings.audit_key_path)
    with user_errors():
        new_id = keys.rotate()
    if state(ctx).json:
        print_json({"key_id": new_id, "file": str(keys.path)})
    else:
        err.print(f"new audit key {new_id} in {keys.path}; restart the servers, then run `creditdesk audit seal`")


def _report_broken(ctx: typer.Context, breaches: list[Breach], headline: str) -> NoReturn:
    first = breaches[0]
    if state(ctx).json:
        print_json({"intact": False, **_as_json(first), "breaches": [_as_json(b) for b in breaches]})
    else:
        err.print(f"[red]{headline}:[/red] {first}", soft_wrap=True)
        if first.record is not None:
            r = first.record
            err.print(f"  first broken record: seq {r.seq} at {r.at.isoformat()} ({r.action} {r.entity} {r.entity_id})")
        for breach in breaches[1:_LISTED]:
            err.print(f"  also: {breach}", soft_wrap=True)
        if len(breaches) > _LISTED:
            err.print(f"  ... and {len(breaches) - _LISTED} more (--json lists them all)")
    raise typer.Exit(EXIT_REFUSED)


def _as_json(breach: Breach) -> dict[str, Any]:
    body: dict[str, Any] = {
        "kind": breach.kind.value,
        "stream": breach.stream,
        "stream_seq": breach.stream_seq,
        "message": breach.message,
    }
    if breach.record is not None:
        r = breach.record
        body.update(seq=r.seq, at=r.at.isoformat(), action=r.action, entity=r.entity, entity_id=r.entity_id)
    return body
