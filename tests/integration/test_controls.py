"""Issue 17's controls in the service layer, on SQLite and PostgreSQL: initial limits within
authority (API and import alike), a built-in policy that is safe by default, identities instead
of names, sessions that end at once, log-in throttling and bounded reservations. Each test has
its negative control: the same steps with the old, unsafe rule show the bug it catches."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from creditdesk.adapters.importing.pipeline import import_file
from creditdesk.bootstrap import Services
from creditdesk.domain.customers import Customer
from creditdesk.domain.limit_requests import Origin, RequestStatus
from creditdesk.domain.money import Money
from creditdesk.domain.roles import Role
from creditdesk.domain.rules import CheckPolicy, builtin_policy
from creditdesk.entrypoints.presenters import answer
from creditdesk.service import auth
from creditdesk.service.customers import RegisterCustomer, register_customer
from creditdesk.service.errors import Forbidden, InvalidInput
from creditdesk.service.limits import DecideRequest, SetCreditLimit, decide_request, set_credit_limit
from creditdesk.service.orders import SubmitOrder, submit_order
from tests.engine import Driver
from tests.helpers import write_csv


def cny(amount: str) -> Money:
    return Money.of(amount, "CNY")


def limit_of(services: Services, customer_id: str) -> Money:
    with services.read_uow() as uow:
        account = uow.accounts.get(customer_id)
    assert account is not None
    return account.limit


def pending_requests(services: Services, customer_id: str) -> list[tuple[str, str, str]]:
    with services.read_uow() as uow:
        found = uow.management.requests(status=RequestStatus.PENDING)
    return [(r.customer_id, str(r.amount.amount), r.origin.value) for r in found if r.customer_id == customer_id]


def person(services: Services, name: str, role: Role) -> None:
    with services.uow() as uow:
        uow.users.add(name, "not-a-real-hash", role.value, "en")
        uow.commit()


# --- finding 1: a limit without authority ------------------------------------------------------


def test_an_initial_limit_beyond_the_callers_authority_waits_as_a_request(services: Services) -> None:
    big = cny("5000000000.00")
    made = register_customer(
        RegisterCustomer(Customer("K1", "Kunlun", "CNY"), big, "ann", Role.ANALYST), services.uow(), services.clock
    )
    assert made.created and made.limit_request is not None
    assert made.limit_request.required_role is Role.ADMIN and made.limit_request.origin is Origin.INITIAL
    assert limit_of(services, "K1") == cny("0")  # nothing to sell against until someone decides
    # The same registration again is the same content (its limit waits), not a conflict.
    again = register_customer(
        RegisterCustomer(Customer("K1", "Kunlun", "CNY"), big, "ann", Role.ANALYST), services.uow(), services.clock
    )
    assert not again.created
    with pytest.raises(Forbidden):  # four eyes holds for initial limits too
        decide_request(
            DecideRequest(made.limit_request.request_id, True, "ann", Role.ADMIN), services.uow(), services.clock
        )
    decide_request(
        DecideRequest(made.limit_request.request_id, True, "root", Role.ADMIN), services.uow(), services.clock
    )
    assert limit_of(services, "K1") == big
    # Negative control: an admin's registration applies at once, so the test tells the two apart.
    register_customer(
        RegisterCustomer(Customer("K2", "Kunlun 2", "CNY"), big, "root", Role.ADMIN), services.uow(), services.clock
    )
    assert limit_of(services, "K2") == big


def test_an_import_carrying_limits_is_an_import_of_proposals(services: Services, tmp_path: Path) -> None:
    header = "customer_id,name,currency,credit_limit\n"
    path = write_csv(
        tmp_path / "customers.csv", header + "I1,One,CNY,50000.00\nI2,Two,CNY,90000000.00\nI3,Three,CNY,\n"
    )
    report = import_file("customers", path, services.engine, services.clock, actor="ann", role=None)
    assert report.ok, report.problems
    assert [limit_of(services, c) for c in ("I1", "I2", "I3")] == [cny("0")] * 3
    assert pending_requests(services, "I1") == [("I1", "50000.00", "initial")]
    assert pending_requests(services, "I2") == [("I2", "90000000.00", "initial")]
    again = import_file("customers", path, services.engine, services.clock, actor="ann", role=None)
    assert again.ok and again.unchanged == 3  # the proposals are the file's content: nothing changed
    # With an admin's authority the same kind of file sets the limits (the negative control).
    path2 = write_csv(tmp_path / "more.csv", header + "I4,Four,CNY,90000000.00\n")
    assert import_file("customers", path2, services.engine, services.clock, actor="root", role=Role.ADMIN).ok
    assert limit_of(services, "I4") == cny("90000000.00") and pending_requests(services, "I4") == []


def test_a_service_user_never_sets_a_limit_alone(services: Services) -> None:
    with services.uow() as uow:
        uow.users.add("erp", auth.UNUSABLE_PASSWORD, Role.ADMIN.value, "en", auth.SERVICE)
        uow.commit()
    register_customer(
        RegisterCustomer(Customer("S1", "S", "CNY"), None, "root", Role.ADMIN), services.uow(), services.clock
    )
    asked = set_credit_limit(
        SetCreditLimit("S1", cny("1000"), "erp sync", "erp", Role.ADMIN), services.uow(), services.clock
    )
    assert not asked.applied and asked.request is not None
    with pytest.raises(Forbidden, match="never approves"):
        decide_request(DecideRequest(asked.request.request_id, True, "erp", Role.ADMIN), services.uow(), services.clock)


# --- finding 2: unlimited release on a fresh install --------------------------------------------


def test_the_built_in_policy_releases_beyond_the_limit_only_with_four_eyes(services: Services) -> None:
    engine = Driver(services, "CNY")
    engine.customer("C1", "1000")
    engine.order("O0", "C1", "5000")  # far over the limit: blocked
    held = engine.order("O1", "C1", "99999999.00")
    assert held.body["decision"] == "blocked"
    asked = engine.resolve("O1", "ann", Role.ANALYST)  # alone: only a request
    assert asked.status == 202 and asked.body["status"] == "release_pending"
    with pytest.raises(Forbidden):
        engine.resolve("O1", "ann", Role.ANALYST)  # the requester is never the second person
    with pytest.raises(Forbidden):
        engine.resolve("O1", "bob", Role.ANALYST)  # an analyst has no stated authority at all
    released = engine.resolve("O1", "mia", Role.MANAGER)
    assert released.body["status"] == "open" and released.body["resolution"]["requested_by"] == "ann"
    assert engine.reconcile().ok


def test_the_old_built_in_release_authority_was_unlimited_for_everyone() -> None:
    """The negative control of the test above: the rule it replaces let anyone release alone."""
    old = CheckPolicy(0, "old", release_authority={Role.ANALYST: {}, Role.MANAGER: {}, Role.ADMIN: {}})
    huge = cny("99999999.00")
    assert old.may_release(Role.ANALYST, huge)
    assert not builtin_policy().may_release(Role.ANALYST, huge)
    assert not builtin_policy().may_release(Role.ADMIN, huge)  # even an admin needs a second person
    assert builtin_policy().may_approve_release(Role.MANAGER, huge)
    assert not builtin_policy().may_approve_release(Role.ANALYST, huge)


# --- finding 3: four eyes compares identities ------------------------------------------------


def test_a_token_acts_as_its_user_so_four_eyes_sees_one_person(services: Services) -> None:
    person(services, "admin", Role.ADMIN)
    token = auth.create_token("t-admin", services.uow(), services.clock, "root", user="admin")
    principal = auth.authenticate_token(token, services.read_uow())
    assert principal is not None and principal.name == "admin" and not principal.service
    register_customer(
        RegisterCustomer(Customer("F1", "F", "CNY"), None, "root", Role.ADMIN), services.uow(), services.clock
    )
    asked = set_credit_limit(
        SetCreditLimit("F1", cny("7000000"), "raise", principal.name, principal.role, always_request=True),
        services.uow(),
        services.clock,
    )
    assert asked.request is not None
    with pytest.raises(Forbidden, match="four eyes"):  # the web user "admin" is the same person
        decide_request(
            DecideRequest(asked.request.request_id, True, "admin", Role.ADMIN), services.uow(), services.clock
        )


def test_a_role_only_token_is_a_service_user_and_an_old_token_has_no_person_behind_it(services: Services) -> None:
    token = auth.create_token("erp", services.uow(), services.clock, "root", role=Role.SALES)
    principal = auth.authenticate_token(token, services.read_uow())
    assert principal is not None and principal.name == "erp" and principal.service
    with pytest.raises(Exception, match="is a person"):
        person(services, "amy", Role.ANALYST)
        auth.create_token("amy", services.uow(), services.clock, "root", role=Role.SALES)
    with pytest.raises(InvalidInput, match="--user"):
        auth.create_token("nobody", services.uow(), services.clock, "root")
    with services.uow() as uow:  # a token from before tokens had owners
        uow.tokens.add("old", "admin", auth.token_digest("cd_old"), services.clock.now(), None)
        uow.commit()
    legacy = auth.authenticate_token("cd_old", services.read_uow())
    assert legacy is not None and legacy.name == "token:old" and legacy.service
    with services.uow() as uow, pytest.raises(Forbidden):
        auth.refuse_non_person(uow, legacy.name, "releasing an order")


# --- finding 6: sessions and the log-in --------------------------------------------------------


def test_a_session_ends_at_log_out_and_at_every_change_of_the_user(services: Services) -> None:
    auth.add_user("lee", "correct horse", Role.MANAGER, services.uow(), services.hasher, "root")
    signed = auth.authenticate_user("lee", "correct horse", services.read_uow(), services.hasher)
    assert signed is not None
    assert auth.session_principal("lee", signed.session_version, services.read_uow()) == signed
    auth.end_sessions("lee", services.uow())  # log-out
    assert auth.session_principal("lee", signed.session_version, services.read_uow()) is None
    again = auth.authenticate_user("lee", "correct horse", services.read_uow(), services.hasher)
    assert again is not None and again.session_version == signed.session_version + 1
    auth.change_user("lee", services.uow(), services.hasher, "root", role=Role.VIEWER)  # demoted
    assert auth.session_principal("lee", again.session_version, services.read_uow()) is None
    demoted = auth.authenticate_user("lee", "correct horse", services.read_uow(), services.hasher)
    assert demoted is not None and demoted.role is Role.VIEWER
    token = auth.create_token("lee-api", services.uow(), services.clock, "root", user="lee")
    assert auth.authenticate_token(token, services.read_uow()) is not None
    auth.change_user("lee", services.uow(), services.hasher, "root", disabled=True)
    assert auth.authenticate_user("lee", "correct horse", services.read_uow(), services.hasher) is None
    assert auth.authenticate_token(token, services.read_uow()) is None  # a disabled user's tokens stop


def test_log_in_is_throttled_per_user_and_per_address(services: Services) -> None:
    keys = auth.throttle_keys("lee", "10.0.0.9")
    for _ in range(auth.USER_FAILURES - 1):
        auth.record_login(keys, False, services.uow(), services.clock)
    assert auth.login_wait(keys, services.read_uow(), services.clock) == 0
    auth.record_login(keys, False, services.uow(), services.clock)
    wait = auth.login_wait(keys, services.read_uow(), services.clock)
    assert 0 < wait <= auth.THROTTLE_WINDOW.total_seconds() + 1
    other_user = auth.throttle_keys("kim", "10.0.0.9")
    assert auth.login_wait(other_user, services.read_uow(), services.clock) == 0  # the address is not locked yet
    services.clock.at += auth.THROTTLE_WINDOW + timedelta(seconds=1)  # type: ignore[attr-defined]
    assert auth.login_wait(keys, services.read_uow(), services.clock) == 0


# --- finding 7: a reservation that never expires ---------------------------------------------------


def test_a_reservation_is_bounded_by_the_policy(services: Services) -> None:
    Driver(services, "CNY").customer("R1", "1000")
    today = services.clock.today()
    forever = SubmitOrder("O9", "R1", cny("10"), "sales1", valid_until=today.replace(year=9999, month=12, day=31))
    with pytest.raises(InvalidInput, match="max_reservation_days"):
        submit_order(forever, services.uow(), services.clock)
    fine = SubmitOrder("O9", "R1", cny("10"), "sales1", valid_until=today + timedelta(days=180))
    assert answer(submit_order(fine, services.uow(), services.clock)).body["decision"] == "approved"
    assert Decimal(builtin_policy().max_reservation_days) == 180
