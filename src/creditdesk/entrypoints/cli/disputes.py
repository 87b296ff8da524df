"""`creditdesk disputes open|review|comment|resolve|list|show` and `creditdesk cover
add|end|list|attention|claim|decide|claims` (docs/disputes.md)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

import typer

from creditdesk.entrypoints.cli.context import json_flag, state
from creditdesk.entrypoints.cli.engine import UserOption, role_of
from creditdesk.entrypoints.cli.output import EXIT_USAGE, fail, guarded, out, print_json

JsonOption = Annotated[bool, typer.Option("--json")]

disputes_app = typer.Typer(
    help="Dispute cases on invoices: open (whole or part), review, comment, resolve by credit note or reject, list.",
    no_args_is_help=True,
)
cover_app = typer.Typer(
    help="Credit insurance, guarantees and letters of credit on customers; insurance claims.",
    no_args_is_help=True,
)


def _day(text: str | None, option: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        fail(f"{option} expects YYYY-MM-DD; got {text!r}", EXIT_USAGE)


def _amount(text: str | None, option: str) -> Decimal | None:
    if text is None:
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        fail(f"{option} expects a decimal amount; got {text!r}", EXIT_USAGE)


def _show(ctx: typer.Context, as_json: bool, body: dict[str, Any], line: str) -> None:
    if json_flag(ctx, as_json):
        print_json(body)
    else:
        out.print(line)


def _case_line(r: dict[str, Any]) -> str:
    return (
        f"{r['dispute_id']} {r['status']:<17} {r['invoice_id']} {r['customer_id']} {r['amount']} {r['currency']}"
        f" {r['reason_code']} owner {r['owner']}, opened {r['opened_on']}, due {r['due_on']}"
        + (f", {r['age_days']} days" if r.get("age_days") is not None else "")
    )


@disputes_app.command("open")
def disputes_open(
    ctx: typer.Context,
    invoice_id: str,
    reason: Annotated[str, typer.Option("--reason", help="price, quantity, quality, delivery, duplicate or other")],
    amount: Annotated[str | None, typer.Option("--amount", help="A part; default: all that is undisputed.")] = None,
    owner: Annotated[str | None, typer.Option("--owner")] = None,
    due: Annotated[str | None, typer.Option("--due", help="YYYY-MM-DD; default 14 days on.")] = None,
    comment: Annotated[str, typer.Option("--comment")] = "",
    dispute_id: Annotated[str | None, typer.Option("--id")] = None,
    user: UserOption = "admin",
    as_json: JsonOption = False,
) -> None:
    """Open a dispute on an invoice: the disputed part leaves the overdue rules and dunning."""
    from creditdesk.service import disputes

    services = state(ctx).services
    role = role_of(ctx, user)
    cmd = disputes.OpenDispute(
        invoice_id, reason, user, role, _amount(amount, "--amount"), owner, _day(due, "--due"), comment, dispute_id
    )
    case = guarded(lambda: disputes.open_dispute(cmd, services.uow(), services.clock))
    body = case.as_json(services.clock.today())
    _show(ctx, as_json, body, _case_line(body))


@disputes_app.command("review")
def disputes_review(
    ctx: typer.Context,
    dispute_id: str,
    comment: Annotated[str, typer.Option("--comment")] = "",
    owner: Annotated[str | None, typer.Option("--owner")] = None,
    user: UserOption = "admin",
    as_json: JsonOption = False,
) -> None:
    """Put a case in review (optionally to a new owner)."""
    from creditdesk.service import disputes

    services = state(ctx).services
    cmd = disputes.ReviewDispute(dispute_id, user, role_of(ctx, user), comment, owner)
    case = guarded(lambda: disputes.review_dispute(cmd, services.uow(), services.clock))
    body = case.as_json(services.clock.today())
    _show(ctx, as_json, body, _case_line(body))


@disputes_app.command("comment")
def disputes_comment(ctx: typer.Context, dispute_id: str, text: str, user: UserOption = "admin") -> None:
    """Add a comment to a case (a note in the customer's timeline)."""
    from creditdesk.service import disputes

    services = state(ctx).services
    cmd = disputes.CommentDispute(dispute_id, text, user, role_of(ctx, user))
    guarded(lambda: disputes.comment_dispute(cmd, services.uow(), services.clock))
    out.print(f"comment added to {dispute_id}")


@disputes_app.command("resolve")
def disputes_resolve(
    ctx: typer.Context,
    dispute_id: str,
    outcome: Annotated[str, typer.Option("--outcome", help="credited (a credit note is posted) or rejected")],
    comment: Annotated[str, typer.Option("--comment")] = "",
    credit_note_id: Annotated[str | None, typer.Option("--credit-note-id")] = None,
    user: UserOption = "admin",
    as_json: JsonOption = False,
) -> None:
    """Resolve a case by credit note (ledger, receivable down) or reject it (back to the overdue rules)."""
    from creditdesk.service import disputes

    services = state(ctx).services
    cmd = disputes.ResolveDispute(dispute_id, outcome, user, role_of(ctx, user), comment, credit_note_id)
    case = guarded(lambda: disputes.resolve_dispute(cmd, services.uow(), services.clock))
    body = case.as_json(services.clock.today())
    _show(ctx, as_json, body, _case_line(body))


@disputes_app.command("list")
def disputes_list(
    ctx: typer.Context,
    status: Annotated[str | None, typer.Option("--status", help="a status, active (default) or all")] = None,
    customer: Annotated[str | None, typer.Option("--customer")] = None,
    sort: Annotated[str, typer.Option("--sort", help="age (oldest first) or amount (largest first)")] = "age",
    as_json: JsonOption = False,
) -> None:
    """The disputes worklist by age or amount."""
    from creditdesk.service import disputes

    services = state(ctx).services
    rows = guarded(lambda: disputes.worklist(services.uow(), services.clock.today(), status, customer, sort))
    if json_flag(ctx, as_json):
        print_json(rows)
        return
    for row in rows:
        out.print(_case_line(row))
    if not rows:
        out.print("no disputes")


@disputes_app.command("show")
def disputes_show(ctx: typer.Context, dispute_id: str, as_json: JsonOption = False) -> None:
    """One case with its comments."""
    from creditdesk.service import disputes

    services = state(ctx).services
    body = guarded(lambda: disputes.dispute_detail(services.uow(), dispute_id, services.clock.today()))
    if json_flag(ctx, as_json):
        print_json(body)
        return
    out.print(_case_line(body))
    for note in body["comments"]:
        out.print(f"  {note['created_at'][:16]} {note['author']}: {note['body']}")


# --- cover -------------------------------------------------------------------------------------


@cover_app.command("add")
def cover_add(
    ctx: typer.Context,
    customer_id: str,
    kind: Annotated[str, typer.Option("--kind", help="insurance, guarantee or letter_of_credit")],
    provider: Annotated[str, typer.Option("--provider")],
    amount: Annotated[str, typer.Option("--amount", help="insurance: the buyer limit; else the amount")],
    currency: Annotated[str, typer.Option("--currency")],
    valid_from: Annotated[str, typer.Option("--from", help="YYYY-MM-DD")],
    valid_to: Annotated[str | None, typer.Option("--to", help="YYYY-MM-DD, the last day")] = None,
    share: Annotated[str | None, typer.Option("--share", help="insurance: the share it bears, 0-1")] = None,
    policy: Annotated[str | None, typer.Option("--policy")] = None,
    support_id: Annotated[str | None, typer.Option("--id")] = None,
    user: UserOption = "admin",
    as_json: JsonOption = False,
) -> None:
    """Record credit insurance, a guarantee or a letter of credit on a customer."""
    from creditdesk.service import cover

    services = state(ctx).services
    start = _day(valid_from, "--from")
    assert start is not None
    cmd = cover.AddCover(
        customer_id,
        kind,
        provider,
        _amount(amount, "--amount") or Decimal(0),
        currency,
        start,
        user,
        role_of(ctx, user),
        _day(valid_to, "--to"),
        share,
        policy,
        support_id,
    )
    row = guarded(lambda: cover.add_cover(cmd, services.uow(), services.clock))
    body = row.as_json(services.clock.today())
    _show(ctx, as_json, body, f"cover {row.support_id} recorded on {customer_id}")


@cover_app.command("end")
def cover_end(
    ctx: typer.Context,
    support_id: str,
    valid_to: Annotated[str, typer.Option("--to", help="YYYY-MM-DD, the last day")],
    reason: Annotated[str, typer.Option("--reason")],
    user: UserOption = "admin",
) -> None:
    """Set a cover's last day."""
    from creditdesk.service import cover

    services = state(ctx).services
    day = _day(valid_to, "--to")
    assert day is not None
    cmd = cover.EndCover(support_id, day, reason, user, role_of(ctx, user))
    guarded(lambda: cover.end_cover(cmd, services.uow(), services.clock))
    out.print(f"cover {support_id} ends on {day}")


@cover_app.command("list")
def cover_list(
    ctx: typer.Context, customer: Annotated[str | None, typer.Option("--customer")] = None, as_json: JsonOption = False
) -> None:
    """Cover on file, with whether it is valid and expiring today."""
    from creditdesk.service import cover

    services = state(ctx).services
    today = services.clock.today()
    rows = [r.as_json(today) for r in guarded(lambda: cover.cover_of(services.uow(), customer))]
    if json_flag(ctx, as_json):
        print_json(rows)
        return
    for r in rows:
        share = f" share {r['cover_share']}" if r["cover_share"] else ""
        out.print(
            f"{r['support_id']} {r['customer_id']} {r['kind']} {r['provider']} {r['amount']} {r['currency']}{share}"
            f" {r['valid_from']}..{r['valid_to'] or ''}{' EXPIRING' if r['expiring'] else ''}"
        )


@cover_app.command("attention")
def cover_attention(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Cover expiring within 30 days (or lapsed, not renewed) with exposure; defaulted insured customers
    without a claim."""
    from creditdesk.service import cover

    services = state(ctx).services
    found = guarded(lambda: cover.attention(services.uow(), services.clock.today()))
    if json_flag(ctx, as_json):
        print_json(found)
        return
    for r in found["cover_expiring"]:
        out.print(f"expiring: {r['support_id']} {r['customer_id']} {r['kind']} ends {r['valid_to']}")
    for r in found["claims_missing"]:
        out.print(f"no claim: {r['customer_id']} in default since {r['in_default_since']}")


@cover_app.command("claim")
def cover_claim(
    ctx: typer.Context,
    support_id: str,
    amount: str,
    note: Annotated[str, typer.Option("--note")] = "",
    claim_id: Annotated[str | None, typer.Option("--id")] = None,
    user: UserOption = "admin",
    as_json: JsonOption = False,
) -> None:
    """File a claim on an insurance policy."""
    from creditdesk.service import cover

    services = state(ctx).services
    parsed = _amount(amount, "AMOUNT")
    assert parsed is not None
    cmd = cover.FileClaim(support_id, parsed, user, role_of(ctx, user), note, claim_id)
    claim = guarded(lambda: cover.file_claim(cmd, services.uow(), services.clock))
    _show(ctx, as_json, claim.as_json(), f"claim {claim.claim_id} filed")


@cover_app.command("decide")
def cover_decide(
    ctx: typer.Context,
    claim_id: str,
    outcome: Annotated[str, typer.Option("--outcome", help="accepted, rejected or paid")],
    paid: Annotated[str | None, typer.Option("--paid", help="with paid: the amount the insurer paid")] = None,
    note: Annotated[str, typer.Option("--note")] = "",
    user: UserOption = "admin",
) -> None:
    """Record the insurer's answer to a claim (a manager's)."""
    from creditdesk.service import cover

    services = state(ctx).services
    cmd = cover.DecideClaim(claim_id, outcome, user, role_of(ctx, user), _amount(paid, "--paid"), note)
    claim = guarded(lambda: cover.decide_claim(cmd, services.uow(), services.clock))
    out.print(f"claim {claim.claim_id} is {claim.status}")


@cover_app.command("claims")
def cover_claims(
    ctx: typer.Context,
    customer: Annotated[str | None, typer.Option("--customer")] = None,
    status: Annotated[str | None, typer.Option("--status")] = None,
    as_json: JsonOption = False,
) -> None:
    """Insurance claims and what became of them."""
    from creditdesk.service import cover

    services = state(ctx).services
    rows = [c.as_json() for c in guarded(lambda: cover.claims_of(services.uow(), customer, status))]
    if json_flag(ctx, as_json):
        print_json(rows)
        return
    for r in rows:
        out.print(f"{r['claim_id']} {r['customer_id']} {r['amount']} {r['currency']} {r['status']} paid {r['paid']}")
