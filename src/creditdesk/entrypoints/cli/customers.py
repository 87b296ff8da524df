"""`creditdesk customers ...`: master data with history (docs/master-data.md)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from creditdesk.entrypoints.cli.context import json_flag, state
from creditdesk.entrypoints.cli.output import EXIT_USAGE, fail, out, print_json, user_errors

customers_app = typer.Typer(
    help="Customers' master data: changes with history, deactivation, merges, list and search.",
    no_args_is_help=True,
)
JsonOption = Annotated[bool, typer.Option("--json")]
UserOption = Annotated[str, typer.Option("--user", help="Who makes the change (analyst or above).")]


def _role(ctx: typer.Context, user: str) -> Any:
    from creditdesk.entrypoints.cli.engine import role_of

    return role_of(ctx, user)


def _shown(value: Any) -> str:
    return "-" if value is None else str(value)


def _print_change(ctx: typer.Context, changed: Any, as_json: bool) -> None:
    from creditdesk.service.master_data import plain

    changes = {k: [plain(b), plain(a)] for k, (b, a) in sorted(changed.changes.items())}
    if json_flag(ctx, as_json):
        print_json({"customer_id": changed.customer_id, "version": changed.version, "changes": changes})
        return
    if changed.version is None:
        out.print(f"{changed.customer_id}: nothing changed")
        return
    out.print(f"{changed.customer_id}: version {changed.version}")
    for name, (before, after) in changes.items():
        out.print(f"  {name}: {_shown(before)} -> {_shown(after)}")
    if changed.postings:
        out.print(f"  group move: {len(changed.postings)} ledger postings")


@customers_app.command("history")
def customers_history(ctx: typer.Context, customer_id: str, as_json: JsonOption = False) -> None:
    """Every version of a customer's master data: valid from/to, who, source, what changed."""
    from creditdesk.service import master_data as md

    services = state(ctx).services
    with user_errors():
        current, versions = md.history(services.read_uow(), customer_id)
    if json_flag(ctx, as_json):
        print_json(
            {
                "customer_id": customer_id,
                "status": current["status"],
                "merged_into": current["merged_into"],
                "versions": [{k: md.plain(v) for k, v in row.items() if k != "id"} for row in versions],
            }
        )
        return
    banner = current["status"] + (f" (merged into {current['merged_into']})" if current["merged_into"] else "")
    out.print(f"{customer_id} {current['name']}: {banner}")
    for row in versions:
        until = row["valid_to"].isoformat() if row["valid_to"] else "now"
        out.print(
            f"v{row['version']}  {row['valid_from'].isoformat()} .. {until}  {row['changed_by']}  {row['source']}"
        )
        for name, (before, after) in sorted(row["changes"].items()):
            out.print(f"    {name}: {_shown(before)} -> {_shown(after)}")


@customers_app.command("set")
def customers_set(
    ctx: typer.Context,
    customer_id: str,
    user: UserOption,
    name: Annotated[str | None, typer.Option("--name")] = None,
    segment: Annotated[str | None, typer.Option("--segment", help="e.g. standard, state_owned")] = None,
    group: Annotated[
        str | None, typer.Option("--group", help="Group id; '-' takes the customer out of its group.")
    ] = None,
    country: Annotated[str | None, typer.Option("--country")] = None,
    industry: Annotated[str | None, typer.Option("--industry")] = None,
    terms: Annotated[int | None, typer.Option("--terms", help="Payment terms in days.")] = None,
    currency: Annotated[str | None, typer.Option("--currency", help="Only while the account has no exposure.")] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="The change's business date (default today).")] = None,
    as_json: JsonOption = False,
) -> None:
    """Change a customer's master data (a new version; a group move moves its exposure in the pools)."""
    from datetime import date

    from creditdesk.service import master_data as md

    values: dict[str, Any] = {
        key: value
        for key, value in (
            ("name", name),
            ("segment", segment),
            ("country", country),
            ("industry", industry),
            ("payment_terms_days", terms),
            ("currency", currency),
        )
        if value is not None
    }
    if group is not None:
        values["group_id"] = None if group == "-" else group
    if not values:
        fail("nothing to change: give at least one of --name, --segment, --group, ...", EXIT_USAGE)
    try:
        day = date.fromisoformat(as_of) if as_of else None
    except ValueError:
        fail(f"--as-of expects a date YYYY-MM-DD, found {as_of!r}", EXIT_USAGE)
    services = state(ctx).services
    with user_errors():
        cmd = md.ChangeCustomer(customer_id, values, user, _role(ctx, user), "cli", day)
        changed = md.change_customer(cmd, services.uow(), services.clock)
    _print_change(ctx, changed, as_json)


