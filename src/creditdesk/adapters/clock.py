"""The system clock (an adapter, so tests and simulations can use another)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from creditdesk.service.ports import Clock


class SystemClock:
    """The machine's clock, or with ``business_date`` the same clock moved to start on that day
    (``CREDITDESK_TODAY``: reproducible demos, tests and replays); time still runs."""

    def __init__(self, business_date: date | None = None) -> None:
        self._shift = timedelta(0)
        if business_date is not None:
            self._shift = timedelta(days=(business_date - datetime.now(UTC).date()).days)

    def now(self) -> datetime:
        return datetime.now(UTC) + self._shift

    def today(self) -> date:
        return self.now().date()


class FixedClock:
    """A clock that stands still until moved; for tests and replays."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at

    def today(self) -> date:
        return self.at.date()


class DayClock:
    """Another clock moved to ``day``: ``today()`` is always ``day`` and ``now()`` is the other
    clock's time of day on it (a daily job run for a business day, during catch-up included)."""

    def __init__(self, day: date, base: Clock | None = None) -> None:
        self.day = day
        self._base: Clock = base or SystemClock()

    def now(self) -> datetime:
        at = self._base.now()
        return at + timedelta(days=(self.day - at.date()).days)

    def today(self) -> date:
        return self.day
