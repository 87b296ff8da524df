"""`creditdesk check`: a what-if credit check that reserves nothing."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Annotated

import typer

from creditdesk.domain.decisions import Outcome
from creditdesk.domain.money import Money
from creditdesk.entrypoints.cli.context import json_flag, state
from creditdesk.entrypoints.cli.output import EXIT_REFUSED, out, print_json, user_errors

if TYPE_CHECKING:
    from creditdesk.bootstrap import Services


def check_command(
    ctx: typer.Context,
    customer_id: Annotated[str, typer.Argument()],
    amount: Annotated[str, typer.Argument(help="Decimal amount, e.g. 1250.00")],
    currency: Annotated[str | None, typer.Option("--currency", help="Defaults to the customer's currency.")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """What-if credit check; nothing is reserved. Exit 0 approved, 1 blocked or review."""
    from creditdesk.entrypoints.api.routes import check_result
    from creditdesk.service.credit_check import what_if

    services = state(ctx).services
    with user_errors():
        money = _parse_money(services, customer_id, amount, currency)
        decision = what_if(customer_id, money, services.check_uow(), services.clock)
    result = check_result(customer_id, decision)
    if json_flag(ctx, as_json):
        print_json(result.model_dump())
    else:
        out.print(
            f"{result.decision.upper()}  {customer_id} {result.amount} {result.currency}: "
            f"limit {result.limit}, exposure {result.exposure}, available {result.available}"
        )
        for reason in result.reasons:
            out.print(f"  {reason.code}: {reason.message}")
    if decision.outcome is not Outcome.APPROVED:
        raise typer.Exit(EXIT_REFUSED)


def _parse_money(services: Services, customer_id: str, amount: str, currency: str | None) -> Money:
    from creditdesk.adapters.importing import fields as f
    from creditdesk.adapters.importing.problems import FieldError
    from creditdesk.service.errors import FieldProblem, InvalidInput, NotFound

    try:
        value: Decimal = f.decimal_amount(amount)
        if currency is None:
            with services.read_uow() as uow:
                account = uow.accounts.get(customer_id)
            if account is None:
                raise NotFound(f"customer {customer_id!r} does not exist")
            currency = account.currency
        ccy = f.currency(currency)
        return Money.from_minor(f.to_minor(value, ccy), ccy)
    except FieldError as error:
        raise InvalidInput(error.message, [FieldProblem(("amount",), error.code.value, error.message)]) from None
