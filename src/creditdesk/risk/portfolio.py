"""A realistic synthetic B2B credit portfolio, consistent across all its tables.

One latent creditworthiness per customer drives its financial ratios, bureau scores,
payment behaviour, order flow and defaults. The figures that tie them to reality come
from ``data/calibration.json`` (derived from real datasets by
``scripts/calibrate_generator.py``): IBM receivables for payment behaviour, Polish
company data for financial ratios, Slovak SME data for default rates by industry.
Everything is vectorised with NumPy, so a million customers is a matter of seconds
for the customer-level tables.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd

from creditdesk.risk.features.customer import SourceTables

_EPOCH = np.datetime64("1970-01-01", "D")


@cache
def calibration() -> dict[str, Any]:
    text = resources.files("creditdesk.risk").joinpath("data/calibration.json").read_text()
    loaded: dict[str, Any] = json.loads(text)
    return loaded


@dataclass(frozen=True)
class Portfolio:
    """The generated tables, shaped like creditdesk's import files, plus the hidden truth.

    ``truth`` holds what a real credit team never sees: the latent creditworthiness, the
    annual PD used to draw defaults, and the default date (NaT when none).
    """

    as_of: date
    customers: pd.DataFrame
    groups: pd.DataFrame
    financials: pd.DataFrame
    bureau: pd.DataFrame
    orders: pd.DataFrame
    invoices: pd.DataFrame
    payments: pd.DataFrame
    truth: pd.DataFrame
    credit_support: pd.DataFrame


def _logit_solve(target: float, base: np.ndarray, lo: float = -20.0, hi: float = 20.0) -> float:
    """The intercept c with mean(sigmoid(c + base)) == target (bisection, monotone)."""
    for _ in range(60):
        mid = (lo + hi) / 2
        if np.mean(1 / (1 + np.exp(-(mid + base)))) < target:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def _uniform_ranks(x: np.ndarray) -> np.ndarray:
    """Exact uniform marginals from a latent: rank / n (no distribution function needed)."""
    ranks = np.empty(len(x))
    ranks[np.argsort(x, kind="stable")] = np.arange(len(x))
    return (ranks + 0.5) / len(x)


def _days(values: np.ndarray) -> np.ndarray:
    return values.astype("timedelta64[D]")


def _to_dates(days: np.ndarray) -> np.ndarray:
    return _EPOCH + _days(days)


def _ids(prefix: str, count: int, width: int = 6) -> np.ndarray:
    width = max(width, len(str(count)))
    return np.char.add(prefix, np.char.zfill(np.arange(1, count + 1).astype(str), width))


_NAME_A = np.array(
    [
        "Huaxin",
        "Zhongda",
        "Jinlong",
        "Hengtai",
        "Baosheng",
        "Tianyu",
        "Xinghe",
        "Nordwind",
        "Alpen",
        "Meridian",
        "Pacific",
        "Keystone",
        "Sakura",
        "Harbor",
        "Lotus",
        "Evergreen",
        "Summit",
        "Orient",
        "Silverline",
        "Redwood",
    ]
)
_NAME_B = np.array(
    [
        "Trading",
        "Industrial",
        "Materials",
        "Logistics",
        "Foods",
        "Machinery",
        "Electronics",
        "Construction",
        "Agritech",
        "Retail",
        "Components",
        "Supply",
    ]
)
_NAME_C = np.array(["Co., Ltd.", "GmbH", "Inc.", "Ltd.", "Group", "S.A.", "Pte. Ltd."])
_COUNTRIES = np.array(["CN", "CN", "CN", "CN", "CN", "CN", "HK", "SG", "DE", "US", "JP", "KR"])
_TERMS = np.array([30, 45, 60, 90])
_TERMS_P = np.array([0.6, 0.15, 0.2, 0.05])
_RATINGS = np.array(["CCC", "B", "BB", "BBB", "A", "AA", "AAA"])
_EVENTS = np.array(["LATE_FILING", "COURT_JUDGMENT", "TAX_ARREARS", "PAYMENT_DEFAULT"])


def make_portfolio(
    n_customers: int,
    months: int = 24,
    seed: int = 0,
    *,
    as_of: date = date(2026, 10, 31),
    currency: str = "CNY",
) -> Portfolio:
    """Generate a consistent portfolio.

    Parameters
    ----------
    n_customers : int
        Number of customers (1 to a few million).
    months : int
        Months of order, invoice and payment history ending on ``as_of``.
    seed : int
        The same seed gives the same portfolio, table for table.
    as_of : date
        The day the portfolio is seen: nothing dated after it exists.
    currency : str
        The account currency of every customer.
    """
    if n_customers < 1:
        raise ValueError(f"The 'n_customers' parameter must be at least 1; got {n_customers}")
    if months < 1:
        raise ValueError(f"The 'months' parameter must be at least 1; got {months}")
    rng = np.random.default_rng(seed)
    cal = calibration()
    n = n_customers
    as_of_day = int((np.datetime64(as_of, "D") - _EPOCH).astype(int))
    start_month = np.datetime64(as_of, "M") - np.timedelta64(months - 1, "M")
    start_day = int((start_month.astype("datetime64[D]") - _EPOCH).astype(int))

    # Latent creditworthiness: higher is better.
    quality = rng.standard_normal(n)
    customer_ids = _ids("C", n)

    # Industry and its base default rate (Slovak SMEs), then each customer's annual PD.
    defaults_cal = cal["defaults"]
    industries = np.array(sorted(defaults_cal["industry_mix"]))
    mix = np.array([defaults_cal["industry_mix"][i] for i in industries])
    industry_idx = rng.choice(len(industries), size=n, p=mix / mix.sum())
    annual_pd = np.empty(n)
    for k, industry in enumerate(industries):
        members = industry_idx == k
        if members.any():
            base = -1.4 * quality[members]
            rate = defaults_cal["annual_default_rate_by_industry"][industry]
            annual_pd[members] = 1 / (1 + np.exp(-(_logit_solve(rate, base) + base)))
    hazard = -np.log1p(-np.clip(annual_pd, 1e-6, 0.99)) / 365.0
    default_after_days = rng.exponential(1 / hazard)
    default_day = np.where(start_day + default_after_days <= as_of_day, start_day + default_after_days, np.nan)

    # Size, terms, tenure, segment.
    revenue = np.round(np.exp(rng.normal(np.log(30e6), 1.1, n) + 0.15 * quality), -3)
    terms = rng.choice(_TERMS, size=n, p=_TERMS_P)
    tenure_days = np.maximum(30, rng.exponential(6 * 365, n)).astype(int)
    registered_day = as_of_day - tenure_days
    purchase_share = np.clip(np.exp(rng.normal(np.log(0.012), 0.7, n)), 0.001, 0.2)
    monthly_purchases = revenue * purchase_share / 12
    segment = np.full(n, "standard", dtype=object)
    roll = rng.random(n)
    segment[roll < 0.10] = "insured"
    segment[roll < 0.04] = "secured"
    segment[roll < 0.035] = "government"
    segment[roll < 0.01] = "related_party"
    segment[monthly_purchases >= np.quantile(monthly_purchases, 0.97)] = "strategic"
    segment[tenure_days < 365] = "new"

    # Groups: some customers belong to a group; some groups to a holding above them.
    in_group = rng.random(n) < 0.12
    n_groups = max(1, int(in_group.sum() // 3))
    group_ids = _ids("G", n_groups, 4)
    member_group = np.where(in_group, rng.integers(0, n_groups, n), -1)
    n_holdings = max(1, n_groups // 5)
    holding_ids = _ids("H", n_holdings, 4)
    group_parent = np.where(rng.random(n_groups) < 0.2, rng.integers(0, n_holdings, n_groups), -1)
    groups = pd.concat(
        [
            pd.DataFrame(
                {"group_id": holding_ids, "name": [f"{h} Holdings" for h in holding_ids], "parent_group_id": None}
            ),
            pd.DataFrame(
                {
                    "group_id": group_ids,
                    "name": [f"{_NAME_A[i % len(_NAME_A)]} Group {g}" for i, g in enumerate(group_ids)],
                    "parent_group_id": [holding_ids[p] if p >= 0 else None for p in group_parent],
                }
            ),
        ],
        ignore_index=True,
    )
    used = set(group_ids[member_group[member_group >= 0]]) | {
        holding_ids[p] for p, g in zip(group_parent, group_ids, strict=True) if p >= 0
    }
    groups = groups[groups["group_id"].isin(used)].reset_index(drop=True)

    names = np.char.add(
        np.char.add(
            np.char.add(_NAME_A[rng.integers(0, len(_NAME_A), n)], " "),
            np.char.add(_NAME_B[rng.integers(0, len(_NAME_B), n)], " "),
        ),
        _NAME_C[rng.integers(0, len(_NAME_C), n)],
    )
    names = np.char.add(np.char.add(names, " #"), np.char.zfill(np.arange(1, n + 1).astype(str), 4))

    # Legacy limit: what someone once typed, roughly two months of purchases, not risk-based.
    legacy_limit = np.maximum(10_000, np.round(2 * monthly_purchases * np.exp(rng.normal(0, 0.5, n)), -4))

    customers = pd.DataFrame(
        {
            "customer_id": customer_ids,
            "name": names,
            "currency": currency,
            "segment": segment,
            "group_id": [group_ids[g] if g >= 0 else None for g in member_group],
            "country": _COUNTRIES[rng.integers(0, len(_COUNTRIES), n)],
            "industry": industries[industry_idx],
            "registered_on": _to_dates(registered_day).astype(str),
            "payment_terms_days": terms,
            "credit_limit": [f"{v:.2f}" for v in legacy_limit],
        }
    )

    financials = _financials(
        rng, cal["financial_ratios"], customer_ids, quality, annual_pd, revenue, terms, as_of, currency
    )
    bureau = _bureau(rng, customer_ids, quality, revenue, start_day, as_of_day, currency)
    orders, invoices, payments = _documents(
        rng,
        cal["payments"],
        customer_ids,
        quality,
        terms,
        monthly_purchases,
        registered_day,
        default_day,
        start_month,
        months,
        as_of_day,
        currency,
    )
    truth = pd.DataFrame(
        {
            "customer_id": customer_ids,
            "quality": quality,
            "annual_pd": annual_pd,
            "defaulted_on": pd.to_datetime(_to_dates(np.nan_to_num(default_day, nan=0).astype(int))).where(
                ~np.isnan(default_day)
            ),
            "legacy_limit": legacy_limit,
        }
    )
    support = _credit_support(seed, customer_ids, segment, monthly_purchases, start_day, currency)
    return Portfolio(as_of, customers, groups, financials, bureau, orders, invoices, payments, truth, support)


_SUPPORT_COLUMNS = [
    "support_id",
    "customer_id",
    "kind",
    "provider",
    "amount",
    "currency",
    "valid_from",
    "valid_to",
    "cover_share",
]


def _credit_support(
    seed: int, customer_ids: np.ndarray, segment: np.ndarray, monthly_purchases: np.ndarray, start_day: int, ccy: str
) -> pd.DataFrame:
    """Insured customers get a credit insurer's buyer limit (one to three months of purchases, the
    insurer bearing 90 % of a loss); secured ones a bank guarantee or a letter of credit (about a
    month of purchases). Drawn from a stream of their own, so the other tables stay as they were."""
    rng = np.random.default_rng([seed, 0x5EC])
    insured, secured = np.flatnonzero(segment == "insured"), np.flatnonzero(segment == "secured")
    rows: list[tuple[str, int, str, str, float, str | None]] = []
    for index in insured:
        amount = float(np.round(monthly_purchases[index] * rng.uniform(1, 3), -3))
        insurer = "atradius" if rng.random() < 0.5 else "coface"
        rows.append((f"INS-{customer_ids[index]}", int(index), "insurance", insurer, amount, "0.9"))
    for index in secured:
        kind = "guarantee" if rng.random() < 0.6 else "letter_of_credit"
        amount = float(np.round(monthly_purchases[index] * rng.uniform(0.5, 1.5), -3))
        rows.append((f"SEC-{customer_ids[index]}", int(index), kind, "bank", amount, None))
    valid_from = str(_to_dates(np.array([start_day]))[0])
    return pd.DataFrame(
        [
            {
                "support_id": support_id,
                "customer_id": customer_ids[index],
                "kind": kind,
                "provider": provider,
                "amount": f"{max(amount, 1000.0):.2f}",
                "currency": ccy,
                "valid_from": valid_from,
                "valid_to": None,
                "cover_share": share,
            }
            for support_id, index, kind, provider, amount, share in rows
        ],
        columns=_SUPPORT_COLUMNS,
    )


def _financials(
    rng: np.random.Generator,
    cal: dict[str, Any],
    customer_ids: np.ndarray,
    quality: np.ndarray,
    annual_pd: np.ndarray,
    revenue: np.ndarray,
    terms: np.ndarray,
    as_of: date,
    currency: str,
) -> pd.DataFrame:
    """Two years of statements whose ratios follow the real healthy or bankrupt distributions."""
    n = len(customer_ids)
    percentiles = np.array(cal["percentiles"], dtype=float)
    # A customer drawn as distressed takes its ratios from the bankrupt companies' distribution.
    distressed = rng.random(n) < np.clip(annual_pd * 3, 0, 0.9)
    # Filing lag: the last closed fiscal year is filed three months after year end.
    last_year = as_of.year - 1 if as_of.month > 3 else as_of.year - 2
    frames = []
    for back, year in enumerate((last_year, last_year - 1)):
        ratio: dict[str, np.ndarray] = {}
        for name, quantiles in cal["ratios"].items():
            sign = -1.0 if name == "liabilities_to_assets" else 1.0
            latent = sign * 0.7 * quality + 0.71 * rng.standard_normal(n)
            u = _uniform_ranks(latent) * 98 + 1
            healthy = np.interp(u, percentiles, quantiles["healthy"])
            bankrupt = np.interp(u, percentiles, quantiles["bankrupt"])
            ratio[name] = np.where(distressed, bankrupt, healthy)
        year_revenue = revenue / (1.05**back) * np.exp(rng.normal(0, 0.05, n))
        assets = year_revenue / np.clip(ratio["sales_to_assets"], 0.3, 6)
        liabilities = assets * np.clip(ratio["liabilities_to_assets"], 0.05, 1.6)
        current_assets = assets * np.clip(0.5 + 0.5 * ratio["working_capital_to_assets"], 0.1, 0.95)
        current_liabilities = np.minimum(current_assets / np.clip(ratio["current_ratio"], 0.2, 10), liabilities)
        cash = current_assets * rng.uniform(0.05, 0.3, n)
        inventory = current_assets * rng.uniform(0.1, 0.4, n)
        receivables = np.minimum(
            year_revenue * terms / 365 * rng.uniform(0.8, 1.3, n), current_assets - cash - inventory
        )
        net_income = assets * np.clip(ratio["net_income_to_assets"], -1, 1)
        frames.append(
            pd.DataFrame(
                {
                    "customer_id": customer_ids,
                    "period_end": f"{year}-12-31",
                    "currency": currency,
                    "revenue": np.round(year_revenue, 0),
                    "total_assets": np.round(assets, 0),
                    "total_liabilities": np.round(liabilities, 0),
                    "current_assets": np.round(current_assets, 0),
                    "current_liabilities": np.round(current_liabilities, 0),
                    "equity": np.round(assets, 0) - np.round(liabilities, 0),
                    "net_income": np.round(net_income, 0),
                    "ebit": np.round(assets * np.clip(ratio["ebit_to_assets"], -1, 1), 0),
                    "retained_earnings": np.round(assets * np.clip(ratio["retained_earnings_to_assets"], -2, 1), 0),
                    "cash": np.round(cash, 0),
                    "inventory": np.round(inventory, 0),
                    "receivables": np.round(np.maximum(receivables, 0), 0),
                    "payables": np.round(current_liabilities * rng.uniform(0.3, 0.7, n), 0),
                    "operating_cash_flow": np.round(net_income + assets * rng.normal(0.03, 0.03, n), 0),
                }
            )
        )
    statements = pd.concat(frames, ignore_index=True)
    money = [c for c in statements.columns if c not in ("customer_id", "period_end", "currency")]
    statements[money] = statements[money].astype(np.int64)
    return statements


def _bureau(
    rng: np.random.Generator,
    customer_ids: np.ndarray,
    quality: np.ndarray,
    revenue: np.ndarray,
    start_day: int,
    as_of_day: int,
    currency: str,
) -> pd.DataFrame:
    """Two bureaus, each seeing the latent quality through its own noise, twice a year."""
    n = len(customer_ids)
    frames = []
    # Every half year back to the start of the history, and at least one recent report.
    report_days = np.arange(as_of_day - 30, min(start_day, as_of_day - 31), -182)[::-1]
    for provider, noise in (("bureau_a", 0.5), ("bureau_b", 0.8)):
        persistent = rng.standard_normal(n)
        for day in report_days:
            view = quality + noise * (0.8 * persistent + 0.6 * rng.standard_normal(n))
            score = np.clip(np.round(600 + 90 * view), 300, 900).astype(int)
            pd_ = 1 / (1 + np.exp((score - 480) / 45))
            rating = _RATINGS[np.clip((score - 420) // 60, 0, len(_RATINGS) - 1)]
            adverse = rng.random(n) < np.clip(0.25 * pd_ * 10, 0, 0.8)
            events = np.where(adverse, _EVENTS[rng.integers(0, len(_EVENTS), n)], "")
            frames.append(
                pd.DataFrame(
                    {
                        "customer_id": customer_ids,
                        "provider": provider,
                        "report_date": str(_to_dates(np.array([day]))[0]),
                        "score": score,
                        "rating": rating,
                        "pd": np.round(pd_, 5),
                        "recommended_limit": [f"{v:.2f}" for v in np.round(revenue * 0.01 * (score / 700) ** 3, -3)],
                        "currency": currency,
                        "events": events,
                    }
                )
            )
    return pd.concat(frames, ignore_index=True)


def _documents(
    rng: np.random.Generator,
    cal: dict[str, Any],
    customer_ids: np.ndarray,
    quality: np.ndarray,
    terms: np.ndarray,
    monthly_purchases: np.ndarray,
    registered_day: np.ndarray,
    default_day: np.ndarray,
    start_month: np.datetime64,
    months: int,
    as_of_day: int,
    currency: str,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Orders with seasonality, their invoices, and payments that follow each customer's habits."""
    n = len(customer_ids)
    # Order rate per month: IBM customers get about 1.6 invoices a month; bigger buyers more.
    base_rate = cal["invoices_per_customer_month"] * np.exp(0.3 * rng.standard_normal(n))
    month_starts = (start_month + np.arange(months)).astype("datetime64[D]")
    month_days = (month_starts - _EPOCH).astype(int)
    month_len = np.diff(np.append(month_days, month_days[-1] + 31))
    month_no = (start_month + np.arange(months)).astype(int) % 12  # 0 = January
    season = 1 + 0.15 * np.sin(2 * np.pi * (month_no - 2) / 12) + np.where(month_no >= 9, 0.1, 0)
    counts = rng.poisson(np.outer(base_rate, season))  # customers x months
    cust = np.repeat(np.repeat(np.arange(n), months), counts.ravel())
    month = np.repeat(np.tile(np.arange(months), n), counts.ravel())
    order_day = month_days[month] + (rng.random(len(cust)) * month_len[month]).astype(int)
    alive = (order_day >= registered_day[cust]) & (order_day <= as_of_day)
    alive &= np.isnan(default_day[cust]) | (order_day < np.nan_to_num(default_day[cust], nan=np.inf))
    cust, order_day = cust[alive], order_day[alive]
    order_sort = np.lexsort((order_day, cust))
    cust, order_day = cust[order_sort], order_day[order_sort]
    m = len(cust)
    amount = (
        monthly_purchases[cust]
        / base_rate[cust]
        * np.exp(rng.normal(-(cal["log_amount_sd"] ** 2) / 2, cal["log_amount_sd"], m))
    )
    amount = np.maximum(np.round(amount, 2), 1.0)
    order_ids = _ids("O", m, 7)
    invoice_day = order_day + rng.integers(0, 6, m)
    cancelled = rng.random(m) < 0.02
    invoiced = ~cancelled & (invoice_day <= as_of_day)
    status = np.where(cancelled, "cancelled", np.where(invoiced, "invoiced", "open"))
    orders = pd.DataFrame(
        {
            "order_id": order_ids,
            "customer_id": customer_ids[cust],
            "order_date": _to_dates(order_day).astype(str),
            "amount": [f"{v:.2f}" for v in amount],
            "currency": currency,
            "status": status,
        }
    )

    # Invoices.
    icust, iday, iamount, iorder = cust[invoiced], invoice_day[invoiced], amount[invoiced], order_ids[invoiced]
    k = len(icust)
    due_day = iday + terms[icust]
    disputed = rng.random(k) < cal["disputed_share"]
    invoice_ids = _ids("INV", k, 7)
    invoices = pd.DataFrame(
        {
            "invoice_id": invoice_ids,
            "customer_id": customer_ids[icust],
            "invoice_date": _to_dates(iday).astype(str),
            "due_date": _to_dates(due_day).astype(str),
            "amount": [f"{v:.2f}" for v in iamount],
            "currency": currency,
            "order_id": iorder,
            "disputed": np.where(disputed, "true", "false"),
        }
    )

    # Lateness: a customer effect (the IBM customers differ a lot) plus disputes.
    habit = -1.2 * quality + 0.9 * rng.standard_normal(n)
    dispute_effect = np.log(cal["late_share_disputed"] / (1 - cal["late_share_disputed"])) - np.log(
        cal["late_share_undisputed"] / (1 - cal["late_share_undisputed"])
    )
    # The customer effect dilutes a per-invoice odds ratio, so the dispute effect is scaled up
    # to land on the observed marginal late shares of disputed and undisputed invoices.
    logits = habit[icust] + 1.6 * dispute_effect * disputed
    intercept = _logit_solve(cal["late_share"], logits)
    late = rng.random(k) < 1 / (1 + np.exp(-(intercept + logits)))
    lateness = np.exp(0.25 * habit[icust])
    mean_late = cal["mean_days_late_when_late"] * lateness / np.mean(lateness[late])
    shape = (cal["mean_days_late_when_late"] / cal["sd_days_late_when_late"]) ** 2
    days_late = np.maximum(1, np.round(rng.gamma(shape, mean_late / shape)))
    early_fraction = np.clip(rng.normal(cal["on_time_settle_fraction_of_terms"], 0.2, k), 0.05, 1.0)
    on_time_day = iday + np.round(terms[icust] * early_fraction)
    pay_day = np.where(late, due_day + days_late, np.minimum(on_time_day, due_day))
    # A defaulted customer pays nothing from its default date on.
    cdefault = default_day[icust]
    paid = (pay_day <= as_of_day) & (np.isnan(cdefault) | (pay_day < np.nan_to_num(cdefault, nan=np.inf)))

    # Some invoices are paid in two instalments; some payments come without remittance advice.
    split = paid & (rng.random(k) < 0.05) & (pay_day - iday > 10)
    first_part = np.round(iamount * rng.uniform(0.3, 0.7, k), 2)
    first_day = iday + np.round((pay_day - iday) * 0.5)
    p_rows = []
    whole = paid & ~split
    p_rows.append(
        (invoice_ids[whole], np.char.add("P", invoice_ids[whole]), icust[whole], pay_day[whole], iamount[whole])
    )
    p_rows.append(
        (
            invoice_ids[split],
            np.char.add(np.char.add("P", invoice_ids[split]), "-1"),
            icust[split],
            first_day[split],
            first_part[split],
        )
    )
    p_rows.append(
        (
            invoice_ids[split],
            np.char.add(np.char.add("P", invoice_ids[split]), "-2"),
            icust[split],
            pay_day[split],
            np.round(iamount[split] - first_part[split], 2),
        )
    )
    pay_inv = np.concatenate([r[0] for r in p_rows])
    pay_ids = np.concatenate([r[1] for r in p_rows])
    pay_cust = np.concatenate([r[2] for r in p_rows])
    pay_date = np.concatenate([r[3] for r in p_rows]).astype(int)
    pay_amount = np.concatenate([r[4] for r in p_rows])
    order = np.lexsort((pay_ids, pay_date))
    no_advice = rng.random(len(order)) < 0.03
    payments = pd.DataFrame(
        {
            "payment_id": pay_ids[order],
            "customer_id": customer_ids[pay_cust[order]],
            "payment_date": _to_dates(pay_date[order]).astype(str),
            "amount": [f"{v:.2f}" for v in pay_amount[order]],
            "currency": currency,
            "invoice_id": np.where(no_advice, np.array(None, dtype=object), pay_inv[order]),
        }
    )
    return orders, invoices, payments


