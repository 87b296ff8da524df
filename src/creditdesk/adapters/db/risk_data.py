"""The stored portfolio as the scoring library's tables, and the score history in and out.

Amounts leave the ledger as integer minor units and become floats in major units here, at the
edge of the modelling library (features are ratios and sizes; money stays exact in the ledger).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, insert, select, update

from creditdesk.adapters.db import tables as t
from creditdesk.adapters.db.engine import reading
from creditdesk.adapters.db.queries import frame_of
from creditdesk.domain.currencies import minor_unit_exponent
from creditdesk.service.ports import ModelVersion

if TYPE_CHECKING:  # the tables for the modelling library load with it, when a model trains or scores
    import pandas as pd

    from creditdesk.risk.features.customer import SourceTables


def _major(frame: pd.DataFrame, columns: Iterable[str]) -> pd.DataFrame:
    if frame.empty:
        return frame
    # One lookup a currency, not a call a row (a bucket's million rows hold a few currencies).
    scale = frame["currency"].map({code: 10.0 ** minor_unit_exponent(code) for code in frame["currency"].unique()})
    for name in columns:
        frame[name.removesuffix("_minor")] = frame[name].astype(float) / scale
    return frame


def source_queries() -> dict[str, Any]:
    """The queries whose rows make the scoring library's tables, by name, each row a customer's
    (the batch exports them to Parquet by these names and buckets them by ``customer_id``)."""
    i, a, p, d, v = t.invoices, t.payment_allocations, t.payments, t.disputes, t.customer_versions
    return {
        "customers": select(
            t.customers.c.customer_id, t.customers.c.group_id, t.customers.c.segment, t.customers.c.registered_on
        ),
        "groups": select(t.customer_groups.c.group_id, t.customer_groups.c.parent_group_id),
        "invoices": select(
            i.c.invoice_id,
            i.c.customer_id,
            i.c.invoice_date,
            i.c.due_date,
            i.c.amount_minor,
            i.c.currency,
            i.c.disputed,
        ),
        "allocations": select(a.c.invoice_id, a.c.applied_on, a.c.amount_minor, i.c.currency, p.c.kind, i.c.customer_id)
        .join(i, i.c.invoice_id == a.c.invoice_id)
        .join(p, p.c.payment_id == a.c.payment_id),
        "payments": select(p.c.customer_id, p.c.payment_date, p.c.amount_minor, p.c.currency).where(
            p.c.kind == "payment"
        ),
        "statements": select(t.financial_statements),
        "reports": select(t.bureau_reports),
        "disputes": select(d.c.customer_id, d.c.invoice_id, d.c.opened_on, d.c.amount_minor, d.c.currency),
        "versions": select(
            v.c.customer_id, v.c.valid_from, v.c.valid_to, v.c.group_id, v.c.segment, v.c.registered_on
        ).order_by(v.c.customer_id, v.c.version),
    }


def load_source_tables(conn: Connection) -> SourceTables:
    return shape_source_tables({name: frame_of(conn, query) for name, query in source_queries().items()})


def shape_source_tables(raw: Mapping[str, pd.DataFrame]) -> SourceTables:
    """The scoring library's tables from the rows of :func:`source_queries` (read from the
    database or from the batch's Parquet files): amounts in major units, cash only."""
    import pandas as pd

    from creditdesk.risk.features.customer import SourceTables
    from creditdesk.risk.features.payment import cash_only

    invoices = _major(raw["invoices"].copy(), ["amount_minor"])
    allocations = _major(raw["allocations"].drop(columns="customer_id").copy(), ["amount_minor"])
    payments = _major(raw["payments"].copy(), ["amount_minor"])
    money = [c.name for c in t.financial_statements.c if c.name.endswith("_minor")]
    statements = _major(raw["statements"].copy(), money)
    reports = raw["reports"]
    if invoices.empty:
        invoices = pd.DataFrame(columns=["invoice_id", "customer_id", "invoice_date", "due_date", "amount", "disputed"])
    if allocations.empty:
        allocations = pd.DataFrame(columns=["invoice_id", "applied_on", "amount"])
    if payments.empty:
        payments = pd.DataFrame(columns=["customer_id", "payment_date", "amount"])
    disputes = _major(raw["disputes"].copy(), ["amount_minor"])
    # No cases at all (data from imports only): the features keep reading the invoices' flag.
    found = None if disputes.empty else disputes[["customer_id", "invoice_id", "opened_on", "amount"]]
    # Risk sees cash: a credit note lowers its invoice, a written-off item stays unpaid.
    invoices, allocations = cash_only(invoices, allocations, written_off_unpaid=True)
    return SourceTables(
        raw["customers"],
        raw["groups"],
        invoices,
        allocations,
        payments,
        statements,
        reports,
        found,
        versions=raw["versions"],
    )


