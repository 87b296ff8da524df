"""PLACEHOLDER owned by H3 (notifications): replace this whole file."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from creditdesk.bootstrap import Services


def reviews_due(services: Services, as_of: date) -> dict[str, int | str]:
    return {}


def digest(services: Services, as_of: date) -> dict[str, int | str]:
    return {}


def notify_tick(services: Services) -> dict[str, int]:
    return {}
