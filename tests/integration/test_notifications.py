"""Notifications to people: made from the published feed for those entitled to act, in their
language, mailed through a real SMTP server (aiosmtpd, started here; smtplib is never mocked),
shown on the web app's bell and the API, each user's own only.

Feed positions are given by the relay's own publish step (service/publishing.py).
"""

from __future__ import annotations

import email
import email.policy
import json
import re
import threading
import warnings
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select, update
from typer.testing import CliRunner

from creditdesk.adapters.db import tables as t
from creditdesk.adapters.importing.pipeline import import_file
from creditdesk.bootstrap import Services
from creditdesk.domain.money import Money
from creditdesk.domain.roles import Role
from creditdesk.entrypoints.api.app import create_app
from creditdesk.entrypoints.cli.main import app as cli_app
from creditdesk.entrypoints.worker.events_jobs import relay_settings
from creditdesk.entrypoints.worker.notify_jobs import digest, notify_tick, reviews_due
from creditdesk.service import publishing
from creditdesk.service.auth import add_user, create_token, set_contact
from creditdesk.service.errors import Forbidden, InvalidInput
from creditdesk.service.limits import DecideRequest, SetCreditLimit, decide_request, set_credit_limit
from creditdesk.service.orders import SubmitOrder, submit_order
from tests.helpers import write_csv
from tests.support.throwaway_pg import free_port

CUSTOMERS = """customer_id,name,currency,segment,payment_terms_days,credit_limit
C1,Acme Trading,EUR,standard,30,1000.00
C2,Beta Foods,EUR,standard,30,1000.00
"""
# Who works at the desk: a manager who reads Chinese and wants every mail, a manager on the daily
# digest, an analyst (may not release beyond the limit under the built-in policy), an admin, and a
# sales person who asks for limits.
PEOPLE = (
    ("mei", Role.MANAGER, "zh", "mei@desk.example", "each"),
    ("dora", Role.MANAGER, "en", "dora@desk.example", "digest"),
    ("alan", Role.ANALYST, "en", "alan@desk.example", "each"),
    ("ada", Role.ADMIN, "en", "ada@desk.example", "each"),
    ("sam", Role.SALES, "en", "sam@desk.example", "each"),
)


# --- a real SMTP server -------------------------------------------------------------------------


class Inbox:
    """aiosmtpd's handler: every message it accepted, parsed."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], EmailMessage]] = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd's name)
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        with self._lock:
            self.messages.append((list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        with self._lock:
            return [m for rcpt, m in self.messages if address in rcpt]


def subject(message: EmailMessage) -> str:
    """The subject as a mail client shows it (Python folds a long one onto its own line)."""
    return str(message["Subject"]).strip()


class SmtpServer:
    def __init__(self) -> None:
        self.port = free_port()
        self.inbox = Inbox()
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


# --- the desk -----------------------------------------------------------------------------------


def publish(services: Services) -> int:
    """The relay's first step (service/publishing.py): every committed event gets its feed position."""
    return publishing.publish(services.event_store(), services.clock, relay_settings(services.settings))


def desk(services: Services, tmp_path: Path, smtp: SmtpServer | None) -> Services:
    report = import_file(
        "customers", write_csv(tmp_path / "customers.csv", CUSTOMERS), services.engine, services.clock, role=Role.ADMIN
    )
    assert report.ok, report.errors[:3]
    for name, role, language, address, notify in PEOPLE:
        with services.uow() as uow:
            uow.users.add(name, "!", role.value, language)
            uow.commit()
        set_contact(name, services.uow(), "admin", Role.ADMIN, email=address, notify=notify)
    with services.uow() as uow:  # a service user is never told anything
        uow.users.add("erp", "!", Role.SALES.value, "en", "service")
        uow.commit()
    if smtp is not None:
        services.settings.smtp_host = "127.0.0.1"
        services.settings.smtp_port = smtp.port
        services.settings.smtp_tls = "none"
        services.settings.smtp_timeout_seconds = 5
        services.settings.mail_from = "creditdesk@desk.example"
        services.settings.public_url = "https://credit.desk.example"
    return services


