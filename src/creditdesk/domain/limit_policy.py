"""The limit policy's figures, and one customer's recommendation from them.

The defaults are what a cautious trade-credit desk starts from: credit of 1.2 months of peak
need beyond terms plus ten days' grace, a share of net worth and of working capital that falls
with the grade, an expected loss of at most a quarter of the customer's margin, and no credit
at all in default (grade 10). The smallest of need, capacity and risk budget decides; the
bureau and profit-optimal limits are shown beside it as checks.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from creditdesk.domain.authority import AuthorityMatrix
from creditdesk.domain.limit_methods import (
    Combination,
    ProfitInputs,
    Working,
    bureau_limit,
    capacity_limit,
    combine,
    need_limit,
    profit_optimal_limit,
    risk_budget_limit,
)
from creditdesk.domain.monitoring import MonitorPolicy

D = Decimal
ZERO = D(0)
DEFAULT_PEAK_FACTOR = D("1.2")
DEFAULT_RISK_BUDGET_SHARE = D("0.25")
DEFAULT_UNIT = D(1000)


@dataclass(frozen=True, slots=True)
class GradeRule:
    tnw_share: Decimal  # share of tangible net worth
    wc_share: Decimal  # share of working capital
    floor: Decimal = ZERO
    ceiling: Decimal | None = None


def _default_grades() -> dict[int, GradeRule]:
    strong, sound = GradeRule(D("0.15"), D("0.30")), GradeRule(D("0.10"), D("0.20"))
    weak, poor = GradeRule(D("0.05"), D("0.10")), GradeRule(D("0.02"), D("0.05"))
    rules = {1: strong, 2: strong, 3: strong, 4: sound, 5: sound, 6: sound, 7: weak, 8: weak, 9: poor}
    rules[10] = GradeRule(D(0), D(0), ceiling=D(0))  # in default: no new credit
    return rules


@dataclass(frozen=True, slots=True)
class LimitPolicy:
    grace_days: int = 10
    peak_factor: Decimal = DEFAULT_PEAK_FACTOR
    lgd: float = 0.45
    margin_rate: float = 0.15
    cost_of_capital: float = 0.08
    risk_budget_share: Decimal = DEFAULT_RISK_BUDGET_SHARE
    ccf: float = 0.75
    min_demand_cv: float = 0.2
    unit: Decimal = DEFAULT_UNIT
    methods: tuple[str, ...] = ("need", "capacity", "risk_budget")
    grades: Mapping[int, GradeRule] = field(default_factory=_default_grades)
    monitor: MonitorPolicy = field(default_factory=MonitorPolicy)
    authority: AuthorityMatrix = field(default_factory=AuthorityMatrix)


@dataclass(frozen=True, slots=True)
class LimitInputs:
    """What the methods need to know of one customer, in its account currency."""

    customer_id: str
    currency: str
    current_limit: Decimal
    avg_monthly_sales: Decimal
    demand_cv: float  # month-to-month variation of its purchases
    terms_days: int
    tangible_net_worth: Decimal | None
    working_capital: Decimal | None
    bureau_limit: Decimal | None
    bureau_provider: str | None
    pd: float | None  # the champion's latest PD; None before scoring
    grade: int | None


@dataclass(frozen=True, slots=True)
class Recommendation:
    inputs: LimitInputs
    methods: list[Working]
    final: Working

    def as_json(self) -> dict[str, object]:
        def one(w: Working) -> dict[str, object]:
            return {"amount": None if w.amount is None else str(w.amount), "formula": w.formula, "note": w.note}

        return {
            "customer_id": self.inputs.customer_id,
            "currency": self.inputs.currency,
            "grade": self.inputs.grade,
            "pd": self.inputs.pd,
            "current_limit": str(self.inputs.current_limit),
            "methods": {w.method: one(w) for w in self.methods},
            "final": one(self.final),
        }


def recommend(inputs: LimitInputs, policy: LimitPolicy) -> Recommendation:
    grade = inputs.grade if inputs.grade is not None else 9  # unscored: treated as the weakest live grade
    rule = policy.grades[grade]
    methods = [
        need_limit(inputs.avg_monthly_sales, inputs.terms_days, policy.grace_days, policy.peak_factor),
        capacity_limit(inputs.tangible_net_worth, inputs.working_capital, rule.tnw_share, rule.wc_share),
        bureau_limit(inputs.bureau_limit, inputs.bureau_provider),
    ]
    if inputs.pd is None:
        methods.append(Working("risk_budget", None, {}, "", "no score yet: run `creditdesk score`"))
        methods.append(Working("profit_optimal", None, {}, "", "no score yet"))
    else:
        margin = (inputs.avg_monthly_sales * 12 * D(str(policy.margin_rate))).quantize(D("0.01"))
        methods.append(risk_budget_limit(inputs.pd, policy.lgd, margin, policy.risk_budget_share, policy.ccf))
        profit = ProfitInputs(
            pd=inputs.pd,
            lgd=policy.lgd,
            margin_rate=policy.margin_rate,
            avg_monthly_sales=float(inputs.avg_monthly_sales),
            demand_cv=max(inputs.demand_cv, policy.min_demand_cv),
            terms_days=inputs.terms_days,
            grace_days=policy.grace_days,
            cost_of_capital=policy.cost_of_capital,
            ccf=policy.ccf,
        )
        methods.append(profit_optimal_limit(profit))
    final = combine(methods, Combination(policy.methods, policy.unit, rule.floor, rule.ceiling))
    return Recommendation(inputs, methods, final)
