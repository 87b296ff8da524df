"""The models page's ranking power from the batch: how well each bureau and our champion ranked
the customers that defaulted within a year of each view.

The online path finds each customer's first default from the whole ledger for it
(service/scoring.py ``ranking_power_report``: every invoice and payment in memory); the batch has
just found them, bucket by bucket (its ``defaults`` output), so loading the run reads them with
the bureau reports and the champion's scores (all of its days, today's just loaded), a source at
a time, through the same functions as ``ranking_power_rows``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import Connection, func, select

from creditdesk.adapters.batch.pipeline import read_output
from creditdesk.adapters.db import tables as t
from creditdesk.adapters.db.queries import frame_of
from creditdesk.adapters.db.risk_data import score_frame


def read_defaults(folder: Path) -> pd.Series | None:
    """Each customer's first default known on the run's day (None: a run from before they were kept)."""
    if not (folder / "outputs" / "defaults").exists():
        return None
    found = read_output(folder, "defaults")
    return pd.Series(pd.to_datetime(found["defaulted_on"]).to_numpy(), index=found["customer_id"], name="defaulted_on")


def power_rows(conn: Connection, defaults: pd.Series) -> list[dict[str, Any]]:
    """The ranking power's rows, as the models page shows them, with the batch's ``defaults``:
    read and judged a source at a time (each bureau, then our champion), so a million customers'
    views of every source are never held at once."""
    from creditdesk.service.scoring import bureau_power_view, champion_power_view, power_rows_by_source

    b, s = t.bureau_reports, t.customer_scores
    providers = sorted(conn.execute(select(b.c.provider).distinct()).scalars())
    last_days = (
        conn.execute(select(func.max(b.c.report_date))).scalar(),
        conn.execute(select(func.max(s.c.as_of)).where(s.c.role == "champion")).scalar(),
    )
    last_view = max((day for day in last_days if day is not None), default=None)

    def views() -> Iterator[pd.DataFrame]:
        for provider in providers:
            columns = (b.c.provider, b.c.customer_id, b.c.report_date, b.c.score)
            yield bureau_power_view(frame_of(conn, select(*columns).where(b.c.provider == provider)))
        scores = score_frame(conn, "champion")
        if len(scores):
            yield champion_power_view(scores)

    return power_rows_by_source(views(), defaults, last_view)
