"""Receivables reports over HTTP, as JSON or as an xlsx download."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool

from creditdesk.adapters.importing import fields as f
from creditdesk.domain.roles import Permission
from creditdesk.entrypoints.api.deps import ServicesDep, require
from creditdesk.entrypoints.api.downloads import XLSX_OR_JSON, sheet_download
from creditdesk.entrypoints.api.kept_views import freshness, kept
from creditdesk.entrypoints.api.models import declared
from creditdesk.entrypoints.api.models.reports import Report, WcrReport
from creditdesk.entrypoints.api.schemas import day_or, parse_field
from creditdesk.entrypoints.report_rows import REPORTS, report_rows, sheet_rows
from creditdesk.entrypoints.reporting import report_in_reporting
from creditdesk.entrypoints.workbooks import flat_what_if
from creditdesk.service.errors import InvalidInput, NotFound
from creditdesk.service.groupings import GROUPINGS
from creditdesk.service.snapshots import View

router = APIRouter(prefix="/api/v1")

# The reports compute with pandas: their modules are imported by the first report request.

#: period_days, months, forward_factor, buckets, company_code and format as the pages' kept
#: reports have them: a request with these reads the kept report (kept_views.py).
DEFAULTS = (90, 12, 1.0, None, None, "json")


@router.get("/reports/wcr", dependencies=[require(Permission.READ)], response_model=WcrReport, responses=XLSX_OR_JSON)
async def get_working_capital(
    services: ServicesDep,
    as_of: str | None = None,
    by: str | None = None,
    period_days: int = Query(90, ge=1, le=3660),
    inventory: str = "0",
    payables: str = "0",
    cost_of_sales: str | None = None,
    cost_of_capital: str = "0.08",
    currency: str | None = None,
    terms_change_days: int = Query(0, ge=-365, le=365),
    limit_change: str = "0",
    format: str = "json",
) -> Any:
    """Working capital (WCR, CCC, financing cost) with a what-if of new terms (days) or limits
    (a signed share); with ``by``, the customers' own from their latest statements."""
    from creditdesk.service.working_capital import CompanyFigures, WhatIf, customers_working_capital, working_capital

    if by is not None and by not in GROUPINGS:
        raise InvalidInput(f"by must be one of {', '.join(GROUPINGS)}; got {by!r}")
    if period_days < 1 or format not in ("json", "xlsx"):
        raise InvalidInput("period_days must be 1 or more and format json or xlsx")
    day = day_or(as_of, services.clock.today())
    company = CompanyFigures(
        inventory=parse_field(f.decimal_amount, "inventory", inventory),
        payables=parse_field(f.decimal_amount, "payables", payables),
        cost_of_sales_a_year=parse_field(f.decimal_amount, "cost_of_sales", cost_of_sales) if cost_of_sales else None,
        cost_of_capital=parse_field(f.decimal_amount, "cost_of_capital", cost_of_capital),
        currency=parse_field(f.currency, "currency", currency) if currency else None,
    )
    what_if = WhatIf(terms_change_days, parse_field(f.signed_decimal, "limit_change", limit_change))

    def run() -> list[dict[str, Any]]:
        source = services.receivables()
        if by is None:
            return working_capital(source.frames(day), day, company, what_if, period_days)
        return customers_working_capital(source.statements(day), source.frames(day).customers, by)

    rows = await run_in_threadpool(run)
    if format == "json":
        return declared({"report": "wcr", "as_of": day.isoformat(), "rows": rows})
    return sheet_download([flat_what_if(row) for row in rows], "wcr", f"wcr-{day.isoformat()}")


@router.get("/reports/{name}", dependencies=[require(Permission.READ)], response_model=Report, responses=XLSX_OR_JSON)
async def get_report(
    name: str,
    request: Request,
    services: ServicesDep,
    as_of: str | None = None,
    by: str | None = None,
    period_days: int = Query(90, ge=1, le=3660),
    months: int = Query(12, ge=1, le=60),
    forward_factor: float = Query(1.0, ge=0, le=10),
    buckets: str | None = None,
    format: str = "json",
    company_code: Annotated[str | None, Query(max_length=16, pattern=r"^[A-Z0-9][A-Z0-9_-]{0,15}$")] = None,
) -> Any:
    """``aging`` as of a date (``buckets``: the last day of each, e.g. 30,60,90,180), ``dso`` (with
    CEI) or ``cei``, for the portfolio or by customer, segment or grade; ``trends``: the DSO figures
    at the last ``months`` month-ends; ``ecl``: the provision matrix beside PD × LGD × EAD.
    ``company_code``: the documents of one selling entity only."""
    if name not in REPORTS:
        raise NotFound(f"no report {name!r}; expected aging, dso, cei, ecl, trends or wcr")
    if not 1 <= months <= 60 or forward_factor < 0:
        raise InvalidInput("months must be 1 to 60 and forward_factor 0 or more")
    if by is not None and by not in GROUPINGS:
        raise InvalidInput(f"by must be one of {', '.join(GROUPINGS)}; got {by!r}")
    if period_days < 1 or format not in ("json", "xlsx"):
        raise InvalidInput("period_days must be 1 or more and format json or xlsx")
    day = day_or(as_of, services.clock.today())
    asks_the_kept_view = (period_days, months, forward_factor, buckets, company_code, format) == DEFAULTS
    night = await run_in_threadpool(kept, request, View(name, day, by)) if asks_the_kept_view else None

    def run() -> list[dict[str, Any]]:
        return report_rows(
            services,
            name,
            day,
            by,
            period_days=period_days,
            months=months,
            forward_factor=forward_factor,
            buckets=buckets,
            company_code=company_code,
        )

    rows = list(night.body) if night is not None and night.body is not None else await run_in_threadpool(run)
    if format == "json":
        body: dict[str, Any] = {"report": name, "as_of": day.isoformat(), "rows": rows, **freshness(night)}
        # The money totals in the reporting currency (aging, ecl; docs/currencies.md).
        reporting = await run_in_threadpool(report_in_reporting, services, name, rows, day, by)
        if reporting is not None:
            body["reporting"] = reporting.as_json()
        return declared(body)
    return sheet_download(sheet_rows(name, rows), name, f"{name}-{day.isoformat()}")
