"""What the limit methods need per customer, read from the ledger in a few set-wise queries.

Sales and their month-to-month variation come from the invoices of the twelve months to the
date; net worth and working capital from the latest statement filed by then (90 days after its
period end); the bureau limit from the latest report that recommends one (the lowest when
several bureaus do); PD and grade from the champion's latest score.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Engine, case, or_, select

from creditdesk.adapters.db import tables as t
from creditdesk.adapters.db.engine import reading
from creditdesk.adapters.db.limit_management import active_limit_policy
from creditdesk.adapters.db.queries import frame_of
from creditdesk.domain.currencies import minor_unit_exponent
from creditdesk.domain.limit_policy import LimitInputs, LimitPolicy

PUBLICATION_LAG_DAYS = 90


def _amount(minor: Any, currency: str) -> Decimal | None:
    if minor is None or (isinstance(minor, float) and np.isnan(minor)):
        return None
    return Decimal(int(minor)).scaleb(-minor_unit_exponent(currency))


class SqlLimitInputs:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def active_limit_policy(self) -> tuple[int | None, LimitPolicy]:
        """The limits section of the active policy version (the defaults when none is active)."""
        with reading(self.engine) as conn:
            return active_limit_policy(conn)

    def limit_inputs(
        self, as_of: date, customer_id: str | None = None, *, customer_ids: Collection[str] | None = None
    ) -> list[LimitInputs]:
        """Every customer's inputs, or one's (``customer_id``), or a few's (``customer_ids``)."""
        c, i = t.customers, t.invoices
        fs, br, sc = t.financial_statements, t.bureau_reports, t.customer_scores

        def only(query: Any, column: Any) -> Any:
            if customer_ids is not None:
                return query.where(column.in_(sorted(customer_ids)))
            return query.where(column == customer_id) if customer_id is not None else query

        since = as_of - timedelta(days=365)
        with reading(self.engine) as conn:
            customers = frame_of(conn, only(limit_customers_query(as_of), c.c.customer_id))
            invoices = frame_of(
                conn,
                only(
                    select(i.c.customer_id, i.c.invoice_date, i.c.amount_minor).where(
                        i.c.invoice_date > since, i.c.invoice_date <= as_of
                    ),
                    i.c.customer_id,
                ),
            )
            statements = frame_of(
                conn,
                only(
                    select(
                        fs.c.customer_id,
                        fs.c.period_end,
                        fs.c.equity_minor,
                        fs.c.current_assets_minor,
                        fs.c.current_liabilities_minor,
                    ).where(fs.c.period_end <= as_of - timedelta(days=PUBLICATION_LAG_DAYS)),
                    fs.c.customer_id,
                ),
            )
            reports = frame_of(
                conn,
                only(
                    select(br.c.customer_id, br.c.provider, br.c.report_date, br.c.recommended_limit_minor).where(
                        br.c.report_date <= as_of, br.c.recommended_limit_minor.is_not(None)
                    ),
                    br.c.customer_id,
                ),
            )
            scores = frame_of(
                conn,
                only(
                    select(sc.c.customer_id, sc.c.as_of, sc.c.id, sc.c.pd, sc.c.grade).where(
                        sc.c.role == "champion", sc.c.as_of <= as_of
                    ),
                    sc.c.customer_id,
                ),
            )
            support = frame_of(conn, only(support_query(as_of), t.credit_support.c.customer_id))
        return _assemble(customers, invoices, statements, reports, scores, support)


def limit_customers_query(as_of: date) -> Any:
    """Each account's customer with its master data valid on ``as_of`` (customer_versions, else
    what is stored now) and its limit."""
    c, a, v = t.customers, t.credit_accounts, t.customer_versions
    valid = select(v).where(v.c.valid_from <= as_of, or_(v.c.valid_to.is_(None), v.c.valid_to > as_of)).subquery()

    def on_the_day(name: str) -> Any:
        return case((valid.c.customer_id.is_not(None), valid.c[name]), else_=c.c[name]).label(name)

    return (
        select(
            c.c.customer_id,
            c.c.currency,
            on_the_day("payment_terms_days"),
            on_the_day("segment"),
            on_the_day("industry"),
            on_the_day("country"),
            on_the_day("group_id"),
            on_the_day("registered_on"),
            a.c.limit_minor,
        )
        .join(a, a.c.customer_id == c.c.customer_id)
        .outerjoin(valid, valid.c.customer_id == c.c.customer_id)
    )


def support_query(as_of: date) -> Any:
    """The credit insurance, guarantees and letters of credit in force on ``as_of``."""
    cs = t.credit_support
    return select(cs.c.customer_id, cs.c.kind, cs.c.provider, cs.c.amount_minor, cs.c.cover_share).where(
        cs.c.valid_from <= as_of, or_(cs.c.valid_to.is_(None), cs.c.valid_to >= as_of)
    )


