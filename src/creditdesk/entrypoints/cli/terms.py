"""`creditdesk terms ...`: early-payment discount economics, late-payment interest, terms by grade."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

import typer

from creditdesk.domain.money import Money, MoneyError, parse_amount
from creditdesk.domain.terms import TERMS_BY_GRADE, discount_economics, late_interest
from creditdesk.entrypoints.cli.context import json_flag
from creditdesk.entrypoints.cli.output import EXIT_USAGE, fail, out, print_json

terms_app = typer.Typer(help="Credit terms: discounts, late-payment interest, terms by grade.", no_args_is_help=True)
JsonOption = Annotated[bool, typer.Option("--json")]


def _decimal(text: str, option: str) -> Decimal:
    try:
        return parse_amount(text)
    except MoneyError as error:
        fail(f"{option} expects a decimal number: {error}", EXIT_USAGE)
    raise AssertionError("unreachable")  # pragma: no cover


@terms_app.command("discount")
def terms_discount(
    ctx: typer.Context,
    discount: Annotated[str, typer.Option("--discount", help="e.g. 0.02 for 2 %.")],
    discount_days: Annotated[int, typer.Option("--discount-days")],
    net_days: Annotated[int, typer.Option("--net-days")],
    cost_of_capital: Annotated[float, typer.Option("--cost-of-capital")] = 0.08,
    paid_after_days: Annotated[int | None, typer.Option("--paid-after-days", help="When customers really pay.")] = None,
    loss_rate: Annotated[float, typer.Option("--loss-rate", help="Annual expected loss avoided.")] = 0.0,
    as_json: JsonOption = False,
) -> None:
    """What a discount for early payment costs, for the buyer and for the seller, and whether it pays."""
    try:
        found = discount_economics(
            _decimal(discount, "--discount"), discount_days, net_days, cost_of_capital, paid_after_days, loss_rate
        )
    except ValueError as error:
        fail(str(error), EXIT_USAGE)
    if json_flag(ctx, as_json):
        print_json(found.as_json())
        return
    out.print(
        f"{(found.discount * 100).normalize()}/{discount_days} net {net_days}: {found.simple_rate:.2%} a year "
        f"({found.effective_rate:.2%} compounded) for a buyer who does not take it; for us "
        f"{found.seller_rate:.2%} a year against {found.hurdle:.2%}: "
        f"{'worth offering' if found.worth_offering else 'not worth offering'}"
    )


@terms_app.command("interest")
def terms_interest(
    ctx: typer.Context,
    amount: Annotated[str, typer.Option("--amount")],
    currency: Annotated[str, typer.Option("--currency")],
    days_late: Annotated[int, typer.Option("--days-late")],
    rate: Annotated[str, typer.Option("--rate", help="Annual rate, e.g. 0.12 (reference rate + 8 points).")],
    as_json: JsonOption = False,
) -> None:
    """Late-payment interest on an overdue amount (simple interest, 365-day year)."""
    try:
        owed = Money.of(amount, currency)
    except (MoneyError, ValueError) as error:
        fail(f"--amount and --currency: {error}", EXIT_USAGE)
    interest = late_interest(owed, days_late, _decimal(rate, "--rate"))
    if json_flag(ctx, as_json):
        print_json(
            {
                "amount": str(owed.amount),
                "currency": owed.currency,
                "days_late": days_late,
                "rate": rate,
                "interest": str(interest.amount),
            }
        )
    else:
        out.print(f"{interest.amount} {interest.currency}")


@terms_app.command("grades")
def terms_grades(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """The recommended payment terms by grade."""
    rows = [{"grades": list(t.grades), "net_days": t.net_days, "note": t.note} for t in TERMS_BY_GRADE]
    if json_flag(ctx, as_json):
        print_json(rows)
        return
    for row in rows:
        days = "cash in advance" if row["net_days"] is None else f"net {row['net_days']}"
        out.print(f"grades {row['grades']}: {days} ({row['note']})")
