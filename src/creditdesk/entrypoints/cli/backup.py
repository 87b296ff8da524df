"""`creditdesk backup FILE` and `creditdesk restore FILE [--force]` (docs/backup.md)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from creditdesk.adapters.audit_evidence import AuditKeyFile
from creditdesk.adapters.db.backup import NotEmpty, Restored, back_up, contents, restore, signing_key_ids
from creditdesk.adapters.db.migrate import schema_status, upgrade
from creditdesk.adapters.db.reconcile import ReconcileReport, reconcile
from creditdesk.domain.audit import key_id
from creditdesk.domain.audit_verify import Breach, BreachKind
from creditdesk.entrypoints.cli.context import json_flag, state
from creditdesk.entrypoints.cli.output import EXIT_REFUSED, err, fail, guarded, out, print_json
from creditdesk.service.audit import verify_audit_trail
from creditdesk.service.errors import Unavailable

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from creditdesk.bootstrap import Services

NO_DIGEST = "the schema is not at this creditdesk's head (`creditdesk db upgrade`)"
FileArgument = Annotated[Path, typer.Argument(help="The backup file.", dir_okay=False)]
JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON document on stdout.")]


def backup_command(ctx: typer.Context, file: FileArgument, as_json: JsonOption = False) -> None:
    """Back up the whole database to a file, consistently.

    SQLite: the online backup API copies one snapshot while the server keeps writing; PostgreSQL:
    pg_dump in its custom format (CREDITDESK_PG_BIN_DIR when it is not on PATH). The file is
    checked, then renamed into place. Prints its size, tables, rows and the business digest that
    `creditdesk restore` prints for the restored database. The audit key is NOT in the backup: keep
    it elsewhere (docs/backup.md). Exit 0 written; 69 the database or pg_dump unavailable."""
    services = state(ctx).services
    made = guarded(lambda: back_up(services.engine, file, pg_bin_dir=services.settings.pg_bin_dir))
    if json_flag(ctx, as_json):
        print_json(made.as_json())
        return
    body = made.contents
    out.print(f"backed up to {made.path} ({made.kind}): {_size(made.bytes)}, {body.tables} tables, {body.rows} rows")
    out.print(f"schema revision {body.revision}")
    out.print(f"digest {body.digest}" if body.digest else f"no digest: {NO_DIGEST}")


@dataclass
class Checks:
    """What `ledger reconcile` and `audit verify` say about the restored database."""

    reconcile: ReconcileReport
    breaches: list[Breach] = field(default_factory=list)
    audit_problem: str | None = None  # the trail could not be checked (no key file, say)
    hint: str | None = None  # what the operator should do about a failed audit check

    @property
    def audit_intact(self) -> bool:
        return not self.breaches and self.audit_problem is None

    @property
    def ok(self) -> bool:
        return self.reconcile.ok and self.audit_intact

    def audit_json(self) -> dict[str, Any]:
        first = self.breaches[0] if self.breaches else None
        return {
            "intact": self.audit_intact,
            "problem": self.audit_problem or (str(first) if first else None),
            "breaches": len(self.breaches),
            "hint": self.hint,
        }


def restore_command(
    ctx: typer.Context,
    file: FileArgument,
    force: Annotated[
        bool, typer.Option("--force", help="Replace a database that holds a book (SQLite keeps it aside as .bak).")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Restore the database from a backup file (an empty database, or --force).

    The backup is checked before anything is touched: a file of the wrong kind, damaged or empty
    exits 65 and changes nothing; a database that holds a book is refused (exit 1) unless --force.
    Stop the servers and workers first. Afterwards the schema is upgraded to head when the backup
    is older, and the command runs the checks of `creditdesk ledger reconcile` and `creditdesk
    audit verify` and prints the business digest to compare with the one the backup printed. The
    trail verifies only with the audit key that signed it (docs/backup.md). Exit 0 restored and
    checked; 1 refused, or restored but a check failed; 65 bad backup file; 69 pg_restore or the
    database unavailable."""
    services = state(ctx).services
    engine = services.engine

    def attempt() -> Restored:
        try:
            return restore(engine, file, force=force, pg_bin_dir=services.settings.pg_bin_dir)
        except NotEmpty as refused:
            fail(refused.detail, EXIT_REFUSED)

    restored = guarded(attempt)
    upgraded = guarded(lambda: _to_head(services.engine))
    checks = guarded(lambda: _checks(services))
    with engine.connect() as conn:
        now_holds = contents(conn)
    if json_flag(ctx, as_json):
        print_json(
            {
                "restored": str(file),
                "engine": restored.kind,
                "backup_revision": restored.revision,
                "upgraded": upgraded,
                "replaced_rows": restored.replaced_rows,
                "kept_aside": str(restored.kept_aside) if restored.kept_aside else None,
                **now_holds.as_json(),
                "reconcile": checks.reconcile.as_json(),
                "audit": checks.audit_json(),
                "ok": checks.ok,
            }
        )
    else:
        _report(file, restored, upgraded, checks, now_holds.as_json())
    if not checks.ok:
        raise typer.Exit(EXIT_REFUSED)


