"""32 clients, one customer, one moment: the limit holds, and the harness can see it fail.

Each client has its own connection and its own unit of work; a barrier releases them
together. With the engine's locking exactly 14 orders of 70.00 fit a limit of 1,000.00,
in every round. The negative control runs the same harness with the test-only unlocked
strategy (check, then act, as ERP limit checks do) and must show an overshoot.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from creditdesk.adapters.db.migrate import upgrade
from creditdesk.adapters.db.uow import SqlUnitOfWork
from creditdesk.bootstrap import Services, bootstrap
from creditdesk.domain.customers import Customer
from creditdesk.domain.money import Money
from creditdesk.domain.roles import Role
from creditdesk.entrypoints.presenters import answer
from creditdesk.service.accounts import SetGroupLimit, set_group_limit
from creditdesk.service.customers import RegisterCustomer, register_customer
from creditdesk.service.orders import SubmitOrder, submit_order
from tests.conftest import reliability_scale
from tests.engine import Driver

pytestmark = pytest.mark.reliability

CLIENTS = 32


@pytest.fixture
def wide(database_url: str, clock: object) -> Iterator[Services]:
    services = bootstrap(database_url, clock=clock, pool_size=CLIENTS + 4)  # type: ignore[arg-type]
    upgrade(services.engine)
    yield services
    services.engine.dispose()


def submit_all(services: Services, customers: list[str], *, unlocked: bool) -> list[str]:
    """Every client submits one 70.00 order, all released together by a barrier."""
    barrier = threading.Barrier(CLIENTS)

    def client(n: int) -> str:
        customer_id = customers[n % len(customers)]
        uow = SqlUnitOfWork(services.engine, services.clock, unlocked=unlocked)
        command = SubmitOrder(f"{customer_id}-{n}", customer_id, Money.of("70", "EUR"), f"client{n}")
        barrier.wait()
        return str(answer(submit_order(command, uow, services.clock)).body["decision"])

    with ThreadPoolExecutor(CLIENTS) as pool:
        return list(pool.map(client, range(CLIENTS)))


def one_round(services: Services, customer_id: str, *, unlocked: bool) -> int:
    customer = Customer(customer_id, customer_id, "EUR")
    register_customer(
        RegisterCustomer(customer, Money.of("1000", "EUR"), "t", Role.ADMIN), services.uow(), services.clock
    )
    decisions = submit_all(services, [customer_id], unlocked=unlocked)
    driver = Driver(services)
    assert driver.reconcile().ok  # totals always agree with the ledger, locked or not
    reserved = driver.totals(f"customer:{customer_id}")["reserved"]
    approved = decisions.count("approved")
    assert reserved == approved * 7000
    return approved


def test_exactly_fourteen_fit_in_every_round(wide: Services) -> None:
    rounds = 3 * reliability_scale()
    results = [one_round(wide, f"R{n}", unlocked=False) for n in range(rounds)]
    assert results == [14] * rounds


def test_negative_control_without_the_lock_overshoots(wide: Services) -> None:
    rounds = 3 * reliability_scale()
    results = [one_round(wide, f"U{n}", unlocked=True) for n in range(rounds)]
    print(f"unlocked rounds approved: {results}")
    assert max(results) > 14, f"the unlocked strategy never overshot: {results}"


def test_a_pooled_group_limit_holds_across_its_members(wide: Services) -> None:
    """Four members with ample limits of their own share a pooled limit of 1,000.00."""
    for n in range(reliability_scale() * 2):
        members = [f"G{n}M{m}" for m in range(4)]
        for member in members:
            customer = Customer(member, member, "EUR", group_id=f"G{n}")
            limit = Money.of("10000", "EUR")
            register_customer(RegisterCustomer(customer, limit, "t", Role.ADMIN), wide.uow(), wide.clock)
        pooled = SetGroupLimit(f"G{n}", Money.of("1000", "EUR"), "pooled", "admin", Role.ADMIN)
        set_group_limit(pooled, wide.uow(), wide.clock)
        decisions = submit_all(wide, members, unlocked=False)
        assert decisions.count("approved") == 14
        assert Driver(wide).totals(f"group:G{n}")["reserved"] == 14 * 7000
