"""The monitor's facts for every account on a day: its standing, and what its events say."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import pandas as pd
from sqlalchemy import Engine, select

from creditdesk.adapters.db import tables as t
from creditdesk.adapters.db.engine import reading
from creditdesk.adapters.db.limit_management import SqlLimitManagement, managed_from_row
from creditdesk.adapters.db.risk_data import load_source_tables
from creditdesk.domain.accounts import ManagedAccount
from creditdesk.domain.monitoring import AccountFacts, add_months
from creditdesk.risk.features.behaviour import bureau_drops, days_overdue, good_months, peak_receivable
from creditdesk.risk.features.customer import SourceTables


def _only(frame: pd.DataFrame, customer_id: str | None) -> pd.DataFrame:
    return frame if customer_id is None or frame.empty else frame.loc[frame["customer_id"] == customer_id]


class SqlMonitorFacts:
    def __init__(self, engine: Engine, tables: SourceTables | None = None) -> None:
        """``tables``: the source tables already loaded, read instead of the database's (days
        judged one after another on a ledger that does not move meanwhile: the demo's history)."""
        self.engine = engine
        self.tables = tables

    def monitor_facts(
        self, as_of: date, grace_days: int, window_months: int, customer_id: str | None = None
    ) -> list[AccountFacts]:
        a = t.credit_accounts
        query = select(a)
        if customer_id is not None:
            query = query.where(a.c.customer_id == customer_id)
        with reading(self.engine) as conn:
            accounts = [managed_from_row(row) for row in conn.execute(query.order_by(a.c.customer_id)).mappings()]
            if not accounts:
                return []  # nothing to judge (a new database: its empty frames have no dtypes to work on)
            tables = self.tables if self.tables is not None else load_source_tables(conn)
            management = SqlLimitManagement(conn)
            standing = AccountStanding(
                management.pending_customers(), management.downgrades_seen(), management.rejections()
            )
        return facts_of(accounts, tables, standing, as_of, grace_days, window_months, customer_id)


@dataclass(frozen=True)
class AccountStanding:
    """What the limit requests and the rules' own log say of each account."""

    pending: set[str]  # customers with a limit request waiting
    downgrades_seen: dict[str, date]  # the latest bureau report a downgrade rule acted on
    rejections: dict[str, date]  # the day a person last turned a request down


def facts_of(
    accounts: list[ManagedAccount],
    tables: SourceTables,
    standing: AccountStanding,
    as_of: date,
    grace_days: int,
    window_months: int,
    customer_id: str | None = None,
    ids: pd.Index | None = None,
) -> list[AccountFacts]:
    """The accounts' facts from the source tables (read from the database or, in the batch, from
    one bucket's Parquet files, its customers named by integer codes: ``ids`` their ids by code,
    for pandas groups integers several times faster than text)."""

    def named(found: Any) -> Any:
        return found if ids is None else found.set_axis(ids[found.index.to_numpy(dtype="int64")])

    invoices = _only(tables.invoices, customer_id)
    allocations = tables.allocations  # each of the facts reads them through their invoices
    if customer_id is not None:
        allocations = allocations.loc[allocations["invoice_id"].isin(invoices["invoice_id"])]
    # Plain dicts: an account's lookups are dict hits, not pandas index probes (a million accounts).
    overdue = named(days_overdue(invoices, allocations, as_of, _only(tables.payments, customer_id))).to_dict()
    months = named(good_months(invoices, allocations, as_of, grace_days)).to_dict()
    window = pd.Series({acc.customer_id: _window_start(acc, as_of, window_months) for acc in accounts})
    if ids is not None:
        window.index = ids.get_indexer(window.index)
    peak = named(peak_receivable(invoices, allocations, as_of, window.astype("datetime64[ns]"))).to_dict()
    bureau = named(bureau_drops(_only(tables.reports, customer_id), as_of)).to_dict("index")
    facts = []
    for acc in accounts:
        cid = acc.customer_id
        limit = acc.limit.amount
        drop = bureau.get(cid)
        peak_amount = float(peak.get(cid, 0.0))
        facts.append(
            AccountFacts(
                customer_id=cid,
                currency=acc.currency,
                as_of=as_of,
                status=acc.status,
                status_by_rule=acc.status_source == "rule",
                status_changed_on=acc.status_changed_on,
                limit=limit,
                limit_valid_to=acc.limit_valid_to,
                base_limit=acc.base_limit.amount if acc.base_limit is not None else None,
                days_overdue=int(overdue.get(cid, 0)),
                good_months=int(months.get(cid, 0)),
                peak_utilisation=_utilisation(peak_amount, acc),
                method_limit=None,
                grade=None,
                bureau_drop=int(drop["bureau_drop"]) if drop is not None else 0,
                bureau_provider=str(drop["provider"]) if drop is not None else None,
                bureau_report_on=drop["report_date"].date() if drop is not None else None,
                downgrade_seen_on=standing.downgrades_seen.get(cid),
                increases_frozen_since=acc.increases_frozen_since,
                last_increase_on=acc.last_increase_on,
                in_default_since=acc.in_default_since,
                next_review_on=acc.next_review_on,
                pending_request=cid in standing.pending,
                last_rejected_on=standing.rejections.get(cid),
            )
        )
    return facts


def _window_start(account: ManagedAccount, as_of: date, months: int) -> date:
    start = add_months(as_of, -months)
    last = account.last_increase_on
    return max(start, last) if last is not None else start


def _utilisation(peak: float, account: ManagedAccount) -> Decimal | None:
    if account.limit.amount <= 0:
        return None
    return (Decimal(str(round(peak, 2))) / account.limit.amount).quantize(Decimal("0.0001"))
