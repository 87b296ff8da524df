"""Pieces several areas' bodies share."""

from __future__ import annotations

from pydantic import BaseModel, Field

Money = str  # decimal text, e.g. "1250.00"; a documentation alias, not a check


class Reason(BaseModel):
    """One reason of a credit decision, with a stable upper-case code."""

    code: str = Field(examples=["OVER_LIMIT"])
    reaction: str = Field(examples=["block"])
    message: str
    message_zh: str


class Explanation(BaseModel):
    en: str
    zh: str
