"""One import: the whole file written in one transaction, or nothing and every problem.

The same code runs both passes. The write pass checks each batch against the database inside
the write transaction (so a concurrent change cannot slip in between) and inserts it; at the
first problem it rolls back, and the read-only pass then collects every problem of the file (a
dry run is that pass alone). Rows already stored with the same content are skipped, so
importing a file twice changes nothing.

A large invoices CSV is first tried the bulk way (bulk/): parsed, checked and written set-wise in
one transaction. At the first thing it does not take (any problem among them) that transaction
rolls back and the file goes the row-by-row way, so problems are only ever reported from there.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine

from creditdesk.adapters.db.audit_log import SqlAuditLog
from creditdesk.domain.ledger import BalanceOutOfRange
from creditdesk.domain.roles import Role
from creditdesk.service.ports import Clock

from .booking import Booker, MissingGroupRate
from .bulk import NotEligible
from .kinds import KINDS, BuildError, ImportState, Kind
from .kinds.base import ChangeRefused, ChangingKind
from .problems import Code, FieldError, FileError, Problem, Severity
from .readers import CsvSource, Progress, Record, Source, open_source

BATCH = 2000
MAX_PROBLEMS = 10_000
BULK_FROM_BYTES = 1 << 20  # smaller files go the row-by-row way straight away


@dataclass
class ImportReport:
    kind: str
    file: str
    rows: int = 0
    inserted: int = 0
    unchanged: int = 0
    changed: int = 0  # stored rows the file changed (customers' master data)
    protected: int = 0  # fields the file would have overwritten but may not (a limit the credit team set)
    changes: list[tuple[str, str, Any, Any]] = field(default_factory=list)  # (id, field, before, after)
    protected_fields: list[tuple[str, str, Any, Any]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    more_problems: int = 0
    dry_run: bool = False
    bulk: bool = False  # imported the bulk way (not part of the JSON: the outcome is the same)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity is Severity.ERROR]

    @property
    def ok(self) -> bool:
        return not self.errors and self.more_problems == 0

    def add(self, problem: Problem) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(problem)
        else:
            self.more_problems += 1

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "file": self.file,
            "rows": self.rows,
            "inserted": self.inserted,
            "unchanged": self.unchanged,
            "changed": self.changed,
            "protected": self.protected,
            "changes": [
                {"id": i, "field": name, "before": _plain(b), "after": _plain(a)} for i, name, b, a in self.changes
            ],
            "protected_fields": [
                {"id": i, "field": name, "stored": _plain(b), "file": _plain(a)}
                for i, name, b, a in self.protected_fields
            ],
            "dry_run": self.dry_run,
            "ok": self.ok,
            "errors": len(self.errors) + self.more_problems,
            "problems": [
                {
                    "line": p.line,
                    "column": p.column,
                    "code": p.code.value,
                    "message": p.message,
                    "severity": p.severity.value,
                }
                for p in self.problems
            ],
        }


def _plain(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


MAX_CHANGES = 200_000  # changes listed in a report (all are counted and applied)


class _Abort(Exception):
    """Raised inside the write pass to roll back when the database changed since validation."""


def known_kinds() -> list[str]:
    return sorted(KINDS)


def import_file(
    kind_name: str,
    path: Path,
    engine: Engine,
    clock: Clock,
    *,
    dry_run: bool = False,
    actor: str = "import",
    role: Role | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ImportReport:
    """Validate and (unless ``dry_run``) import one file. ``progress(advance, total)``.

    Credit limits in a customers file are set with ``role``'s authority (that of the user who
    imports); any beyond it, or all without a role, become limit requests (proposals)."""
    kind = KINDS[kind_name]()
    report = ImportReport(kind=kind_name, file=str(path), dry_run=dry_run)
    try:
        source = open_source(path)
        header, header_problems = source.header()
    except FileError as error:
        report.add(error.problem)
        return report
    except OSError as error:
        report.add(Problem(str(path), 1, 1, Code.BAD_FILE, f"cannot read the file: {error.strerror}"))
        return report
    for problem in header_problems:
        report.add(problem)
    _check_header(kind, source, header, report)
    if not report.ok:
        return report

    tick: Progress | None = (lambda n: progress(n, source.total)) if progress else None
    if dry_run:
        _validate(kind, source, engine, report, tick, clock, actor=actor, role=role)
        return report
    if _import_in_bulk(kind, source, header, engine, clock, report, tick, actor=actor):
        return report
    # A clean file (the usual case) is read once: the write pass checks every batch before it
    # inserts it and rolls everything back at the first problem. Only then is the whole file read
    # again, read-only, for the complete list of its problems.
    counted = ImportReport(kind=kind_name, file=str(path))
    try:
        with engine.connect() as conn, _plan_each_statement(conn), conn.begin():
            _run_pass(kind, source, conn, counted, write=True, progress=tick, clock=clock, actor=actor, role=role)
            if counted.inserted or counted.changed:
                _record(conn, clock, actor, kind_name, path, _sha256(path), counted)
    except (_Abort, FileError):
        _validate(kind, source, engine, report, None, clock, actor=actor, role=role)
        if report.ok:  # the database moved under the write pass: what that pass found
            report.problems += counted.problems
        return report
    except MissingGroupRate as error:
        report.add(Problem(str(path), 1, 1, Code.MISSING_RATE, str(error)))
        return report
    except BalanceOutOfRange as error:  # found when the totals move, at the end: nothing is written
        report.add(Problem(str(path), 1, 1, Code.BALANCE_TOO_LARGE, str(error)))
        return report
    report.rows, report.inserted, report.unchanged = counted.rows, counted.inserted, counted.unchanged
    report.changed, report.protected = counted.changed, counted.protected
    report.changes, report.protected_fields = counted.changes, counted.protected_fields
    for problem in counted.problems:  # warnings only: an error would have rolled the pass back
        report.add(problem)
    report.more_problems += counted.more_problems
    return report


def _record(
    conn: Connection, clock: Clock, actor: str, kind_name: str, path: Path, sha256: str, report: ImportReport
) -> None:
    """The audit record of an import that wrote something."""
    SqlAuditLog(conn, clock).append(
        actor,
        "import.completed",
        "import",
        kind_name,
        {
            "file": path.name,
            "sha256": sha256,
            "rows": report.rows,
            "inserted": report.inserted,
            "changed": report.changed,
            "unchanged": report.unchanged,
        },
    )


def _import_in_bulk(
    kind: Kind,
    source: Source,
    header: list[str],
    engine: Engine,
    clock: Clock,
    report: ImportReport,
    progress: Progress | None,
    *,
    actor: str,
) -> bool:
    """Whether the file was imported the bulk way; False: nothing was written, go row by row."""
    if kind.name != "invoices" or not isinstance(source, CsvSource) or source.total < BULK_FROM_BYTES:
        return False
    try:
        from .bulk.invoices import import_invoices
    except ImportError:  # pyarrow is not installed
        return False
    read = 0

    def tick(advance: int) -> None:
        nonlocal read
        read += advance
        if progress is not None:
            progress(advance)

    try:
        with engine.connect() as conn, _plan_each_statement(conn), conn.begin():
            done = import_invoices(source.path, header, conn, clock, source=source.name, progress=tick)
            report.rows, report.inserted, report.unchanged = done.rows, done.inserted, done.unchanged
            if done.inserted:
                _record(conn, clock, actor, kind.name, source.path, done.sha256, report)
    except NotEligible:
        report.rows = report.inserted = report.unchanged = 0
        if progress is not None:
            progress(-read)  # the row-by-row way reads the file from its start again
        return False
    report.bulk = True
    return True


def _validate(
    kind: Kind,
    source: Source,
    engine: Engine,
    report: ImportReport,
    progress: Progress | None,
    clock: Clock,
    *,
    actor: str = "import",
    role: Role | None = None,
) -> None:
    """The read-only pass: every problem of the file, nothing written."""
    try:
        with engine.connect() as conn, _plan_each_statement(conn):
            conn = conn.execution_options(readonly=True)
            with conn.begin():
                _run_pass(
                    kind, source, conn, report, write=False, progress=progress, clock=clock, actor=actor, role=role
                )
    except FileError as error:  # the file stops being readable part way (a broken quote)
        report.add(error.problem)


@contextmanager
def _plan_each_statement(conn: Connection) -> Iterator[None]:
    """PostgreSQL: no prepared statements while importing. The tables grow under the import,
    and a plan prepared when they were small (a sequential scan) would be kept for the rest."""
    driver = conn.connection.dbapi_connection
    before = getattr(driver, "prepare_threshold", None)
    if conn.dialect.name == "postgresql":
        driver.prepare_threshold = None  # type: ignore[union-attr]
    try:
        yield
    finally:
        if conn.dialect.name == "postgresql":
            driver.prepare_threshold = before  # type: ignore[union-attr]


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _check_header(kind: Kind, source: Source, header: list[str], report: ImportReport) -> None:
    known = {spec.name for spec in kind.fields}
    seen: set[str] = set()
    for index, name in enumerate(header, start=1):
        if name in seen:
            report.add(
                Problem(
                    source.name, 1, index, Code.DUPLICATE_COLUMN, f"expected each column once, found {name!r} again"
                )
            )
        seen.add(name)
        if name not in known:
            report.add(
                Problem(
                    source.name,
                    1,
                    index,
                    Code.UNKNOWN_COLUMN,
                    f"column {name!r} is not a {kind.name} field; ignored",
                    Severity.WARNING,
                )
            )
    if source.path.suffix.lower() == ".jsonl":
        return  # JSON Lines has no header; missing fields are reported per line
    for spec in kind.fields:
        if spec.required and spec.name not in seen:
            report.add(
                Problem(
                    source.name,
                    1,
                    1,
                    Code.MISSING_COLUMN,
                    f"expected a column {spec.name!r} in the header, found: {', '.join(header) or 'none'}",
                )
            )


def _parse_record(kind: Kind, source: Source, record: Record, report: ImportReport) -> dict[str, Any] | None:
    for problem in record.problems:
        report.add(problem)
    if not record.cells:
        return None  # an unreadable line (bad JSON): its problem is already reported
    ok = not record.problems
    values: dict[str, Any] = {}

    def column(name: str) -> int:
        return record.columns.get(name, 1)

    for spec in kind.fields:
        raw = record.cells.get(spec.name)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            if spec.required:
                report.add(
                    Problem(
                        source.name,
                        record.line,
                        column(spec.name),
                        Code.MISSING_VALUE,
                        f"expected a value for {spec.name!r}, found none",
                    )
                )
                ok = False
            values[spec.name] = None
            continue
        try:
            values[spec.name] = spec.parse(raw)
        except FieldError as error:
            report.add(
                Problem(source.name, record.line, column(spec.name), error.code, f"{spec.name}: {error.message}")
            )
            ok = False
    if not ok:
        return None
    try:
        return kind.build(values)
    except BuildError as error:
        report.add(
            Problem(
                source.name, record.line, column(error.field), error.error.code, f"{error.field}: {error.error.message}"
            )
        )
        return None


def _run_pass(
    kind: Kind,
    source: Source,
    conn: Connection,
    report: ImportReport,
    *,
    write: bool,
    progress: Progress | None,
    clock: Clock,
    actor: str = "import",
    role: Role | None = None,
) -> None:
    state = ImportState(booker=Booker(clock, clock.now()), source=source.name, actor=actor, role=role)
    seen: dict[tuple[Any, ...], int] = {}
    batch: list[tuple[Record, dict[str, Any]]] = []

    def flush() -> None:
        if batch:
            _check_and_write(kind, source, conn, batch, state, report, write=write)
            batch.clear()

    for record in source.records(progress):
        report.rows += 1
        row = _parse_record(kind, source, record, report)
        if row is None:
            continue
        key = kind.key_of(row)
        if key in seen:
            report.add(
                Problem(
                    source.name,
                    record.line,
                    record.columns.get(kind.key[-1], 1),
                    Code.DUPLICATE_ID,
                    f"expected each {'/'.join(kind.key)} once in the file, found {'/'.join(map(str, key))} "
                    f"again (first on line {seen[key]})",
                )
            )
            continue
        seen[key] = record.line
        batch.append((record, row))
        if len(batch) >= BATCH:
            flush()
    flush()
    if write:
        kind.finish(conn, state)


def _check_and_write(
    kind: Kind,
    source: Source,
    conn: Connection,
    batch: list[tuple[Record, dict[str, Any]]],
    state: ImportState,
    report: ImportReport,
    *,
    write: bool,
) -> None:
    stored = kind.existing(conn, [kind.key_of(row) for _, row in batch])
    fresh: list[tuple[Record, dict[str, Any]]] = []
    differing_rows: list[tuple[Record, dict[str, Any], dict[str, Any]]] = []
    for record, row in batch:
        previous = stored.get(kind.key_of(row))
        if previous is None:
            fresh.append((record, row))
        elif kind.compare(row, previous):
            report.unchanged += 1
        elif isinstance(kind, ChangingKind):
            differing_rows.append((record, row, previous))
        else:
            differing = sorted(
                name
                for name, value in row.items()
                if name not in kind.derived and previous.get(name) != value and value is not None
            )
            report.add(
                Problem(
                    source.name,
                    record.line,
                    record.columns.get(kind.key[0], 1),
                    Code.CONFLICT,
                    f"{'/'.join(map(str, kind.key_of(row)))} is already stored with different content "
                    f"({', '.join(differing) or 'fields'}); expected the same content or a new id",
                )
            )
    rows = [row for _, row in fresh]
    for issue in kind.check(conn, rows, state):
        record = fresh[issue.index][0]
        report.add(Problem(source.name, record.line, record.columns.get(issue.field, 1), issue.code, issue.message))
    plan = None
    if differing_rows:
        assert isinstance(kind, ChangingKind)
        plan = kind.plan_changes(conn, [(row, previous, set(r.cells)) for r, row, previous in differing_rows], state)
        for issue in plan.issues:
            record = differing_rows[issue.index][0]
            report.add(Problem(source.name, record.line, record.columns.get(issue.field, 1), issue.code, issue.message))
        report.unchanged += plan.unchanged
        report.changed += len(plan.apply)
        report.protected += len(plan.protected)
        room = MAX_CHANGES - len(report.changes)
        report.changes.extend(plan.changes[: max(room, 0)])
        report.protected_fields.extend(plan.protected[: max(MAX_CHANGES - len(report.protected_fields), 0)])
    if write:
        if not report.ok:
            raise _Abort
        if rows:
            kind.write(conn, rows, state)
            report.inserted += len(rows)
        if plan is not None and plan.apply:
            assert isinstance(kind, ChangingKind)
            try:
                kind.apply_changes(conn, plan, state)
            except ChangeRefused as refused:
                record = differing_rows[plan.apply[refused.index]["index"]][0]
                report.add(
                    Problem(source.name, record.line, record.columns.get(kind.key[0], 1), refused.code, refused.message)
                )
                raise _Abort from None
