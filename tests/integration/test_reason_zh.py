"""The system's own reasons in Chinese (issue 21): the monitor's raise (a limit change within the
system's authority) and its request (beyond it) keep the Chinese beside the English reason; the
pages show the Chinese to a Chinese reader and the stored English (as data) to the others; the
API keeps ``reason`` as it was. A person's typed reason has no Chinese: it is data."""

from __future__ import annotations

import re
import warnings
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import httpx

from creditdesk.adapters.db import customer_views
from creditdesk.bootstrap import Services
from creditdesk.domain.accounts import AccountStatus
from creditdesk.domain.customers import Customer
from creditdesk.domain.money import Money
from creditdesk.domain.monitoring import AccountFacts
from creditdesk.domain.roles import Role
from creditdesk.entrypoints.api.app import create_app
from creditdesk.entrypoints.web import status_why
from creditdesk.service.auth import add_user
from creditdesk.service.customers import RegisterCustomer, register_customer
from creditdesk.service.limits import DecideRequest, SetCreditLimit, decide_request, set_credit_limit
from creditdesk.service.monitor import run_monitor
from creditdesk.service.policies import activate_check_policy
from tests.helpers import SteadySales

POLICY = """
name: reasons
limits: {grace_days: 10, peak_factor: "1.5", unit: "1000", methods: [need]}
approval_authority:
  system: {worst_grade: 9, max_limit: {EUR: "50000"}}
  analyst: {worst_grade: 9, max_limit: {EUR: "500000"}}
  admin: {max_limit: unlimited}
"""


class GoodPayers:
    """Every account paid six months within terms, 90 % used at its peak: the monitor's reward."""

    def __init__(self, services: Services) -> None:
        self.services = services

    def monitor_facts(
        self, as_of: date, grace_days: int, window_months: int, customer_id: str | None = None
    ) -> list[AccountFacts]:
        with self.services.read_uow() as uow:
            accounts = [uow.accounts.get(cid) for cid in ("R1", "R2") if customer_id in (None, cid)]
        return [
            AccountFacts(
                a.customer_id,
                a.currency,
                as_of,
                AccountStatus.ACTIVE,
                False,
                None,
                a.limit.amount,
                None,
                None,
                days_overdue=0,
                good_months=6,
                peak_utilisation=Decimal("0.9"),
                method_limit=None,
                grade=None,
            )
            for a in accounts
            if a is not None
        ]


def _client(app: Any) -> httpx.Client:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient
    return TestClient(app, raise_server_exceptions=False)


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html))


def test_the_monitors_reasons_are_kept_and_shown_in_chinese(sqlite_services: Services) -> None:
    services = sqlite_services
    today = services.clock.today()
    activate_check_policy("reasons", POLICY, "admin", Role.ADMIN, services.uow(), services.clock)
    for cid, limit in (("R1", "6000"), ("R2", "60000")):
        customer = Customer(cid, f"Reason Trading {cid}", "EUR", segment="standard", registered_on=date(2020, 1, 1))
        register_customer(
            RegisterCustomer(customer, Money.of(limit, "EUR"), "root", Role.ADMIN), services.uow(), services.clock
        )
    run = run_monitor(today, GoodPayers(services), SteadySales(services, 100_000), services.uow, services.clock)
    changed = {(c.customer_id, c.field) for c in run.changes}
    assert {("R1", "limit"), ("R2", "request")} <= changed, changed

    with services.read_uow() as uow:
        (raised, initial) = uow.limits.for_customer("R1")[:2]
        (request,) = uow.management.requests(customer_id="R2")
    assert raised.source == "rule" and raised.reason.startswith("6 months paid within terms and grace")
    assert raised.reason_zh is not None and raised.reason_zh.startswith("连续 6 个月按期付款")
    assert initial.reason == "initial limit" and initial.reason_zh == "初始额度"
    assert "beyond the system's authority" in request.reason
    assert request.reason_zh is not None and "超出系统权限" in request.reason_zh

    # The API keeps the English reason, the Chinese beside it.
    assert request.as_json()["reason"] == request.reason and request.as_json()["reason_zh"] == request.reason_zh
    assert raised.as_json()["reason_zh"] == raised.reason_zh

    # The portfolio's "limit set ... by the monitor: <reason>": the Chinese, not marked as data.
    with services.engine.connect() as conn:
        standing = customer_views.standings(conn, ["R1"], today)["R1"]
    assert standing.limit_reason_zh == raised.reason_zh
    assert raised.reason_zh in status_why.limit_set_by(standing, "zh")
    english = status_why.limit_set_by(standing, "en")
    assert f'<span translate="no">{raised.reason}</span>' in english

    # The pages: the worklist's request and the customer's limit history in the reader's language.
    add_user("lin", "correct horse", Role.ADMIN, services.uow(), services.hasher, "admin", "zh")
    with _client(create_app(services)) as web:
        form = web.get("/login").text
        csrf = re.search(r'name="csrf" value="([^"]+)"', form)
        assert csrf is not None
        web.post("/login", data={"username": "lin", "password": "correct horse", "csrf": csrf.group(1), "next": "/"})
        worklist = web.get("/worklists/limit-requests")
        assert worklist.status_code == 200
        assert request.reason_zh in _text(worklist.text) and request.reason not in worklist.text
        customer = web.get("/customers/R1")
        assert customer.status_code == 200
        assert raised.reason_zh in _text(customer.text) and "初始额度" in _text(customer.text)
        assert raised.reason not in customer.text
        web.get("/lang/en")
        assert request.reason in web.get("/worklists/limit-requests").text.replace("&#39;", "'")
        shown = web.get("/customers/R1").text.replace("&#39;", "'")
        assert f'<td class="wrap" translate="no">{raised.reason}</td>' in shown


def test_an_approved_rule_request_keeps_its_chinese_and_a_persons_reason_has_none(sqlite_services: Services) -> None:
    services = sqlite_services
    today = services.clock.today()
    activate_check_policy("reasons", POLICY, "admin", Role.ADMIN, services.uow(), services.clock)
    customer = Customer("R2", "Reason Trading R2", "EUR", segment="standard", registered_on=date(2020, 1, 1))
    register_customer(
        RegisterCustomer(customer, Money.of("60000", "EUR"), "root", Role.ADMIN), services.uow(), services.clock
    )
    run_monitor(today, GoodPayers(services), SteadySales(services, 100_000), services.uow, services.clock)
    with services.read_uow() as uow:
        (request,) = uow.management.requests(customer_id="R2")
    decide_request(DecideRequest(request.request_id, True, "mia", Role.ANALYST), services.uow(), services.clock)
    with services.read_uow() as uow:
        approved = uow.limits.for_customer("R2")[0]
    assert approved.reason == f"{request.reason} (approved by mia)"
    assert approved.reason_zh == f"{request.reason_zh}（mia 批准）"

    typed = SetCreditLimit("R2", Money.of("65000", "EUR"), "a larger order next month", "mia", Role.ANALYST)
    set_credit_limit(typed, services.uow(), services.clock)
    with services.read_uow() as uow:
        latest = uow.limits.for_customer("R2")[0]
    assert latest.reason == "a larger order next month" and latest.reason_zh is None
    assert latest.changed_at >= datetime(2000, 1, 1, tzinfo=UTC)
