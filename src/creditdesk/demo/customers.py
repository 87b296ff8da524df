"""Customers and their groups, drawn from one latent creditworthiness per customer that every
other table follows; and the hidden truth (that latent, the annual PD, the default date)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from creditdesk.demo.draws import ids, logit_solve, to_dates

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


@dataclass(frozen=True)
class Customers:
    """The customer and group tables, and the per-customer draws the other tables follow
    (arrays in ``customer_ids`` order; day numbers count from 1970-01-01)."""

    customer_ids: np.ndarray
    quality: np.ndarray  # latent creditworthiness: higher is better
    annual_pd: np.ndarray
    default_day: np.ndarray  # NaN: no default within the history
    revenue: np.ndarray
    terms: np.ndarray
    registered_day: np.ndarray
    monthly_purchases: np.ndarray
    segment: np.ndarray
    legacy_limit: np.ndarray
    table: pd.DataFrame
    groups: pd.DataFrame

    def truth(self) -> pd.DataFrame:
        """What a real credit team never sees."""
        default_day = self.default_day
        return pd.DataFrame(
            {
                "customer_id": self.customer_ids,
                "quality": self.quality,
                "annual_pd": self.annual_pd,
                "defaulted_on": pd.to_datetime(to_dates(np.nan_to_num(default_day, nan=0).astype(int))).where(
                    ~np.isnan(default_day)
                ),
                "legacy_limit": self.legacy_limit,
            }
        )


def draw_customers(
    rng: np.random.Generator, cal: dict[str, Any], n: int, as_of_day: int, start_day: int, currency: str
) -> Customers:
    """``n`` customers: industry and default, size, terms, tenure, segment, groups, names and
    the legacy limit someone once typed."""
    # Latent creditworthiness: higher is better.
    quality = rng.standard_normal(n)
    customer_ids = ids("C", n)

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
            annual_pd[members] = 1 / (1 + np.exp(-(logit_solve(rate, base) + base)))
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

    group_ids, member_group, groups = _groups(rng, n)

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

    table = pd.DataFrame(
        {
            "customer_id": customer_ids,
            "name": names,
            "currency": currency,
            "segment": segment,
            "group_id": [group_ids[g] if g >= 0 else None for g in member_group],
            "country": _COUNTRIES[rng.integers(0, len(_COUNTRIES), n)],
            "industry": industries[industry_idx],
            "registered_on": to_dates(registered_day).astype(str),
            "payment_terms_days": terms,
            "credit_limit": [f"{v:.2f}" for v in legacy_limit],
        }
    )
    return Customers(
        customer_ids,
        quality,
        annual_pd,
        default_day,
        revenue,
        terms,
        registered_day,
        monthly_purchases,
        segment,
        legacy_limit,
        table,
        groups,
    )


def _groups(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray, pd.DataFrame]:
    """Some customers belong to a group; some groups to a holding above them. The group ids,
    each customer's group (an index into them, -1: none) and the groups in use."""
    in_group = rng.random(n) < 0.12
    n_groups = max(1, int(in_group.sum() // 3))
    group_ids = ids("G", n_groups, 4)
    member_group = np.where(in_group, rng.integers(0, n_groups, n), -1)
    n_holdings = max(1, n_groups // 5)
    holding_ids = ids("H", n_holdings, 4)
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
    return group_ids, member_group, groups[groups["group_id"].isin(used)].reset_index(drop=True)