def notified(services: Services, username: str) -> list[dict[str, Any]]:
    n = t.notifications
    with services.engine.connect() as conn:
        rows = conn.execute(select(n).where(n.c.username == username).order_by(n.c.notification_id)).mappings()
        return [dict(row) for row in rows]


def block_order(services: Services, order_id: str = "SO-1", amount: str = "5000.00") -> None:
    order = SubmitOrder(order_id, "C1", Money(Decimal(amount), "EUR"), actor="erp")
    result = submit_order(order, services.uow(), services.clock)
    assert result.decision["decision"] == "blocked", result.decision


# --- the feed, the recipients, the mail -----------------------------------------------------------


def test_a_blocked_order_mails_the_manager_in_chinese_and_never_the_analyst(
    services: Services, tmp_path: Path, smtp: SmtpServer
) -> None:
    desk(services, tmp_path, smtp)
    block_order(services)
    assert notify_tick(services)["events"] == 0  # not published yet: nobody is told
    assert publish(services) >= 1

    counts = notify_tick(services)
    assert counts["notifications"] == 3  # mei and dora (managers), ada (admin)
    assert counts["mailed"] == 2  # mei and ada want one mail each; dora the digest

    (mail,) = smtp.inbox.to("mei@desk.example")
    assert subject(mail) == "订单 SO-1（Acme Trading）被信用检查拦截：5,000.00 EUR"
    assert mail["From"] == "creditdesk@desk.example"
    body = mail.get_content()
    assert "信用检查冻结了客户 Acme Trading（C1）的订单 SO-1，金额 5,000.00 EUR" in body
    assert "信用额度 1,000.00 EUR" in body and "OVER_LIMIT" not in body  # the reasons, in words only
    assert "https://credit.desk.example/worklists/orders" in body
    assert "Reasons" not in body  # all Chinese
    (english,) = smtp.inbox.to("ada@desk.example")
    assert subject(english) == "Order SO-1 of Acme Trading is held: 5,000.00 EUR"
    assert "limit 1,000.00 EUR" in english.get_content()
    # The negative controls: the analyst may not release it, sales, the service user neither.
    assert smtp.inbox.to("alan@desk.example") == [] and notified(services, "alan") == []
    assert notified(services, "sam") == [] and notified(services, "erp") == []
    assert notified(services, "dora")[0]["mailed_at"] is None

    # Again: nothing new is made or mailed (the cursor moved; keys are unique per user).
    again = notify_tick(services)
    assert (again["events"], again["notifications"], again["mailed"]) == (0, 0, 0)
    assert len(smtp.inbox.messages) == 2

    # The digest: one mail for dora, with the day's notifications; a second run sends nothing.
    day = services.clock.today()
    assert digest(services, day)["digests"] == 1
    (summary,) = smtp.inbox.to("dora@desk.example")
    assert subject(summary) == f"creditdesk: 1 notifications of {day.isoformat()}"
    assert "Order SO-1 of Acme Trading is held" in summary.get_content()
    assert digest(services, day)["digests"] == 0
    assert len(smtp.inbox.to("dora@desk.example")) == 1
    assert all(row["mailed_at"] is not None for row in notified(services, "dora"))


def test_a_mail_server_that_is_down_leaves_the_mail_for_a_later_tick(
    sqlite_services: Services, tmp_path: Path, smtp: SmtpServer
) -> None:
    services = desk(sqlite_services, tmp_path, smtp)
    smtp.stop()
    block_order(services)
    publish(services)
    counts = notify_tick(services)
    assert (counts["notifications"], counts["mailed"], counts["mail_failed"]) == (3, 0, 2)
    assert [row["mailed_at"] for row in notified(services, "mei")] == [None]
    with pytest.raises(Exception, match="unavailable"):  # the digest job's run fails: retried later
        digest(services, services.clock.today())

    smtp.start()  # the same port, back up
    counts = notify_tick(services)
    assert (counts["notifications"], counts["mailed"], counts["mail_failed"]) == (0, 2, 0)
    assert len(smtp.inbox.to("mei@desk.example")) == 1 and len(smtp.inbox.to("ada@desk.example")) == 1
    assert notified(services, "mei")[0]["mailed_at"] is not None
    assert notify_tick(services)["mailed"] == 0