def truth_summary(portfolio: Portfolio) -> dict[str, float]:
    """Headline figures to check a generated portfolio against its calibration."""
    inv = portfolio.invoices
    pay = portfolio.payments.dropna(subset=["invoice_id"])
    last_pay = pay.groupby("invoice_id")["payment_date"].max()
    joined = inv.set_index("invoice_id").join(last_pay, how="inner")
    days_late = (pd.to_datetime(joined["payment_date"]) - pd.to_datetime(joined["due_date"])).dt.days
    late = days_late > 0
    disputed = joined["disputed"] == "true"
    return {
        "late_share": float(late.mean()),
        "mean_days_late_when_late": float(days_late[late].mean()),
        "late_share_disputed": float(late[disputed].mean()),
        "late_share_undisputed": float(late[~disputed].mean()),
        "default_rate": float(portfolio.truth["defaulted_on"].notna().mean()),
    }


def source_tables(portfolio: Portfolio) -> SourceTables:
    """The portfolio as the scoring library's tables. Payments that name their invoice are applied
    to it; the rest stay unapplied cash (the ledger's importer would apply them oldest first)."""
    invoices = portfolio.invoices.assign(
        amount=portfolio.invoices["amount"].astype(float), disputed=portfolio.invoices["disputed"] == "true"
    )
    payments = portfolio.payments.assign(amount=portfolio.payments["amount"].astype(float))
    named = payments.dropna(subset=["invoice_id"])
    allocations = named.rename(columns={"payment_date": "applied_on"})[["invoice_id", "applied_on", "amount"]]
    statements = portfolio.financials.copy()
    for column in statements.columns.difference(["customer_id", "period_end", "currency"]):
        statements[column] = pd.to_numeric(statements[column], errors="coerce")
    reports = portfolio.bureau.assign(
        score=pd.to_numeric(portfolio.bureau["score"]), pd=pd.to_numeric(portfolio.bureau["pd"], errors="coerce")
    )
    return SourceTables(
        customers=portfolio.customers[["customer_id", "group_id", "segment", "registered_on"]],
        groups=portfolio.groups[["group_id", "parent_group_id"]],
        invoices=invoices[["invoice_id", "customer_id", "invoice_date", "due_date", "amount", "disputed"]],
        allocations=allocations.reset_index(drop=True),
        payments=payments[["customer_id", "payment_date", "amount"]],
        statements=statements,
        reports=reports,
    )
