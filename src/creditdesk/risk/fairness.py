"""The fairness section of a validation report: how the model treats each protected group.

For every protected attribute in the data, used by the model or not (leaving an attribute out
does not stop the other columns standing in for it), and each of its groups: rows, bad rate,
mean PD, AUC within the group, and approval rate, where a row is approved when its PD is at or
below the cut that approves the population's share of good rows (1 − bad rate). The adverse
impact ratio is a group's approval rate over the best-treated group's; below 0.8 (the
four-fifths rule) the group is flagged. Only groups of at least MIN_GROUP_ROWS rows are judged
(the best-treated among them sets the ratio, so a smaller group's ratio may exceed 1); the others
are listed with ``judged: false``. Numeric attributes are cut into bands (ages, and birth dates
read as ages, by life stage; others by quartile); categories rarer than MIN_GROUP_ROWS are pooled
as "other".
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from creditdesk.risk.protected import words

FOUR_FIFTHS = 0.8
MIN_GROUP_ROWS = 20
AGE_BANDS = (0.0, 25.0, 35.0, 50.0, 65.0, np.inf)
AGE_WORDS = {"age", "birth", "born", "dob", "年龄", "出生"}


def fairness_section(pd_: np.ndarray, y: np.ndarray, protected: pd.DataFrame, used: list[str]) -> list[dict[str, Any]]:
    """One entry per protected attribute: its groups' figures and the groups flagged."""
    pd_, y = np.asarray(pd_, dtype=float), np.asarray(y, dtype=int)
    cut = float(np.quantile(pd_, 1 - y.mean())) if len(y) else 0.0
    approved = pd_ <= cut
    section = []
    for name in protected.columns:
        groups = _groups(protected[name].reset_index(drop=True), name)
        rows = [_group(label, chosen, pd_, y, approved) for label, chosen in groups]
        best = max((r["approval_rate"] for r in rows if r["judged"]), default=0.0)
        for row in rows:
            row["adverse_impact_ratio"] = round(row["approval_rate"] / best, 4) if best else None
        flagged = [r["group"] for r in rows if r["judged"] and best and r["adverse_impact_ratio"] < FOUR_FIFTHS]
        section.append(
            {
                "attribute": str(name),
                "used_by_model": name in used,
                "approval_pd_cut": round(cut, 6),
                "groups": rows,
                "flagged": flagged,
            }
        )
    return section


def _groups(values: pd.Series, name: str) -> list[tuple[str, np.ndarray]]:
    if pd.api.types.is_numeric_dtype(values):
        quartiles = np.unique(values.dropna().quantile([0, 0.25, 0.5, 0.75]))
        edges = list(AGE_BANDS) if _is_age(name) else [-np.inf, *quartiles[1:], np.inf]
        bands = pd.cut(values, bins=edges, right=False)
        labels = bands.astype(object).map(lambda b: "(missing)" if pd.isna(b) else _band(b))
    else:
        labels = values.astype(object).where(values.notna(), "(missing)")
        counts = labels.value_counts()
        labels = labels.where(labels.map(counts) >= MIN_GROUP_ROWS, "other")
    return [(str(label), (labels == label).to_numpy()) for label in sorted(labels.unique(), key=str)]


def _is_age(name: str) -> bool:
    return bool(AGE_WORDS & set(words(name))) or any(word in name for word in ("年龄", "出生"))


def _band(band: pd.Interval) -> str:
    low, high = band.left, band.right
    if np.isinf(high):
        return f"{low:g}+" if np.isfinite(low) else "any"
    return f"< {high:g}" if np.isinf(low) else f"{low:g} to < {high:g}"


def _group(label: str, chosen: np.ndarray, pd_: np.ndarray, y: np.ndarray, approved: np.ndarray) -> dict[str, Any]:
    from sklearn.metrics import roc_auc_score

    n = int(chosen.sum())
    both = n > 0 and 0 < y[chosen].sum() < n
    return {
        "group": label,
        "rows": n,
        "bad_rate": round(float(y[chosen].mean()), 4) if n else None,
        "mean_pd": round(float(pd_[chosen].mean()), 4) if n else None,
        "auc": round(float(roc_auc_score(y[chosen], pd_[chosen])), 4) if both else None,
        "approval_rate": round(float(approved[chosen].mean()), 4) if n else 0.0,
        "judged": n >= MIN_GROUP_ROWS,
    }
