"""Which bucket each customer's rows go to: a whole group in one, so the group's figures are whole.

The batch computes a bucket of customers at a time, on any worker. A customer's features read
its group (its siblings' and its wider group's defaults), so every customer of one top group
falls in the same bucket: its key is the top group on the day, or the customer itself outside
any group. The key's CRC-32 picks the bucket: the same on every engine and every run.
"""

from __future__ import annotations

import zlib
from datetime import date

import pandas as pd

from creditdesk.risk.features.customer import master_data_of
from creditdesk.risk.features.network import top_parents

#: About this many customers a bucket: a bucket's tables fit in a worker's memory many times over.
CUSTOMERS_PER_BUCKET = 25_000
#: Spark's: `applyInPandas` hands a bucket's every table to one Python worker as one wide frame
#: (the inputs' columns side by side), five times the local engine's memory a customer; a
#: 25,000-customer bucket crashed a worker here, 5,000 take about 2.6 GB.
SPARK_CUSTOMERS_PER_BUCKET = 5_000


#: A bucket smaller than this is not worth a worker of its own.
MIN_CUSTOMERS_PER_BUCKET = 2_500


def bucket_count(customers: int, workers: int = 1, per_bucket: int = CUSTOMERS_PER_BUCKET) -> int:
    """One bucket per ``per_bucket`` customers, and at least one per worker while each keeps 2,500."""
    by_size = -(-customers // per_bucket)
    return max(1, by_size, min(workers, customers // MIN_CUSTOMERS_PER_BUCKET))


def default_buckets(engine: str, customers: int, workers: int) -> int:
    per_bucket = SPARK_CUSTOMERS_PER_BUCKET if engine == "spark" else CUSTOMERS_PER_BUCKET
    return bucket_count(customers, workers, per_bucket)


def assign_buckets(
    customers: pd.DataFrame, versions: pd.DataFrame, groups: pd.DataFrame, as_of: date, buckets: int
) -> pd.DataFrame:
    """customer_id and its bucket (0 to ``buckets`` - 1)."""
    on_the_day = master_data_of(customers, versions, as_of)
    top = top_parents(groups)
    # A missing group is NaN in a text column (never None): ask pandas, not `is None`.
    keys = [
        f"g:{top.get(g, g)}" if pd.notna(g) else f"c:{cid}"
        for cid, g in zip(on_the_day["customer_id"], on_the_day["group_id"], strict=True)
    ]
    bucket = [zlib.crc32(key.encode("utf-8")) % buckets for key in keys]
    return pd.DataFrame(
        {"customer_id": on_the_day["customer_id"].astype(str), "bucket": pd.array(bucket, dtype="int64")}
    )
