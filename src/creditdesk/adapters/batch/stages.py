"""The nightly book's stages for one bucket of customers, declared once for every engine.

Each stage is the online path's own code on the bucket's tables: the point-in-time features
(`customer_features`), the champion's scores, grades and reasons (`score_rows`), the limit
methods' recommendations (`recommend`), the monitor's proposals (`assess`, through the
service's `proposals`), and the bucket's part of the receivables reports (`batch.reports`).
An engine only decides where a bucket's tables come from and where its outputs go: DuckDB on
one machine, Spark on a cluster (`local_engine`, `spark_engine`).
"""

from __future__ import annotations

import gc
import json
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from creditdesk.adapters.batch import reports
from creditdesk.adapters.clock import FixedClock
from creditdesk.adapters.db.limit_inputs import inputs_from_frames
from creditdesk.adapters.db.limit_management import managed_from_row
from creditdesk.adapters.db.monitor_facts import AccountStanding, facts_of
from creditdesk.adapters.db.risk_data import shape_source_tables
from creditdesk.domain.limit_policy import LimitPolicy, Recommendation, recommend
from creditdesk.domain.money import Money
from creditdesk.risk import artefact
from creditdesk.risk.features.bureau import ScoreReference
from creditdesk.risk.features.customer import ALL_FEATURES, SourceTables, customer_features, defaults_known
from creditdesk.risk.features.payment import shared_settlements
from creditdesk.risk.rating import UNSCORED_PD
from creditdesk.service.monitor import Proposal, proposals, with_recommendations
from creditdesk.service.scoring import (
    PortfolioFigures,
    champion_pd,
    in_default,
    unranked_score_rows,
    with_bureau_views,
)

#: Each bucket's stages, in their order; "views": the bureaus' views, the second pass.
STAGES = ("features", "pd", "scores", "limits", "proposals", "receivables", "views")

_SCORES = pa.schema(
    [
        ("customer_id", pa.string()),
        ("as_of", pa.date32()),
        ("model_version", pa.string()),
        ("role", pa.string()),
        ("pd", pa.float64()),
        ("score", pa.int64()),
        ("grade", pa.int64()),
        ("segment", pa.string()),
        ("reasons", pa.string()),
        ("bureau", pa.string()),
        ("review_flag", pa.bool_()),
        ("scored_at", pa.timestamp("us", tz="UTC")),
    ]
)

#: The outputs of a bucket, their columns and types: the same from every engine.
OUTPUTS: dict[str, pa.Schema] = {
    "features": pa.schema(
        [pa.field("customer_id", pa.string())]
        + [pa.field(n, pa.float64()) for n in (*ALL_FEATURES, "has_history")]
        + [pa.field("in_default", pa.bool_())]  # in default on the day: not a feature
    ),
    "scores": _SCORES,
    "limits": pa.schema(
        [
            ("customer_id", pa.string()),
            ("currency", pa.string()),
            ("grade", pa.int64()),
            ("pd", pa.float64()),
            ("segment", pa.string()),
            ("current_limit_minor", pa.int64()),
            ("recommended_minor", pa.int64()),
            ("formula", pa.string()),
            ("working", pa.string()),  # every method's working, as `limits recommend --json` gives it
        ]
    ),
    "proposals": pa.schema(
        [
            ("customer_id", pa.string()),
            ("currency", pa.string()),
            ("as_of", pa.date32()),
            ("status", pa.string()),
            ("limit_minor", pa.int64()),
            ("grade", pa.int64()),
            ("changes", pa.string()),  # the rules' changes (rule, field, before, after, reasons)
        ]
    ),
    "pds": pa.schema([("customer_id", pa.string()), ("pd", pa.float64())]),
    # Each customer's first default known on the day (the models page's ranking power reads them).
    "defaults": pa.schema([("customer_id", pa.string()), ("defaulted_on", pa.date32())]),
    # The first pass's scores: everything but the bureaus' views, ranked in the second.
    "unranked": _SCORES,
    "timings": pa.schema(
        [("bucket", pa.int64()), ("stage", pa.string()), ("seconds", pa.float64()), ("rows", pa.int64())]
    ),
    **reports.SCHEMAS,  # the receivables reports' parts and the customers' expected losses
}