def test_a_waiting_limit_request_tells_its_approvers_and_its_decision_the_requester(
    services: Services, tmp_path: Path, smtp: SmtpServer
) -> None:
    desk(services, tmp_path, smtp)
    asked = SetCreditLimit("C2", Money(Decimal("250000.00"), "EUR"), "a large new contract", "sam", Role.SALES)
    outcome = set_credit_limit(asked, services.uow(), services.clock)
    assert outcome.request is not None and outcome.request.required_role is Role.ADMIN  # unscored: an admin
    publish(services)
    notify_tick(services)
    (told,) = notified(services, "ada")
    assert told["kind"] == "limit.requested" and told["link"] == "/worklists/limit-requests"
    assert "sam asks for a credit limit of 250,000.00 EUR for Beta Foods (C2)" in told["body"]
    assert "a large new contract" in told["body"]
    # Not entitled: the managers (beyond their authority), the analyst; never the requester.
    assert [notified(services, name) for name in ("mei", "dora", "alan", "sam")] == [[], [], [], []]
    (mail,) = smtp.inbox.to("ada@desk.example")
    assert (
        subject(mail) == f"Limit request {outcome.request.request_id}: Beta Foods 250,000.00 EUR awaits your decision"
    )

    decide = DecideRequest(outcome.request.request_id, True, "ada", Role.ADMIN, "fine by me")
    decide_request(decide, services.uow(), services.clock)
    publish(services)
    notify_tick(services)
    (decided,) = notified(services, "sam")
    assert decided["kind"] == "limit.request.approved" and "ada approved your request" in decided["body"]
    assert "fine by me" in decided["body"] and decided["link"] == "/customers/C2"
    (mail,) = smtp.inbox.to("sam@desk.example")
    assert subject(mail) == f"Your limit request {outcome.request.request_id} for Beta Foods was approved"


def test_reviews_falling_due_are_an_event_and_a_notification_once(sqlite_services: Services, tmp_path: Path) -> None:
    services = desk(sqlite_services, tmp_path, None)
    due_on = date(2026, 3, 1)
    with services.engine.begin() as conn:
        conn.execute(
            update(t.credit_accounts).where(t.credit_accounts.c.customer_id == "C1").values(next_review_on=due_on)
        )
    as_of = services.clock.today()
    first = reviews_due(services, as_of)
    assert (first["due"], first["events"], first["notifications"]) == (1, 1, 3)  # mei, dora, alan
    assert reviews_due(services, as_of) == {"due": 1, "events": 0, "notifications": 0}
    assert reviews_due(services, as_of + timedelta(days=1))["events"] == 0  # the same review: once
    o = t.outbox
    with services.engine.connect() as conn:
        (payload,) = conn.execute(select(o.c.payload).where(o.c.type == "account.review_due")).scalars()
    assert json.loads(payload) == {"customer_id": "C1", "next_review_on": "2026-03-01", "as_of": as_of.isoformat()}
    (zh,) = notified(services, "mei")
    assert zh["subject"] == "客户 Acme Trading 的信用复核已到期（2026-03-01）" and zh["key"] == "review:C1:2026-03-01"
    assert notified(services, "ada") == [] and notified(services, "sam") == []
    # The event, once published, makes nothing new (the same key per person).
    publish(services)
    assert notify_tick(services)["notifications"] == 0


