"""Cash-inflow forecast from open invoices, and its backtest against what came in.

Every invoice open on the as-of date gets a distribution over its payment day from the payment
time model; the daily expected inflow is the open amount times those probabilities. The daily or
weekly P10/P50/P90 band comes from drawing every invoice's payment day or week 1,000 times.
Invoices drawn independently give too narrow a band: the model's errors are shared by many
invoices (a customer misjudged, a slow month for everyone). So the band is calibrated on the
model's own past forecasts: at weekly days whose 13 weeks had ended by the as-of date, by how much
the band around the median must widen to hold 80 % of what came in; half that widening is applied
to the band forecast today (see :func:`band_scale`). The naive forecast beside it expects every open item on
its due date, and items already past due on the first day.

The backtest replays history: it trains the model on what was known at the start, then at each
week forecasts with what was known that day and compares with the cash applied to those same
invoices in the weeks that followed.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd

from creditdesk.risk.features.timing import FEATURES, timing_frame
from creditdesk.risk.payment_timing import MAX_DAY, PaymentTimeModel, outcomes, payment_pmf, quantile_days

QUANTILES = (0.1, 0.5, 0.9)
SIMULATIONS = 1000
BAND_LEVEL = 0.8  # the share of outcomes P10–P90 should hold
CALIBRATION_FORECASTS = 8  # past weekly forecasts the band is calibrated on
MIN_CALIBRATION_WEEKS = 20  # fewer scored weeks than this: the band is left as drawn
SCALE_RANGE = (1.0, 5.0)
#: The most invoices the payment time model learns from; beyond them, every invoice of a sample of
#: customers. Its fit grows with its rows (a row per invoice and two-day interval it lived
#: through): 4 s on 69,000 invoices (10 s before OPEN_ROWS); its backtest on a sample of a third of
#: the demo's customers is within a few tenths of the whole's (docs/receivables.md).
TRAINING_INVOICES = 100_000
#: The most unsettled intervals the model learns from (PaymentTimeModel.most_open_rows): the
#: demo's 69,000 invoices hold 1.25M of them.
OPEN_ROWS = 300_000


def fit_payment_model(
    invoices: pd.DataFrame, allocations: pd.DataFrame, as_of: date, most: int = TRAINING_INVOICES
) -> PaymentTimeModel:
    """The payment time model trained on the ledger as it stood on ``as_of`` (open invoices
    censored), on at most about ``most`` of its invoices (:func:`training_sample`)."""
    invoices, allocations = training_sample(invoices, allocations, as_of, most)
    frame = timing_frame(invoices, allocations, as_of)
    model = PaymentTimeModel(most_open_rows=OPEN_ROWS)
    return model.fit(frame[list(FEATURES)], outcomes(frame["paid"], frame["duration"]))


def training_sample(
    invoices: pd.DataFrame, allocations: pd.DataFrame, as_of: date, most: int = TRAINING_INVOICES
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The ledger, or, when more than ``most`` invoices are dated by ``as_of``, every invoice of a
    sample of customers holding about ``most`` of them, and their cash. Whole customers, since an
    invoice's features read its customer's earlier ones. A customer is in when a hash of its id
    falls under the share needed: the same customers whatever order the ledger comes in, and
    from one day to the next as long as the ledger's size stands."""
    known = invoices.loc[pd.to_datetime(invoices["invoice_date"]) <= pd.Timestamp(as_of), "customer_id"]
    if len(known) <= most:
        return invoices, allocations
    customers = known.unique()
    chosen = customers[unit_hash(customers) < most / len(known)]
    picked = invoices.loc[invoices["customer_id"].isin(chosen)]
    return picked, allocations.loc[allocations["invoice_id"].isin(picked["invoice_id"])]


def unit_hash(ids: np.ndarray) -> np.ndarray:
    """A number in [0, 1) for each id, from its SHA-256: the same on every machine and run."""
    return np.array([int.from_bytes(hashlib.sha256(str(i).encode()).digest()[:8], "big") / 2.0**64 for i in ids])


@dataclass(frozen=True)
class OpenItemForecast:
    """The open invoices on ``as_of`` (with ``p10``/``p50``/``p90`` payment dates, NaT beyond the
    modelled year, and ``within_horizon``: the chance of payment in the horizon) and their daily
    payment probabilities: ``pmf[i, d]`` for day ``as_of + d + 1``."""

    as_of: date
    items: pd.DataFrame
    pmf: np.ndarray


