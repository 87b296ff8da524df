"""`creditdesk collections run|worklist|promise|promises`: dunning, promises to pay and the
collector's worklist."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

import typer

from creditdesk.domain.collections import Promise, PromiseStatus
from creditdesk.domain.money import Money, MoneyError, parse_amount
from creditdesk.entrypoints.cli.context import json_flag, state
from creditdesk.entrypoints.cli.engine import UserOption, role_of
from creditdesk.entrypoints.cli.output import EXIT_USAGE, fail, guarded, out, print_json
from creditdesk.entrypoints.cli.reports import JsonOption, XlsxOption, emit
from creditdesk.entrypoints.cli.scoring import AsOfOption, as_of_date
from creditdesk.service.collections import open_worklist, promise_json, record_promise, run_dunning

collections_app = typer.Typer(
    help="Dunning levels, promises to pay and the collector's worklist.", no_args_is_help=True
)


@collections_app.command("run")
def collections_run(ctx: typer.Context, as_of: AsOfOption = None, as_json: JsonOption = False) -> None:
    """The dunning run: settle promises (kept or broken) and move each customer's dunning level."""
    from creditdesk.entrypoints.kept_lines import dunning_positions

    services = state(ctx).services
    day = as_of_date(as_of)
    run = guarded(lambda: run_dunning(dunning_positions(services, day)[0], services.uow, services.clock, day))
    if json_flag(ctx, as_json):
        print_json(run.as_json())
        return
    body = run.as_json()
    out.print(f"{day}: {len(run.changes)} level changes {body['to_level']}, promises kept {len(body['kept'])}, "
              f"broken {len(body['broken'])}")  # fmt: skip


@collections_app.command("worklist")
def collections_worklist(
    ctx: typer.Context, as_of: AsOfOption = None, as_json: JsonOption = False, xlsx: XlsxOption = None
) -> None:
    """The overdue items, highest expected loss first, with dunning level, action and promise.
    With the nightly batch on, the night's worklist unless another day is asked for."""
    services = state(ctx).services
    day = as_of_date(as_of)

    def build() -> list[dict[str, Any]]:
        if services.settings.batch_engine != "off" and as_of is None:
            from creditdesk.entrypoints.kept_lines import whole_kept_worklist

            return whole_kept_worklist(services, day)[2]
        _, policy = services.limit_inputs().active_limit_policy()
        return open_worklist(services.receivables().frames(day), day, policy.lgd, services.uow())

    def line(r: dict[str, Any]) -> str:
        return (
            f"{r['customer_id']} {r['invoice_id']} {r['open_amount']} {r['currency']} {r['days_past_due']} days;"
            f" level {r['dunning_level']}: {r['action_en']}; expected loss {r['expected_loss']}"
        )

    emit(ctx, guarded(build), as_json, xlsx, "worklist", line)


@collections_app.command("promise")
def collections_promise(
    ctx: typer.Context,
    promise_id: str,
    customer_id: str,
    amount: str,
    currency: Annotated[str, typer.Option("--currency")],
    promised_on: Annotated[str, typer.Option("--by", help="YYYY-MM-DD: when the customer says it will pay.")],
    invoice: Annotated[str | None, typer.Option("--invoice")] = None,
    note: Annotated[str, typer.Option("--note")] = "",
    as_of: AsOfOption = None,
    user: UserOption = "admin",
    as_json: JsonOption = False,
) -> None:
    """Record a customer's promise to pay AMOUNT by a date."""
    services = state(ctx).services
    try:
        money = Money.of(parse_amount(amount), currency)
        by = date.fromisoformat(promised_on)
    except (MoneyError, ValueError) as error:
        fail(str(error), EXIT_USAGE)
    made_on = as_of_date(as_of) if as_of else services.clock.today()
    promise = Promise(promise_id, customer_id, money, by, made_on, invoice, note, user)
    role = role_of(ctx, user)
    stored, created = guarded(lambda: record_promise(services.uow(), services.clock, promise, role))
    if json_flag(ctx, as_json):
        print_json({**promise_json(stored), "created": created})
    else:
        out.print(
            f"promise {stored.promise_id}: {stored.amount.amount} {stored.amount.currency} by {stored.promised_on}"
        )


@collections_app.command("promises")
def collections_promises(
    ctx: typer.Context,
    customer: Annotated[str | None, typer.Option("--customer")] = None,
    status: Annotated[str | None, typer.Option("--status", help="open, kept or broken")] = None,
    as_json: JsonOption = False,
) -> None:
    """Promises to pay, with whether they were kept."""
    if status is not None and status not in {s.value for s in PromiseStatus}:
        fail(f"--status expects open, kept or broken; got {status!r}", EXIT_USAGE)
    services = state(ctx).services

    def read() -> list[Promise]:
        with services.uow() as uow:
            return uow.collections.promises(status=PromiseStatus(status) if status else None, customer_id=customer)

    found = guarded(read)
    if json_flag(ctx, as_json):
        print_json([promise_json(p) for p in found])
    else:
        for p in found:
            out.print(
                f"{p.promise_id} {p.customer_id} {p.amount.amount} {p.amount.currency} by {p.promised_on}: {p.status}"
            )
