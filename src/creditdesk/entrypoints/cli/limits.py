"""`creditdesk limits recommend`: every method's amount and working, and the policy's limit."""

from __future__ import annotations

from typing import Annotated

import typer

from creditdesk.entrypoints.cli.context import json_flag, state
from creditdesk.entrypoints.cli.output import out, print_json, user_errors
from creditdesk.entrypoints.cli.scoring import AsOfOption, as_of_date
from creditdesk.service.limit_recommendation import recommend_limits

limits_app = typer.Typer(help="Credit limits: recommendations from the limit methods.", no_args_is_help=True)


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