def inputs_from_frames(
    as_of: date,
    customers: pd.DataFrame,
    invoices: pd.DataFrame,
    statements: pd.DataFrame,
    reports: pd.DataFrame,
    scores: pd.DataFrame,
    support: pd.DataFrame,
) -> list[LimitInputs]:
    """The inputs from whole tables read elsewhere (the batch's Parquet files): ``customers`` and
    ``support`` as their queries above give them, the others uncut, cut here as the queries of
    :meth:`SqlLimitInputs.limit_inputs` cut them in SQL."""
    day, since = pd.Timestamp(as_of), pd.Timestamp(as_of - timedelta(days=365))
    dated = pd.to_datetime(invoices["invoice_date"])
    invoices = invoices.loc[(dated > since) & (dated <= day), ["customer_id", "invoice_date", "amount_minor"]]
    lag = pd.Timestamp(as_of - timedelta(days=PUBLICATION_LAG_DAYS))
    statements = statements.loc[
        pd.to_datetime(statements["period_end"]) <= lag,
        ["customer_id", "period_end", "equity_minor", "current_assets_minor", "current_liabilities_minor"],
    ]
    reports = reports.loc[
        (pd.to_datetime(reports["report_date"]) <= day) & reports["recommended_limit_minor"].notna(),
        ["customer_id", "provider", "report_date", "recommended_limit_minor"],
    ]
    scores = scores.loc[pd.to_datetime(scores["as_of"]) <= day, ["customer_id", "as_of", "id", "pd", "grade"]]
    return _assemble(customers, invoices, statements, reports, scores, support)


def _latest(frame: pd.DataFrame, order: list[str]) -> dict[str, dict[str, Any]]:
    """Each customer's last row by ``order``, as a dict of dicts (a row lookup per customer is
    a dict hit, not a pandas index probe)."""
    if frame.empty:
        return {}
    latest = frame.sort_values(order).groupby("customer_id").tail(1).set_index("customer_id")
    rows: dict[str, dict[str, Any]] = latest.to_dict("index")
    return rows


def _assemble(
    customers: pd.DataFrame,
    invoices: pd.DataFrame,
    statements: pd.DataFrame,
    reports: pd.DataFrame,
    scores: pd.DataFrame,
    support: pd.DataFrame,
) -> list[LimitInputs]:
    if invoices.empty:
        monthly = pd.DataFrame(columns=["customer_id", "month", "amount_minor"])
    else:
        months = pd.to_datetime(invoices["invoice_date"]).dt.to_period("M")
        monthly = invoices.assign(month=months).groupby(["customer_id", "month"], as_index=False)["amount_minor"].sum()
    by_customer = monthly.groupby("customer_id")["amount_minor"]
    # Twelve months, the silent ones counting as zero: a seasonal buyer varies a lot.
    total = by_customer.sum()
    mean = total / 12
    square = (monthly["amount_minor"].astype(float) ** 2).groupby(monthly["customer_id"]).sum() / 12
    cv = np.sqrt(np.maximum(square - mean.astype(float) ** 2, 0)) / mean.astype(float)
    latest_statement = _latest(statements, ["customer_id", "period_end"])
    bureau: dict[str, dict[str, Any]] = {}
    if len(reports):
        latest_per_provider = (
            reports.sort_values(["customer_id", "report_date"], kind="stable")
            .groupby(["customer_id", "provider"])
            .tail(1)
        )
        # The lowest; of equal ones the first provider by name (the same whatever the rows around it).
        ordered = latest_per_provider.sort_values(["recommended_limit_minor", "provider"], kind="stable")
        lowest = ordered.groupby("customer_id").head(1)
        bureau = lowest.set_index("customer_id").to_dict("index")
    latest_score = _latest(scores, ["customer_id", "as_of", "id"])
    means, cvs = mean.to_dict(), cv.to_dict()
    insurance, security = _support(support)
    found = []
    for row in customers.itertuples(index=False):
        cid, ccy = row.customer_id, row.currency
        st, bu, sc = latest_statement.get(cid), bureau.get(cid), latest_score.get(cid)
        ins = insurance.get(cid)
        monthly_minor = float(means.get(cid, 0.0))
        found.append(
            LimitInputs(
                customer_id=cid,
                currency=ccy,
                current_limit=_amount(row.limit_minor, ccy) or Decimal(0),
                avg_monthly_sales=_amount(round(monthly_minor), ccy) or Decimal(0),
                demand_cv=float(cvs.get(cid, 0.0)) if monthly_minor > 0 else 0.0,
                terms_days=int(row.payment_terms_days),
                tangible_net_worth=None if st is None else _amount(st["equity_minor"], ccy),
                working_capital=None
                if st is None
                else _amount(int(st["current_assets_minor"]) - int(st["current_liabilities_minor"]), ccy),
                bureau_limit=None if bu is None else _amount(bu["recommended_limit_minor"], ccy),
                bureau_provider=None if bu is None else str(bu["provider"]),
                pd=None if sc is None else float(sc["pd"]),
                grade=None if sc is None else int(sc["grade"]),
                segment=_text(row.segment),
                industry=_text(row.industry),
                country=_text(row.country),
                group_id=_text(row.group_id),
                registered_on=row.registered_on if isinstance(row.registered_on, date) else None,
                insurer=None if ins is None else str(ins["provider"]),
                insured_limit=None if ins is None else _amount(ins["amount_minor"], ccy),
                cover_share=None if ins is None else Decimal(str(ins["cover_share"])),
                security=_amount(security[cid], ccy) if cid in security else None,
            )
        )
    return found


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _support(support: pd.DataFrame) -> tuple[dict[str, dict[str, Any]], dict[str, int]]:
    """The largest insurer limit per customer, and the sum of its guarantees and letters of credit."""
    if support.empty:
        return {}, {}
    insured = support.loc[support["kind"] == "insurance"].sort_values("amount_minor")
    insurance = insured.groupby("customer_id").tail(1).set_index("customer_id").to_dict("index")
    secured = support.loc[support["kind"] != "insurance"].groupby("customer_id")["amount_minor"].sum()
    return insurance, {k: int(v) for k, v in secured.items()}