def _to_head(engine: Engine) -> bool:
    """Upgrade a restored older schema; True when it was."""
    if schema_status(engine).at_head:
        return False
    upgrade(engine)
    return True


def _checks(services: Services) -> Checks:
    with services.engine.connect() as conn:
        report = reconcile(conn.execution_options(readonly=True))
    checks = Checks(report)
    keys = services.settings.audit_key_path()
    try:
        checks.breaches = verify_audit_trail(services.read_uow(), services.audit_seals())
    except Unavailable as unusable:
        checks.audit_problem = unusable.detail
    if checks.audit_intact:
        return checks
    signed_by = signing_key_ids(services.engine)
    held = _key_ids(keys)
    missing = [key for key in signed_by if key not in held]
    if missing:
        checks.hint = (
            f"the restored trail was signed with audit key id(s) {', '.join(signed_by)}; the key file {keys} "
            f"(CREDITDESK_AUDIT_KEY_FILE) lacks {', '.join(missing)}: point it at the key file of the database "
            "that was backed up (docs/backup.md)"
        )
        return checks
    try:
        own = verify_audit_trail(services.read_uow())  # the trail alone, without the seal file
    except Unavailable:
        return checks
    seal_kinds = (BreachKind.SEAL_MISMATCH, BreachKind.TAIL_DELETED, BreachKind.CHAIN_DELETED)
    if not own and all(breach.kind in seal_kinds for breach in checks.breaches):
        seals = services.settings.audit_seal_path()
        checks.hint = (
            f"the trail itself is intact, but the seal file {seals} was written after this backup was taken "
            f"(a restore goes back in time). Keep that file aside as evidence, then seal again: "
            f"mv {seals} {seals}.before-restore && creditdesk audit seal"
        )
    return checks


def _key_ids(path: Path) -> set[str]:
    try:
        keys = AuditKeyFile(lambda: path).load()
    except Unavailable:
        return set()
    return {key_id(key) for key in (keys.current, *keys.retired)}


def _report(file: Path, restored: Restored, upgraded: bool, checks: Checks, holds: dict[str, Any]) -> None:
    out.print(f"restored {file} ({restored.kind}, schema revision {restored.revision})")
    if upgraded:
        out.print(f"schema upgraded to {holds['revision']}")
    if restored.kept_aside is not None:
        out.print(f"the replaced database was kept as {restored.kept_aside}")
    elif restored.replaced_rows:
        out.print(f"replaced {restored.replaced_rows} rows")
    report = checks.reconcile
    verdict = "reconciled" if report.ok else "NOT reconciled"
    out.print(f"ledger: {verdict} ({report.accounts} accounts, {report.entries} ledger entries)")
    for mismatch in report.mismatches[:20]:
        out.print(f"  MISMATCH {mismatch.render()}")
    if checks.audit_intact:
        out.print("audit trail: intact")
    else:
        out.print(f"audit trail: NOT verified: {checks.audit_json()['problem']}", soft_wrap=True)
        if checks.hint:
            err.print(f"[yellow]hint:[/yellow] {checks.hint}", soft_wrap=True)
    out.print(f"{holds['tables']} tables, {holds['rows']} rows")
    out.print(f"digest {holds['digest']}" if holds["digest"] else f"no digest: {NO_DIGEST}")


def _size(count: int) -> str:
    size = float(count)
    for unit in ("bytes", "kB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{count} bytes" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{count} bytes"  # pragma: no cover
