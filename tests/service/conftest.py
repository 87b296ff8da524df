"""Service tests run on the in-memory fakes: no database, no server."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from creditdesk.adapters.clock import FixedClock
from tests.fakes import Books


@pytest.fixture
def books() -> Books:
    return Books()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2026, 3, 31, 9, 0, tzinfo=UTC))