def _status(ctx: typer.Context, customer_id: str, user: str, active: bool, as_json: bool) -> None:
    from creditdesk.service import master_data as md

    services = state(ctx).services
    with user_errors():
        changed = md.set_status(
            md.SetStatus(customer_id, active, user, _role(ctx, user), "cli"), services.uow(), services.clock
        )
    _print_change(ctx, changed, as_json)


@customers_app.command("deactivate")
def customers_deactivate(ctx: typer.Context, customer_id: str, user: UserOption, as_json: JsonOption = False) -> None:
    """No new orders for the customer (the credit check blocks them) until reactivated."""
    _status(ctx, customer_id, user, False, as_json)


@customers_app.command("reactivate")
def customers_reactivate(ctx: typer.Context, customer_id: str, user: UserOption, as_json: JsonOption = False) -> None:
    """Take orders from a deactivated customer again."""
    _status(ctx, customer_id, user, True, as_json)


@customers_app.command("merge")
def customers_merge(
    ctx: typer.Context,
    customer_id: str,
    into: Annotated[str, typer.Option("--into", help="The customer that stays.")],
    user: UserOption,
    as_json: JsonOption = False,
) -> None:
    """Merge a customer without exposure into another (history kept on both)."""
    from creditdesk.service import master_data as md

    services = state(ctx).services
    with user_errors():
        cmd = md.MergeCustomer(customer_id, into, user, _role(ctx, user))
        changed = md.merge_customer(cmd, services.uow(), services.clock)
    _print_change(ctx, changed, as_json)


@customers_app.command("list")
def customers_list(
    ctx: typer.Context,
    q: Annotated[str | None, typer.Option("--q", help="Part of the id or name, any case.")] = None,
    segment: Annotated[str | None, typer.Option("--segment")] = None,
    status: Annotated[str | None, typer.Option("--status", help="active, inactive or merged")] = None,
    grade: Annotated[int | None, typer.Option("--grade")] = None,
    company_code: Annotated[str | None, typer.Option("--company-code")] = None,
    limit: Annotated[int, typer.Option("--limit")] = 50,
    offset: Annotated[int, typer.Option("--offset")] = 0,
    as_json: JsonOption = False,
) -> None:
    """List and search customers (ordered by id, a page at a time)."""
    from creditdesk.adapters.db.master_data_store import SqlMasterData

    services = state(ctx).services
    with user_errors(), services.engine.connect() as conn:
        total, rows = SqlMasterData(conn.execution_options(readonly=True)).search(
            q=q, segment=segment, grade=grade, status=status, company_code=company_code, limit=limit, offset=offset
        )
    shown = [
        {
            "customer_id": r["customer_id"],
            "name": r["name"],
            "segment": r["segment"],
            "group_id": r["group_id"],
            "status": r["status"],
            "grade": r["grade"],
        }
        for r in rows
    ]
    if json_flag(ctx, as_json):
        print_json({"total": total, "limit": limit, "offset": offset, "items": shown})
        return
    for r in shown:
        out.print(
            f"{r['customer_id']}\t{r['name']}\t{r['segment']}\t{_shown(r['group_id'])}\t{r['status']}"
            f"\t{_shown(r['grade'])}"
        )
    out.print(f"{len(shown)} of {total} customers (offset {offset})")
