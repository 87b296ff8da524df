"""The what-if's verdict: for each figure a credit manager weighs (net profit, losses, DSO, blocked
orders, customers affected), the proposal against today seed by seed, its band over the seeds and a
plain sentence; and the calibration: the simulated opening book beside the real one.

Counts are whole numbers: each side's mean over seeds rounded, the change their difference, the band
the seeds' own whole changes.
The band is the seeds' lowest and highest difference when there are fewer than ten seeds, else
their P10–P90. A difference whose band holds zero is "no clear change"."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import numpy as np
from markupsafe import Markup

Translate = Callable[..., str]

#: figure → (unit, better when it is higher)
FIGURES: dict[str, tuple[str, bool]] = {
    "net_profit": ("amount", True),
    "bad_debt_losses": ("amount", False),
    "dso": ("days", False),
    "blocked_orders": ("count", False),
}
CALIBRATION_TOLERANCE = 0.05  # the issue's: the simulated opening book within 5 % of the real one


def short_amount(value: float, lang: str) -> str:
    """An amount as people say it: 万/亿 in Chinese, K/M/B in English."""
    size = abs(value)
    if lang == "zh":
        if size >= 1e8:
            return f"{value / 1e8:,.2f}亿"
        if size >= 1e4:
            return f"{value / 1e4:,.1f}万"
        return f"{value:,.0f}"
    if size >= 1e9:
        return f"{value / 1e9:,.2f} B"
    if size >= 1e6:
        return f"{value / 1e6:,.1f} M"
    if size >= 1e3:
        return f"{value / 1e3:,.0f} K"
    return f"{value:,.0f}"


def shown(value: float | None, unit: str, lang: str, tr: Translate) -> Markup:
    """A figure of ``unit`` as the page shows it, the exact one on hover."""
    if value is None or not np.isfinite(value):
        return Markup("—")
    if unit == "amount":
        return Markup('<span class="amount" title="{}">{}</span>').format(f"{value:,.2f}", short_amount(value, lang))
    if unit == "days":
        return Markup("{}").format(tr("wi_days", n=f"{value:,.1f}"))
    if unit == "percent":
        return Markup("{}").format(f"{value * 100:+.1f} %")
    return Markup("{}").format(f"{round(value):,}")


def _band(values: np.ndarray) -> tuple[float, float, str]:
    if len(values) < 10:
        return float(values.min()), float(values.max()), "min_max"
    return float(np.quantile(values, 0.1)), float(np.quantile(values, 0.9)), "p10_p90"


def _judgement(mean: float, low: float, high: float, higher_better: bool) -> str:
    if low <= 0 <= high and not (low == high == 0):
        return "unclear"
    if mean == 0:
        return "same"
    return "better" if (mean > 0) == higher_better else "worse"


def verdict(document: dict[str, Any], lang: str, tr: Translate) -> dict[str, Any]:
    """The rows of the verdict (figure, today, proposed, difference, band, judgement, sentence)
    and its headline."""
    today, proposed = document["policies"][0], document["policies"][-1]
    rows = []
    for name, (unit, higher_better) in FIGURES.items():
        before = np.asarray(today["per_seed"][name], dtype=float)
        after = np.asarray(proposed["per_seed"][name], dtype=float)
        change = after - before
        change = change[np.isfinite(change)]
        if not len(change):
            continue
        mean = float(change.mean())
        low, high, band_kind = _band(change)
        level_before, level_after = float(before.mean()), float(after.mean())
        if unit == "count":  # whole orders: each side's mean rounded, the change their difference
            level_before, level_after = float(round(level_before)), float(round(level_after))
            mean, low, high = level_after - level_before, float(round(low)), float(round(high))
        judgement = _judgement(mean, low, high, higher_better)
        size = abs(mean)
        verb = "same" if mean == 0 else ("up" if mean > 0 else "down")
        sentence = tr(
            "wi_sentence",
            figure=tr(f"wi_figure_{name}"),
            verb=tr(f"wi_verb_{verb}"),
            amount=shown(size, unit, lang, tr) if mean else "",
            band=tr(f"wi_band_{band_kind}"),
            low=shown(low, unit, lang, tr),
            high=shown(high, unit, lang, tr),
            judgement=tr(f"wi_judgement_{judgement}"),
        )
        # Within the error the world's validation measured: not an effect to act on.
        unproven = (proposed.get("difference", {}).get(name) or {}).get("distinguishable") is False
        if unproven:
            sentence += " " + tr("wi_not_distinguishable")
        rows.append(
            {
                "name": name,
                "unit": unit,
                "unproven": unproven,
                "today": level_before,
                "proposed": level_after,
                "change": mean,
                "low": low,
                "high": high,
                "band": band_kind,
                "judgement": judgement,
                "sentence": Markup(sentence),
            }
        )
    customers = proposed["customers"]
    affected = int(customers["gain"]) + int(customers["lose"])
    rows.append(
        {
            "name": "customers_affected",
            "unit": "count",
            "today": None,
            "proposed": float(affected),
            "change": float(affected),
            "low": None,
            "high": None,
            "band": None,
            "judgement": "info",
            "sentence": Markup(
                tr(
                    "wi_sentence_customers",
                    n=affected,
                    gain=customers["gain"],
                    lose=customers["lose"],
                    of=document["customers"],
                )
            ),
        }
    )
    profit = next((r for r in rows if r["name"] == "net_profit"), None)
    overall = profit["judgement"] if profit else "unclear"
    return {
        "overall": overall,
        "headline": tr(f"wi_overall_{overall}"),
        "sentence": str(profit["sentence"]) if profit else "",
        "rows": rows,
        "validation": validation_note(document.get("validation"), lang, tr),
    }


def validation_note(validation: dict[str, Any] | None, lang: str, tr: Translate) -> dict[str, str] | None:
    """Whether the world reproduced the book's last months (``simulate validate``): its state
    (passes, fails, skipped) and a sentence in the page's language."""
    if not validation:
        return None
    day = validation["from"]
    if "skipped" in validation:
        return {"state": "skipped", "text": tr("wi_validation_skipped", months=validation["months"], day=day)}
    first = validation["first_month_error"]
    values = {
        "months": validation["months"],
        "day": day,
        "coverage": f"{validation['coverage'] * 100:.0f} %",
        "sales": shown(first.get("sales"), "percent", lang, tr),
        "receivables": shown(first.get("receivables"), "percent", lang, tr),
        "dso": shown(first.get("dso"), "percent", lang, tr),
    }
    state = "passes" if validation["passes"] else "fails"
    return {"state": state, "text": tr(f"wi_validation_{state}", **values)}


