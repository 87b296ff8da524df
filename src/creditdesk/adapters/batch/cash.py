"""The cash forecast of the nightly batch: the page's own forecast (service/cash_forecast.py) on
the run's ledger, after the buckets, in the driver, the same for every engine.

The forecast learns when customers pay and draws every open item's payment day, in one process:
a million customers' ledger is far beyond that (34 million invoices, hundreds of millions of
model rows). Beyond ``FORECAST_INVOICES`` it is made on a sample of the customers, every invoice
of each (a customer's invoices read its earlier ones), chosen by a hash of the id as the payment
model's training sample is, and scaled to the whole book per currency by the run's own totals: its
open receivables (the ageing report's) and its sales of the last 13 weeks (``Sampled``). Each
currency's accounts are sampled at least ``MIN_PER_CURRENCY`` customers deep (all of them when it
has fewer), so a currency few customers trade in is forecast too, and from more than a handful.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from creditdesk.adapters.batch import reports
from creditdesk.adapters.batch.exchange import SHARED
from creditdesk.adapters.batch.local_engine import in_database_order, input_names
from creditdesk.adapters.batch.stages import coded_bucket
from creditdesk.risk.cash_forecast import unit_hash
from creditdesk.service.cash_forecast import RUN_RATE_DAYS, Sampled, cash_forecast
from creditdesk.service.errors import InvalidInput
from creditdesk.service.receivables import Sums, ageing_sums
from creditdesk.service.snapshots import refusal_body

#: The most invoices the batch forecasts from; beyond them, a sample of customers holding about
#: as many. The 10,000-customer demo's 341,057 invoices took 56 s and 2.2 GB whole.
FORECAST_INVOICES = 300_000
MIN_PER_CURRENCY = 500
FORECAST_WEEKS = 13


def cash_views(folder: Path, as_of: date, most: int = FORECAST_INVOICES) -> list[dict[str, Any]]:
    """The cash forecast on ``as_of`` as the run's views; when the ledger holds too little history
    to learn from, the service's refusal instead (the page says why, as it does for its own)."""
    inputs, outputs = folder / "inputs", folder / "outputs"
    customers = pq.read_table(inputs / "customers.parquet", columns=["customer_id"]).column(0).to_numpy(False)
    accounts = pq.read_table(inputs / "accounts.parquet", columns=["customer_id", "currency"]).to_pandas()
    invoices = pq.ParquetFile(inputs / "invoices.parquet").metadata.num_rows
    chosen = _chosen(customers, accounts, most / invoices) if invoices > most else None
    frames = _frames(inputs, chosen)
    codes = coded_bucket(frames)
    scores = pq.read_table(outputs / "scores", columns=["customer_id", "grade", "pd"]).to_pandas()
    ledger = reports.ledger_frames(codes.frames, scores, codes.customer_ids, codes.invoice_ids).frames
    sampled = None
    if chosen is not None:
        by_currency = accounts.drop_duplicates().groupby("currency")["customer_id"]
        sampled = Sampled(
            {str(c): int(ids.isin(chosen).sum()) for c, ids in by_currency},
            {str(c): len(ids) for c, ids in by_currency},
            _ratio(_open(reports.report_totals(outputs)["aging|None"]), _open(ageing_sums(ledger, as_of)[None])),
            _ratio(_sales(inputs / "invoices.parquet", as_of), _sales(inputs / "invoices.parquet", as_of, chosen)),
        )
    found: dict[str, Any]
    try:
        found = {"rows": cash_forecast(ledger, as_of, FORECAST_WEEKS, sampled=sampled)}
    except InvalidInput as refusal:
        found = {"refusal": refusal_body(refusal)}
    # The pages ask for it by each grouping of the reports: the forecast is the book's for each.
    return [{"name": "cash", "day": as_of.isoformat(), "by": by, **found} for by in reports.GROUPINGS]


def _chosen(customers: np.ndarray, accounts: pd.DataFrame, share: float) -> np.ndarray:
    """The customers whose id hashes under the share asked, or under their currency's share when
    that is larger (``MIN_PER_CURRENCY`` of its customers); a customer of several currencies is
    in when one of them takes it."""
    held = accounts.drop_duplicates().groupby("currency")["customer_id"].transform("size")
    needed = accounts.assign(share=np.maximum(share, np.minimum(1.0, MIN_PER_CURRENCY / held)))
    shares = pd.Series(customers).map(needed.groupby("customer_id")["share"].max()).fillna(share).to_numpy()
    chosen: np.ndarray = customers[unit_hash(customers) < shares]
    return chosen


def _frames(inputs: Path, chosen: np.ndarray | None) -> dict[str, pd.DataFrame]:
    """Every input's rows (of the ``chosen`` customers only, when given), in the database's order."""
    frames = {}
    for name in input_names(inputs):
        path = inputs / f"{name}.parquet"
        if chosen is None or name in SHARED:
            table = pq.read_table(path)
        else:  # streamed: only the sample's rows are ever held
            table = ds.dataset(path).to_table(filter=pc.field("customer_id").isin(pa.array(chosen, pa.string())))
        frames[name] = in_database_order(table.to_pandas())
    return frames


def _open(sums: Sums) -> dict[str, int]:
    """Open receivables per currency, from the ageing's sums (("open", currency, group, bucket))."""
    found: dict[str, int] = {}
    for (_, currency, _, _), minor in sums.items():
        found[str(currency)] = found.get(str(currency), 0) + int(minor)
    return found


def _sales(path: Path, as_of: date, chosen: np.ndarray | None = None) -> dict[str, int]:
    """Invoiced per currency in the run rate's window (the 13 weeks to ``as_of``), by every
    customer or by the ``chosen``."""
    dated = pc.field("invoice_date")
    window = (dated > pa.scalar(as_of - timedelta(days=RUN_RATE_DAYS))) & (dated <= pa.scalar(as_of))
    if chosen is not None:
        window &= pc.field("customer_id").isin(pa.array(chosen, pa.string()))
    found = ds.dataset(path).to_table(columns=["currency", "amount_minor"], filter=window)
    summed = found.group_by("currency").aggregate([("amount_minor", "sum")])
    pairs = zip(summed["currency"].to_pylist(), summed["amount_minor_sum"].to_pylist(), strict=True)
    return {str(currency): int(minor) for currency, minor in pairs}


def _ratio(whole: dict[str, int], sample: dict[str, int]) -> dict[str, float]:
    """The whole's over the sample's, per currency the sample holds."""
    return {currency: whole.get(currency, 0) / part for currency, part in sample.items() if part > 0}


def write_cash(folder: Path, as_of: date) -> int:
    """The cash views added to the run's reports (``reports.json``); how many."""
    views = cash_views(folder, as_of)
    path = folder / "outputs" / reports.REPORTS_FILE
    path.write_text(json.dumps([*reports.read_reports(folder), *views], ensure_ascii=False), encoding="utf-8")
    return len(views)
