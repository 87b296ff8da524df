"""The dashboard's panels from report snapshots, with the geometry of their inline SVG charts
(drawn by the templates: no script, nothing fetched)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

WIDTH, HEIGHT, PAD = 320, 110, 14


@dataclass(frozen=True, slots=True)
class Line:
    """A line chart of labelled values: the SVG points, the last value and the range shown."""

    labels: list[str]
    values: list[float | None]
    points: str
    low: float
    high: float

    @property
    def last(self) -> float | None:
        return next((v for v in reversed(self.values) if v is not None), None)


def line(labels: list[str], values: list[float | None]) -> Line:
    known = [v for v in values if v is not None]
    low, high = (min(known), max(known)) if known else (0.0, 1.0)
    span = (high - low) or 1.0
    step = (WIDTH - 2 * PAD) / max(len(values) - 1, 1)
    points = " ".join(
        f"{PAD + i * step:.1f},{HEIGHT - PAD - (v - low) / span * (HEIGHT - 2 * PAD):.1f}"
        for i, v in enumerate(values)
        if v is not None
    )
    return Line(labels, values, points, low, high)


def _main(rows: list[dict[str, Any]] | None, currency: str | None) -> list[dict[str, Any]]:
    return [row for row in rows or [] if row.get("currency") == currency]


def trend_panel(rows: list[dict[str, Any]] | None, currency: str | None) -> dict[str, Line] | None:
    """DSO, ADD and CEI at each month-end in the main currency (the trends report's rows)."""
    mine = _main(rows, currency)
    if not mine:
        return None
    labels = [row["as_of"] for row in mine]
    return {name: line(labels, [row[name] for row in mine]) for name in ("dso", "add", "cei")}


def loss_panel(rows: list[dict[str, Any]] | None, currency: str | None) -> dict[str, Any] | None:
    """The ECL report in the main currency: the provision matrix's total, PD × LGD × EAD, by segment."""
    mine = _main(rows, currency)
    return mine[0] if mine else None


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    expected: Decimal
    p10: Decimal
    p90: Decimal
    x: float
    width: float
    top: float  # the expected total's bar
    band_top: float  # P90 of the open items plus new sales
    band_bottom: float  # P10 likewise


def cash_panel(documents: list[dict[str, Any]] | None, currency: str | None) -> dict[str, Any] | None:
    """The 13-week forecast in the main currency: one bar a week (open items and new sales),
    with the open items' P10–P90 band; the totals beside it."""
    mine = _main(documents, currency)
    if not mine:
        return None
    document = mine[0]
    weeks = document["rows"]
    tallest = max((Decimal(w["p90"]) + Decimal(w["new_sales"]) for w in weeks), default=Decimal(1)) or Decimal(1)
    slot = (WIDTH - 2 * PAD) / max(len(weeks), 1)

    def y(amount: Decimal) -> float:
        return round(HEIGHT - PAD - float(amount / tallest) * (HEIGHT - 2 * PAD), 1)

    bars = []
    for i, week in enumerate(weeks):
        sales = Decimal(week["new_sales"])
        total = Decimal(week["expected_total"])
        bars.append(
            Bar(
                week["week_start"],
                total,
                Decimal(week["p10"]) + sales,
                Decimal(week["p90"]) + sales,
                round(PAD + i * slot + slot * 0.15, 1),
                round(slot * 0.7, 1),
                y(total),
                y(Decimal(week["p90"]) + sales),
                y(Decimal(week["p10"]) + sales),
            )
        )
    return {"document": document, "bars": bars, "baseline": HEIGHT - PAD}
