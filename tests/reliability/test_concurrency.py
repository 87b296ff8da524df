"""32 clients, one customer, one moment: the limit holds, and the harness can see it fail.

Each client has its own connection and its own unit of work; a barrier releases them
together. With the engine's locking exactly 14 orders of 70.00 fit a limit of 1,000.00,
in every round (two a run; more with CREDITDESK_RELIABILITY_SCALE). The negative control runs
the same harness with the test-only unlocked strategy (check, then act, as ERP limit checks do)
and must show an overshoot.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from creditdesk.adapters.db.migrate import upgrade
from creditdesk.adapters.db.uow import SqlUnitOfWork
from creditdesk.bootstrap import Services, bootstrap
from creditdesk.domain.company_codes import CompanyCode
from creditdesk.domain.customers import Customer
from creditdesk.domain.money import Money
from creditdesk.domain.roles import Role
from creditdesk.entrypoints.presenters import answer
from creditdesk.service.accounts import SetGroupLimit, set_group_limit
from creditdesk.service.customers import RegisterCustomer, register_customer
from creditdesk.service.orders import SubmitOrder, submit_order
from creditdesk.service.segments import AddCompanyCode, SetSegmentLimit, add_company_code, set_segment_limit
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
    rounds = 2 * reliability_scale()
    results = [one_round(wide, f"R{n}", unlocked=False) for n in range(rounds)]
    assert results == [14] * rounds


def test_negative_control_without_the_lock_overshoots(wide: Services) -> None:
    rounds = 2 * reliability_scale()
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


def two_segments_round(services: Services, n: int, *, unlocked: bool) -> tuple[int, int]:
    """A customer selling through two company codes: a total of 1,000.00 and a DE segment of
    490.00 (seven orders), the CN segment as large as the total. 16 clients order in each code."""
    customer_id = f"S{n}{'U' if unlocked else ''}"
    customer = Customer(customer_id, customer_id, "EUR")
    register_customer(
        RegisterCustomer(customer, Money.of("1000", "EUR"), "t", Role.ADMIN), services.uow(), services.clock
    )
    for code, limit in (("DE", "490"), ("CN", "1000")):
        cmd = SetSegmentLimit(customer_id, code, Money.of(limit, "EUR"), "segment", "admin", Role.ADMIN)
        set_segment_limit(cmd, services.uow(), services.clock)
    barrier = threading.Barrier(CLIENTS)

    def client(k: int) -> tuple[str, str]:
        code = "DE" if k % 2 else "CN"
        uow = SqlUnitOfWork(services.engine, services.clock, unlocked=unlocked)
        command = SubmitOrder(f"{customer_id}-{k}", customer_id, Money.of("70", "EUR"), f"c{k}", company_code=code)
        barrier.wait()
        return code, str(answer(submit_order(command, uow, services.clock)).body["decision"])

    with ThreadPoolExecutor(CLIENTS) as pool:
        decisions = list(pool.map(client, range(CLIENTS)))
    driver = Driver(services)
    assert driver.reconcile().ok
    approved_de = sum(1 for code, d in decisions if code == "DE" and d == "approved")
    approved = sum(1 for _, d in decisions if d == "approved")
    assert driver.totals(f"segment:{customer_id}@DE")["reserved"] == approved_de * 7000
    assert driver.totals(f"customer:{customer_id}")["reserved"] == approved * 7000
    return approved, approved_de


@pytest.fixture
def company_codes(wide: Services) -> Services:
    for code in ("DE", "CN"):
        company = AddCompanyCode(CompanyCode(code, code, "EUR"), "admin", Role.ADMIN)
        add_company_code(company, wide.uow(), wide.clock)
    return wide


def test_orders_in_two_segments_hold_the_segment_and_the_total(company_codes: Services) -> None:
    rounds = [two_segments_round(company_codes, n, unlocked=False) for n in range(reliability_scale())]
    for approved, approved_de in rounds:
        assert approved == 14, rounds  # the total binds: 16 CN clients always fill what DE leaves
        assert approved_de <= 7, rounds


def test_negative_control_two_segments_without_the_lock_overshoot(company_codes: Services) -> None:
    rounds = [two_segments_round(company_codes, n, unlocked=True) for n in range(2 * reliability_scale())]
    print(f"unlocked rounds (approved, of them DE): {rounds}")
    assert any(approved > 14 or approved_de > 7 for approved, approved_de in rounds), rounds
