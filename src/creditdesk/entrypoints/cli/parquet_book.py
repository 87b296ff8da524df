"""A generated book written straight to the batch's Parquet inputs, a chunk of customers at a time.

The demo's generator draws each chunk as a portfolio of its own (its own seed, its ids tagged
with the chunk), so memory stays that of one chunk whatever the book's size, and every chunk has
the calibration's figures. Each chunk becomes the rows the batch's export would write for it
(`exchange.export_queries`, same names, columns and types), appended to one Parquet file a table.

What the ledger would have done on import is done here the simple way: a payment that names its
invoice is applied to it, the rest stay unapplied cash; an account's receivable, overdue and
reserved amounts are its open invoices' and open orders'. No request, dispute or master-data
version exists yet in a generated book.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from creditdesk.adapters.batch.exchange import ROW, Manifest, export_queries, query_schema
from creditdesk.adapters.db import tables as t
from creditdesk.demo import make_portfolio
from creditdesk.demo.portfolio import Portfolio, source_tables
from creditdesk.domain.currencies import minor_unit_exponent
from creditdesk.service.scoring import fit_model

CHUNK_CUSTOMERS = 25_000
#: The statements' money, as the generator names it (the table's columns without ``_minor``).
_STATEMENT_MONEY = [c.name.removesuffix("_minor") for c in t.financial_statements.c if c.name.endswith("_minor")]


def _minor(values: pd.Series, currency: pd.Series) -> pd.Series:
    """Decimal text or numbers in major units as integer minor units (null stays null)."""
    scale = currency.map(lambda code: 10 ** minor_unit_exponent(code)).astype("float64")
    return (pd.to_numeric(values, errors="coerce") * scale).round().astype("Int64")


def _day(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values).dt.date


def _tagged(portfolio: Portfolio, tag: str) -> Portfolio:
    """The portfolio with every id prefixed by ``tag``: chunks never share an id."""
    if not tag:
        return portfolio

    def ids(frame: pd.DataFrame, *columns: str) -> pd.DataFrame:
        # Text with missing values kept missing, as the generator's own columns are.
        return frame.assign(**{c: tag + frame[c].astype("str") for c in columns if c in frame.columns})

    return Portfolio(
        portfolio.as_of,
        ids(portfolio.customers, "customer_id", "group_id"),
        ids(portfolio.groups, "group_id", "parent_group_id"),
        ids(portfolio.financials, "customer_id"),
        ids(portfolio.bureau, "customer_id"),
        ids(portfolio.orders, "order_id", "customer_id"),
        ids(portfolio.invoices, "invoice_id", "customer_id", "order_id"),
        ids(portfolio.payments, "payment_id", "customer_id", "invoice_id"),
        ids(portfolio.truth, "customer_id"),
        ids(portfolio.credit_support, "support_id", "customer_id"),
    )


def _accounts(p: Portfolio, invoices: pd.DataFrame, applied: pd.Series, unapplied: pd.Series) -> pd.DataFrame:
    as_of = pd.Timestamp(p.as_of)
    open_minor = (invoices["amount_minor"] - invoices["invoice_id"].map(applied).fillna(0)).clip(lower=0)
    overdue = open_minor.where(pd.to_datetime(invoices["due_date"]) < as_of, 0)
    orders = p.orders.loc[p.orders["status"] == "open"]
    reserved = _minor(orders["amount"], orders["currency"]).groupby(orders["customer_id"]).sum()
    by_customer = invoices["customer_id"]
    customers = p.customers
    ids = customers["customer_id"]
    limit = _minor(customers["credit_limit"], customers["currency"]).fillna(0)
    return pd.DataFrame(
        {
            "customer_id": ids,
            "currency": customers["currency"],
            "limit_minor": limit,
            "limit_valid_to": None,
            "status": "active",
            "receivable_minor": ids.map(open_minor.groupby(by_customer).sum()).fillna(0).astype("int64"),
            "reserved_minor": ids.map(reserved).fillna(0).astype("int64"),
            "delivered_minor": 0,
            "unapplied_minor": ids.map(unapplied).fillna(0).astype("int64"),
            "overdue_minor": ids.map(overdue.groupby(by_customer).sum()).fillna(0).astype("int64"),
            "overdue_through": p.as_of,
            "next_review_on": None,
            "risk_class": None,
            "next_expiry": None,
            "event_seq": 0,
            "base_limit_minor": None,
            "status_source": None,
            "status_changed_on": None,
            "increases_frozen_since": None,
            "last_increase_on": None,
            "in_default_since": None,
            "dunning_level": 0,
            "dunning_since": None,
        }
    )


def chunk_inputs(p: Portfolio) -> dict[str, pd.DataFrame]:
    """One chunk's rows of every batch input, as the export would write them."""
    c, as_of = p.customers, p.as_of
    invoices = p.invoices.assign(
        invoice_date=_day(p.invoices["invoice_date"]),
        due_date=_day(p.invoices["due_date"]),
        amount_minor=_minor(p.invoices["amount"], p.invoices["currency"]),
        disputed=p.invoices["disputed"] == "true",
    )
    payments = p.payments.assign(
        payment_date=_day(p.payments["payment_date"]),
        amount_minor=_minor(p.payments["amount"], p.payments["currency"]),
    )
    named = payments.loc[payments["invoice_id"].notna()]
    owed = invoices.set_index("invoice_id")["customer_id"]
    allocations = pd.DataFrame(
        {
            "invoice_id": named["invoice_id"],
            "applied_on": named["payment_date"],
            "amount_minor": named["amount_minor"],
            "currency": named["currency"],
            "kind": "payment",
            "customer_id": named["invoice_id"].map(owed),
        }
    )
    applied = named.groupby("invoice_id")["amount_minor"].sum()
    unapplied = payments.loc[payments["invoice_id"].isna()].groupby("customer_id")["amount_minor"].sum()
    statements = p.financials.assign(period_end=_day(p.financials["period_end"]))
    for name in _STATEMENT_MONEY:
        statements[f"{name}_minor"] = _minor(statements.pop(name), statements["currency"])
    reports = p.bureau.assign(
        report_date=_day(p.bureau["report_date"]),
        score=pd.to_numeric(p.bureau["score"]).astype("Int64"),
        pd=pd.to_numeric(p.bureau["pd"], errors="coerce"),
        recommended_limit_minor=_minor(p.bureau["recommended_limit"], p.bureau["currency"]),
        events=p.bureau["events"].where(p.bureau["events"].fillna("") != "", None),  # none: null, as imported
    )
    s = p.credit_support
    day, valid_to = pd.Timestamp(as_of), pd.to_datetime(s["valid_to"])
    in_force = (pd.to_datetime(s["valid_from"]) <= day) & (valid_to.isna() | (valid_to >= day))
    support = s.loc[in_force].assign(amount_minor=_minor(s["amount"], s["currency"]))
    cover = s.loc[pd.to_datetime(s["valid_from"]) <= day].assign(
        amount_minor=_minor(s["amount"], s["currency"]), valid_from=_day(s["valid_from"]), valid_to=_day(s["valid_to"])
    )
    customers = c.assign(registered_on=_day(c["registered_on"]))
    return {
        "customers": customers,
        "groups": p.groups,
        "invoices": invoices,
        "allocations": allocations,
        "payments": payments,
        "statements": statements,
        "reports": reports,
        "support": support,
        "cover": cover,  # no credit notes, write-offs or foreign-currency invoices: those files stay empty
        "limit_customers": customers.assign(limit_minor=_minor(c["credit_limit"], c["currency"])),
        "accounts": _accounts(p, invoices, applied, unapplied),
    }


