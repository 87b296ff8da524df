"""`creditdesk forecast cash|invoices|backtest`: when the receivables will come in as cash."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer
from rich.table import Table

from creditdesk.adapters.outflows_file import OutflowsError, read_outflows
from creditdesk.entrypoints.cli.context import json_flag, state
from creditdesk.entrypoints.cli.output import EXIT_DATA, EXIT_USAGE, decimal_option, err, fail, guarded, out, print_json
from creditdesk.entrypoints.cli.reports import JsonOption, XlsxOption, emit, led_by_main
from creditdesk.entrypoints.cli.scoring import AsOfOption, as_of_date
from creditdesk.entrypoints.workbooks import forecast_workbook
from creditdesk.service.cash_forecast import CashPlan, cash_forecast, forecast_backtest, invoice_predictions

forecast_app = typer.Typer(
    help="Cash-inflow forecast from the open invoices, payment-date predictions and the backtest.",
    no_args_is_help=True,
)
WeeksOption = Annotated[int, typer.Option("--weeks", min=1, max=52, help="Weeks ahead.")]


def _plan(
    opening_cash: str | None, floor: str, outflow_per_week: str, outflows: Path | None, currency: str | None
) -> CashPlan | None:
    opening = decimal_option(opening_cash, "--opening-cash")
    if opening is None:
        if outflows is not None or outflow_per_week != "0":
            fail("outflows need --opening-cash to plan the cash against", EXIT_USAGE)
        return None
    dated: dict[date, Decimal] = {}
    if outflows is not None:
        try:
            dated = read_outflows(outflows, currency)
        except OutflowsError as error:
            for problem in error.problems:
                err.print(str(problem), soft_wrap=True, markup=False)
            raise typer.Exit(EXIT_DATA) from None
    return CashPlan(
        opening_cash=opening,
        currency=currency,
        floor=decimal_option(floor, "--floor") or Decimal(0),
        outflow_per_week=decimal_option(outflow_per_week, "--outflow-per-week") or Decimal(0),
        outflows=dated,
    )


def _day(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        fail(f"{option} expects a date as YYYY-MM-DD; got {text!r}", EXIT_USAGE)


@forecast_app.command("cash")
def forecast_cash(
    ctx: typer.Context,
    weeks: WeeksOption = 13,
    as_of: AsOfOption = None,
    new_sales: Annotated[
        bool, typer.Option("--new-sales/--no-new-sales", help="Add the inflow from sales at the run rate.")
    ] = True,
    opening_cash: Annotated[str | None, typer.Option("--opening-cash", help="Cash on the as-of date.")] = None,
    floor: Annotated[str, typer.Option("--floor", help="Cash must not fall below this.")] = "0",
    outflow_per_week: Annotated[str, typer.Option("--outflow-per-week", help="Planned outflow each week.")] = "0",
    outflows: Annotated[
        Path | None, typer.Option("--outflows", help="CSV of planned outflows: date,amount[,currency].")
    ] = None,
    currency: Annotated[str | None, typer.Option("--currency", help="Currency of the cash plan.")] = None,
    by_day: Annotated[bool, typer.Option("--by-day", help="Show the days, not the weeks.")] = False,
    as_json: JsonOption = False,
    xlsx: XlsxOption = None,
) -> None:
    """Weekly (or daily) cash inflow for the next weeks: expected with P10/P50/P90 from the payment-date
    model, the due-date forecast beside it, and the funding gap when --opening-cash is given."""
    plan = _plan(opening_cash, floor, outflow_per_week, outflows, currency)
    services = state(ctx).services
    day = as_of_date(as_of)
    documents = guarded(
        lambda: cash_forecast(services.receivables().frames(day), day, weeks, new_sales=new_sales, plan=plan)
    )
    if xlsx is not None:
        forecast_workbook(documents, xlsx)
        out.print(f"wrote {xlsx}")
    elif json_flag(ctx, as_json):
        print_json(led_by_main(documents, lambda document: document["open_receivables"]))
    else:
        for document in documents:
            _print_forecast(document, by_day)


def _print_forecast(document: dict[str, Any], by_day: bool) -> None:
    table = Table(title=f"{document['currency']} cash inflow from {document['as_of']}")
    for name in ("day" if by_day else "week", "P10", "P50", "P90", "expected", "due date", "new sales", "total"):
        table.add_column(name, justify="right")
    for row in document["days"] if by_day else document["rows"]:
        table.add_row(
            row["date"] if by_day else f"{row['week']} ({row['week_start']})",
            row["p10"],
            row["p50"],
            row["p90"],
            row["expected"],
            row["due_date"],
            row["new_sales"],
            row["expected_total"],
        )
    out.print(table)
    funding = document.get("funding")
    if funding:
        short = funding["weeks_below_floor"]
        if short:
            weeks = ", ".join(f"week {s['week']} ({s['below_floor_by']})" for s in short)
            out.print(f"cash falls below the floor {funding['floor']} in {weeks}")
        else:
            out.print(f"cash stays above the floor {funding['floor']} even with every week at its P10")


@forecast_app.command("invoices")
def forecast_invoices(
    ctx: typer.Context,
    as_of: AsOfOption = None,
    customer: Annotated[str | None, typer.Option("--customer", help="Only this customer's invoices.")] = None,
    as_json: JsonOption = False,
    xlsx: XlsxOption = None,
) -> None:
    """Every open invoice with its predicted payment dates (P10, P50, P90)."""
    services = state(ctx).services
    day = as_of_date(as_of)
    rows = guarded(lambda: invoice_predictions(services.receivables().frames(day), day, customer))

    def line(row: dict[str, Any]) -> str:
        return (
            f"{row['invoice_id']} {row['customer_id']} {row['open_amount']} {row['currency']}"
            f" due {row['due_date']}: P10 {row['p10']} P50 {row['p50']} P90 {row['p90']}"
        )

    emit(ctx, rows, as_json, xlsx, "predictions", line)


@forecast_app.command("backtest")
def forecast_backtest_command(
    ctx: typer.Context,
    start: Annotated[str, typer.Option("--from", help="Train on what was known this day; first forecast.")],
    end: Annotated[str, typer.Option("--to", help="Last forecast day.")],
    weeks: WeeksOption = 13,
    currency: Annotated[str | None, typer.Option("--currency")] = None,
    as_json: JsonOption = False,
    xlsx: XlsxOption = None,
) -> None:
    """Replay history: forecast every week with what was known then, compare with what came in."""
    first, last = _day(start, "--from"), _day(end, "--to")
    services = state(ctx).services
    result = guarded(lambda: forecast_backtest(services.receivables().frames(last), first, last, weeks, currency))
    if xlsx is not None:
        with pd.ExcelWriter(xlsx, engine="openpyxl") as book:
            summary = {k: v for k, v in result.items() if k != "weekly"}
            pd.DataFrame([summary]).to_excel(book, sheet_name="summary", index=False)
            pd.DataFrame(result["weekly"]).to_excel(book, sheet_name="weeks", index=False)
        out.print(f"wrote {xlsx}")
    elif json_flag(ctx, as_json):
        print_json(result)
    else:
        for key in ("mae_days_model", "mae_days_due_date", "wape_model", "wape_due_date", "coverage_p10_p90"):
            out.print(f"{key}: {result[key]}")
