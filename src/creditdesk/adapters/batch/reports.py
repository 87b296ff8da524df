"""The nightly book's receivables reports from the batch: ageing, the DSO family (DSO, CEI and
their monthly trends) by the portfolio, segment and grade, and the ECL with its provision matrix
(and working capital from them, adapters/batch/working_capital.py).

Each bucket adds up its own customers' part of every report (`service.receivables`'s sums, in
integer minor units) and their expected losses; at the end one step adds the buckets' parts and
makes the rows from the total with the very functions that make them from one whole ledger. So
the rows equal what the online path computes on the same day, and no step holds more than a
bucket's ledger. Loading the run stores them as the pages' report snapshots.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from creditdesk.adapters.batch.working_capital import wcr_views
from creditdesk.service.collections import overdue_items, undisputed_items
from creditdesk.service.receivables import (
    DEFAULT_BUCKETS,
    LedgerFrames,
    Sums,
    ageing_rows,
    ageing_sums,
    cei_only,
    customers_expected_losses,
    dso_rows,
    dso_sums,
    ecl_rows,
    items_on,
    provision_sums,
    trend_days,
    trend_rows,
)

#: The reports the batch makes, each by every grouping; the ECL has its segments inside.
GROUPED = ("aging", "dso", "cei", "trends")
GROUPINGS = (None, "segment", "grade")
#: The pages' own options (report_rows's defaults): the snapshots are the pages' snapshots.
PERIOD_DAYS, MONTHS, FORWARD_FACTOR = 90, 12, 1.0
REPORTS_FILE = "reports.json"

SCHEMAS = {
    "report_sums": pa.schema([("part", pa.string()), ("key", pa.string()), ("minor", pa.int64())]),
    "losses": pa.schema(
        [("currency", pa.string()), ("customer_id", pa.string()), ("segment", pa.string()), ("ecl", pa.float64())]
    ),
    # The collections worklist's overdue items (service/collections.py ``ITEM_COLUMNS``), ranked
    # when read (adapters/db/kept_worklist.py).
    "worklist": pa.schema(
        [
            ("customer_id", pa.string()),
            ("invoice_id", pa.string()),
            ("currency", pa.string()),
            ("due_date", pa.date32()),
            ("days_past_due", pa.int64()),
            ("open_minor", pa.int64()),
            ("disputed", pa.bool_()),
            ("pd", pa.float64()),
            ("expected_loss", pa.float64()),
            ("undisputed_minor", pa.int64()),  # the dunning run's part of it (service/collections.py)
        ]
    ),
}


#: The files the reports read beyond the scoring's, by their columns: a data lake may leave them
#: out when it has no credit notes, write-offs, foreign-currency invoices or cover.
_OPTIONAL = {
    "revalued": ["invoice_id", "customer_id", "amount_minor"],
    "adjustments": ["customer_id", "currency", "payment_date", "amount_minor", "kind"],
    "cover": ["customer_id", "kind", "amount_minor", "currency", "cover_share", "valid_from", "valid_to"],
}


def _optional(frames: Mapping[str, pd.DataFrame], name: str) -> pd.DataFrame:
    found = frames.get(name)
    return pd.DataFrame(columns=_OPTIONAL[name]) if found is None else found


@dataclass(frozen=True)
class BucketLedger:
    """A bucket's ledger with integer ids, and the ids they stand for: a customer's by its row in
    the customers' table, an invoice's by its row in the invoices'."""

    frames: LedgerFrames
    customer_ids: pd.Index
    invoice_ids: np.ndarray


