"""The batch's buckets: whole groups together, everyone else spread evenly."""

from __future__ import annotations

from datetime import date

import pandas as pd

from creditdesk.adapters.batch.buckets import assign_buckets, bucket_count, default_buckets

DAY = date(2026, 6, 30)
NO_VERSIONS = pd.DataFrame(columns=["customer_id", "valid_from", "valid_to", "group_id", "segment", "registered_on"])


def _customers(groups: list[str | None]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": [f"C{i:05d}" for i in range(len(groups))],
            "group_id": pd.array(groups, dtype="str"),  # missing is NaN here, as read from a file
            "segment": "standard",
            "registered_on": "2020-01-01",
        }
    )


def test_customers_outside_any_group_spread_over_every_bucket() -> None:
    """A missing group read as NaN once keyed every such customer alike: one bucket held them all."""
    groups = pd.DataFrame({"group_id": pd.array([], dtype="str"), "parent_group_id": pd.array([], dtype="str")})
    found = assign_buckets(_customers([None] * 4_000), NO_VERSIONS, groups, DAY, 4)
    counts = found["bucket"].value_counts()
    assert sorted(counts.index) == [0, 1, 2, 3]
    assert counts.min() > 800


def test_a_top_groups_customers_share_one_bucket() -> None:
    groups = pd.DataFrame({"group_id": ["H1", "G1", "G2"], "parent_group_id": [None, "H1", "H1"]})
    found = assign_buckets(_customers(["G1", "G2", "H1", *[None] * 50]), NO_VERSIONS, groups, DAY, 8)
    assert found["bucket"].iloc[:3].nunique() == 1
    assert found["bucket"].nunique() > 3


def test_the_bucket_count_follows_the_book_and_the_workers() -> None:
    assert bucket_count(1_000_000) == 40
    assert bucket_count(10_000, workers=2) == 2  # a worker each while a bucket keeps 2,500
    assert bucket_count(3_000, workers=4) == 1
    assert bucket_count(0) == 1


def test_spark_takes_smaller_buckets() -> None:
    """A Spark bucket reaches one Python worker whole: 25,000 customers crashed one here."""
    assert default_buckets("spark", 100_000, 2) == 20
    assert default_buckets("local", 100_000, 2) == 4
