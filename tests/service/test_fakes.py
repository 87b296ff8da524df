"""The fakes keep up with the ports: every method a port declares, with the same parameters."""

from __future__ import annotations

import inspect

import pytest

from creditdesk.service import ports
from tests import fakes

PAIRS = [
    (ports.CommandLog, fakes.FakeCommandLog),
    (ports.CreditAccounts, fakes.FakeCreditAccounts),
    (ports.GroupAccounts, fakes.FakeGroupAccounts),
    (ports.ReferenceData, fakes.FakeReferenceData),
    (ports.OrderBook, fakes.FakeOrderBook),
    (ports.Receivables, fakes.FakeReceivables),
    (ports.Ledger, fakes.FakeLedger),
    (ports.AuditLog, fakes.FakeAudit),
    (ports.LimitHistory, fakes.FakeLimitHistory),
    (ports.LimitManagement, fakes.FakeLimitManagement),
    (ports.Collections, fakes.FakeCollections),
]


@pytest.mark.parametrize(("port", "fake"), PAIRS, ids=[port.__name__ for port, _ in PAIRS])
def test_a_fake_has_every_method_of_its_port(port: type, fake: type) -> None:
    for name, member in vars(port).items():
        if name.startswith("_") or not callable(member):
            continue
        assert hasattr(fake, name), f"{fake.__name__} lacks {name}"
        wanted = list(inspect.signature(member).parameters)
        assert list(inspect.signature(getattr(fake, name)).parameters) == wanted, f"{fake.__name__}.{name}"
