"""A customer's stored score: what the pages and the API show, read without the modelling library."""

from __future__ import annotations

from typing import Any

from creditdesk.service.errors import NotFound
from creditdesk.service.ports import ScoringStore


def customer_score(store: ScoringStore, customer_id: str, history: int = 12) -> dict[str, Any]:
    """The latest champion score with reasons and the bureaus' views, and the recent history."""
    found = store.score_history(customer_id)
    if not found:
        raise NotFound(f"customer {customer_id!r} has no score yet; run `creditdesk score`")
    latest = found[0]
    return {
        "customer_id": customer_id,
        "as_of": latest["as_of"].isoformat(),
        "pd": latest["pd"],
        "score": latest["score"],
        "grade": latest["grade"],
        "segment": latest["segment"],
        "model_version": latest["model_version"],
        "reasons": latest["reasons"],
        "bureau": latest["bureau"],
        "review_flag": latest["review_flag"],
        "history": [
            {"as_of": row["as_of"].isoformat(), "pd": row["pd"], "score": row["score"], "grade": row["grade"]}
            for row in found[:history]
        ],
    }