def open_items(frame: pd.DataFrame, allocations: pd.DataFrame, as_of: date) -> pd.DataFrame:
    """The invoices of ``frame`` (a :func:`timing_frame` of the ledger on ``as_of`` or later)
    open on ``as_of``: dated by then, not settled by then, less what was applied by then."""
    day = pd.Timestamp(as_of)
    items = frame.loc[(frame["invoice_date"] <= day) & ~(frame["settled_on"] <= day)].copy()
    applied = allocations.loc[pd.to_datetime(allocations["applied_on"]) <= day]
    paid = applied.groupby("invoice_id")["amount"].sum()
    items["open_amount"] = (items["amount"] - items["invoice_id"].map(paid).fillna(0.0)).clip(lower=0.0)
    items["age"] = (day - items["invoice_date"]).dt.days
    return items.loc[items["open_amount"] > 0]


def forecast_open_items(
    model: PaymentTimeModel,
    frame: pd.DataFrame,
    allocations: pd.DataFrame,
    as_of: date,
    horizon_days: int,
    hazards: np.ndarray | None = None,
) -> OpenItemForecast:
    """The open items on ``as_of`` with their payment distributions. ``hazards``, aligned with
    ``frame``'s rows, saves predicting them again (they do not depend on the as-of date)."""
    items = open_items(frame, allocations, as_of)
    if hazards is None:
        rows = model.predict_hazards(items[list(FEATURES)]) if len(items) else np.zeros((0, MAX_DAY))
    else:
        rows = hazards[frame.index.get_indexer(items.index)]
    items = items.reset_index(drop=True)
    full = payment_pmf(rows, items["age"], max(horizon_days, MAX_DAY))
    quantiles = quantile_days(full, items["age"], QUANTILES)
    for j, level in enumerate(QUANTILES):
        items[f"p{round(level * 100)}"] = items["invoice_date"] + pd.to_timedelta(quantiles[:, j], unit="D")
    pmf = full[:, :horizon_days]
    items["within_horizon"] = pmf.sum(axis=1)
    return OpenItemForecast(as_of, items, pmf)


def simulate_days(forecast: OpenItemForecast, weeks: int, seed: int = 0, simulations: int = SIMULATIONS) -> np.ndarray:
    """(simulations × days) inflows: every invoice paid on one day (or after) at random."""
    return _simulate(forecast.pmf[:, : weeks * 7], forecast.items["open_amount"].to_numpy(float), seed, simulations)


def inflows(
    forecast: OpenItemForecast,
    weeks: int,
    step_days: int = 7,
    seed: int = 0,
    draws: np.ndarray | None = None,
    scale: float = 1.0,
) -> pd.DataFrame:
    """Per period of ``step_days`` (7: weeks, 1: days) from the day after ``as_of``, for
    ``weeks`` weeks: the expected inflow, its P10/P50/P90 and the naive due-date forecast. The
    band comes from the daily ``draws`` of :func:`simulate_days`, summed per period (so days and
    weeks come from the same draws), widened around the median by ``scale`` (:func:`band_scale`)."""
    days = weeks * 7
    periods = days // step_days
    amounts = forecast.items["open_amount"].to_numpy(float)
    per_period = forecast.pmf[:, :days].reshape(len(amounts), periods, step_days).sum(axis=2)
    daily = simulate_days(forecast, weeks, seed) if draws is None else draws
    bands = np.quantile(daily.reshape(len(daily), periods, step_days).sum(axis=2), QUANTILES, axis=0)
    bands[0] = np.maximum(0.0, bands[1] - scale * (bands[1] - bands[0]))
    bands[2] = bands[1] + scale * (bands[2] - bands[1])
    start = pd.Timestamp(forecast.as_of) + pd.Timedelta(days=1)
    return pd.DataFrame(
        {
            "period": np.arange(1, periods + 1),
            "start": [start + pd.Timedelta(days=step_days * k) for k in range(periods)],
            "end": [start + pd.Timedelta(days=step_days * k + step_days - 1) for k in range(periods)],
            "expected": amounts @ per_period,
            "p10": bands[0],
            "p50": bands[1],
            "p90": bands[2],
            "due_date": due_date_inflows(forecast.items, forecast.as_of, periods, step_days),
        }
    )


def weekly_inflows(
    forecast: OpenItemForecast, weeks: int, seed: int = 0, draws: np.ndarray | None = None, scale: float = 1.0
) -> pd.DataFrame:
    table = inflows(forecast, weeks, 7, seed, draws, scale)
    return table.rename(columns={"period": "week", "start": "week_start", "end": "week_end"})


