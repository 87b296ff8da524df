"""Customers, customer groups and the walk up a group hierarchy."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Protocol


class Segment(StrEnum):
    """Who the customer is, for policies that treat groups of customers differently."""

    STANDARD = "standard"
    STRATEGIC = "strategic"
    GOVERNMENT = "government"
    NEW = "new"
    RELATED_PARTY = "related_party"
    INSURED = "insured"
    SECURED = "secured"
    STATE_OWNED = "state_owned"


@dataclass(frozen=True, slots=True)
class Customer:
    customer_id: str
    name: str
    currency: str
    segment: str = Segment.STANDARD.value
    group_id: str | None = None
    country: str | None = None
    industry: str | None = None
    registered_on: date | None = None
    payment_terms_days: int = 30


@dataclass(frozen=True, slots=True)
class CustomerGroup:
    """A node of a group tree: a holding, its subsidiaries and theirs, to any depth."""

    group_id: str
    name: str
    parent_group_id: str | None = None


class GroupCycle(ValueError):
    def __init__(self, path: list[str]) -> None:
        super().__init__("group hierarchy has a cycle: " + " -> ".join(path))
        self.path = path


class GroupLookup(Protocol):
    def parent_of(self, group_id: str) -> str | None: ...


def ancestry(group_id: str, groups: GroupLookup) -> list[str]:
    """The group and its parents up to the root, nearest first; refuses cycles."""
    path = [group_id]
    seen = {group_id}
    parent = groups.parent_of(group_id)
    while parent is not None:
        if parent in seen:
            raise GroupCycle([*path, parent])
        path.append(parent)
        seen.add(parent)
        parent = groups.parent_of(parent)
    return path