def calibration(document: dict[str, Any], lang: str, tr: Translate) -> dict[str, Any] | None:
    """The simulated opening book ("today" on its own history) beside the real one on the same
    day: receivables and DSO, the difference, and whether it is within 5 %."""
    book = (document.get("book") or {}).get("row")
    today = document["policies"][0]
    if not book or "opening_receivables" not in today:
        return None
    rows = []
    for name, unit, real in (
        ("receivables", "amount", float(Decimal(book["receivables"]))),
        ("dso", "days", float(book["dso"]) if book.get("dso") is not None else None),
    ):
        figure = today[f"opening_{name}"]
        simulated = float(figure["mean"])
        difference = (simulated - real) / real if real else None
        first = today["monthly"][name]["mean"][0]
        rows.append(
            {
                "name": name,
                "book": shown(real, unit, lang, tr),
                "simulated": shown(simulated, unit, lang, tr),
                "band": (shown(figure["p05"], unit, lang, tr), shown(figure["p95"], unit, lang, tr)),
                "difference": shown(difference, "percent", lang, tr) if difference is not None else Markup("—"),
                "within": difference is not None and abs(difference) <= CALIBRATION_TOLERANCE,
                "book_value": real,
                "simulated_value": simulated,
                # Shown, not judged against this day's book: a later month differs from it by the
                # book's own growth and season. The validation judges the months that followed.
                "first_month": shown(first, unit, lang, tr) if first is not None else Markup("—"),
            }
        )
    return {
        "as_of": document["book"]["as_of"],
        "rows": rows,
        "within": all(r["within"] for r in rows),
    }