def ledger_frames(
    frames: Mapping[str, pd.DataFrame], scores: pd.DataFrame, customer_ids: pd.Index, invoice_ids: pd.Index
) -> BucketLedger:
    """A bucket's ledger as the receivables reports read it (adapters/db/receivables_data.py),
    its customers' grade and PD those the batch has just scored.

    ``frames``: the bucket's tables with their invoice and customer ids as integer codes
    (``customer_ids``, ``invoice_ids``: the ids by code). In the ledger an invoice's id is its row
    and a customer's its row in the customers' table, and the currency is a
    category: pandas groups integers several times faster than text, and every report groups the
    documents a dozen times.
    """
    customers = frames["customers"]
    customer_row = _rows_by_code(customers["customer_id"])

    def coded(frame: pd.DataFrame) -> pd.DataFrame:
        return frame.assign(customer_id=_row_of(customer_row, frame["customer_id"]))

    invoices = frames["invoices"]
    carried = _optional(frames, "revalued").set_index("invoice_id")["amount_minor"]
    amount = invoices["invoice_id"].map(carried).fillna(invoices["amount_minor"]).astype("int64")
    invoice_row = _rows_by_code(invoices["invoice_id"])
    invoice_names = np.asarray(invoice_ids, dtype=object)[invoices["invoice_id"].to_numpy("int64")]
    invoices = coded(invoices).assign(
        invoice_id=np.arange(len(invoices), dtype="int64"),
        currency=invoices["currency"].astype("category"),
        invoice_date=pd.to_datetime(invoices["invoice_date"]),
        due_date=pd.to_datetime(invoices["due_date"]),
        amount_minor=amount,
    )[["invoice_id", "customer_id", "currency", "invoice_date", "due_date", "amount_minor", "disputed"]]
    allocations = frames["allocations"]
    allocations = allocations.assign(
        invoice_id=_row_of(invoice_row, allocations["invoice_id"]),
        applied_on=pd.to_datetime(allocations["applied_on"]),
    )
    adjustments = coded(_optional(frames, "adjustments"))
    adjustments = adjustments.assign(payment_date=pd.to_datetime(adjustments["payment_date"]))
    adjustments = adjustments.astype({"amount_minor": "int64"})
    named = pd.Series(np.asarray(customer_ids, dtype=object)[customers["customer_id"].to_numpy("int64")])
    scored = scores.set_index("customer_id")
    customers = pd.DataFrame(
        {
            "customer_id": np.arange(len(customers), dtype="int64"),
            "segment": customers["segment"].to_numpy(),
            "grade": named.map(scored["grade"].dropna().astype(int).astype(str)).to_numpy(),
            "pd": named.map(scored["pd"]).to_numpy(),
        }
    )
    cover = coded(_optional(frames, "cover"))
    ledger = LedgerFrames(
        invoices,
        allocations[["invoice_id", "applied_on", "amount_minor", "kind"]],
        customers,
        adjustments[["customer_id", "currency", "payment_date", "amount_minor", "kind"]],
        None if cover.empty else cover,
        memo={},
    )
    return BucketLedger(ledger, pd.Index(named), invoice_names)


def _rows_by_code(codes: pd.Series) -> np.ndarray:
    """At each code, the row of the frame that has it (-1: none)."""
    given = codes.to_numpy("int64")
    rows = np.full(int(given.max(initial=-1)) + 1, -1, dtype="int64")
    rows[given[given >= 0]] = np.flatnonzero(given >= 0)
    return rows