def test_a_webhook_delivery_given_up_tells_the_admins(sqlite_services: Services, tmp_path: Path) -> None:
    services = desk(sqlite_services, tmp_path, None)
    block_order(services)
    publish(services)
    now = services.clock.now()
    with services.engine.begin() as conn:
        event_id = conn.execute(select(func.min(t.outbox.c.event_id))).scalar_one()
        sub = conn.execute(
            t.webhook_subscriptions.insert().values(
                url="https://erp.example/hook", events='["order.*"]', secret="s", created_by="ada", created_at=now
            )
        ).inserted_primary_key[0]
        conn.execute(
            t.webhook_deliveries.insert(),
            [
                {"subscription_id": sub, "event_id": event_id, "stream": "C1", "position": event_id, "status": status,
                 "attempts": attempts, "next_attempt_at": now, "last_error": "HTTP 500", "created_at": now}
                for status, attempts in (("failed", 8),)
            ],
        )  # fmt: skip
    counts = notify_tick(services)
    assert counts["webhook_notifications"] == 1
    (told,) = [n for n in notified(services, "ada") if n["kind"] == "webhook.failed"]
    assert "https://erp.example/hook" in told["body"] and "HTTP 500" in told["body"] and "given up" in told["body"]
    assert [n for n in notified(services, "mei") if n["kind"] == "webhook.failed"] == []
    assert notify_tick(services)["webhook_notifications"] == 0


# --- settings -------------------------------------------------------------------------------------


def test_contact_settings_are_validated_audited_and_an_admins_for_another(sqlite_services: Services) -> None:
    services = sqlite_services
    with services.uow() as uow:
        uow.users.add("mei", "!", "manager", "en")
        uow.users.add("sam", "!", "sales", "en")
        uow.commit()
    with pytest.raises(InvalidInput, match="not an e-mail address"):
        set_contact("mei", services.uow(), "admin", Role.ADMIN, email="mei at desk")
    with pytest.raises(InvalidInput, match="notify must be one of"):
        set_contact("mei", services.uow(), "admin", Role.ADMIN, notify="hourly")
    with pytest.raises(Forbidden):  # another's settings: an admin's
        set_contact("mei", services.uow(), "sam", Role.SALES, notify="off")
    with pytest.raises(Forbidden):  # an address, even one's own: an admin's
        set_contact("sam", services.uow(), "sam", Role.SALES, email="sam@elsewhere.example")
    assert set_contact("sam", services.uow(), "sam", Role.SALES, notify="digest", language="zh") == {
        "language": "zh",
        "notify": "digest",
    }
    set_contact("mei", services.uow(), "admin", Role.ADMIN, email=" mei@desk.example ")
    with services.read_uow() as uow:
        mei, sam = uow.users.get("mei"), uow.users.get("sam")
        actions = [r.action for r in uow.audit.records() if r.entity_id in ("mei", "sam")]
    assert mei is not None and mei.email == "mei@desk.example" and mei.notify == "each"
    assert sam is not None and (sam.notify, sam.language, sam.email) == ("digest", "zh", None)
    assert actions.count("user.contact") == 2


def test_the_cli_sets_contact_lists_notifications_and_tests_the_mail(
    sqlite_services: Services, tmp_path: Path, smtp: SmtpServer
) -> None:
    services = desk(sqlite_services, tmp_path, None)
    url = str(services.engine.url)
    runner = CliRunner()

    def cli(*args: str, port: int = smtp.port) -> Any:
        env = {
            "CREDITDESK_VAR_DIR": str(services.settings.var_dir),
            "CREDITDESK_SMTP_HOST": "127.0.0.1",
            "CREDITDESK_SMTP_PORT": str(port),
            "CREDITDESK_SMTP_TLS": "none",
        }
        return runner.invoke(cli_app, ["--db", url, *args], env=env)

    result = cli("user", "set", "alan", "--email", "alan@new.example", "--notify", "digest", "--language", "zh")
    assert result.exit_code == 0, result.output
    assert cli("user", "set", "alan", "--email", "not-an-address").exit_code == 65
    assert cli("user", "set", "alan", "--notify", "hourly").exit_code == 65
    block_order(services)
    publish(services)
    sent = cli("notifications", "send", "--json")
    assert sent.exit_code == 0, sent.output
    assert json.loads(sent.stdout)["notifications"] == 3
    listed = cli("notifications", "list", "--user", "mei", "--unread", "--json")
    assert listed.exit_code == 0, listed.output
    (item,) = json.loads(listed.stdout)
    assert item["kind"] == "order.held" and item["subject"].startswith("订单 SO-1")

    assert cli("notifications", "test-mail", "--to", "ops@desk.example", "--language", "zh").exit_code == 0
    (test_mail,) = smtp.inbox.to("ops@desk.example")
    assert subject(test_mail) == "信用管理台：测试邮件"
    down = cli("notifications", "test-mail", "--to", "ops@desk.example", port=free_port())
    assert down.exit_code == 69 and "unavailable" in down.output


