"""Report pages: ageing, DSO, CEI, ECL, trends, the 13-week cash forecast and working capital,
for the portfolio or by customer, segment or grade, as of a day, shown as a table and downloaded
as xlsx or CSV. The pages read report snapshots (:mod:`creditdesk.entrypoints.portfolio_views`):
a view not computed yet is computed in the background while the page refreshes itself."""

from __future__ import annotations

import math
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response

from creditdesk.adapters.importing import fields as f
from creditdesk.adapters.importing.problems import FieldError
from creditdesk.bootstrap import Services
from creditdesk.domain.company_codes import CompanyCode, valid_code
from creditdesk.entrypoints.api.deps import ServicesDep
from creditdesk.entrypoints.api.downloads import sheet_download
from creditdesk.entrypoints.portfolio_views import WEB_REPORTS, grouping_of
from creditdesk.entrypoints.report_rows import sheet_rows
from creditdesk.entrypoints.web import charts, i18n
from creditdesk.entrypoints.web.deps import SignedIn, UiDep, ViewsDep
from creditdesk.entrypoints.workbooks import flat_what_if
from creditdesk.service.groupings import GROUPINGS
from creditdesk.service.snapshots import Reading, View

if TYPE_CHECKING:
    import pandas as pd

_SHOWN_ROWS = 500  # on the page; the download has them all

#: The working-capital page's inputs: the company's own figures and the what-if, with defaults.
WCR_INPUTS: dict[str, tuple[Any, str]] = {
    "inventory": (f.decimal_amount, "0"),
    "payables": (f.decimal_amount, "0"),
    "cost_of_sales": (f.decimal_amount, ""),
    "cost_of_capital": (f.decimal_amount, "0.08"),
    "terms_change_days": (f.signed_decimal, "0"),
    "limit_change": (f.signed_decimal, "0"),
}


#: Columns that are shares (0.1665), shown as per cent (16.7 %); the downloads keep the shares.
RATIO_COLUMNS = frozenset(
    {"overdue_ratio", "bad_debt_ratio", "roll_rate", "loss_rate", "cost_of_capital", "lgd", "limit_change"}
)


def report_cell(column: str, value: object, lang: str) -> str:
    """A report cell as read: a share as per cent, else as :func:`i18n.format_cell` writes it."""
    key = column.removeprefix("what_if_")
    if key in RATIO_COLUMNS and value is not None:
        try:
            share = float(str(value))
        except ValueError:
            share = math.nan
        if not math.isnan(share):  # NaN: a blank
            return i18n.format_percent(share)
    return i18n.format_cell(value, lang, column)  # codes (scope, segment, bucket) as words


def report_charts(
    name: str, body: list[dict[str, Any]] | None, by: str | None, lang: str, floor: Decimal | None = None
) -> list[tuple[str, dict[str, Any]]]:
    """The page's charts, (id, ECharts option), from the rows its table shows (the API's)."""
    if not body:
        return []

    def t(key: str) -> str:
        return i18n.translate(key, lang)

    found: list[tuple[str, dict[str, Any] | None]]
    if name == "aging":
        found = [("chart-aging", charts.ageing_chart(body, by, lang, t))]
    elif name == "dso":
        found = [("chart-dso", charts.dso_chart(body, by, lang, t))]
    elif name == "cei":
        found = [("chart-cei", charts.cei_chart(body, by, lang, t))]
    elif name == "trends":
        found = [("chart-trends", charts.trend_chart(body, by, lang, t))]
    elif name == "ecl":
        found = [
            ("chart-ecl-bucket", charts.ecl_bucket_chart(body, lang, t)),
            ("chart-ecl-segment", charts.ecl_segment_chart(body, lang, t)),
        ]
    elif name == "cash":
        found = [("chart-cash", charts.cash_chart(body, floor, t))]
    else:
        found = [("chart-wcr", charts.wcr_chart(body, by, lang, t))]
    return [(chart_id, option) for chart_id, option in found if option is not None]


def _margin_rate(services: Services) -> float:
    _, policy = services.limit_inputs().active_limit_policy()
    return float(policy.margin_rate)


