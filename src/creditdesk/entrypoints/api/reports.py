"""Receivables reports over HTTP, as JSON or as an xlsx download."""

from __future__ import annotations

import io
from typing import Any

import pandas as pd
from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from creditdesk.adapters.importing import fields as f
from creditdesk.domain.roles import Permission
from creditdesk.entrypoints.api.deps import ServicesDep, require
from creditdesk.entrypoints.api.schemas import parse_field
from creditdesk.service import receivables
from creditdesk.service.errors import InvalidInput, NotFound

router = APIRouter(prefix="/api/v1")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get("/reports/{name}", dependencies=[require(Permission.READ)])
async def get_report(
    name: str,
    services: ServicesDep,
    as_of: str | None = None,
    by: str | None = None,
    period_days: int = 90,
    format: str = "json",
) -> Any:
    """``aging`` or ``dso`` (with CEI) as of a date, for the portfolio or by customer, segment or grade."""
    if name not in ("aging", "dso"):
        raise NotFound(f"no report {name!r}; expected aging or dso")
    if by is not None and by not in receivables.GROUPINGS:
        raise InvalidInput(f"by must be one of {', '.join(receivables.GROUPINGS)}; got {by!r}")
    if period_days < 1 or format not in ("json", "xlsx"):
        raise InvalidInput("period_days must be 1 or more and format json or xlsx")
    day = parse_field(f.iso_date, "as_of", as_of) if as_of else services.clock.today()

    def run() -> list[dict[str, Any]]:
        frames = services.receivables().frames(day)
        if name == "aging":
            return receivables.ageing(frames, day, by)
        return receivables.dso(frames, day, period_days, by)

    rows = await run_in_threadpool(run)
    if format == "json":
        return {"report": name, "as_of": day.isoformat(), "rows": rows}
    buffer = io.BytesIO()
    pd.DataFrame(rows).to_excel(buffer, sheet_name=name, index=False, engine="openpyxl")
    headers = {"Content-Disposition": f'attachment; filename="{name}-{day.isoformat()}.xlsx"'}
    return Response(buffer.getvalue(), media_type=XLSX, headers=headers)
