"""Limit requests and their decisions, the limit history, reviews, the monitor's and the
recommendation's runs, and the portfolio views (concentration, allocation)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from creditdesk.entrypoints.api.models.common import Explanation, Money


class LimitWarningOut(BaseModel):
    """Why a reviewer should look twice: a stable code and the figures behind it."""

    code: str = Field(examples=["ABOVE_RECOMMENDATION", "ABOVE_SEGMENT_CEILING", "HIGH_GRADE", "LARGE_INCREASE"])
    ratio: str | None = None  # ABOVE_RECOMMENDATION: requested / recommended
    recommended: str | None = None
    requested: str | None = None
    segment: str | None = None  # ABOVE_SEGMENT_CEILING
    ceiling: str | None = None
    grade: str | None = None  # HIGH_GRADE
    factor: str | None = None  # LARGE_INCREASE: requested / current ("" from zero)
    current: str | None = None


class LimitContextOut(BaseModel):
    """A pending change beside the limit now, the policy's recommendation, the grade and the
    special segment's ceiling, with its warnings (approving a warned change needs a comment)."""

    currency: str
    current: Money
    requested: Money
    recommended: Money | None
    change: Money
    change_pct: str | None  # None from a limit of zero
    grade: int | None
    segment: str | None
    segment_ceiling: Money | None
    warnings: list[LimitWarningOut]


class LimitRequestOut(BaseModel):
    """A request to change a credit limit, waiting for (or decided by) someone with the authority."""

    request_id: str
    customer_id: str
    amount: Money
    currency: str
    expires_on: str | None
    reason: str
    reason_zh: str | None = None  # the reason in Chinese where the system wrote it (a person's: absent)
    origin: str = Field(examples=["sales", "review", "rule", "initial"])
    grade: int | None
    required_role: str
    status: str = Field(examples=["pending", "approved", "rejected"])
    requested_by: str
    requested_on: str
    decided_by: str | None
    decided_at: str | None
    comment: str | None
    policy_version: int | None
    company_code: str | None = None  # a credit segment's limit (docs/segments.md)
    context: LimitContextOut | None = None  # a pending request's (or a new one's) context


class LimitRequests(BaseModel):
    requests: list[LimitRequestOut]
    count: int


class LimitChangeOut(BaseModel):
    """One limit the customer had: who set what, when, why and for which period."""

    amount: Money
    currency: str
    valid_from: str
    valid_to: str | None
    reason: str
    reason_zh: str | None = None  # the reason in Chinese where the system wrote it (a person's: absent)
    source: str = Field(examples=["manual", "request", "rule", "import"])
    rule: str | None
    policy_version: int | None
    request_id: str | None
    changed_by: str
    changed_at: str


class RecordedChangeOut(BaseModel):
    """A change a rule, a review or an approval made to an account, explained."""

    effective_on: str
    rule: str
    field: str
    before: str | None
    after: str | None
    inputs: dict[str, str]
    policy_version: int | None
    explanation: Explanation
    actor: str
    recorded_at: str


class LimitHistory(BaseModel):
    customer_id: str
    limits: list[LimitChangeOut]
    changes: list[RecordedChangeOut]
    requests: list[LimitRequestOut]


class ReviewedOut(BaseModel):
    customer_id: str
    status: str = Field(examples=["reviewed"])


class ReviewDue(BaseModel):
    customer_id: str
    next_review_on: str | None
    increases_frozen_since: str | None
    status: str


class ReviewsDue(BaseModel):
    as_of: str
    reviews: list[ReviewDue]


class MonitorItem(RecordedChangeOut):
    customer_id: str


class MonitorRunOut(BaseModel):
    as_of: str
    policy_version: int | None
    accounts: int
    changes: int
    by_rule: dict[str, int]
    skipped: list[str]
    items: list[MonitorItem]


class LimitMove(BaseModel):
    customer_id: str
    from_: Money = Field(alias="from")
    to: Money
    currency: str
    required_role: str | None = None  # a requested move: the role that may decide it


class ApplyRunOut(BaseModel):
    as_of: str
    policy_version: int | None
    applied: list[LimitMove]
    requested: list[LimitMove]
    kept: int
    kept_because: dict[str, int]


class MethodWorking(BaseModel):
    """One limit method's amount (null when it does not apply: ``note`` says why) and working."""

    amount: Money | None
    formula: str
    note: str


class LimitRecommendationOut(BaseModel):
    customer_id: str
    currency: str
    grade: int | None
    pd: float | None
    current_limit: Money
    segment: str | None
    methods: dict[str, MethodWorking] = Field(description="by method: need, capacity, bureau, risk_budget, ...")
    final: MethodWorking
    policy_version: int | None


class ConcentrationRow(BaseModel):
    currency: str
    dimension: str = Field(examples=["industry", "country", "group"])
    value: str
    current: Money
    recommended: Money
    current_share: str = Field(examples=["0.1234"])
    recommended_share: str
    cap: str | None
    over: bool


class GroupPool(BaseModel):
    group_id: str
    currency: str
    members: int
    members_total: Money
    cap: Money | None
    pooled_limit: Money


class ConcentrationOut(BaseModel):
    policy_version: int | None
    concentration: list[ConcentrationRow]
    groups: list[GroupPool]


class PerCustomer(BaseModel):
    limits: Money
    expected_profit: float


class AllocationOut(BaseModel):
    currency: str
    budget: Money
    loss_budget: Money
    allocated: Money
    expected_profit: float
    expected_loss: float
    per_customer: PerCustomer
    shadow_prices: dict[str, float]
    binding: list[str]
    limits: dict[str, Money] = Field(description="by customer id")


class ModelVersion(BaseModel):
    """A scoring model in its role; ``metrics``: the held-out validation figures as fitted."""

    version: str
    kind: str
    role: str
    model_sha256: str
    trained_as_of: str
    metrics: dict[str, Any]
    created_at: str
    created_by: str


class ModelsOut(BaseModel):
    champion: list[ModelVersion]
    challenger: list[ModelVersion]
