"""Scoring the stored portfolio: train the models, score every customer, keep the history.

`score_portfolio` re-scores every customer as of a date with the champion (and, beside it,
any challenger, whose scores are kept but decide nothing). With no champion yet, or when
asked, it trains one from the portfolio's own history: customers as seen a year before the
date, labelled by whether they defaulted (an item 90 days past due) within that year, one
model for customers with payment history and one for new customers. Each model is a
versioned artefact on disk and a row in the registry; each score row names its model.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any
from uuid import uuid4

import numpy as np
import pandas as pd

from creditdesk.domain.roles import Permission, Role, may
from creditdesk.risk import artefact, workflow
from creditdesk.risk.boosting import BoostedPD
from creditdesk.risk.bureau_check import bureau_views, ranking_power
from creditdesk.risk.champion import ChampionPD
from creditdesk.risk.explain import PointsScale
from creditdesk.risk.features.bureau import ScoreReference
from creditdesk.risk.features.customer import (
    NO_HISTORY_FEATURES,
    SourceTables,
    customer_features,
    defaults_known,
    training_set,
)
from creditdesk.risk.rating import grade_of
from creditdesk.risk.reason_texts import reason
from creditdesk.risk.segments import SegmentedPD
from creditdesk.risk.validation import stability_report
from creditdesk.service.errors import Conflict, Forbidden, InvalidInput, NotFound
from creditdesk.service.ports import Clock, ModelVersion, ScoringStore, UnitOfWork

MIN_DEFAULTS = 20  # fewer defaults than this in the window and a model would learn noise
DEFAULT_DAYS_PAST_DUE = 90
ROLES = ("champion", "challenger")


@dataclass(frozen=True)
class ScoringRun:
    as_of: date
    customers: int
    champion: str
    challengers: list[str]
    trained: list[str]
    grades: dict[int, int]
    flagged_by_bureau: int
    mean_pd: float

    def as_json(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "customers": self.customers,
            "champion": self.champion,
            "challengers": self.challengers,
            "trained": self.trained,
            "grades": {str(k): v for k, v in sorted(self.grades.items())},
            "flagged_by_bureau": self.flagged_by_bureau,
            "mean_pd": round(self.mean_pd, 6),
        }


def portfolio_model(min_defaults: int = MIN_DEFAULTS) -> SegmentedPD:
    """Segments × champion, with one fast booster: a portfolio of a million scores in seconds."""
    booster = BoostedPD(n_estimators=100, learning_rate=0.1)
    return SegmentedPD(base=ChampionPD(gbms=(booster,)), new_features=NO_HISTORY_FEATURES, min_defaults=min_defaults)


def train_model(
    store: ScoringStore,
    models_dir: Path,
    as_of: date,
    *,
    role: str,
    actor: str,
    clock: Clock,
    tables: SourceTables | None = None,
    horizon_days: int = 365,
    min_defaults: int = MIN_DEFAULTS,
) -> str:
    """Fit a segmented champion-type model on the window ending ``as_of``; register it in ``role``."""
    if role not in ROLES:
        raise InvalidInput(f"a model's role is champion or challenger; got {role!r}")
    tables = tables if tables is not None else store.source_tables()
    version, folder, meta = fit_model(tables, models_dir, as_of, horizon_days, min_defaults)
    store.register_model(
        ModelVersion(version, meta.kind, role, str(folder), meta.model_sha256, as_of, meta.metrics, clock.now(), actor)
    )
    return version


def fit_model(
    tables: SourceTables, models_dir: Path, as_of: date, horizon_days: int = 365, min_defaults: int = MIN_DEFAULTS
) -> tuple[str, Path, Any]:
    """Fit the portfolio model on the window ending ``as_of`` and save it as a new artefact under
    ``models_dir``: its version, its folder and its metadata (registering it is the caller's)."""
    X, y = training_set(tables, as_of, horizon_days)
    defaults = int(y.sum())
    needed = max(min_defaults, workflow.MIN_ROWS_PER_CLASS)
    if defaults < needed or len(y) - defaults < needed:
        raise InvalidInput(
            f"too little history to train on: {defaults} default(s) among {len(y)} customers in the year to "
            f"{as_of}; need at least {needed} of each outcome"
        )
    model = portfolio_model(min_defaults)
    digest = artefact.data_digest(pd.concat([X, y], axis=1))
    # The data digest says what it learned from; the random tail keeps two fits on it apart.
    version = f"pd-{as_of:%Y%m%d}-{digest[:8]}-{uuid4().hex[:6]}"
    folder = (models_dir / version).resolve()  # the registry must find it from any working directory
    start = (pd.Timestamp(as_of) - pd.Timedelta(days=horizon_days)).date().isoformat()
    meta, _report = workflow.fit_artefact(
        X, y, kind="segmented", target="defaulted", folder=folder, model=model, period=(start, as_of.isoformat())
    )
    return version, folder, meta


@dataclass(frozen=True)
class PortfolioFigures:
    """The whole portfolio's latest bureau scores and our PDs (sorted): what one part of it is
    ranked among."""

    bureau_scores: ScoreReference
    pds: np.ndarray


def champion_pd(model: Any, features: pd.DataFrame, defaulted: np.ndarray) -> np.ndarray:
    """Our PD: 1 for a customer in default, else the model's."""
    found: np.ndarray = np.where(defaulted, 1.0, model.predict_proba(features)[:, 1])
    return found


def in_default(features: pd.DataFrame, defaults: pd.Series) -> np.ndarray:
    """In default now: a default on record (``defaults``: :func:`defaults_known` on the day) and an
    item still more than 90 days overdue."""
    on_record = features.index.isin(defaults.index)
    still_overdue = (features["oldest_overdue_days"].fillna(0) > DEFAULT_DAYS_PAST_DUE).to_numpy()
    in_default: np.ndarray = on_record & still_overdue
    return in_default


def score_rows(
    model: Any,
    version: str,
    role: str,
    features: pd.DataFrame,
    defaulted: np.ndarray,
    tables: SourceTables,
    as_of: date,
    clock: Clock,
    portfolio: PortfolioFigures | None = None,
) -> list[dict[str, Any]]:
    """A score row per customer; ``portfolio``: the whole portfolio's figures the bureaus' views are
    ranked among, when ``features`` are part of it."""
    pd_ = champion_pd(model, features, defaulted)
    rows = unranked_score_rows(model, version, role, features, pd_, defaulted, as_of, clock)
    return with_bureau_views(rows, tables.reports, as_of, portfolio)


def unranked_score_rows(
    model: Any,
    version: str,
    role: str,
    features: pd.DataFrame,
    pd_: np.ndarray,
    defaulted: np.ndarray,
    as_of: date,
    clock: Clock,
) -> list[dict[str, Any]]:
    """The score rows before the bureaus' views (which rank each customer among the whole
    portfolio: a batch adds them once every bucket's PDs are known); ``pd_``: the model's
    :func:`champion_pd` of ``features``."""
    grades = grade_of(pd_, defaulted)
    scale = PointsScale()
    scores = np.round(scale.score(pd_)).astype(int)
    reasons = model.reasons(features, top=3)
    history = features["has_history"].to_numpy() > 0
    now = clock.now()
    return [
        {
            "customer_id": customer_id,
            "as_of": as_of,
            "model_version": version,
            "role": role,
            "pd": float(pd_[position]),
            "score": int(scores[position]),
            "grade": int(grades[position]),
            "segment": "established" if history[position] else "new",
            "reasons": json.dumps([reason(f, p * scale.factor) for f, p in reasons[position]], ensure_ascii=False),
            "bureau": "[]",
            "review_flag": False,
            "scored_at": now,
        }
        for position, customer_id in enumerate(features.index)
    ]


def with_bureau_views(
    rows: list[dict[str, Any]], reports: pd.DataFrame, as_of: date, portfolio: PortfolioFigures | None = None
) -> list[dict[str, Any]]:
    """The rows with each customer's bureau views (its latest reports against our PD) and the
    review flag they raise."""
    our_pd = pd.Series([row["pd"] for row in rows], index=[row["customer_id"] for row in rows], dtype=float)
    among, all_pds = (None, None) if portfolio is None else (portfolio.bureau_scores, portfolio.pds)
    by_customer = _bureau_json(bureau_views(reports, as_of, our_pd, among, all_pds))
    for row in rows:
        bureau = by_customer.get(row["customer_id"], [])
        row["bureau"] = json.dumps(bureau)
        row["review_flag"] = any(view["flag"] for view in bureau)
    return rows


def rescore_customer(
    store: ScoringStore, uow: UnitOfWork, customer_id: str, as_of: date, *, actor: str, role: Role, clock: Clock
) -> dict[str, Any]:
    """Score one customer now with the champion and the challengers, on what is known on ``as_of``
    (a new payment, a new statement or bureau report): a new score beside the older ones, audited
    with the grade before and after. The same features as the portfolio's run, for this customer."""
    if not may(role, Permission.SET_LIMIT):
        raise Forbidden(
            f"role {role.value!r} may not rescore a customer", code="role_may_not", values={"role": role.value}
        )
    champions = store.models_in_role("champion")
    if not champions:
        raise Conflict("there is no champion model yet: `creditdesk score` trains one", code="no_champion")
    before = store.score_history(customer_id)[:1]
    tables = store.source_tables()
    features = customer_features(tables, as_of)
    if customer_id not in features.index:
        raise NotFound(
            f"customer {customer_id!r} does not exist", code="not_found", values={"what": "customer", "id": customer_id}
        )
    one = features.loc[[customer_id]]
    defaulted = in_default(one, defaults_known(tables, as_of))
    rows: list[dict[str, Any]] = []
    for entry in [champions[0], *store.models_in_role("challenger")]:
        model, _meta = artefact.load(Path(entry["artefact_path"]))
        rows.extend(score_rows(model, entry["version"], entry["role"], one, defaulted, tables, as_of, clock))
    store.save_scores(rows)
    now = rows[0]
    change = {
        "as_of": as_of.isoformat(),
        "model_version": now["model_version"],
        "grade": {"from": before[0]["grade"] if before else None, "to": now["grade"]},
        "pd": {"from": before[0]["pd"] if before else None, "to": now["pd"]},
    }
    with uow:
        uow.audit.append(actor, "customer.rescored", "customer", customer_id, change, stream=customer_id)
        uow.commit()
    return change


def _bureau_json(views: pd.DataFrame) -> dict[str, list[dict[str, Any]]]:
    """Each customer's bureau views, in their order, in one pass over the columns (a
    portfolio's hundreds of thousands of views are not worth a small frame each)."""
    found: dict[str, list[dict[str, Any]]] = {}
    if not len(views):
        return found

    def whole(values: pd.Series) -> list[int | None]:
        return [None if pd.isna(v) else int(v) for v in values]

    days = [pd.Timestamp(day).date().isoformat() for day in views["report_date"]]
    columns = zip(
        views["customer_id"],
        views["provider"].astype(str),
        days,
        whole(views["grade"]),
        whole(views["native_grade"]),
        whole(views["distance"]),
        views["flag"].astype(bool),
        strict=True,
    )
    for customer_id, provider, day, grade, native, distance, flag in columns:
        found.setdefault(customer_id, []).append(
            {
                "provider": provider,
                "report_date": day,
                "grade": grade,
                "native_grade": native,
                "distance": distance,
                "flag": bool(flag),
            }
        )
    return found


def score_portfolio(
    store: ScoringStore,
    uow: UnitOfWork,
    models_dir: Path,
    as_of: date,
    *,
    actor: str,
    clock: Clock,
    retrain: bool = False,
    min_defaults: int = MIN_DEFAULTS,
    tables: SourceTables | None = None,
) -> ScoringRun:
    """Score every customer on ``as_of`` (training a champion first if there is none, or with
    ``retrain``); ``tables``: the source tables already loaded (several days scored in a row)."""
    tables = tables if tables is not None else store.source_tables()
    if tables.customers.empty:
        raise InvalidInput("there are no customers to score; import customers first")
    trained = []
    champions = store.models_in_role("champion")
    if retrain or not champions:
        trained.append(
            train_model(
                store,
                models_dir,
                as_of,
                role="champion",
                actor=actor,
                clock=clock,
                tables=tables,
                min_defaults=min_defaults,
            )
        )
        champions = store.models_in_role("champion")
    defaults = defaults_known(tables, as_of)
    features = customer_features(tables, as_of, defaults=defaults)
    defaulted = in_default(features, defaults)  # a fact of the customer, the same for every model
    run_rows: list[dict[str, Any]] = []
    challengers = store.models_in_role("challenger")
    for entry in [champions[0], *challengers]:
        model, _meta = artefact.load(Path(entry["artefact_path"]))
        run_rows.extend(score_rows(model, entry["version"], entry["role"], features, defaulted, tables, as_of, clock))
    store.save_scores(run_rows)
    champion_rows = [r for r in run_rows if r["role"] == "champion"]
    grades = Counter(r["grade"] for r in champion_rows)
    summary = ScoringRun(
        as_of=as_of,
        customers=len(champion_rows),
        champion=champions[0]["version"],
        challengers=[c["version"] for c in challengers],
        trained=trained,
        grades=dict(grades),
        flagged_by_bureau=sum(r["review_flag"] for r in champion_rows),
        mean_pd=float(np.mean([r["pd"] for r in champion_rows])) if champion_rows else 0.0,
    )
    with uow:
        uow.audit.append(actor, "portfolio.scored", "portfolio", as_of.isoformat(), summary.as_json())
        uow.commit()
    return summary


def ranking_power_report(store: ScoringStore, as_of: date, period: str = "Q") -> list[dict[str, Any]]:
    """How well each bureau and our champion ranked the customers that defaulted within a year of
    each view, per period (AUC; empty where the year has not passed or nobody defaulted)."""
    tables = store.source_tables()
    return ranking_power_rows(tables.reports, store.score_frame("champion"), defaults_known(tables, as_of), period)


def ranking_power_rows(
    reports: pd.DataFrame, champion_scores: pd.DataFrame, defaults: pd.Series, period: str = "Q"
) -> list[dict[str, Any]]:
    """The ranking power's rows from the bureau reports (provider, customer_id, report_date,
    score), our champion's scores (customer_id, as_of, risk) and each customer's first default
    known on the day (the nightly batch gives its own, a source at a time: adapters/batch/power.py)."""
    views = [bureau_power_view(part) for _, part in reports.groupby("provider", sort=True)]
    if len(champion_scores):
        views.append(champion_power_view(champion_scores))
    last_view = max((view["as_of"].max() for view in views), default=None)
    return power_rows_by_source(views, defaults, last_view, period)


def bureau_power_view(reports: pd.DataFrame) -> pd.DataFrame:
    """Bureau reports as views of :func:`ranking_power` (a higher bureau score is safer)."""
    return pd.DataFrame(
        {
            "source": "bureau:" + reports["provider"].astype(str),
            "customer_id": reports["customer_id"],
            "as_of": pd.to_datetime(reports["report_date"]),
            "risk": -pd.to_numeric(reports["score"]),
        }
    )


def champion_power_view(scores: pd.DataFrame) -> pd.DataFrame:
    return scores.assign(source="creditdesk", as_of=pd.to_datetime(scores["as_of"]))[
        ["source", "customer_id", "as_of", "risk"]
    ]


def power_rows_by_source(
    views: Iterable[pd.DataFrame], defaults: pd.Series, last_view: Any, period: str = "Q"
) -> list[dict[str, Any]]:
    """The rows of :func:`ranking_power`, one source's ``views`` at a time (at a million customers
    their nine million views need not be held at once), judged against the last of all views."""
    rows = []
    for view in views:
        if len(view):
            power = ranking_power(view, defaults, period=period, last_view=last_view)
            rows.extend(power.to_dict(orient="records"))
    return [
        {**row, "auc": None if pd.isna(row["auc"]) else round(float(row["auc"]), 4)}
        for row in sorted(rows, key=lambda row: (row["source"], row["period"]))
    ]


def champion_drift(store: ScoringStore, as_of: date) -> dict[str, Any]:
    """The champion's stability: PSI of its score and of each feature from its training sample to
    the portfolio as of ``as_of``, beside the held-out figures it was registered with."""
    champions = store.models_in_role("champion")
    if not champions:
        raise NotFound("there is no champion model yet; run `creditdesk score`", code="no_champion")
    entry = champions[0]
    folder = Path(entry["artefact_path"])
    model, meta = artefact.load(folder)
    reference = artefact.load_reference(folder, meta)
    if reference is None:
        raise NotFound(f"model {entry['version']} has no training sample to compare with")
    today = customer_features(store.source_tables(), as_of)[meta.features]
    report = stability_report(model, reference[meta.features], today)
    return {"version": entry["version"], "as_of": as_of.isoformat(), "holdout": entry["metrics"], **report}
