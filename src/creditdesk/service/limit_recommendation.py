"""Recommended limits for the portfolio or one customer, each with every method's working."""

from __future__ import annotations

from datetime import date

from creditdesk.domain.limit_policy import LimitPolicy, Recommendation, recommend
from creditdesk.service.errors import NotFound
from creditdesk.service.ports import LimitInputStore


def recommend_limits(
    store: LimitInputStore, as_of: date, policy: LimitPolicy | None = None, customer_id: str | None = None
) -> tuple[int | None, list[Recommendation]]:
    """The recommendations under ``policy`` or else the active policy's limits section, and the
    policy version they followed (None: the built-in defaults)."""
    found = store.limit_inputs(as_of, customer_id)
    if customer_id is not None and not found:
        raise NotFound(f"customer {customer_id!r} does not exist")
    version, active = (None, policy) if policy is not None else store.active_limit_policy()
    return version, [recommend(inputs, active) for inputs in found]
