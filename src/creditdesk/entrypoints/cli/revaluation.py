"""`creditdesk revalue --as-of DATE --user NAME`: revalue open foreign-currency invoices at a
month-end's rates (docs/currencies.md)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer

from creditdesk.domain.money import Money
from creditdesk.entrypoints.cli.context import json_flag, state
from creditdesk.entrypoints.cli.engine import UserOption, role_of
from creditdesk.entrypoints.cli.output import EXIT_USAGE, fail, out, print_json, user_errors


def revalue_command(
    ctx: typer.Context,
    as_of: Annotated[str, typer.Option("--as-of", help="The month-end, e.g. 2026-11-30.")],
    user: UserOption,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Revalue open foreign-currency invoices at a month-end's rates (ledger kind revalue, audited, logged)."""
    from creditdesk.service.jobs import worker_name
    from creditdesk.service.revaluation import run_revaluation

    try:
        day = date.fromisoformat(as_of)
    except ValueError:
        fail(f"--as-of: expected a date like 2026-11-30, found {as_of!r}", EXIT_USAGE)
    services = state(ctx).services
    with user_errors():
        role = role_of(ctx, user)
        run = run_revaluation(
            services.job_store(), day, user, role, services.read_uow, services.uow, services.clock, worker_name()
        )
    if json_flag(ctx, as_json):
        print_json(run.as_json())
        return
    rates = ", ".join(f"{pair} {rate}" for pair, rate in sorted(run.rates.items())) or "none needed"
    out.print(f"{day}: {run.items} open foreign items of {run.customers} customers, {run.changed} revalued")
    out.print(f"rates: {rates}")
    for customer_id, moved in sorted(run.deltas.items()):
        delta = Money.from_minor(moved["delta"], moved["currency"])
        out.print(f"  {customer_id}: receivable {'+' if delta.amount > 0 else ''}{delta}")
