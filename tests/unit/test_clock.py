"""The business date (CREDITDESK_TODAY): the suite and the demo see one day whatever the calendar."""

from __future__ import annotations

from datetime import date

import pytest

from creditdesk.adapters.clock import SystemClock
from creditdesk.bootstrap import bootstrap


def test_a_pinned_business_date_is_today_and_time_still_runs() -> None:
    clock = SystemClock(date(2026, 6, 30))
    first = clock.now()
    assert clock.today() == date(2026, 6, 30) and first.date() == date(2026, 6, 30)
    assert clock.now() >= first


def test_the_setting_pins_the_services_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CREDITDESK_TODAY", "2027-02-28")
    services = bootstrap("sqlite://")
    assert services.clock.today() == date(2027, 2, 28)
    monkeypatch.delenv("CREDITDESK_TODAY")
    assert bootstrap("sqlite://").clock.today() == SystemClock().today()  # unset: the machine's day
