"""Report pages: ageing, DSO, CEI, ECL and trends for the portfolio or by customer, segment or
grade, as of a day, shown as a table and downloaded as xlsx or CSV (the API's rows)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response

from creditdesk.bootstrap import Services
from creditdesk.entrypoints.api.downloads import sheet_download
from creditdesk.entrypoints.report_rows import REPORTS, report_rows, sheet_rows
from creditdesk.entrypoints.web.ui import Ui
from creditdesk.service import receivables
from creditdesk.service.errors import ServiceError

_SHOWN_ROWS = 500  # on the page; the download has them all


def _table(name: str, rows: list[dict[str, Any]]) -> pd.DataFrame:
    """One flat table: nested figures become columns of their own (``what_if.wcr``)."""
    return pd.json_normalize(sheet_rows(name, rows), sep=".") if rows else pd.DataFrame()


def install(app: FastAPI, services: Services, ui: Ui) -> None:
    @app.get("/reports", response_class=HTMLResponse, include_in_schema=False)
    async def report_index(request: Request) -> Response:
        if not ui.signed_in(request):
            return ui.to_login(request)
        return ui.render(request, "report.html", name=None, reports=REPORTS, table=None, error=None)

    @app.get("/reports/{name}", include_in_schema=False)
    async def report(request: Request, name: str, as_of: str = "", by: str = "", format: str = "html") -> Response:
        if not ui.signed_in(request):
            return ui.to_login(request)
        if name not in REPORTS or format not in ("html", "xlsx", "csv"):
            return ui.render(request, "not_found.html", status=404)
        error = None
        try:
            day = date.fromisoformat(as_of) if as_of else services.clock.today()
        except ValueError:
            day, error = services.clock.today(), "bad_date"
        grouping = by if by in receivables.GROUPINGS else None

        def load() -> list[dict[str, Any]]:
            return report_rows(services, name, day, grouping)

        try:
            rows = await run_in_threadpool(load)
        except ServiceError as problem:
            rows, error = [], problem.detail
        table = _table(name, rows)
        stem = f"{name}-{day.isoformat()}" + (f"-by-{grouping}" if grouping else "")
        if format == "xlsx":
            return sheet_download(table.to_dict("records"), name, stem)
        if format == "csv":
            headers = {"Content-Disposition": f'attachment; filename="{stem}.csv"'}
            return Response(table.to_csv(index=False), media_type="text/csv; charset=utf-8", headers=headers)
        return ui.render(
            request,
            "report.html",
            name=name,
            reports=REPORTS,
            table=table.head(_SHOWN_ROWS),
            total_rows=len(table),
            day=day,
            by=grouping or "",
            groupings=receivables.GROUPINGS,
            error=error,
        )