@dataclass
class _Files:
    """One Parquet writer a batch input, each row numbered across chunks (the export's `_row`)."""

    folder: Path
    as_of: date

    def __post_init__(self) -> None:
        self.schemas = {name: query_schema(query) for name, query in export_queries(self.as_of).items()}
        self.writers = {name: pq.ParquetWriter(self.folder / f"{name}.parquet", s) for name, s in self.schemas.items()}
        self.rows = dict.fromkeys(self.schemas, 0)

    def append(self, frames: dict[str, pd.DataFrame]) -> None:
        for name, frame in frames.items():
            schema, start = self.schemas[name], self.rows[name]
            columns = {f.name: frame[f.name] for f in schema if f.name != ROW}
            numbered = pd.DataFrame(columns).assign(**{ROW: np.arange(start, start + len(frame))})
            self.writers[name].write_table(pa.Table.from_pandas(numbered, schema=schema, preserve_index=False))
            self.rows[name] += len(frame)

    def close(self) -> dict[str, int]:
        for name, writer in self.writers.items():
            if self.rows[name] == 0:
                writer.write_table(self.schemas[name].empty_table())
            writer.close()
        return self.rows


def write_book(
    folder: Path,
    customers: int,
    *,
    months: int = 24,
    seed: int = 0,
    as_of: date = date(2026, 10, 31),
    chunk: int = CHUNK_CUSTOMERS,
    champion: tuple[str, str] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Manifest:
    """Write a ``customers``-strong book as the batch's inputs in ``folder``, judged by
    ``champion`` (version, artefact folder) or by one fitted on the first chunk (under
    ``folder/models``): the batch runs on it with ``--inputs folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    files = _Files(folder, as_of)
    chunks = -(-customers // chunk)
    try:
        for k in range(chunks):
            size = min(chunk, customers - k * chunk)
            drawn = make_portfolio(size, months, seed * 1_000_003 + k, as_of=as_of)
            portfolio = _tagged(drawn, f"K{k:03d}-" if chunks > 1 else "")
            if champion is None:
                version, path, _meta = fit_model(source_tables(portfolio), folder / "models", as_of)
                champion = (version, str(path))
            files.append(chunk_inputs(portfolio))
            del drawn, portfolio
            if progress is not None:
                progress(k + 1, chunks)
    finally:
        rows = files.close()
    assert champion is not None
    manifest = Manifest(as_of, None, None, champion[0], champion[1], rows)
    manifest.write(folder)
    return manifest
