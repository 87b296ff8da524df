"""The fairness section: approval rates, adverse impact ratios and AUC by protected group."""

import numpy as np
import pandas as pd

from creditdesk.risk.fairness import fairness_section


def test_a_group_approved_less_than_four_fifths_as_often_is_flagged() -> None:
    rng = np.random.default_rng(0)
    n = 1000
    group = np.where(np.arange(n) < 600, "A", "B")
    group[:15] = "tiny"  # too few rows to be a group of its own: pooled as "other"
    y = (rng.random(n) < 0.3).astype(int)
    pd_ = np.clip(0.3 + 0.3 * (y - 0.3) + 0.25 * (group == "B") + rng.normal(0, 0.05, n), 0.01, 0.99)
    ages = rng.integers(19, 80, n).astype(float)
    ages[:5] = np.nan
    protected = pd.DataFrame({"sex_group": group, "age": ages})
    section = fairness_section(pd_, y, protected, used=["age"])
    by_name = {entry["attribute"]: entry for entry in section}

    sex = by_name["sex_group"]
    assert not sex["used_by_model"] and sex["flagged"] == ["B"]
    rows = {g["group"]: g for g in sex["groups"]}
    assert set(rows) == {"A", "B", "other"} and rows["other"]["rows"] == 15
    assert rows["A"]["adverse_impact_ratio"] == 1.0 and rows["B"]["adverse_impact_ratio"] < 0.8
    approved = pd_ <= sex["approval_pd_cut"]
    assert rows["B"]["approval_rate"] == round(float(approved[group == "B"].mean()), 4)
    assert rows["A"]["auc"] is not None and rows["A"]["auc"] > 0.9

    age = by_name["age"]
    assert age["used_by_model"]
    labels = [g["group"] for g in age["groups"]]
    assert labels == ["(missing)", "0 to < 25", "25 to < 35", "35 to < 50", "50 to < 65", "65+"]
    assert sum(g["rows"] for g in age["groups"]) == n
