"""`creditdesk limits ...` and `creditdesk monitor`: recommendations, applying them, limit
requests and their approval, the change history, and the daily monitor run."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

import typer
from rich.progress import track

from creditdesk.domain.limit_requests import RequestStatus
from creditdesk.domain.money import MoneyError, parse_amount
from creditdesk.entrypoints.cli.context import json_flag, state
from creditdesk.entrypoints.cli.engine import UserOption, role_of
from creditdesk.entrypoints.cli.output import EXIT_USAGE, fail, out, print_json, user_errors
from creditdesk.entrypoints.cli.scoring import AsOfOption, as_of_date
from creditdesk.service.allocation import allocate, concentration, group_pools
from creditdesk.service.limit_recommendation import apply_recommendations, recommend_limits
from creditdesk.service.limits import DecideRequest, decide_request
from creditdesk.service.monitor import MonitorRun, run_monitor

limits_app = typer.Typer(
    help="Credit limits: recommendations, applying them, requests and approvals, history.", no_args_is_help=True
)
CustomerOption = Annotated[str | None, typer.Option("--customer", help="One customer only.")]
JsonOption = Annotated[bool, typer.Option("--json")]


@limits_app.command("recommend")
def limits_recommend(
    ctx: typer.Context,
    customer: Annotated[str | None, typer.Option("--customer", help="One customer, with its full working.")] = None,
    as_of: AsOfOption = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Each method's limit (need, capacity, bureau, risk budget, profit-optimal) and the final one."""
    services = state(ctx).services
    with user_errors():
        version, found = recommend_limits(services.limit_inputs(), as_of_date(as_of), customer_id=customer)
    if json_flag(ctx, as_json):
        print_json([{**r.as_json(), "policy_version": version} for r in found])
        return
    out.print(f"limit policy: {'built-in defaults' if version is None else f'version {version}'}")
    for rec in found:
        i = rec.inputs
        grade = "unscored" if i.grade is None else f"grade {i.grade}, PD {i.pd:.2%}"
        out.print(
            f"{i.customer_id} ({grade}): limit now {i.current_limit} {i.currency}, recommended {rec.final.amount}"
        )
        if customer is not None:
            for w in rec.methods:
                out.print(f"  {w.method:<15} {w.amount if w.amount is not None else '-':>14}  {w.formula or w.note}")
            out.print(f"  {'final':<15} {rec.final.amount:>14}  {rec.final.formula}")