def flat_rows(name: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One line per row of a sheet: the ECL's provision matrices, the forecast's weeks, the
    working capital with its what-if beside it."""
    if name == "cash":
        return [{"currency": doc["currency"], **week} for doc in rows for week in doc["rows"]]
    if name == "wcr":
        return [flat_what_if(row) for row in rows]
    return sheet_rows(name, rows)


def _table(name: str, rows: list[dict[str, Any]]) -> pd.DataFrame:
    """One flat table: nested figures become columns of their own."""
    import pandas as pd  # the report pages' cost, not every page's

    flat = flat_rows(name, rows)
    return pd.json_normalize(flat, sep=".") if flat else pd.DataFrame()


def _wcr_options(request: Request) -> tuple[tuple[tuple[str, str], ...], dict[str, str], list[str]]:
    """The entered figures (checked), what to show in the form, and the names of the bad ones."""
    chosen, shown, bad = [], {}, []
    for name, (parser, default) in WCR_INPUTS.items():
        raw = request.query_params.get(name, default).strip()
        shown[name] = raw
        if not raw:
            continue
        try:
            value = parser(raw)
        except FieldError:
            bad.append(name)
            continue
        if name == "terms_change_days" and value != int(value):
            bad.append(name)
            continue
        if raw != default:
            chosen.append((name, str(int(value)) if name == "terms_change_days" else str(value)))
    return tuple(chosen), shown, bad


router = APIRouter(include_in_schema=False)


@router.get("/reports", response_class=HTMLResponse)
async def report_index(request: Request, _user: SignedIn, ui: UiDep) -> Response:
    return ui.render(request, "report.html", name=None, reports=WEB_REPORTS, table=None, error=None)


def _company_codes(services: Services) -> list[CompanyCode]:
    with services.read_uow() as uow:
        return uow.segments.company_codes()


@router.get("/reports/{name}")
async def report(
    request: Request,
    _user: SignedIn,
    services: ServicesDep,
    ui: UiDep,
    views: ViewsDep,
    name: str,
    as_of: str = "",
    by: str = "",
    format: str = "html",
) -> Response:
    if name not in WEB_REPORTS or format not in ("html", "xlsx", "csv"):
        return ui.not_found(request)
    error = None
    try:
        day = date.fromisoformat(as_of) if as_of else services.clock.today()
    except ValueError:
        day, error = services.clock.today(), "bad_date"
    grouping = grouping_of(by)
    options: tuple[tuple[str, str], ...] = ()
    entered: dict[str, str] = {}
    if name == "wcr":
        options, entered, bad = _wcr_options(request)
        if bad:
            error = "bad_figures"
    code = request.query_params.get("company_code", "")
    if code and valid_code(code):
        options += (("company_code", code),)
        entered["company_code"] = code
    view = View(name, day, grouping, options)
    if format != "html":
        reading = await run_in_threadpool(views.read, view)
        if reading.body is None and reading.error is None and not reading.nightly:
            # A download waits for its figures: computed here, and kept for the pages.
            await run_in_threadpool(views.refresh, view)
            reading = await run_in_threadpool(views.read, view)
        table = _table(name, reading.body or [])
        stem = f"{name}-{day.isoformat()}" + (f"-by-{grouping}" if grouping else "")
        if format == "xlsx":
            return sheet_download(table.to_dict("records"), name, stem)
        headers = {"Content-Disposition": f'attachment; filename="{stem}.csv"'}
        return Response(table.to_csv(index=False), media_type="text/csv; charset=utf-8", headers=headers)
    reading = Reading(None, "failed") if error else await run_in_threadpool(views.read, view)
    table = _table(name, reading.body or [])
    lang = ui.language(request)
    floor, floor_note = None, None
    if name == "cash" and reading.body:
        floor, floor_note = await _floor(request, services, reading.body, lang)
        entered["floor"] = request.query_params.get("floor", "").strip()
    query = request.url.query.replace("format=html", "").strip("&")
    return ui.render(
        request,
        "report.html",
        name=name,
        reports=WEB_REPORTS,
        table=table.head(_SHOWN_ROWS),
        total_rows=len(table),
        day=day,
        by=grouping or "",
        groupings=GROUPINGS,
        reading=reading,
        error=error or reading.error,
        entered=entered,
        query=query,
        company_codes=await run_in_threadpool(_company_codes, services),
        charts=report_charts(name, reading.body, grouping, lang, floor),
        floor_note=floor_note,
        charts_add_goal=f"{charts.ADD_GOAL_DAYS:g}",
        charts_cei_goal=f"{charts.CEI_GOAL:g}",
        report_cell=report_cell,
    )


async def _floor(
    request: Request, services: Services, body: list[dict[str, Any]], lang: str
) -> tuple[Decimal | None, str | None]:
    """The cash chart's funding floor: the one entered, else the weekly cash cost of sales."""
    raw = request.query_params.get("floor", "").strip()
    if raw:
        try:
            return f.decimal_amount(raw), None
        except FieldError:
            pass
    documents = [d for d in body if d.get("rows")]
    if not documents:
        return None, None
    main = max(documents, key=lambda d: Decimal(d.get("open_receivables") or "0"))
    margin = await run_in_threadpool(_margin_rate, services)
    floor = charts.funding_floor(main, margin)
    run_rate = i18n.format_amount(main.get("sales_run_rate_per_week") or "0")
    return floor, i18n.translate(
        "chart_funding_floor_note", lang, run_rate=run_rate, margin=i18n.format_percent(margin)
    )
