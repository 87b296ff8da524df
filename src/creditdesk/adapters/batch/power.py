"""The models page's ranking power from the batch: how well each bureau and our champion ranked
the customers that defaulted within a year of each view.

The online path finds each customer's first default from the whole ledger for it
(service/scoring.py ``ranking_power_report``: every invoice and payment in memory); the batch has
just found them, bucket by bucket (its ``defaults`` output), so loading the run reads them with
the bureau reports and the champion's scores (all of its days, today's just loaded) and calls
the same ``ranking_power_rows``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import Connection, select

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
    """The ranking power's rows, as the models page shows them, with the batch's ``defaults``."""
    from creditdesk.service.scoring import ranking_power_rows

    b = t.bureau_reports
    reports = frame_of(conn, select(b.c.provider, b.c.customer_id, b.c.report_date, b.c.score))
    return ranking_power_rows(reports, score_frame(conn, "champion"), defaults)
