"""Collections: the dunning run, the worklist and promises to pay."""

from __future__ import annotations

from pydantic import BaseModel, Field

from creditdesk.entrypoints.api.models.common import Money


class DunningChange(BaseModel):
    customer_id: str
    before: int
    after: int
    days_past_due: int
    overdue: Money


class DunningRunOut(BaseModel):
    as_of: str
    changes: list[DunningChange]
    to_level: dict[str, int] = Field(description="how many customers moved to each level")
    kept: list[str] = Field(description="promises kept on the run")
    broken: list[str] = Field(description="promises broken on the run")


class WorklistItem(BaseModel):
    customer_id: str
    invoice_id: str
    currency: str
    due_date: str
    days_past_due: int
    open_amount: Money
    disputed: bool
    dunning_level: int
    dunning_since: str | None
    action_en: str
    action_zh: str
    promise_id: str | None
    promised_amount: Money | None
    promised_on: str | None
    pd: float
    expected_loss: Money


class Worklist(BaseModel):
    as_of: str
    total: int = Field(description="how many overdue items there are; items: the window asked for")
    items: list[WorklistItem]
    computed_at: str | None = Field(
        default=None, description="with the nightly batch on: when the night's worklist was loaded"
    )


class PromiseOut(BaseModel):
    promise_id: str
    customer_id: str
    invoice_id: str | None
    note: str
    recorded_by: str
    amount: Money
    currency: str
    promised_on: str
    made_on: str
    status: str = Field(examples=["open", "kept", "broken"])
    resolved_on: str | None


class Promises(BaseModel):
    promises: list[PromiseOut]
