"""Group features: siblings' defaults and PDs, the wider group, and only what was known."""

from datetime import date

import numpy as np
import pandas as pd
import pytest

from creditdesk.risk.features.network import network_features, top_parents

CUSTOMERS = pd.DataFrame({"customer_id": ["A", "B", "C", "D", "E"], "group_id": ["G1", "G1", "G1", "G2", None]})
GROUPS = pd.DataFrame({"group_id": ["G1", "G2", "TOP"], "parent_group_id": ["TOP", "TOP", None]})
DEFAULTS = pd.DataFrame({"customer_id": ["B", "D"], "defaulted_on": ["2026-03-01", "2026-09-01"]})
PDS = pd.Series({"A": 0.01, "B": 0.30, "C": 0.02, "D": 0.05, "E": 0.01})


def test_siblings_and_the_wider_group() -> None:
    f = network_features(CUSTOMERS, GROUPS, DEFAULTS, date(2026, 6, 30), PDS)
    assert f.loc["A", "group_size"] == 3 and f.loc["A", "sibling_defaults"] == 1
    assert f.loc["A", "sibling_default_share"] == 0.5
    assert f.loc["B", "sibling_defaults"] == 0  # its own default is not a sibling's
    assert f.loc["D", "wider_group_defaults"] == 1  # B, under the same top parent; D's own is later
    assert f.loc["A", "sibling_mean_pd"] == pytest.approx((0.30 + 0.02) / 2)
    assert f.loc["A", "sibling_max_pd"] == 0.30 and f.loc["B", "sibling_max_pd"] == 0.02
    assert f.loc["E", "in_group"] == 0 and np.isnan(f.loc["E", "sibling_mean_pd"])
    assert np.isnan(f.loc["D", "sibling_default_share"])  # no siblings


def test_a_later_default_is_not_known_yet() -> None:
    early = network_features(CUSTOMERS, GROUPS, DEFAULTS, date(2026, 2, 1))
    assert early["sibling_defaults"].sum() == 0 and early["wider_group_defaults"].sum() == 0


def test_top_parents_stop_at_cycles() -> None:
    cyclic = pd.DataFrame({"group_id": ["X", "Y"], "parent_group_id": ["Y", "X"]})
    assert set(top_parents(cyclic)) == {"X", "Y"}
    assert top_parents(GROUPS) == {"G1": "TOP", "G2": "TOP", "TOP": "TOP"}
