"""Use cases against a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from sqlalchemy import text, update

from creditdesk.adapters.db import tables as t
from creditdesk.bootstrap import Services
from creditdesk.domain.customers import Customer
from creditdesk.domain.decisions import Outcome
from creditdesk.domain.money import Money
from creditdesk.domain.roles import Role
from creditdesk.service.audit import verify_audit_chain
from creditdesk.service.auth import add_user, authenticate_token, authenticate_user, create_token
from creditdesk.service.credit_check import what_if
from creditdesk.service.customers import RegisterCustomer, register_customer
from creditdesk.service.errors import Conflict, Forbidden, InvalidInput, NotFound
from creditdesk.service.limits import SetCreditLimit, set_credit_limit


def eur(amount: str) -> Money:
    return Money.of(amount, "EUR")


def register(services: Services, customer: Customer, limit: Money | None = None) -> bool:
    return register_customer(
        RegisterCustomer(customer, limit, "tester", Role.ADMIN), services.uow(), services.clock
    ).created


def test_register_is_idempotent_and_refuses_a_changed_body(services: Services) -> None:
    acme = Customer("C1", "Acme", "EUR", group_id="G1")
    assert register(services, acme, eur("1000")) is True
    assert register(services, acme, eur("1000")) is False
    with pytest.raises(Conflict):
        register(services, Customer("C1", "Acme renamed", "EUR", group_id="G1"), eur("1000"))
    with services.read_uow() as uow:
        assert uow.groups.get("G1") is not None
        history = uow.limits.for_customer("C1")
    assert [h.amount for h in history] == [eur("1000")]


def test_limit_change_is_audited_and_checked_by_role_and_authority(services: Services) -> None:
    register(services, Customer("C1", "Acme", "EUR"), eur("1000"))
    with pytest.raises(Forbidden):
        set_credit_limit(SetCreditLimit("C1", eur("5000"), "raise", "vic", Role.VIEWER), services.uow(), services.clock)
    with pytest.raises(InvalidInput):
        set_credit_limit(
            SetCreditLimit("C1", Money.of("5000", "USD"), "raise", "root", Role.ADMIN), services.uow(), services.clock
        )
    with pytest.raises(NotFound):
        set_credit_limit(
            SetCreditLimit("NOPE", eur("5000"), "raise", "root", Role.ADMIN), services.uow(), services.clock
        )
    # An unscored customer counts as grade 9, beyond a manager's authority (grades 1-8): a request.
    asked = set_credit_limit(
        SetCreditLimit("C1", eur("5000"), "raise", "mia", Role.MANAGER), services.uow(), services.clock
    )
    assert not asked.applied and asked.request is not None and asked.request.required_role is Role.ADMIN
    outcome = set_credit_limit(
        SetCreditLimit("C1", eur("5000"), "annual review", "root", Role.ADMIN), services.uow(), services.clock
    )
    assert outcome.applied
    with services.read_uow() as uow:
        account = uow.accounts.get("C1")
        history = uow.limits.for_customer("C1")
        actions = [r.action for r in uow.audit.records()]
    assert account is not None and account.limit == eur("5000")
    assert [(h.amount, h.reason, h.changed_by) for h in history][0] == (eur("5000"), "annual review", "root")
    assert actions == ["customer.registered", "limit.requested", "limit.set"]
    assert verify_audit_chain(services.read_uow()) is None


def test_audit_verify_finds_a_tampered_record(services: Services) -> None:
    register(services, Customer("C1", "Acme", "EUR"), eur("1000"))
    register(services, Customer("C2", "Beta", "EUR"), eur("2000"))
    with services.engine.begin() as conn:
        conn.execute(
            update(t.audit_log).where(t.audit_log.c.seq == 2).values(payload=text('\'{"credit_limit": "9999999.00"}\''))
        )
    broken = verify_audit_chain(services.read_uow())
    assert broken is not None and broken.seq == 2


def test_what_if_check_reserves_nothing(services: Services) -> None:
    register(services, Customer("C1", "Acme", "EUR"), eur("1000"))
    assert what_if("C1", eur("1000"), services.read_uow(), services.clock).outcome is Outcome.APPROVED
    assert what_if("C1", eur("1000"), services.read_uow(), services.clock).outcome is Outcome.APPROVED
    blocked = what_if("C1", eur("1000.01"), services.read_uow(), services.clock)
    assert blocked.outcome is Outcome.BLOCKED and blocked.reasons[0].code.value == "OVER_LIMIT"
    with pytest.raises(InvalidInput):
        what_if("C1", eur("-1"), services.read_uow(), services.clock)


def test_tokens_and_users(services: Services) -> None:
    token = create_token("erp", services.uow(), services.clock, "admin", role=Role.SALES)
    principal = authenticate_token(token, services.read_uow())
    assert principal is not None and principal.role is Role.SALES
    assert authenticate_token(token + "x", services.read_uow()) is None
    with services.engine.connect() as conn:
        stored = conn.execute(text("SELECT token_hash FROM api_tokens")).scalar_one()
    assert token not in stored  # only the hash is kept
    add_user("ann", "correct horse", Role.MANAGER, services.uow(), services.hasher, "admin")
    with pytest.raises(Conflict):
        add_user("ann", "another one", Role.VIEWER, services.uow(), services.hasher, "admin")
    assert authenticate_user("ann", "correct horse", services.read_uow(), services.hasher) is not None
    assert authenticate_user("ann", "wrong horse!", services.read_uow(), services.hasher) is None
    assert authenticate_user("bob", "correct horse", services.read_uow(), services.hasher) is None