def register_model(conn: Connection, entry: ModelVersion) -> None:
    if entry.role == "champion":  # one champion at a time: the previous one is retired
        conn.execute(update(t.model_versions).where(t.model_versions.c.role == "champion").values(role="retired"))
    conn.execute(insert(t.model_versions).values(**{**asdict(entry), "metrics": json.dumps(entry.metrics)}))


def models_in_role(conn: Connection, role: str) -> list[dict[str, Any]]:
    rows = conn.execute(
        select(t.model_versions).where(t.model_versions.c.role == role).order_by(t.model_versions.c.created_at.desc())
    )
    found = []
    for row in rows:
        item = dict(row._mapping)
        item["metrics"] = json.loads(item["metrics"])
        found.append(item)
    return found


def promote(conn: Connection, version: str) -> bool:
    """The challenger becomes the champion; the old champion is retired."""
    found = conn.execute(select(t.model_versions.c.role).where(t.model_versions.c.version == version)).scalar()
    if found is None:
        return False
    conn.execute(update(t.model_versions).where(t.model_versions.c.role == "champion").values(role="retired"))
    conn.execute(update(t.model_versions).where(t.model_versions.c.version == version).values(role="champion"))
    return True


def save_scores(conn: Connection, rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), 5_000):
        conn.execute(insert(t.customer_scores), rows[start : start + 5_000])


def score_history(conn: Connection, customer_id: str, role: str = "champion") -> list[dict[str, Any]]:
    """Newest first."""
    s = t.customer_scores
    rows = conn.execute(
        select(s).where(s.c.customer_id == customer_id, s.c.role == role).order_by(s.c.as_of.desc(), s.c.id.desc())
    )
    found = []
    for row in rows:
        item = dict(row._mapping)
        item["reasons"] = json.loads(item["reasons"])
        item["bureau"] = json.loads(item["bureau"])
        found.append(item)
    return found


def score_frame(conn: Connection, role: str) -> pd.DataFrame:
    s = t.customer_scores
    return frame_of(conn, select(s.c.customer_id, s.c.as_of, s.c.pd.label("risk")).where(s.c.role == role))


def order_outcomes(conn: Connection, since: date, until: date) -> pd.DataFrame:
    import pandas as pd

    o = t.orders
    query = select(o.c.customer_id, o.c.order_date, o.c.status).where(o.c.order_date.between(since, until))
    return pd.DataFrame(conn.execute(query).fetchall(), columns=["customer_id", "order_date", "status"])


class SqlScoringStore:
    """The scoring service's port on the database: each call is one short transaction."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def source_tables(self) -> SourceTables:
        with reading(self.engine) as conn:
            return load_source_tables(conn)

    def register_model(self, entry: ModelVersion) -> None:
        with self.engine.begin() as conn:
            register_model(conn, entry)

    def models_in_role(self, role: str) -> list[dict[str, Any]]:
        with reading(self.engine) as conn:
            return models_in_role(conn, role)

    def promote(self, version: str) -> bool:
        with self.engine.begin() as conn:
            return promote(conn, version)

    def save_scores(self, rows: list[dict[str, Any]]) -> None:
        with self.engine.begin() as conn:
            save_scores(conn, rows)

    def score_history(self, customer_id: str, role: str = "champion") -> list[dict[str, Any]]:
        with reading(self.engine) as conn:
            return score_history(conn, customer_id, role)

    def score_frame(self, role: str) -> pd.DataFrame:
        with reading(self.engine) as conn:
            return score_frame(conn, role)

    def order_outcomes(self, since: date, until: date) -> pd.DataFrame:
        with reading(self.engine) as conn:
            return order_outcomes(conn, since, until)
