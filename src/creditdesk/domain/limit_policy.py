"""The limit policy's figures, and one customer's recommendation from them.

The defaults are what a cautious trade-credit desk starts from: credit of 1.2 months of peak
need beyond terms plus ten days' grace, a share of net worth and of working capital that falls
with the grade, an expected loss of at most a quarter of the customer's margin, and no credit
at all in default (grade 10). The smallest of need, capacity and risk budget decides; the
bureau and profit-optimal limits are shown beside it as checks.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal

from creditdesk.domain.authority import AuthorityMatrix
from creditdesk.domain.limit_methods import (
    Combination,
    ProfitInputs,
    Step,
    Working,
    bureau_limit,
    capacity_limit,
    combine,
    insured_part,
    need_limit,
    profit_optimal_limit,
    risk_budget_limit,
    secured_part,
    steps_json,
    supported,
)
from creditdesk.domain.monitoring import MonitorPolicy, add_months

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
class SegmentRule:
    """A special group's own rules; what it leaves out stays as the policy has it."""

    methods: tuple[str, ...] | None = None
    grace_days: int | None = None
    peak_factor: Decimal | None = None
    ceiling: Decimal | None = None  # besides the grade's
    min_role: str | None = None  # the lowest role that may decide any raise (e.g. admin)


PROBATION = "probation"


def _default_segments() -> dict[str, SegmentRule]:
    return {
        # Large, long relationships: a longer peak and no risk-budget cut; the grade still caps.
        "strategic": SegmentRule(methods=("need", "capacity"), peak_factor=D("1.5")),
        # The state pays late but pays: more grace, and need alone decides.
        "government": SegmentRule(methods=("need",), grace_days=60),
        "state_owned": SegmentRule(methods=("need", "capacity"), grace_days=45),
        # New customers: the bureau's view counts too, and a ceiling until they prove themselves.
        PROBATION: SegmentRule(methods=("need", "capacity", "bureau", "risk_budget"), ceiling=D(200_000)),
        # Related parties trade at arm's length: every raise is an admin's decision.
        "related_party": SegmentRule(min_role="admin"),
    }


def _default_concentration() -> dict[str, Decimal]:
    return {"industry": D("0.35"), "country": D("0.6"), "group": D("0.1")}


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
    segments: Mapping[str, SegmentRule] = field(default_factory=_default_segments)
    probation_months: int = 6  # customers registered more recently are on probation
    probation_segments: tuple[str, ...] = ("new",)  # and so are these segments
    # Concentration caps: the largest share of the credit budget one industry, country or group takes.
    concentration: Mapping[str, Decimal] = field(default_factory=_default_concentration)
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
    segment: str | None = None
    industry: str | None = None
    country: str | None = None
    group_id: str | None = None
    registered_on: date | None = None
    insurer: str | None = None
    insured_limit: Decimal | None = None  # the credit insurer's buyer limit
    cover_share: Decimal | None = None  # the share of a loss the insurer bears
    security: Decimal | None = None  # guarantees and letters of credit in force


@dataclass(frozen=True, slots=True)
class Recommendation:
    inputs: LimitInputs
    methods: list[Working]
    final: Working
    segment: str | None = None  # the special group whose rules applied

    def raise_role(self, policy: LimitPolicy) -> str | None:
        """The lowest role its segment lets decide a raise, if the segment sets one."""
        rule = policy.segments.get(self.segment) if self.segment is not None else None
        return rule.min_role if rule is not None else None

    def as_json(self) -> dict[str, object]:
        def one(w: Working) -> dict[str, object]:
            return {
                "amount": None if w.amount is None else str(w.amount),
                "formula": w.formula,
                "note": w.note,
                "steps": [steps_json(step) for step in w.steps],  # the formula as codes and figures
                "why": None if w.why is None else steps_json(w.why),
            }

        return {
            "customer_id": self.inputs.customer_id,
            "currency": self.inputs.currency,
            "grade": self.inputs.grade,
            "pd": self.inputs.pd,
            "current_limit": str(self.inputs.current_limit),
            "segment": self.segment,
            "methods": {w.method: one(w) for w in self.methods},
            "final": one(self.final),
        }


def segment_of(inputs: LimitInputs, policy: LimitPolicy, as_of: date | None) -> str | None:
    """The special group whose rules apply: probation by tenure or segment, else the segment."""
    return special_segment(inputs.segment, inputs.registered_on, policy, as_of)


def special_segment(
    segment: str | None, registered: date | None, policy: LimitPolicy, as_of: date | None
) -> str | None:
    """:func:`segment_of` from a customer's segment and registration day."""
    if segment in policy.probation_segments:
        return PROBATION
    if as_of is not None and registered is not None and registered > add_months(as_of, -policy.probation_months):
        return PROBATION
    return segment if segment in policy.segments else None


def recommend(inputs: LimitInputs, policy: LimitPolicy, as_of: date | None = None) -> Recommendation:
    grade = inputs.grade if inputs.grade is not None else 9  # unscored: treated as the weakest live grade
    rule = policy.grades[grade]
    segment = segment_of(inputs, policy, as_of)
    special = policy.segments[segment] if segment is not None else SegmentRule()
    grace = special.grace_days if special.grace_days is not None else policy.grace_days
    peak = special.peak_factor if special.peak_factor is not None else policy.peak_factor
    methods = [
        need_limit(inputs.avg_monthly_sales, inputs.terms_days, grace, peak),
        capacity_limit(inputs.tangible_net_worth, inputs.working_capital, rule.tnw_share, rule.wc_share),
        bureau_limit(inputs.bureau_limit, inputs.bureau_provider),
    ]
    if inputs.pd is None:
        no_score: Step = ("no_score", {})
        methods.append(Working("risk_budget", None, {}, "", "no score yet: run `creditdesk score`", why=no_score))
        methods.append(Working("profit_optimal", None, {}, "", "no score yet", why=no_score))
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
            grace_days=grace,
            cost_of_capital=policy.cost_of_capital,
            ccf=policy.ccf,
        )
        methods.append(profit_optimal_limit(profit))
    ceilings = [c for c in (rule.ceiling, special.ceiling) if c is not None]
    chosen = special.methods if special.methods is not None else policy.methods
    own = combine(methods, Combination(chosen, policy.unit, rule.floor, min(ceilings) if ceilings else None))
    insured = secured = None
    if inputs.insured_limit and inputs.cover_share is not None:
        insured = insured_part(inputs.insurer or "insurer", inputs.insured_limit, inputs.cover_share)
        methods.append(insured)
    if inputs.security:
        secured = secured_part(inputs.security)
        methods.append(secured)
    final = own if grade == 10 else supported(own, methods[0], insured, secured, policy.unit)
    if special.ceiling is not None and final.amount is not None and final.amount > special.ceiling:
        ceiling: Step = ("segment_ceiling", {"amount": special.ceiling})
        formula = f"{final.formula}; segment ceiling {special.ceiling}"
        final = replace(final, amount=special.ceiling, formula=formula, steps=(*final.steps, ceiling))
    return Recommendation(inputs, methods, final, segment)
