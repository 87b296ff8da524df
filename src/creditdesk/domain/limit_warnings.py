"""What a reviewer should know before a limit goes up: its context and warnings.

A limit change is put beside the current limit, the policy's recommendation, the customer's
grade and the ceiling of its special segment (probation, or a segment with its own ceiling).
An increase beyond the recommendation or the segment's ceiling, for a customer graded 8 or
worse, or that more than doubles the limit, carries a warning with a stable code and the
figures behind it; such a change or its approval needs a comment (the service enforces it).
A cut never warns: it only lowers risk.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

ABOVE_RECOMMENDATION = "ABOVE_RECOMMENDATION"
ABOVE_SEGMENT_CEILING = "ABOVE_SEGMENT_CEILING"
HIGH_GRADE = "HIGH_GRADE"
LARGE_INCREASE = "LARGE_INCREASE"

CODES = (ABOVE_RECOMMENDATION, ABOVE_SEGMENT_CEILING, HIGH_GRADE, LARGE_INCREASE)
HIGH_GRADE_FROM = 8  # grades 8 and worse: weak to in default
LARGE_INCREASE_FACTOR = Decimal(2)  # more than doubles the limit


def _two(x: Decimal) -> Decimal:
    return x.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True, slots=True)
class LimitWarning:
    code: str
    values: dict[str, str]  # the figures behind it, as text (amounts, ratios, grades, segment)

    def as_json(self) -> dict[str, object]:
        return {"code": self.code, **self.values}

    def describe(self) -> str:
        """One line in English, for error messages and the audit's readers."""
        v = self.values
        if self.code == ABOVE_RECOMMENDATION:
            ratio = f"{v['ratio']}× " if v.get("ratio") else ""
            return f"{ratio}the recommended {v['recommended']}"
        if self.code == ABOVE_SEGMENT_CEILING:
            return f"above the {v['segment']} ceiling {v['ceiling']}"
        if self.code == HIGH_GRADE:
            return f"grade {v['grade']} (8 or worse)"
        return f"{v['factor']}× the current limit {v['current']}"


@dataclass(frozen=True, slots=True)
class LimitContext:
    """A limit change beside what a reviewer compares it with (amounts in the account currency)."""

    currency: str
    current: Decimal
    requested: Decimal
    recommended: Decimal | None = None  # None: no recommendation (not computed, or no method applies)
    grade: int | None = None  # None: unscored
    ceiling: Decimal | None = None  # the special segment's ceiling, if it has one
    segment: str | None = None  # the special segment whose rules apply (probation, strategic...)

    @property
    def change(self) -> Decimal:
        return self.requested - self.current

    @property
    def change_pct(self) -> Decimal | None:
        """The change in % of the current limit (None from a limit of zero)."""
        if self.current <= 0:
            return None
        return _two(self.change / self.current * 100)

    @property
    def warnings(self) -> tuple[LimitWarning, ...]:
        return limit_warnings(self)

    def as_json(self) -> dict[str, object]:
        return {
            "currency": self.currency,
            "current": str(self.current),
            "requested": str(self.requested),
            "recommended": None if self.recommended is None else str(self.recommended),
            "change": str(self.change),
            "change_pct": None if self.change_pct is None else str(self.change_pct),
            "grade": self.grade,
            "segment": self.segment,
            "segment_ceiling": None if self.ceiling is None else str(self.ceiling),
            "warnings": [w.as_json() for w in self.warnings],
        }


def limit_warnings(ctx: LimitContext) -> tuple[LimitWarning, ...]:
    """The warnings of an increase, in a fixed order; none for a cut or an unchanged limit."""
    if ctx.requested <= ctx.current:
        return ()
    found: list[LimitWarning] = []
    if ctx.recommended is not None and ctx.requested > ctx.recommended:
        ratio = str(_two(ctx.requested / ctx.recommended)) if ctx.recommended > 0 else ""
        found.append(
            LimitWarning(
                ABOVE_RECOMMENDATION,
                {"ratio": ratio, "recommended": str(ctx.recommended), "requested": str(ctx.requested)},
            )
        )
    if ctx.ceiling is not None and ctx.requested > ctx.ceiling:
        found.append(
            LimitWarning(
                ABOVE_SEGMENT_CEILING,
                {"segment": ctx.segment or "", "ceiling": str(ctx.ceiling), "requested": str(ctx.requested)},
            )
        )
    if ctx.grade is not None and ctx.grade >= HIGH_GRADE_FROM:
        found.append(LimitWarning(HIGH_GRADE, {"grade": str(ctx.grade)}))
    if ctx.current > 0 and ctx.requested > ctx.current * LARGE_INCREASE_FACTOR:
        factor = str(_two(ctx.requested / ctx.current))
        found.append(LimitWarning(LARGE_INCREASE, {"factor": factor, "current": str(ctx.current)}))
    return tuple(found)


def describe(warnings: tuple[LimitWarning, ...]) -> str:
    return "; ".join(f"{w.code}: {w.describe()}" for w in warnings)
