"""`creditdesk applications ...` and `creditdesk notes ...`: credit applications (submit from a
JSON file, attach documents, approve, reject, withdraw, list, show) and notes on any subject."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from creditdesk.adapters.attachment_files import LocalAttachmentFiles
from creditdesk.entrypoints.cli.context import json_flag, state
from creditdesk.entrypoints.cli.engine import UserOption, role_of
from creditdesk.entrypoints.cli.output import EXIT_USAGE, fail, out, print_json, user_errors
from creditdesk.service.applications import (
    Application,
    DecideApplication,
    SubmitApplication,
    decide_application,
    get_application,
    list_applications,
    submit_application,
    withdraw_application,
)
from creditdesk.service.notes import Upload, WriteNote, attach, attachments_for, notes_for, write_note

applications_app = typer.Typer(
    help="Credit applications: submit, attach documents, approve (four eyes), reject, withdraw, list.",
    no_args_is_help=True,
)
notes_app = typer.Typer(help="Notes on customers, applications, disputes and limit requests: add, list, search.")
JsonOption = Annotated[bool, typer.Option("--json")]


def _show(app: Application) -> None:
    out.print(
        f"{app.application_id}  {app.status.value:<9} {app.customer_id}  {app.name}  "
        f"asked {app.requested_limit.amount} {app.currency}/{app.requested_terms_days}d  "
        f"proposed {app.proposed_limit.amount if app.proposed_limit else '-'}/{app.proposed_terms_days}d  "
        f"needs {app.required_role.value}  approvals {', '.join(a['by'] for a in app.approvals) or '-'}"
    )


@applications_app.command("submit")
def applications_submit(
    ctx: typer.Context,
    file: Annotated[
        Path, typer.Argument(help="The application as JSON (the API's body).", exists=True, dir_okay=False)
    ],
    user: UserOption,
    attach_files: Annotated[list[Path] | None, typer.Option("--attach", help="A document to attach (repeat).")] = None,
    as_json: JsonOption = False,
) -> None:
    """Submit an application from a JSON file, scored and proposed under the probation policy."""
    services = state(ctx).services
    try:
        body: dict[str, Any] = json.loads(file.read_text(encoding="utf-8"))
        assert isinstance(body, dict)
    except (ValueError, AssertionError, OSError):
        fail(f"{file}: not a JSON object", EXIT_USAGE)
    role = role_of(ctx, user)
    fields = set(SubmitApplication.__dataclass_fields__) - {"actor", "role"}
    unknown = set(body) - fields
    if unknown:
        fail(f"{file}: unknown fields {', '.join(sorted(unknown))}", EXIT_USAGE)
    try:
        if isinstance(body.get("registered_on"), str):
            body["registered_on"] = date.fromisoformat(body["registered_on"])
        if not isinstance(body.get("requested_terms_days", 0), int):
            raise ValueError("requested_terms_days: a whole number of days")
        for name in ("financials", "bureau"):
            if not isinstance(body.get(name, []), list):
                raise ValueError(f"{name}: a list")
        for name in ("requested_limit", "expected_monthly_sales"):
            if body.get(name) is not None:
                body[name] = str(body[name])
        cmd = SubmitApplication(**{**body, "actor": user, "role": role})
    except (TypeError, ValueError) as error:
        fail(f"{file}: {error}", EXIT_USAGE)
    with user_errors():
        app = submit_application(cmd, services.uow(), services.clock)
        for path in attach_files or []:
            _attach(ctx, "application", app.application_id, path, user)
    if json_flag(ctx, as_json):
        print_json(app.as_json())
        return
    _show(app)
    out.print(f"  final: {app.working.get('final', {}).get('formula', '')}")


def _attach(ctx: typer.Context, kind: str, subject_id: str, path: Path, user: str) -> None:
    services = state(ctx).services
    data = path.read_bytes()
    upload = Upload(kind, subject_id, path.name, data, user, role_of(ctx, user))
    files = LocalAttachmentFiles(services.settings.var_dir / "attachments")
    record = attach(services.uow(), files, upload, services.clock, services.settings.attachment_max_bytes)
    out.print(
        f"attached {record.filename} ({record.content_type}, {record.size_bytes} bytes) as {record.attachment_id}"
    )


@applications_app.command("attach")
def applications_attach(
    ctx: typer.Context,
    application_id: str,
    files: Annotated[list[Path], typer.Argument(help="Documents: PDF, PNG, JPEG, CSV, text, XLSX, DOCX.", exists=True)],
    user: UserOption,
) -> None:
    """Attach documents to an application (programs, scripts and macros are refused)."""
    with user_errors():
        for path in files:
            _attach(ctx, "application", application_id, path, user)


def _decide(ctx: typer.Context, cmd: DecideApplication, as_json: bool) -> None:
    services = state(ctx).services
    with user_errors():
        app = decide_application(cmd, services.uow(), services.clock)
    if json_flag(ctx, as_json):
        print_json(app.as_json())
        return
    _show(app)


@applications_app.command("approve")
def applications_approve(
    ctx: typer.Context,
    application_id: str,
    user: UserOption,
    limit: Annotated[str | None, typer.Option("--limit", help="The decided limit (default the proposal).")] = None,
    terms: Annotated[int | None, typer.Option("--terms", help="The decided terms in days.")] = None,
    comment: Annotated[str | None, typer.Option("--comment")] = None,
    as_json: JsonOption = False,
) -> None:
    """Approve: never the submitter, within the user's authority; above an analyst's two people."""
    cmd = DecideApplication(application_id, True, user, role_of(ctx, user), comment, limit, terms)
    _decide(ctx, cmd, as_json)


@applications_app.command("reject")
def applications_reject(
    ctx: typer.Context,
    application_id: str,
    user: UserOption,
    reason: Annotated[str, typer.Option("--reason", help="Why the application is refused (kept).")],
    as_json: JsonOption = False,
) -> None:
    """Reject with a reason."""
    _decide(ctx, DecideApplication(application_id, False, user, role_of(ctx, user), reason), as_json)


@applications_app.command("withdraw")
def applications_withdraw(
    ctx: typer.Context, application_id: str, user: UserOption, as_json: JsonOption = False
) -> None:
    """Take a pending application back (its submitter)."""
    services = state(ctx).services
    with user_errors():
        app = withdraw_application(application_id, user, role_of(ctx, user), services.uow(), services.clock)
    if json_flag(ctx, as_json):
        print_json(app.as_json())
        return
    _show(app)


@applications_app.command("list")
def applications_list(
    ctx: typer.Context,
    status: Annotated[str | None, typer.Option("--status", help="pending, approved, rejected or withdrawn")] = None,
    as_json: JsonOption = False,
) -> None:
    """Applications, newest first."""
    services = state(ctx).services
    with user_errors():
        found = list_applications(services.read_uow(), status)
    if json_flag(ctx, as_json):
        print_json([a.as_json() for a in found])
        return
    for app in found:
        _show(app)


@applications_app.command("show")
def applications_show(ctx: typer.Context, application_id: str, as_json: JsonOption = False) -> None:
    """One application with its proposal's working, attachments and notes."""
    services = state(ctx).services
    with user_errors():
        app = get_application(services.read_uow(), application_id)
        files = attachments_for(services.read_uow(), "application", application_id)
        notes = notes_for(services.read_uow(), "application", application_id)
    if json_flag(ctx, as_json):
        print_json(
            {**app.as_json(), "attachments": [f.as_json() for f in files], "notes": [n.as_json() for n in notes]}
        )
        return
    _show(app)
    for name, method in app.working.get("methods", {}).items():
        out.print(f"  {name:<15} {method['amount'] or '-':>14}  {method['formula'] or method['note']}")
    final = app.working.get("final", {})
    out.print(f"  {'final':<15} {final.get('amount', '-'):>14}  {final.get('formula', '')}")
    for f in files:
        out.print(f"  file {f.filename} ({f.content_type}, {f.size_bytes} bytes) by {f.uploaded_by}")
    for n in notes:
        out.print(f"  note {n.created_at:%Y-%m-%d} {n.author}: {n.body}")


