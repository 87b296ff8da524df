"""`creditdesk report aging|dso|cei`: receivables analytics as of any date, on screen, as JSON
or as an xlsx workbook."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from creditdesk.entrypoints.cli.context import json_flag, state
from creditdesk.entrypoints.cli.output import (
    EXIT_USAGE,
    decimal_option,
    err,
    fail,
    guarded,
    out,
    print_json,
    user_errors,
)
from creditdesk.entrypoints.cli.scoring import AsOfOption, as_of_date
from creditdesk.entrypoints.portfolio_views import PortfolioViews, dashboard_views, standard_views
from creditdesk.entrypoints.reporting import report_in_reporting, reporting_text
from creditdesk.entrypoints.workbooks import flat_what_if
from creditdesk.risk.rating import UNSCORED_PD
from creditdesk.service import receivables
from creditdesk.service.errors import InvalidInput
from creditdesk.service.groupings import GROUPINGS
from creditdesk.service.working_capital import CompanyFigures, WhatIf, customers_working_capital, working_capital

report_app = typer.Typer(
    help="Receivables reports: ageing, DSO, collection effectiveness, expected losses, working capital.",
    no_args_is_help=True,
)
ByOption = Annotated[str | None, typer.Option("--by", help="customer, segment or grade; default the portfolio.")]
PeriodOption = Annotated[int, typer.Option("--period-days", min=1, help="Days of credit sales (DSO, CEI).")]
XlsxOption = Annotated[Path | None, typer.Option("--xlsx", help="Write the report to this workbook.")]
JsonOption = Annotated[bool, typer.Option("--json")]


def _check_by(by: str | None) -> None:
    if by is not None and by not in GROUPINGS:
        fail(f"--by expects one of {', '.join(GROUPINGS)}; got {by!r}", EXIT_USAGE)


def emit(
    ctx: typer.Context,
    rows: list[dict[str, Any]],
    as_json: bool,
    xlsx: Path | None,
    title: str,
    line: Callable[[dict[str, Any]], str] | None = None,
) -> None:
    """Rows to a workbook, as JSON (a portfolio's as one document) or one line each."""
    if xlsx is not None:
        pd.DataFrame(rows).to_excel(xlsx, sheet_name=title, index=False, engine="openpyxl")
        out.print(f"wrote {len(rows)} rows to {xlsx}")
    elif json_flag(ctx, as_json):
        print_json(portfolio_json(rows))
    else:
        for row in rows:
            out.print(line(row) if line else "  ".join(f"{k}={v}" for k, v in row.items()))


def portfolio_json(rows: list[dict[str, Any]]) -> Any:
    """By group: the rows. For the portfolio: one document with the figures of its main currency
    (the most receivables) at the top and every currency's under ``currencies``: amounts in two
    currencies are never added."""
    if not rows or "scope" not in rows[0]:
        return rows
    return led_by_main(rows, lambda row: row.get("receivables") or row.get("total") or row.get("provision"))


def led_by_main(documents: list[dict[str, Any]], amount: Callable[[dict[str, Any]], Any]) -> dict[str, Any]:
    """The document of the currency with the largest ``amount`` at the top, every currency's
    under ``currencies``."""
    if not documents:
        return {"currencies": []}
    main = max(documents, key=lambda document: Decimal(amount(document) or 0))
    return {**main, "currencies": documents}


@report_app.command("aging")
def report_aging(
    ctx: typer.Context,
    as_of: AsOfOption = None,
    by: ByOption = None,
    buckets: Annotated[str, typer.Option("--buckets", help="Last day of each bucket, e.g. 30,60,90,180.")] = "",
    company_code: Annotated[
        str | None, typer.Option("--company-code", help="The documents of one selling entity only.")
    ] = None,
    as_json: JsonOption = False,
    xlsx: XlsxOption = None,
) -> None:
    """Open receivables by days past due: current, 1-30, 31-60, 61-90, 91-180, over 180 (or --buckets)."""
    _check_by(by)
    services = state(ctx).services
    day = as_of_date(as_of)
    try:
        chosen = receivables.buckets_from(buckets) if buckets else receivables.DEFAULT_BUCKETS
    except InvalidInput as error:
        fail(f"--buckets: {error.detail}", EXIT_USAGE)
    with user_errors():
        rows = receivables.ageing(services.receivables().frames(day, company_code), day, by, chosen)
    emit(ctx, rows, as_json, xlsx, "ageing")
    if xlsx is None and not json_flag(ctx, as_json):  # the portfolio in the reporting currency
        found = report_in_reporting(services, "aging", rows, day, by)
        if found is not None:
            out.print(reporting_text(found, ["total", "overdue"]))


def _dso_rows(ctx: typer.Context, as_of: str | None, by: str | None, period_days: int) -> list[dict[str, Any]]:
    _check_by(by)
    services = state(ctx).services
    day = as_of_date(as_of)
    return guarded(lambda: receivables.dso(services.receivables().frames(day), day, period_days, by))


@report_app.command("dso")
def report_dso(
    ctx: typer.Context,
    as_of: AsOfOption = None,
    by: ByOption = None,
    period_days: PeriodOption = 90,
    as_json: JsonOption = False,
    xlsx: XlsxOption = None,
) -> None:
    """DSO, countback DSO, best possible DSO, average days delinquent, CEI, overdue ratio, turnover."""
    emit(ctx, _dso_rows(ctx, as_of, by, period_days), as_json, xlsx, "dso")


@report_app.command("cei")
def report_cei(
    ctx: typer.Context,
    as_of: AsOfOption = None,
    by: ByOption = None,
    period_days: PeriodOption = 90,
    as_json: JsonOption = False,
    xlsx: XlsxOption = None,
) -> None:
    """Collection effectiveness: what was collected of what could have been."""
    rows = _dso_rows(ctx, as_of, by, period_days)
    emit(ctx, receivables.cei_only(rows, by), as_json, xlsx, "cei")


@report_app.command("ecl")
def report_ecl(
    ctx: typer.Context,
    as_of: AsOfOption = None,
    months: Annotated[int, typer.Option("--months", min=1, max=60, help="Month-ends of roll-rate history.")] = 12,
    forward_factor: Annotated[
        float, typer.Option("--forward-factor", min=0.0, help="Forward-looking scaling of the loss rates.")
    ] = 1.0,
    as_json: JsonOption = False,
    xlsx: XlsxOption = None,
) -> None:
    """Expected credit losses: the IFRS 9 provision matrix from roll rates beside PD × LGD × EAD
    from the scores, reconciled by segment (per account currency)."""
    services = state(ctx).services
    day = as_of_date(as_of)
    with user_errors():
        _, policy = services.limit_inputs().active_limit_policy()
        frames = services.receivables().frames(day)
        reports = receivables.ecl_report(frames, day, months, forward_factor, policy.lgd, UNSCORED_PD)
    if xlsx is not None:
        with pd.ExcelWriter(xlsx, engine="openpyxl") as book:
            for report in reports:
                pd.DataFrame(report["matrix"]).to_excel(book, sheet_name=f"matrix {report['currency']}", index=False)
                pd.DataFrame(report["by_segment"]).to_excel(
                    book, sheet_name=f"segments {report['currency']}", index=False
                )
        out.print(f"wrote {xlsx}")
    elif json_flag(ctx, as_json):
        print_json(portfolio_json([{"scope": "portfolio", **report} for report in reports]))
    else:
        for report in reports:
            out.print(
                f"{report['currency']}: provision matrix {report['provision']}, PD × LGD × EAD {report['pd_lgd_ead']}"
            )
            for row in report["matrix"]:
                out.print(
                    f"  {row['bucket']:<9} {row['balance']:>16} loss rate {row['loss_rate']} -> {row['provision']}"
                )
        found = report_in_reporting(services, "ecl", reports, day)
        if found is not None:  # the portfolio in the reporting currency
            out.print(reporting_text(found, ["provision", "pd_lgd_ead"]))


@report_app.command("wcr")
def report_wcr(
    ctx: typer.Context,
    as_of: AsOfOption = None,
    by: ByOption = None,
    period_days: PeriodOption = 90,
    inventory: Annotated[str, typer.Option("--inventory", help="The company's inventory.")] = "0",
    payables: Annotated[str, typer.Option("--payables", help="The company's trade payables.")] = "0",
    cost_of_sales: Annotated[
        str | None, typer.Option("--cost-of-sales", help="Cost of sales a year (for DIO and DPO).")
    ] = None,
    cost_of_capital: Annotated[str, typer.Option("--cost-of-capital", help="A year, e.g. 0.08.")] = "0.08",
    currency: Annotated[str | None, typer.Option("--currency", help="Currency of the entered figures.")] = None,
    terms_change_days: Annotated[
        int, typer.Option("--terms-change-days", help="What if the payment terms changed by N days.")
    ] = 0,
    limit_change: Annotated[
        str, typer.Option("--limit-change", help="What if limits changed by this share, e.g. 0.10 or -0.10.")
    ] = "0",
    as_json: JsonOption = False,
    xlsx: XlsxOption = None,
) -> None:
    """Working capital: WCR = receivables + inventory − payables, CCC = DSO + DIO − DPO, the
    financing cost, and a what-if of new terms or limits. With --by: the customers' own working
    capital from their latest statements."""
    _check_by(by)
    services = state(ctx).services
    day = as_of_date(as_of)
    company = CompanyFigures(
        inventory=decimal_option(inventory, "--inventory") or Decimal(0),
        payables=decimal_option(payables, "--payables") or Decimal(0),
        cost_of_sales_a_year=decimal_option(cost_of_sales, "--cost-of-sales"),
        cost_of_capital=decimal_option(cost_of_capital, "--cost-of-capital") or Decimal(0),
        currency=currency,
    )
    what_if = WhatIf(terms_change_days, decimal_option(limit_change, "--limit-change") or Decimal(0))
    source = services.receivables()
    with user_errors():
        if by is None:
            rows = working_capital(source.frames(day), day, company, what_if, period_days)
        else:
            rows = customers_working_capital(source.statements(day), source.frames(day).customers, by)
    if xlsx is not None or not json_flag(ctx, as_json):
        rows = [flat_what_if(row) for row in rows]
    emit(ctx, rows, as_json, xlsx, "wcr")


@report_app.command("trends")
def report_trends(
    ctx: typer.Context,
    as_of: AsOfOption = None,
    by: ByOption = None,
    months: Annotated[int, typer.Option("--months", min=1, max=60, help="Month-ends to show.")] = 12,
    period_days: PeriodOption = 90,
    as_json: JsonOption = False,
    xlsx: XlsxOption = None,
) -> None:
    """Monthly trends: receivables, DSO, best possible DSO, ADD, CEI, overdue and bad-debt ratios
    at each month-end, as the ledger stood then."""
    _check_by(by)
    services = state(ctx).services
    day = as_of_date(as_of)
    rows = guarded(lambda: receivables.trends(services.receivables().frames(day), day, months, period_days, by))
    if xlsx is not None or not json_flag(ctx, as_json):
        emit(ctx, rows, as_json, xlsx, "trends")
    else:
        print_json(rows)


@report_app.command("refresh")
def report_refresh(
    ctx: typer.Context,
    as_of: AsOfOption = None,
    dashboard_only: Annotated[bool, typer.Option("--dashboard-only", help="Only the dashboard's panels.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Compute the web app's report snapshots ahead (nightly, after the day's postings): the
    dashboard's trends, losses and cash forecast, the models page, and every report for the
    portfolio and by segment and grade. A page then answers from its snapshot in milliseconds."""
    services = state(ctx).services
    day = as_of_date(as_of)
    views = PortfolioViews(services)
    chosen = dashboard_views(day) if dashboard_only else list(standard_views(day))
    timings: dict[str, float] = {}
    with Progress(TextColumn("{task.description:<28}"), BarColumn(), MofNCompleteColumn(), console=err) as progress:
        task = progress.add_task("snapshots", total=len(chosen))
        for view in chosen:
            label = view.name + (f" by {view.by}" if view.by else "")
            progress.update(task, description=label)
            timings[label] = guarded(lambda view=view: views.refresh(view))  # type: ignore[misc]
            progress.advance(task)
    if json_flag(ctx, as_json):
        print_json({"as_of": day.isoformat(), "snapshots": len(timings), "seconds": timings})
    else:
        for label, seconds in timings.items():
            out.print(f"{label:<28} {seconds:7.2f} s")