@limits_app.command("apply")
def limits_apply(
    ctx: typer.Context,
    customer: CustomerOption = None,
    as_of: AsOfOption = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show what would change; change nothing.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Move limits to the recommendation: cuts always; increases within the system's authority,
    beyond it as requests for the role that may decide them."""
    from creditdesk.entrypoints.web.workings import chinese_limit_reason  # the catalogue, only when applying

    services = state(ctx).services
    with user_errors():
        run = apply_recommendations(
            services.limit_inputs(),
            services.uow,
            services.clock,
            as_of_date(as_of),
            customer,
            dry_run=dry_run,
            explain_zh=chinese_limit_reason,
        )
    if json_flag(ctx, as_json):
        print_json({**run.as_json(), "dry_run": dry_run})
        return
    verb = "would apply" if dry_run else "applied"
    out.print(f"{verb} {len(run.applied)} limits, {len(run.requested)} requests for approval, kept {len(run.kept)}")
    for line in run.applied + run.requested:
        role = f" (needs a {line['required_role']})" if "required_role" in line else ""
        out.print(f"  {line['customer_id']}: {line['from']} -> {line['to']} {line['currency']}{role}")


@limits_app.command("requests")
def limits_requests(
    ctx: typer.Context,
    status: Annotated[str, typer.Option("--status", help="pending, approved, rejected or all.")] = "pending",
    as_json: JsonOption = False,
) -> None:
    """The limit requests worklist."""
    services = state(ctx).services
    if status != "all" and status not in {s.value for s in RequestStatus}:
        fail(f"--status expects pending, approved, rejected or all; got {status!r}", EXIT_USAGE)
    with user_errors(), services.read_uow() as uow:
        found = uow.management.requests(status=None if status == "all" else RequestStatus(status))
    if json_flag(ctx, as_json):
        print_json([r.as_json() for r in found])
        return
    for r in found:
        out.print(
            f"{r.request_id} {r.customer_id} {r.amount.amount:,} {r.amount.currency} [{r.origin.value}] "
            f"needs {r.required_role.value}, by {r.requested_by}: {r.reason}"
        )


@limits_app.command("decide")
def limits_decide(
    ctx: typer.Context,
    request_id: str,
    user: UserOption,
    approve: Annotated[bool, typer.Option("--approve/--reject", help="Approve (and apply) or reject.")],
    comment: Annotated[str | None, typer.Option("--comment")] = None,
    as_json: JsonOption = False,
) -> None:
    """Approve or reject a limit request (never your own; within your authority)."""
    services = state(ctx).services
    role = role_of(ctx, user)
    with user_errors():
        decided = decide_request(
            DecideRequest(request_id, approve, user, role, comment),
            services.uow(),
            services.clock,
            services.limit_inputs(),
        )
    if json_flag(ctx, as_json):
        print_json(decided.as_json())
    else:
        out.print(f"{decided.request_id}: {decided.status.value} by {decided.decided_by}")


@limits_app.command("history")
def limits_history(ctx: typer.Context, customer_id: str, as_json: JsonOption = False) -> None:
    """Every change made to a customer's limit and standing, with its rule and explanation."""
    services = state(ctx).services
    with user_errors(), services.read_uow() as uow:
        changes = uow.management.changes(customer_id)
        limits = uow.limits.for_customer(customer_id)
    if json_flag(ctx, as_json):
        print_json(
            {
                "customer_id": customer_id,
                "changes": [c.as_json() for c in changes],
                "limits": [h.as_json() for h in limits],
            }
        )
        return
    for c in changes:
        out.print(f"{c.effective_on} {c.rule:<18} {c.field:<7} {c.before} -> {c.after}: {c.en}")


@limits_app.command("concentration")
def limits_concentration(ctx: typer.Context, as_of: AsOfOption = None, as_json: JsonOption = False) -> None:
    """Current and recommended limits by industry, country and group against the policy's caps,
    and each group's pooled limit."""
    services = state(ctx).services
    store = services.limit_inputs()
    with user_errors():
        version, policy = store.active_limit_policy()
        _, found = recommend_limits(store, as_of_date(as_of), policy)
    rows, pools = concentration(found, policy), group_pools(found, policy)
    if json_flag(ctx, as_json):
        print_json({"policy_version": version, "concentration": rows, "groups": pools})
        return
    for row in rows:
        flag = "  OVER CAP" if row["over"] else ""
        out.print(
            f"{row['dimension']:<8} {row['value']:<14} {row['recommended']:>16} {row['currency']} "
            f"{float(row['recommended_share']):6.1%} of limits (cap {row['cap'] or '-'}){flag}"
        )


@limits_app.command("allocate")
def limits_allocate(
    ctx: typer.Context,
    budget: Annotated[str, typer.Option("--budget", help="The total credit to hand out.")],
    loss_budget: Annotated[str, typer.Option("--loss-budget", help="The expected loss the portfolio may carry.")],
    currency: Annotated[str, typer.Option("--currency", help="The customers of this account currency.")] = "CNY",
    as_of: AsOfOption = None,
    as_json: JsonOption = False,
) -> None:
    """Allocate a credit budget across customers to maximise expected profit within the loss budget
    and the concentration caps (linear programming, HiGHS): a recommendation beside the methods."""
    services = state(ctx).services
    store = services.limit_inputs()
    try:
        total, losses = parse_amount(budget), parse_amount(loss_budget)
    except MoneyError as error:
        fail(f"--budget and --loss-budget expect amounts: {error}", EXIT_USAGE)
    with user_errors():
        _, policy = store.active_limit_policy()
        _, found = recommend_limits(store, as_of_date(as_of), policy)
        result = allocate(found, policy, currency, total, losses)
    if json_flag(ctx, as_json):
        print_json(result.as_json())
        return
    summary = result.as_json()
    out.print(
        f"allocated {summary['allocated']} of {budget} {currency} to {len(result.limits)} customers: "
        f"expected profit {result.expected_profit:,.0f}, expected loss {result.expected_loss:,.0f} "
        f"(per-customer methods: {result.per_customer_limits} limits, profit {result.per_customer_profit:,.0f})"
    )
    for name, price in summary["shadow_prices"].items():
        out.print(f"  binding: {name}, one more unit earns {price:.4f}")


def monitor(
    ctx: typer.Context,
    as_of: AsOfOption = None,
    since: Annotated[
        str | None, typer.Option("--from", help="YYYY-MM-DD: replay every day from this one to --as-of.")
    ] = None,
    customer: CustomerOption = None,
    as_json: JsonOption = False,
) -> None:
    """The daily monitor: penalties, recovery, rewards, bureau downgrades, lapsed temporary limits
    and the review calendar, judged on the events dated up to the day."""
    services = state(ctx).services
    last = as_of_date(as_of)
    first = as_of_date(since) if since is not None else last
    if first > last:
        fail(f"--from {first} is after --as-of {last}", EXIT_USAGE)
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    runs: list[MonitorRun] = []
    with user_errors():
        for day in track(days, description="monitoring", disable=len(days) == 1 or json_flag(ctx, as_json)):
            runs.append(
                run_monitor(
                    day, services.monitor_facts(), services.limit_inputs(), services.uow, services.clock, customer
                )
            )
    if json_flag(ctx, as_json):
        print_json(runs[0].as_json() if len(runs) == 1 else [r.as_json() for r in runs])
        return
    for run in runs:
        summary = ", ".join(f"{rule} {n}" for rule, n in run.by_rule().items())
        out.print(f"{run.as_of}: {run.accounts} accounts, {len(run.changes)} changes {summary}")
        for c in run.changes:
            out.print(f"  {c.customer_id} {c.rule}: {c.en}")