@notes_app.command("add")
def notes_add(
    ctx: typer.Context,
    subject_kind: Annotated[str, typer.Argument(help="customer, application, dispute or request")],
    subject_id: str,
    body: str,
    user: UserOption,
) -> None:
    """Add a note (analysts and up; sales on their own application or request)."""
    services = state(ctx).services
    with user_errors():
        note = write_note(
            WriteNote(subject_kind, subject_id, body, user, role_of(ctx, user)), services.uow(), services.clock
        )
    out.print(f"note {note.note_id} on {subject_kind} {subject_id}")


@notes_app.command("list")
def notes_list(
    ctx: typer.Context,
    query: Annotated[str | None, typer.Option("--search", "-q", help="Text to find (any case).")] = None,
    customer: Annotated[str | None, typer.Option("--customer")] = None,
    as_json: JsonOption = False,
) -> None:
    """Notes newest first, of a customer or matching a search."""
    services = state(ctx).services
    with user_errors():
        found = notes_for(services.read_uow(), customer_id=customer, query=query)
    if json_flag(ctx, as_json):
        print_json([n.as_json() for n in found])
        return
    for n in found:
        out.print(f"{n.note_id:>6} {n.created_at:%Y-%m-%d} {n.subject_kind}:{n.subject_id} {n.author}: {n.body}")
