"""`creditdesk company add|list|limit|segments`: selling entities and each customer's credit segment
in them (docs/segments.md).

Writing commands act as a user: ``--user NAME`` acts with that web user's role and company codes;
without it, as the command line's operator (``cli``, an admin), as with ``webhook add``.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from creditdesk.entrypoints.cli.context import CLI_ACTOR, json_flag, state
from creditdesk.entrypoints.cli.output import EXIT_DATA, fail, guarded, out, print_json

company_app = typer.Typer(
    help="Company codes (selling entities) and the customers' credit segments in them.",
    no_args_is_help=True,
)

JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON document on stdout.")]
ActAs = Annotated[
    str | None,
    typer.Option("--user", help="Act as this web user (their role decides); default: the command line's operator."),
]


def _acting(ctx: typer.Context, user: str | None) -> tuple[str, Any]:
    from creditdesk.domain.roles import Role

    if user is None:
        return CLI_ACTOR, Role.ADMIN
    from creditdesk.entrypoints.cli.engine import role_of

    return user, role_of(ctx, user)


@company_app.command("add")
def company_add(
    ctx: typer.Context,
    code: Annotated[str, typer.Argument(help="The company code: 1-16 of A-Z, 0-9, _ and -.")],
    name: Annotated[str, typer.Option("--name", help="The legal entity's name.")],
    currency: Annotated[str, typer.Option("--currency", help="Its currency (ISO 4217).")],
    country: Annotated[str | None, typer.Option("--country", help="Its country (ISO 3166 alpha-2).")] = None,
    user: ActAs = None,
    as_json: JsonOption = False,
) -> None:
    """Add a selling entity; documents name it in company_code (admins only)."""
    from creditdesk.domain.company_codes import CompanyCode
    from creditdesk.service.segments import AddCompanyCode, add_company_code

    services = state(ctx).services
    actor, role = _acting(ctx, user)
    company = CompanyCode(code, name, currency.upper(), country.upper() if country else None)
    added = guarded(lambda: add_company_code(AddCompanyCode(company, actor, role), services.uow(), services.clock))
    if json_flag(ctx, as_json):
        print_json({"code": added.code, "name": added.name, "currency": added.currency, "country": added.country})
        return
    out.print(f"company code {added.code}: {added.name} ({added.currency})")


@company_app.command("list")
def company_list(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """The company codes."""
    services = state(ctx).services
    with services.read_uow() as uow:
        companies = uow.segments.company_codes()
    if json_flag(ctx, as_json):
        print_json([{"code": c.code, "name": c.name, "currency": c.currency, "country": c.country} for c in companies])
        return
    for c in companies:
        out.print(f"{c.code}\t{c.currency}\t{c.country or ''}\t{c.name}")
    if not companies:
        out.print("no company codes: every document is the one company's")


@company_app.command("limit")
def company_limit(
    ctx: typer.Context,
    customer_id: Annotated[str, typer.Argument(help="The customer.")],
    code: Annotated[str, typer.Argument(help="The company code.")],
    amount: Annotated[str, typer.Argument(help="The limit in that company code, e.g. 250000.")],
    currency: Annotated[str, typer.Option("--currency", help="The segment's currency.")],
    reason: Annotated[str, typer.Option("--reason", help="Why: kept in the limit history and the audit.")],
    user: ActAs = None,
    as_json: JsonOption = False,
) -> None:
    """Set a customer's credit limit in one company code; beyond the user's authority, a request."""
    from creditdesk.domain.money import Money
    from creditdesk.service.segments import SetSegmentLimit, set_segment_limit

    services = state(ctx).services
    actor, role = _acting(ctx, user)
    limit = guarded(lambda: Money.of(amount, currency.upper()))
    cmd = SetSegmentLimit(customer_id, code, limit, reason, actor, role)
    done = guarded(lambda: set_segment_limit(cmd, services.uow(), services.clock))
    if done.request is not None:
        if json_flag(ctx, as_json):
            print_json(done.request.as_json())
            return
        request = done.request
        out.print(f"beyond {actor}'s authority: limit request {request.request_id} for a {request.required_role.value}")
        return
    if json_flag(ctx, as_json):
        print_json({"customer_id": customer_id, "company_code": code, "credit_limit": limit.to_json(),
                    "currency": limit.currency, "opened": done.opened})  # fmt: skip
        return
    opened = " (segment opened)" if done.opened else ""
    out.print(f"{customer_id} in {code}: limit {limit.amount} {limit.currency}{opened}")


@company_app.command("segments")
def company_segments(
    ctx: typer.Context,
    customer_id: Annotated[str, typer.Argument(help="The customer.")],
    as_json: JsonOption = False,
) -> None:
    """A customer's total limit and exposure, and its credit segment in each company code."""
    from creditdesk.domain.money import Money

    services = state(ctx).services
    with services.read_uow() as uow:
        account = uow.credit_accounts.account(customer_id, services.clock.today(), lock=False)
        segments = uow.segments.segments_of(customer_id)
    if account is None:
        fail(f"customer {customer_id!r} does not exist", EXIT_DATA)
    limit = Money.from_minor(account.limit, account.currency)
    exposure = Money.from_minor(account.totals.exposure, account.currency)
    if json_flag(ctx, as_json):
        print_json({"customer_id": customer_id, "currency": account.currency, "total_limit": limit.to_json(),
                    "total_exposure": exposure.to_json(), "segments": [s.as_json() for s in segments]})  # fmt: skip
        return
    out.print(f"{customer_id} total: limit {limit.amount}, exposure {exposure.amount} {account.currency}")
    for s in segments:
        out.print(
            f"  {s.company_code}: limit {s.limit.amount}, exposure {s.exposure.amount}, "
            f"available {s.available.amount} {s.limit.currency}"
        )