@dataclass(frozen=True)
class BatchContext:
    """What every bucket is judged by: the day, the limit policy and the champion."""

    as_of: date
    policy: LimitPolicy
    champion: str
    champion_path: str
    scored_at: datetime


@lru_cache(maxsize=2)
def _champion(path: str) -> Any:
    """The champion, loaded once a worker process (its digest checked on load)."""
    model, _meta = artefact.load(Path(path))
    return model


def _minor(amount: Decimal | None, currency: str) -> int | None:
    return None if amount is None else Money(amount, currency).minor


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows with None for a missing value (a file's integer column with gaps reads as floats)."""
    return frame.astype(object).where(frame.notna(), None).to_dict("records")  # type: ignore[no-any-return]


@dataclass
class _Clock:
    bucket: int
    timings: list[dict[str, Any]] = field(default_factory=list)

    @contextmanager
    def stage(self, name: str) -> Iterator[dict[str, int]]:
        counted = {"rows": 0}
        started = time.perf_counter()
        yield counted
        seconds = time.perf_counter() - started
        self.timings.append({"bucket": self.bucket, "stage": name, "seconds": seconds, "rows": counted["rows"]})


@contextmanager
def rare_collections() -> Iterator[None]:
    """Python's cycle collector run rarely while a bucket is computed. The stages make millions of
    short-lived rows, workings and facts, and with the default threshold the collector ran about
    5,000 times a bucket and took a quarter of its time (11.7 s of 45 s on a 25,000-customer
    bucket); little of what they make is cyclic, so a rarer collector frees as much."""
    before = gc.get_threshold()
    gc.set_threshold(100_000, 20, 100)
    try:
        yield
    finally:
        gc.set_threshold(*before)


#: The tables that name invoices: their ids are only keys inside a bucket's computation.
_INVOICE_KEYED = ("invoices", "allocations", "disputes", "revalued")
#: The tables that name customers, as the first pass reads them (the second reads the rest).
_CUSTOMER_KEYED = (
    *("customers", "invoices", "payments", "statements", "reports", "disputes", "versions"),
    *("adjustments", "cover"),  # the receivables reports'
)


def _as_codes(frames: dict[str, pd.DataFrame], names: tuple[str, ...], column: str) -> pa.Array:
    """``column`` of the ``names`` tables (those the bucket has) replaced by integers in its
    values' own order, so every sort and group comes out as it would on the text (-1: no value);
    the values, by code. Arrow's hashing finds the codes in half the time pandas' does."""
    present = [name for name in names if name in frames]
    keyed = pa.chunked_array([pa.array(frames[name][column], type=pa.string()) for name in present], pa.string())
    unique = pc.drop_null(pc.unique(keyed))
    values = unique.take(pc.sort_indices(unique))  # as bytes: the order of the text's code points
    codes = pc.index_in(keyed, value_set=values, skip_nulls=True).fill_null(-1)
    offset = 0
    for name in present:
        size = len(frames[name])
        part = codes.slice(offset, size).to_numpy().astype("int64")
        frames[name] = frames[name].assign(**{column: part})
        offset += size
    return values


@dataclass(frozen=True)
class CodedBucket:
    """A bucket's tables with its invoice and customer ids replaced by integers in the ids' own
    order: the same groups and sorts, but pandas groups a bucket's hundreds of thousands of
    integers three times faster than as many strings (the ids map back through
    ``customer_ids`` and ``invoice_ids``, by code)."""

    frames: dict[str, pd.DataFrame]  # as read, but for the codes
    tables: SourceTables  # the scoring library's
    customer_ids: pd.Index  # by code
    invoice_ids: pd.Index  # by code


def coded_bucket(frames: Mapping[str, pd.DataFrame]) -> CodedBucket:
    found = dict(frames)
    invoices = _as_codes(found, _INVOICE_KEYED, "invoice_id")
    ids = _as_codes(found, _CUSTOMER_KEYED, "customer_id")
    return CodedBucket(
        found,
        shape_source_tables(found),
        pd.Index(ids.to_pylist(), dtype=object),
        pd.Index(invoices.to_pylist(), dtype=object),
    )


def first_pass(
    bucket: int, frames: Mapping[str, pd.DataFrame], context: BatchContext, bureau_scores: ScoreReference
) -> dict[str, pd.DataFrame]:
    """Everything of a bucket but the bureaus' views: its features, our PDs (the whole
    portfolio's rank the bureaus' views after), its scores with reasons, its limits and the
    monitor's proposals."""
    with rare_collections(), shared_settlements():
        return _first_pass(bucket, frames, context, bureau_scores)


def _first_pass(
    bucket: int, frames: Mapping[str, pd.DataFrame], context: BatchContext, bureau_scores: ScoreReference
) -> dict[str, pd.DataFrame]:
    clock = _Clock(bucket)
    with clock.stage("features") as counted:
        bucket_codes = coded_bucket(frames)
        coded, ids = bucket_codes.tables, bucket_codes.customer_ids
        defaults = defaults_known(coded, context.as_of)
        features = customer_features(coded, context.as_of, bureau_scores, defaults)
        counted["rows"] = len(features)
    with clock.stage("pd") as counted:
        found, defaulted = np.array([]), np.zeros(len(features), dtype=bool)
        if len(features):
            defaulted = in_default(features, defaults)
            found = champion_pd(_champion(context.champion_path), features, defaulted)
        counted["rows"] = len(found)
    # The customers' own ids again, in their order (the codes' order).
    features.index = pd.Index(ids[features.index.to_numpy(dtype="int64")], name="customer_id", dtype=object)
    with clock.stage("scores") as counted:
        scores = _scores(features[[*ALL_FEATURES, "has_history"]], found, defaulted, context)
        counted["rows"] = len(scores)
    with clock.stage("limits") as counted:
        recommendations = _recommendations(frames, scores, context)
        counted["rows"] = len(recommendations)
    with clock.stage("proposals") as counted:
        proposed = _proposals(frames, coded, ids, recommendations, context)
        counted["rows"] = len(proposed)
    with clock.stage("receivables") as counted:
        ledger = reports.ledger_frames(bucket_codes.frames, scores, bucket_codes.customer_ids, bucket_codes.invoice_ids)
        parts = reports.bucket_parts(ledger, context.as_of, context.policy.lgd, UNSCORED_PD)
        counted["rows"] = len(ledger.frames.invoices)
    return {
        **parts,
        "features": features.assign(in_default=defaulted).reset_index(),
        "pds": pd.DataFrame({"customer_id": features.index.astype(str), "pd": found}),
        "defaults": pd.DataFrame(
            {
                "customer_id": ids[defaults.index.to_numpy(dtype="int64")].astype(str),
                "defaulted_on": pd.to_datetime(defaults.to_numpy()).date,
            },
            columns=OUTPUTS["defaults"].names,
        ),
        "unranked": scores,
        "limits": _limit_frame(recommendations),
        "proposals": proposal_frame(proposed),
        "timings": pd.DataFrame(clock.timings),
    }


def second_pass(
    bucket: int, reports: pd.DataFrame, unranked: pd.DataFrame, context: BatchContext, portfolio: PortfolioFigures
) -> dict[str, pd.DataFrame]:
    """The bucket's scores with the bureaus' views, ranked among the whole portfolio."""
    clock = _Clock(bucket)
    with rare_collections(), clock.stage("views") as counted:
        rows = with_bureau_views(unranked.to_dict("records"), reports, context.as_of, portfolio)
        scores = pd.DataFrame(rows, columns=OUTPUTS["scores"].names)
        counted["rows"] = len(scores)
    return {"scores": scores, "timings": pd.DataFrame(clock.timings)}


def _scores(features: pd.DataFrame, pd_: np.ndarray, defaulted: np.ndarray, context: BatchContext) -> pd.DataFrame:
    if features.empty:
        return OUTPUTS["scores"].empty_table().to_pandas()
    model = _champion(context.champion_path)
    at = FixedClock(context.scored_at)
    rows = unranked_score_rows(model, context.champion, "champion", features, pd_, defaulted, context.as_of, at)
    return pd.DataFrame(rows)


def _recommendations(
    frames: Mapping[str, pd.DataFrame], scores: pd.DataFrame, context: BatchContext
) -> list[Recommendation]:
    # The scores just computed are the latest (the online path reads them back from the table).
    latest = scores.assign(id=np.arange(len(scores)))[["customer_id", "as_of", "id", "pd", "grade"]]
    inputs = inputs_from_frames(
        context.as_of,
        frames["limit_customers"],
        frames["invoices"],
        frames["statements"],
        frames["reports"],
        latest,
        frames["support"],
    )
    return [recommend(found, context.policy, context.as_of) for found in inputs]


def _limit_frame(recommendations: list[Recommendation]) -> pd.DataFrame:
    rows = [
        {
            "customer_id": r.inputs.customer_id,
            "currency": r.inputs.currency,
            "grade": r.inputs.grade,
            "pd": r.inputs.pd,
            "segment": r.segment,
            "current_limit_minor": _minor(r.inputs.current_limit, r.inputs.currency),
            "recommended_minor": _minor(r.final.amount, r.inputs.currency),
            "formula": r.final.formula,
            "working": json.dumps(r.as_json(), ensure_ascii=False, sort_keys=True),
        }
        for r in recommendations
    ]
    return pd.DataFrame(rows, columns=OUTPUTS["limits"].names)


def _proposals(
    frames: Mapping[str, pd.DataFrame],
    coded: SourceTables,
    ids: pd.Index,
    recommendations: list[Recommendation],
    context: BatchContext,
) -> list[Proposal]:
    accounts = [managed_from_row(row) for row in records(frames["accounts"])]  # type: ignore[arg-type]
    if not accounts:
        return []
    standing = AccountStanding(
        set(frames["pending"]["customer_id"]),
        {row["customer_id"]: date.fromisoformat(row["after"]) for row in records(frames["downgrades"])},
        {row["customer_id"]: pd.Timestamp(row["decided_at"]).date() for row in records(frames["rejections"])},
    )
    policy = context.policy
    months = policy.monitor.reward_months
    facts = facts_of(accounts, coded, standing, context.as_of, policy.grace_days, months, ids=ids)
    return proposals(with_recommendations(facts, recommendations, policy), policy)


def proposal_frame(found: list[Proposal]) -> pd.DataFrame:
    rows = [
        {
            "customer_id": p.customer_id,
            "currency": p.currency,
            "as_of": p.as_of,
            "status": p.status.value,
            "limit_minor": _minor(p.limit, p.currency),
            "grade": p.grade,
            "changes": json.dumps([change_json(c) for c in p.changes], ensure_ascii=False),
        }
        for p in found
    ]
    return pd.DataFrame(rows, columns=OUTPUTS["proposals"].names)


def change_json(change: Any) -> dict[str, Any]:
    return {
        "rule": change.rule.value,
        "field": change.field.value,
        "before": change.before,
        "after": change.after,
        "inputs": change.inputs,
        "en": change.en,
        "zh": change.zh,
        "required_role": change.required_role,
    }


def as_arrow(name: str, frame: pd.DataFrame) -> pa.Table:
    """A bucket's output in its declared types (an empty bucket's too)."""
    schema = OUTPUTS[name]
    if frame.empty:
        return schema.empty_table()
    return pa.Table.from_pandas(frame[schema.names], schema=schema, preserve_index=False)
