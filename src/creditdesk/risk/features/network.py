"""Group and related-party features: a customer is as strong as the group it belongs to.

A default of a sibling (another customer in the same group) or of any customer in the
wider group (the same top parent) raises the risk of the others. Only defaults that had
happened by the scoring date count; PDs of siblings, when given, are averaged without the
customer itself.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

FEATURES = (
    "in_group",
    "group_size",
    "sibling_defaults",
    "sibling_default_share",
    "wider_group_defaults",
    "sibling_mean_pd",
    "sibling_max_pd",
)


def top_parents(groups: pd.DataFrame) -> dict[str, str]:
    """Each group's topmost ancestor (itself when it has no parent); cycles stop where they close."""
    parent = {
        gid: (None if pd.isna(p) else str(p))
        for gid, p in zip(groups["group_id"], groups["parent_group_id"], strict=True)
    }
    top: dict[str, str] = {}
    for gid in parent:
        seen = [gid]
        current = gid
        while parent.get(current) and parent[current] not in seen:
            current = parent[current] or current
            seen.append(current)
        top[gid] = current
    return top


def network_features(
    customers: pd.DataFrame,
    groups: pd.DataFrame,
    defaults: pd.DataFrame,
    as_of: date,
    pds: pd.Series | None = None,
) -> pd.DataFrame:
    """One row per customer.

    ``customers``: customer_id, group_id; ``groups``: group_id, parent_group_id;
    ``defaults``: customer_id, defaulted_on (NaT or missing when none); ``pds``: PD by customer_id.
    """
    frame = customers[["customer_id", "group_id"]].copy()
    frame["group_id"] = frame["group_id"].where(frame["group_id"].notna(), None)
    top = top_parents(groups)
    frame["top_group"] = frame["group_id"].map(lambda g: top.get(g, g) if g is not None else None)
    known = defaults.loc[pd.to_datetime(defaults["defaulted_on"]) <= pd.Timestamp(as_of), "customer_id"]
    frame["defaulted"] = frame["customer_id"].isin(set(known)).astype(float)
    frame["pd"] = frame["customer_id"].map(pds) if pds is not None else np.nan
    out = pd.DataFrame(index=pd.Index(frame["customer_id"], name="customer_id"))
    grouped = frame["group_id"].notna()
    out["in_group"] = grouped.to_numpy(dtype=float)

    def others(key: str, column: str, how: str) -> pd.Series:
        """The figure over the group's other members (sum, mean or max), NaN outside groups."""
        members = frame.loc[frame[key].notna()]
        by_group = members.groupby(key)[column]
        total, size = members[key].map(by_group.sum()), members[key].map(by_group.size())
        if how == "sum":
            value = total - members[column]
        elif how == "mean":
            value = (total - members[column]) / (size - 1).where(size > 1)
        else:
            # The holder of the group's largest value sees the second largest; everyone else the largest.
            top_two = by_group.apply(lambda s: s.nlargest(2).tolist())
            first = members[key].map(top_two.map(lambda v: v[0] if v else np.nan))
            second = members[key].map(top_two.map(lambda v: v[1] if len(v) > 1 else np.nan))
            value = first.where(~(members[column] >= first), second)
        return pd.Series(value.to_numpy(), index=members["customer_id"]).reindex(out.index)

    sizes = frame.loc[grouped].groupby("group_id").size()
    out["group_size"] = frame["group_id"].map(sizes).fillna(0).to_numpy(dtype=float)
    out["sibling_defaults"] = others("group_id", "defaulted", "sum").fillna(0.0)
    sibling_count = (out["group_size"] - 1).where(out["group_size"] > 1)
    out["sibling_default_share"] = out["sibling_defaults"] / sibling_count
    out["wider_group_defaults"] = others("top_group", "defaulted", "sum").fillna(0.0)
    out["sibling_mean_pd"] = others("group_id", "pd", "mean")
    out["sibling_max_pd"] = others("group_id", "pd", "max")
    return out[list(FEATURES)].astype(float)
