"""PLACEHOLDER owned by H2 (events and webhooks): replace this whole file."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from creditdesk.bootstrap import Services


def retention(services: Services, as_of: date) -> dict[str, int | str]:
    return {}


def relay_tick(services: Services) -> dict[str, int]:
    return {}