def band_scale(
    model: PaymentTimeModel,
    frame: pd.DataFrame,
    allocations: pd.DataFrame,
    as_of: date,
    weeks: int,
    *,
    group: str | None = None,
    seed: int = 0,
) -> float:
    """By how much the drawn P10–P90 band must be scaled around the median to hold
    :data:`BAND_LEVEL` of the weekly inflows in the model's own past forecasts: one a week for
    :data:`CALIBRATION_FORECASTS` weeks, the last ending on ``as_of`` (so only what was known
    then is used). ``frame`` is the :func:`timing_frame` on ``as_of``; ``group`` names a column
    (the currency) whose parts are forecast apart. 1.0 when the history is too short."""
    horizon = weeks * 7
    days = [as_of - timedelta(days=horizon + 7 * k) for k in range(CALIBRATION_FORECASTS)]
    frame = frame.reset_index(drop=True)
    hazards = _hazards_of_open(model, frame, min(days), max(days))
    scales: list[float] = []
    for day in days:
        forecast = forecast_open_items(model, frame, allocations, day, horizon, hazards)
        for part in _parts(forecast, group):
            table = weekly_inflows(part, weeks, seed)
            actual = actual_weekly(part.items, allocations, day, weeks)
            scales.extend(_scales_needed(table, actual))
    if len(scales) < MIN_CALIBRATION_WEEKS:
        return 1.0
    needed = float(np.clip(np.quantile(scales, BAND_LEVEL), *SCALE_RANGE))
    # Never narrower than independent draws (shared errors only widen the band), and only half
    # the widening the past asks for: its few overlapping forecasts are a noisy guide to the next.
    return (1.0 + needed) / 2.0


def _hazards_of_open(model: PaymentTimeModel, frame: pd.DataFrame, first: date, last: date) -> np.ndarray:
    """Hazards (aligned with ``frame``) of the invoices open on some day from ``first`` to ``last``."""
    hazards = np.zeros((len(frame), MAX_DAY), dtype=np.float32)
    ever_open = (
        (frame["invoice_date"] <= pd.Timestamp(last)) & ~(frame["settled_on"] <= pd.Timestamp(first))
    ).to_numpy()
    if ever_open.any():
        hazards[ever_open] = model.predict_hazards(frame.loc[ever_open, list(FEATURES)])
    return hazards


def _parts(forecast: OpenItemForecast, group: str | None) -> list[OpenItemForecast]:
    if group is None or not len(forecast.items):
        return [forecast] if len(forecast.items) else []
    parts = []
    for value in forecast.items[group].unique():
        mine = (forecast.items[group] == value).to_numpy()
        parts.append(
            OpenItemForecast(forecast.as_of, forecast.items.loc[mine].reset_index(drop=True), forecast.pmf[mine])
        )
    return parts


def _scales_needed(table: pd.DataFrame, actual: np.ndarray) -> list[float]:
    """For each week with a forecast or cash, the scale of its band that just holds the actual."""
    median, low, high = (table[name].to_numpy(float) for name in ("p50", "p10", "p90"))
    scored = (table["expected"].to_numpy(float) > 0) | (actual > 0)
    below, above = median - low, high - median
    with np.errstate(divide="ignore", invalid="ignore"):
        needed = np.where(
            actual < median,
            np.where(below > 0, (median - actual) / below, np.inf),
            np.where(above > 0, (actual - median) / above, np.where(actual > median, np.inf, 0.0)),
        )
    return [float(v) for v in needed[scored]]


def _simulate(per_period: np.ndarray, amounts: np.ndarray, seed: int, simulations: int) -> np.ndarray:
    """(simulations × periods) totals, each invoice paid in one period (or after) at random."""
    rng = np.random.default_rng(seed)
    periods = per_period.shape[1]
    totals = np.zeros(simulations * (periods + 1))
    cumulative = np.cumsum(per_period, axis=1)
    offsets = np.arange(simulations) * (periods + 1)
    for first in range(0, len(amounts), 512):  # one count per block of invoices, not per invoice
        block = range(first, min(first + 512, len(amounts)))
        cells = [offsets + np.searchsorted(cumulative[i], rng.random(simulations), side="right") for i in block]
        weights = np.repeat(amounts[first : first + len(block)], simulations)
        totals += np.bincount(np.concatenate(cells), weights=weights, minlength=len(totals))
    return totals.reshape(simulations, periods + 1)[:, :periods]


def due_date_inflows(items: pd.DataFrame, as_of: date, periods: int, step_days: int = 7) -> np.ndarray:
    """Open amounts placed on their due dates; items already due on the first day."""
    offset = (items["due_date"] - pd.Timestamp(as_of)).dt.days.clip(lower=1).to_numpy() - 1
    period = offset // step_days
    inside = period < periods
    weights = items["open_amount"].to_numpy(float)[inside]
    return np.bincount(period[inside].astype(int), weights=weights, minlength=periods)


