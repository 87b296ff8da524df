"""A worksheet holds at most Excel's rows: more is a clear refusal naming the way out, never a
download cut short or a server error."""

from __future__ import annotations

import pytest

from creditdesk.entrypoints.api import downloads
from creditdesk.service.errors import InvalidInput


def test_rows_beyond_a_worksheet_are_refused_with_the_way_to_ask_for_fewer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(downloads, "MAX_SHEET_ROWS", 2)
    rows = [{"invoice_id": f"I-{n}"} for n in range(3)]
    with pytest.raises(InvalidInput, match="limit and offset"):
        downloads.sheet_download(rows, "worklist", "w")
    assert downloads.sheet_download(rows[:2], "worklist", "w").body[:2] == b"PK"