def _row_of(rows: np.ndarray, codes: pd.Series) -> np.ndarray:
    """The row (``_rows_by_code``) of each of ``codes`` (-1: none)."""
    given = codes.to_numpy("int64")
    known = (given >= 0) & (given < len(rows))
    return np.where(known, rows[np.where(known, given, 0)], -1)


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def bucket_parts(bucket: BucketLedger, as_of: date, lgd: float, fallback_pd: float) -> dict[str, pd.DataFrame]:
    """A bucket's part of every report (``report_sums``), its customers' expected losses and its
    overdue items for the collections worklist."""
    ledger, customer_ids = bucket.frames, np.asarray(bucket.customer_ids, dtype=object)
    rows: list[tuple[str, str, int]] = []

    def add(part: str, sums: Sums) -> None:
        rows.extend((part, json.dumps([_plain(k) for k in key]), int(value)) for key, value in sums.items())

    # In the order that lets the ledger's memo serve a day's open items to each report of it.
    for day in trend_days(as_of, MONTHS):
        for by, sums in dso_sums(ledger, day, PERIOD_DAYS, GROUPINGS).items():
            add(f"dso|{day}|{by}", sums)
    for by, sums in ageing_sums(ledger, as_of, GROUPINGS).items():
        add(f"aging|{by}", sums)
    add("provision", provision_sums(ledger, as_of, MONTHS))
    losses = customers_expected_losses(ledger, as_of, lgd, fallback_pd)
    losses = losses.assign(customer_id=customer_ids[losses["customer_id"].to_numpy(int)])
    late = overdue_items(ledger, as_of, lgd, fallback_pd)
    free = undisputed_items(items_on(ledger, as_of)).set_index("invoice_id")["undisputed_minor"]
    late = late.assign(
        undisputed_minor=late["invoice_id"].map(free).astype("int64"),
        customer_id=customer_ids[late["customer_id"].to_numpy(int)],
        invoice_id=bucket.invoice_ids[late["invoice_id"].to_numpy(int)],
        currency=late["currency"].astype(str),
        due_date=late["due_date"].dt.date,
        disputed=late["disputed"].astype(bool),
    )
    return {
        "report_sums": pd.DataFrame(rows, columns=SCHEMAS["report_sums"].names),
        "losses": losses,
        "worklist": late,
    }


def report_totals(outputs: Path) -> dict[str, Sums]:
    parts = pq.read_table(outputs / "report_sums").to_pandas()
    summed = parts.groupby(["part", "key"], sort=False)["minor"].sum()
    totals: dict[str, Sums] = {}
    for (part, key), minor in summed.items():
        totals.setdefault(part, {})[tuple(json.loads(key))] = int(minor)
    return totals


def report_views(outputs: Path, as_of: date, lgd: float) -> list[dict[str, Any]]:
    """Every report of the run, as (name, day, by, rows): the buckets' parts added up."""
    totals = report_totals(outputs)
    days = trend_days(as_of, MONTHS)
    views = []
    for by in GROUPINGS:
        on_each_day = [dso_rows(totals.get(f"dso|{day}|{by}", {}), day, PERIOD_DAYS, by) for day in days]
        rows = {
            "aging": ageing_rows(totals.get(f"aging|{by}", {}), by, DEFAULT_BUCKETS),
            "dso": on_each_day[-1],
            "cei": cei_only(on_each_day[-1], by),
            "trends": trend_rows(on_each_day, by),
        }
        views += [{"name": name, "by": by, "rows": rows[name]} for name in GROUPED]
    losses = pq.read_table(outputs / "losses").to_pandas()
    ecl = ecl_rows(totals.get("provision", {}), losses, as_of, MONTHS, FORWARD_FACTOR, lgd)
    views.append({"name": "ecl", "by": None, "rows": ecl})
    return [{**view, "day": as_of.isoformat()} for view in views]


def write_reports(folder: Path, as_of: date, lgd: float) -> int:
    """The run's reports into ``folder/outputs/reports.json``, working capital among them; how many."""
    views = report_views(folder / "outputs", as_of, lgd)
    portfolio_dso = next(view["rows"] for view in views if view["name"] == "dso" and view["by"] is None)
    views += [{**view, "day": as_of.isoformat()} for view in wcr_views(folder, as_of, PERIOD_DAYS, portfolio_dso)]
    (folder / "outputs" / REPORTS_FILE).write_text(json.dumps(views, ensure_ascii=False), encoding="utf-8")
    return len(views)


def read_reports(folder: Path) -> list[dict[str, Any]]:
    path = folder / "outputs" / REPORTS_FILE
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else []


def snapshot_body(view: dict[str, Any]) -> dict[str, Any]:
    """A run's view as the pages' snapshot keeps it: its rows, or the service's refusal (the cash
    forecast of a ledger with too little history) for the page to say why in its words."""
    refusal: dict[str, Any] | None = view.get("refusal")
    return refusal if refusal is not None else {"rows": view["rows"]}