def actual_weekly(items: pd.DataFrame, allocations: pd.DataFrame, as_of: date, weeks: int) -> np.ndarray:
    """The cash applied to ``items`` in each of the ``weeks`` after ``as_of``."""
    day = pd.Timestamp(as_of)
    paid = allocations.loc[allocations["invoice_id"].isin(items["invoice_id"])]
    offset = (pd.to_datetime(paid["applied_on"]) - day).dt.days.to_numpy() - 1
    week = offset // 7
    inside = (offset >= 0) & (week < weeks)
    return np.bincount(week[inside].astype(int), weights=paid["amount"].to_numpy(float)[inside], minlength=weeks)


def backtest(
    invoices: pd.DataFrame,
    allocations: pd.DataFrame,
    start: date,
    end: date,
    *,
    weeks: int = 13,
    data_end: date | None = None,
    currency: str | None = None,
    seed: int = 0,
    training_invoices: int = TRAINING_INVOICES,
) -> tuple[dict[str, Any], pd.DataFrame]:
    """Train on what was known on ``start``; forecast every 7 days from ``start`` to ``end``.

    Invoice level: for every invoice issued from ``start`` to ``end`` and settled by
    ``data_end``, the median predicted on its invoice date against its due date (mean absolute
    error in days). Week level: WAPE of the expected weekly inflow and of the due-date forecast,
    and the share of weeks whose actual inflow lay within P10–P90 (weeks with neither forecast
    nor cash are left out). Only weeks that end by ``data_end`` are scored. The model learns
    from at most ``training_invoices`` (:func:`training_sample`). With ``currency``
    (and a ``currency`` column in ``invoices``), only that currency's invoices are forecast and
    scored; the model still learns from all.
    """
    last = pd.Timestamp(data_end) if data_end else _last_day(invoices, allocations)
    model = fit_payment_model(invoices, allocations, start, training_invoices)
    known = timing_frame(invoices, allocations, start)
    full = timing_frame(invoices, allocations, last.date())
    if currency is not None:
        chosen = invoices.loc[invoices["currency"] == currency, "invoice_id"]
        known = known.loc[known["invoice_id"].isin(chosen)]
        full = full.loc[full["invoice_id"].isin(chosen)]
    scale = band_scale(model, known, allocations, start, weeks, seed=seed)
    # Hazards depend on the invoice only: predict them once for every invoice open on some day.
    full = full.reset_index(drop=True)
    hazards = _hazards_of_open(model, full, start, end)
    rows = []
    day = start
    while day <= end:
        forecast = forecast_open_items(model, full, allocations, day, weeks * 7, hazards)
        if len(forecast.items):
            table = weekly_inflows(forecast, weeks, seed, scale=scale)
            table["actual"] = actual_weekly(forecast.items, allocations, day, weeks)
            table.insert(0, "as_of", pd.Timestamp(day))
            rows.append(table.loc[table["week_end"] <= last])
        day += timedelta(days=7)
    weekly = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()
    return {**_metrics(model, full, start, end, last, weekly), "band_scale": scale}, weekly


def _last_day(invoices: pd.DataFrame, allocations: pd.DataFrame) -> pd.Timestamp:
    return max(pd.to_datetime(invoices["invoice_date"]).max(), pd.to_datetime(allocations["applied_on"]).max())


def _metrics(
    model: PaymentTimeModel, full: pd.DataFrame, start: date, end: date, last: pd.Timestamp, weekly: pd.DataFrame
) -> dict[str, Any]:
    issued = full.loc[
        (full["invoice_date"] >= pd.Timestamp(start)) & (full["invoice_date"] <= pd.Timestamp(end)) & full["paid"]
    ]
    predicted = model.predict(issued[list(FEATURES)])
    actual_days = issued["duration"].to_numpy(float)
    known = ~np.isnan(predicted)
    scored = weekly.loc[(weekly["actual"] > 0) | (weekly["p90"] > 0)] if len(weekly) else weekly
    total = float(scored["actual"].sum()) if len(scored) else 0.0

    def wape(column: str) -> float | None:
        return float((scored[column] - scored["actual"]).abs().sum() / total) if total else None

    within = (scored["actual"] >= scored["p10"] - 1e-9) & (scored["actual"] <= scored["p90"] + 1e-9)
    return {
        "invoices_scored": int(known.sum()),
        "invoices_beyond_a_year": int((~known).sum()),
        "mae_days_model": float(np.abs(predicted[known] - actual_days[known]).mean()) if known.any() else None,
        "mae_days_due_date": float(np.abs(issued["terms_days"].to_numpy(float) - actual_days).mean())
        if len(issued)
        else None,
        "forecasts": int(weekly["as_of"].nunique()) if len(weekly) else 0,
        "weeks_scored": len(scored),
        "wape_model": wape("expected"),
        "wape_due_date": wape("due_date"),
        "coverage_p10_p90": float(within.mean()) if len(scored) else None,
    }