# --- the web: the bell, the page, marking read; the API; each user's own ---------------------------


def _client(app: Any) -> httpx.Client:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient
    return TestClient(app, raise_server_exceptions=False)


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found is not None
    return found.group(1)


def test_the_bell_the_page_and_the_api_show_each_user_only_their_own(sqlite_services: Services, tmp_path: Path) -> None:
    services = desk(sqlite_services, tmp_path, None)
    add_user("lin", "correct horse", Role.MANAGER, services.uow(), services.hasher, "admin", "zh")
    block_order(services, "SO-1")
    block_order(services, "SO-2", "7000.00")
    publish(services)
    notify_tick(services)
    mine = [n["notification_id"] for n in notified(services, "lin")]
    theirs = [n["notification_id"] for n in notified(services, "mei")]
    assert len(mine) == 2 and len(theirs) == 2

    with _client(create_app(services)) as web:
        form = web.get("/login").text
        signed = web.post(
            "/login", data={"username": "lin", "password": "correct horse", "csrf": _csrf(form), "next": "/"}
        )
        assert signed.status_code in (200, 303)
        page = web.get("/notifications")
        assert page.status_code == 200
        assert re.search(r'id="bell-count">2<', page.text)
        # In the reader's language, with the data (ids, names) marked as data.
        assert "订单 SO-2（Acme Trading）被信用检查拦截" in re.sub(r"<[^>]+>", "", page.text)
        assert '<span translate="no">Acme Trading</span>' in page.text
        assert page.text.index("SO-2") < page.text.index("SO-1")  # newest first
        english = web.get("/lang/en", params={"next": "/notifications"}, follow_redirects=True).text
        assert "Order SO-2 of Acme Trading is held" in re.sub(r"<[^>]+>", "", english)
        assert "Reasons" in english and "原因" not in re.sub(r"<[^>]+>", "", english).split("Reasons")[1][:200]
        web.get("/lang/zh")
        csrf = _csrf(page.text)
        # Another user's notification: not found, and unchanged; a form without its token: refused.
        assert web.post(f"/notifications/{theirs[0]}/read", data={"csrf": csrf}).status_code == 404
        assert notified(services, "mei")[0]["read_at"] is None
        web.post(f"/notifications/{mine[0]}/read", data={"csrf": "forged"})
        assert notified(services, "lin")[0]["read_at"] is None
        assert web.post(f"/notifications/{mine[0]}/read", data={"csrf": csrf}).status_code in (200, 303)
        assert re.search(r'id="bell-count">1<', web.get("/notifications").text)
        web.post("/notifications/read-all", data={"csrf": csrf})
        assert re.search(r'id="bell-count">0<', web.get("/worklists/orders").text)
        web.post("/notifications/settings", data={"csrf": csrf, "notify": "digest"})
        with services.read_uow() as uow:
            lin = uow.users.get("lin")
        assert lin is not None and lin.notify == "digest"

        # The API, with a token of mei's: her own only.
        token = create_token("mei-cli", services.uow(), services.clock, "admin", user="mei")
        auth = {"Authorization": f"Bearer {token}"}
        listed = web.get("/api/v1/notifications", headers=auth, params={"unread": "true"})
        assert listed.status_code == 200
        assert listed.json()["unread"] == 2 and [n["id"] for n in listed.json()["items"]] == theirs[::-1]
        assert web.post(f"/api/v1/notifications/{mine[1]}/read", headers=auth).status_code == 404
        assert web.post(f"/api/v1/notifications/{theirs[0]}/read", headers=auth).json() == {"marked": 1}
        assert web.get("/api/v1/notifications", headers=auth).json()["unread"] == 1
        assert web.post("/api/v1/notifications/99999999999/read", headers=auth).status_code == 422
        assert web.get("/api/v1/notifications").status_code == 401
