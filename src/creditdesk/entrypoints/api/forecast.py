"""The cash forecast, payment-date predictions and the backtest over HTTP."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool

from creditdesk.adapters.importing import fields as f
from creditdesk.domain.roles import Permission
from creditdesk.entrypoints.api.deps import HeavyDep, ServicesDep, bounded, require
from creditdesk.entrypoints.api.downloads import XLSX_OR_JSON, check_format, sheet_download, workbook_download
from creditdesk.entrypoints.api.kept_views import freshness, kept
from creditdesk.entrypoints.api.models import declared
from creditdesk.entrypoints.api.models.forecast import Backtest, CashForecast, InvoicePredictions
from creditdesk.entrypoints.api.schemas import IdInQuery, day_or, parse_field
from creditdesk.entrypoints.portfolio_views import FORECAST_WEEKS
from creditdesk.service.errors import InvalidInput
from creditdesk.service.snapshots import View

router = APIRouter(prefix="/api/v1/forecast")

# The forecast's models (pandas, LightGBM) are imported by the first forecast request, not at start.


@router.get("/cash", dependencies=[require(Permission.READ)], response_model=CashForecast, responses=XLSX_OR_JSON)
async def get_cash_forecast(
    request: Request,
    services: ServicesDep,
    heavy: HeavyDep,
    as_of: str | None = None,
    weeks: int = Query(13, ge=1, le=52),
    new_sales: bool = True,
    opening_cash: str | None = None,
    floor: str = "0",
    outflow_per_week: str = "0",
    currency: str | None = None,
    format: str = "json",
) -> Any:
    """Weekly inflow (expected, P10/P50/P90, due-date forecast, new sales) per currency; with
    ``opening_cash``, the funding gap against ``outflow_per_week`` and ``floor``."""
    from creditdesk.entrypoints.workbooks import forecast_workbook
    from creditdesk.service.cash_forecast import CashPlan, cash_forecast

    check_format(format)
    if not 1 <= weeks <= 52:
        raise InvalidInput(f"weeks must be 1 to 52; got {weeks}")
    day = day_or(as_of, services.clock.today())
    plan = None
    if opening_cash is not None:
        plan = CashPlan(
            opening_cash=parse_field(f.decimal_amount, "opening_cash", opening_cash),
            floor=parse_field(f.decimal_amount, "floor", floor),
            outflow_per_week=parse_field(f.decimal_amount, "outflow_per_week", outflow_per_week),
            currency=parse_field(f.currency, "currency", currency) if currency else None,
        )
    # The pages' own forecast (13 weeks with new sales, no plan) is the kept one.
    asks_the_kept_view = (weeks, new_sales, plan, format) == (FORECAST_WEEKS, True, None, "json")
    night = await run_in_threadpool(kept, request, View("cash", day)) if asks_the_kept_view else None
    if night is not None:
        kept_body = {"as_of": day.isoformat(), "weeks": weeks, "currencies": night.body, **freshness(night)}
        return declared(kept_body)
    documents = await run_in_threadpool(
        bounded,
        heavy,
        services,
        "cash",
        day,
        weeks,
        new_sales,
        repr(plan),  # a plan holds a dict: its text is the key
        compute=lambda: cash_forecast(services.receivables().frames(day), day, weeks, new_sales=new_sales, plan=plan),
    )
    if format == "xlsx":
        return workbook_download(
            lambda buffer: forecast_workbook(documents, buffer), f"cash-forecast-{day.isoformat()}"
        )
    return declared({"as_of": day.isoformat(), "weeks": weeks, "currencies": documents})


@router.get(
    "/invoices", dependencies=[require(Permission.READ)], response_model=InvoicePredictions, responses=XLSX_OR_JSON
)
async def get_invoice_predictions(
    services: ServicesDep,
    heavy: HeavyDep,
    as_of: str | None = None,
    customer_id: IdInQuery = None,
    format: str = "json",
) -> Any:
    """Every open invoice (or one customer's) with its P10/P50/P90 payment dates."""
    from creditdesk.service.cash_forecast import invoice_predictions

    check_format(format)
    day = day_or(as_of, services.clock.today())
    rows = await run_in_threadpool(
        bounded,
        heavy,
        services,
        "invoices",
        day,
        customer_id,
        compute=lambda: invoice_predictions(services.receivables().frames(day), day, customer_id),
    )
    if format == "xlsx":
        return sheet_download(rows, "predictions", f"payment-predictions-{day.isoformat()}")
    return declared({"as_of": day.isoformat(), "rows": rows})


@router.get("/backtest", dependencies=[require(Permission.READ)], response_model=Backtest)
async def get_backtest(
    services: ServicesDep,
    heavy: HeavyDep,
    start: str,
    end: str,
    weeks: int = Query(13, ge=1, le=52),
    currency: str | None = None,
) -> Any:
    """Forecast every week from ``start`` to ``end`` with what was known then; the errors of the
    model and of the due-date method, and the P10–P90 coverage."""
    from creditdesk.service.cash_forecast import forecast_backtest

    if not 1 <= weeks <= 52:
        raise InvalidInput(f"weeks must be 1 to 52; got {weeks}")
    first, last = parse_field(f.iso_date, "start", start), parse_field(f.iso_date, "end", end)
    found = await run_in_threadpool(
        bounded,
        heavy,
        services,
        "backtest",
        first,
        last,
        weeks,
        currency,
        compute=lambda: forecast_backtest(services.receivables().frames(last), first, last, weeks, currency),
    )
    return declared(found)
