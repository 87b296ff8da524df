"""Workbook downloads: one media type, one way to hand a sheet or a workbook to the client."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import IO, Any

from fastapi.responses import Response

from creditdesk.service.errors import InvalidInput

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: The OpenAPI of an operation that answers JSON, or with ``format=xlsx`` a workbook.
XLSX_OR_JSON: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "JSON, or with format=xlsx a workbook",
        "content": {XLSX: {"schema": {"type": "string", "format": "binary"}}},
    }
}


def check_format(format: str) -> None:
    if format not in ("json", "xlsx"):
        raise InvalidInput(f"format must be json or xlsx; got {format!r}")


def workbook_download(write: Callable[[IO[bytes]], None], filename: str) -> Response:
    """``write`` fills the workbook; ``filename`` without its .xlsx."""
    buffer = io.BytesIO()
    write(buffer)
    headers = {"Content-Disposition": f'attachment; filename="{filename}.xlsx"'}
    return Response(buffer.getvalue(), media_type=XLSX, headers=headers)


#: The rows a worksheet holds beside its header (Excel's limit).
MAX_SHEET_ROWS = 1_048_575


def sheet_download(rows: list[dict[str, Any]], sheet: str, filename: str) -> Response:
    import pandas as pd  # a download's cost, not every request's

    if len(rows) > MAX_SHEET_ROWS:
        raise InvalidInput(
            f"{len(rows):,} rows do not fit one worksheet (at most {MAX_SHEET_ROWS:,}); "
            "ask for JSON, or for a window of them with limit and offset"
        )

    return workbook_download(
        lambda buffer: pd.DataFrame(rows).to_excel(buffer, sheet_name=sheet, index=False, engine="openpyxl"), filename
    )
