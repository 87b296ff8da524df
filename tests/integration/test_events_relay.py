"""Events that leave the building (docs/events.md): the feed, signed webhook deliveries to a real
HTTP receiver started here, retries, order per customer, giving up, redelivery, retention,
permissions and the payloads' JSON Schemas. The clock is a FixedClock moved past each backoff:
no sleeps."""

from __future__ import annotations

import json
import re
import threading
import warnings
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest
from sqlalchemy import select

from creditdesk.adapters.clock import FixedClock
from creditdesk.adapters.db import tables as t
from creditdesk.adapters.db.credit_store import SqlCreditStore
from creditdesk.bootstrap import Services, bootstrap
from creditdesk.domain.accounts import AccountStatus
from creditdesk.domain.roles import Role
from creditdesk.entrypoints.api.app import create_app
from creditdesk.entrypoints.worker import events_jobs
from creditdesk.service import publishing
from creditdesk.service.accounts import SetStanding, set_standing
from creditdesk.service.auth import add_user, create_token
from creditdesk.service.errors import Forbidden
from creditdesk.service.event_types import EVENT_TYPES
from creditdesk.service.publishing import RelaySettings, verify
from creditdesk.service.webhooks import Acting, add_subscription, list_deliveries, list_subscriptions, redeliver
from tests.conftest import fresh_postgres
from tests.e2e.conftest import cli
from tests.engine import Driver
from tests.support.throwaway_pg import PostgresServer

ADMIN = Acting("admin", Role.ADMIN)
SECRET = "a-secret-of-twenty-chars"
SCHEMAS = Path(__file__).resolve().parents[2] / "docs" / "events"


class Receiver:
    """A real HTTP server: answers each POST with ``answer(body)`` (default 200) and keeps it."""

    def __init__(self) -> None:
        self.got: list[tuple[dict[str, str], bytes, int]] = []
        self.answer: Callable[[dict[str, Any]], int] = lambda _: 200
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                status = receiver.answer(json.loads(body))
                receiver.got.append((dict(self.headers.items()), body, status))
                self.send_response(status)
                self.send_header("Content-Length", "4")
                self.end_headers()
                self.wfile.write(b"nope" if status >= 300 else b"okay")

            def log_message(self, *_: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"

    def events(self, status: int | None = 200) -> list[dict[str, Any]]:
        return [json.loads(body) for _, body, code in self.got if status is None or code == status]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    found = Receiver()
    thread = threading.Thread(target=found.server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield found
    found.server.shutdown()
    found.server.server_close()


def _settings(**changes: Any) -> RelaySettings:
    return RelaySettings(**{"max_attempts": 5, "backoff_seconds": 1.0, "backoff_max_seconds": 60.0, **changes})


def _tick(services: Services, settings: RelaySettings | None = None) -> dict[str, int]:
    store, sender = services.event_store(), services.webhook_sender()
    return publishing.relay_tick(store, sender, services.clock, settings or _settings()).as_json()


def _move(services: Services, seconds: float) -> None:
    clock = services.clock
    assert isinstance(clock, FixedClock)
    clock.at += timedelta(seconds=seconds)


def _subscribe(services: Services, url: str, events: str = "*") -> int:
    added = add_subscription(ADMIN, url, events, SECRET, services.webhook_uow(), services.clock)
    return added.subscription.subscription_id


def test_a_delivery_is_signed_and_verifies_with_its_secret_only(sqlite_services: Services, receiver: Receiver) -> None:
    services = sqlite_services
    driver = Driver(services)
    driver.customer("C1", "1000")
    _subscribe(services, receiver.url, "order.held")
    driver.order("O1", "C1", "100")  # approved: not an order.held
    driver.order("O2", "C1", "5000")  # blocked: over the limit
    assert _tick(services)["delivered"] == 1
    [(headers, body, _)] = receiver.got
    event = json.loads(body)
    assert event["type"] == "order.blocked" == headers["X-Creditdesk-Event"]
    assert set(event) == {"event_id", "position", "type", "stream", "seq", "at", "data"}
    assert event["data"]["codes"] == ["OVER_LIMIT"] and event["stream"] == "C1"
    timestamp, signature = headers["X-Creditdesk-Timestamp"], headers["X-Creditdesk-Signature"]
    assert timestamp == str(int(services.clock.now().timestamp())) and signature.startswith("sha256=")
    assert verify(SECRET, timestamp, body, signature)
    # Negative controls: another secret, another timestamp or a changed body do not verify.
    assert not verify("another-secret-of-20-chars", timestamp, body, signature)
    assert not verify(SECRET, str(int(timestamp) + 1), body, signature)
    assert not verify(SECRET, timestamp, body.replace(b"C1", b"C2"), signature)
    assert _tick(services) == {"published": 0, "fanned_out": 0, "delivered": 0, "retried": 0, "failed": 0}


def test_a_receiver_failing_twice_gets_the_event_once_after_two_retries(
    sqlite_services: Services, receiver: Receiver
) -> None:
    services = sqlite_services
    answers = iter([500, 500])
    receiver.answer = lambda _: next(answers, 200)
    driver = Driver(services)
    driver.customer("C1", "1000")
    _subscribe(services, receiver.url)
    driver.order("O1", "C1", "100")
    assert _tick(services)["retried"] == 1
    assert _tick(services)["retried"] == 0 and len(receiver.got) == 1  # not due before its backoff (1 s)
    _move(services, 1)
    assert _tick(services)["retried"] == 1
    _move(services, 1.5)
    assert _tick(services)["retried"] == 0 and len(receiver.got) == 2  # the second backoff is 2 s
    _move(services, 0.5)
    assert _tick(services)["delivered"] == 1
    _move(services, 3600)
    _tick(services)
    assert [code for _, _, code in receiver.got] == [500, 500, 200]
    assert len({headers["X-Creditdesk-Delivery"] for headers, _, _ in receiver.got}) == 1
    [delivery] = list_deliveries(ADMIN, services.webhook_uow())
    assert (delivery.status, delivery.attempts, delivery.last_status) == ("delivered", 3, 200)


def test_a_customers_later_event_waits_for_its_earlier_one(sqlite_services: Services, receiver: Receiver) -> None:
    services = sqlite_services
    failed_once: set[int] = set()

    def answer(event: dict[str, Any]) -> int:
        if event["stream"] == "A" and event["seq"] == 1 and event["event_id"] not in failed_once:
            failed_once.add(event["event_id"])
            return 503
        return 200

    receiver.answer = answer
    driver = Driver(services)
    for customer in ("A", "B"):
        driver.customer(customer, "1000")
    _subscribe(services, receiver.url)
    for n, customer in enumerate(["A", "B", "A", "B", "A"]):
        driver.order(f"O{n}", customer, "10")
    counts = _tick(services)
    assert counts["delivered"] == 2 and counts["retried"] == 1
    # Streams go concurrently, each in order: A's first failed, so A's second and third wait.
    assert sorted((e["stream"], e["seq"]) for e in receiver.events(None)) == [("A", 1), ("B", 1), ("B", 2)]
    assert [e["seq"] for e in receiver.events(None) if e["stream"] == "B"] == [1, 2]
    _move(services, 1)
    assert _tick(services)["delivered"] == 3
    sent_a = [e["seq"] for e in receiver.events(None) if e["stream"] == "A"]
    assert sent_a == [1, 1, 2, 3]  # the retry first, then the rest in order
    positions = [e["position"] for e in receiver.events()]
    assert sorted(positions) == list(range(1, 6))


def test_a_delivery_is_given_up_after_the_bound_and_redelivered_by_an_admin(
    sqlite_services: Services, receiver: Receiver
) -> None:
    services = sqlite_services
    receiver.answer = lambda _: 503
    driver = Driver(services)
    driver.customer("C1", "1000")
    _subscribe(services, receiver.url)
    driver.order("O1", "C1", "100")
    settings = _settings(max_attempts=3)
    for _ in range(3):
        _tick(services, settings)
        _move(services, 60)
    [failed] = list_deliveries(ADMIN, services.webhook_uow(), status="failed")
    assert (failed.attempts, failed.last_status) == (3, 503)
    assert failed.last_error is not None and failed.last_error.startswith("HTTP 503")
    assert _tick(services, settings)["retried"] == 0 and len(receiver.got) == 3  # given up: not tried again
    with pytest.raises(Forbidden):
        redeliver(Acting("mgr", Role.MANAGER), failed.delivery_id, services.webhook_uow(), services.clock)
    with pytest.raises(Forbidden):
        list_deliveries(Acting("mgr", Role.MANAGER), services.webhook_uow())
    receiver.answer = lambda _: 200
    again = redeliver(ADMIN, failed.delivery_id, services.webhook_uow(), services.clock)
    assert again.status == "pending"
    assert _tick(services, settings)["delivered"] == 1
    assert list_deliveries(ADMIN, services.webhook_uow(), status="failed") == []
    with services.read_uow() as uow:
        actions = [r.action for r in uow.audit.records()]
    assert actions.count("webhook.added") == 1 and actions.count("webhook.redelivered") == 1


def test_an_unreachable_receiver_fails_with_the_connection_error(sqlite_services: Services) -> None:
    """The demo's failed deliveries: a subscription to a port where nothing listens."""
    services = sqlite_services
    services.settings.webhook_max_attempts = 3
    driver = Driver(services)
    driver.customer("C1", "1000")
    for n in range(4):
        driver.order(f"O{n}", "C1", "5000")  # blocked: order.held
    assert events_jobs.leave_failed_deliveries(services, count=3) == 3
    failed = list_deliveries(ADMIN, services.webhook_uow(), status="failed")
    assert len(failed) == 3 and all(d.attempts == 3 and d.last_status is None for d in failed)
    assert all(d.last_error and ("Connect" in d.last_error or "unreachable" in d.last_error) for d in failed)
    assert sorted(d.position for d in failed) == [2, 3, 4]  # the last three held orders


def test_the_feed_pages_resume_without_gaps_or_repeats_and_bad_cursors_are_refused(
    sqlite_services: Services, tmp_path: Path
) -> None:
    services = sqlite_services
    driver = Driver(services)
    driver.customer("C1", "100000")
    for n in range(7):
        driver.order(f"O{n}", "C1", "10")
    assert events_jobs.relay_until_idle(services)["published"] == 7
    with services.uow() as uow:
        for name, role in (("vera", "viewer"), ("ada", "admin")):
            uow.users.add(name, "!", role, "en")
        uow.commit()
    tokens = {n: create_token(n, services.uow(), services.clock, "tests", user=n) for n in ("vera", "ada")}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient
    with TestClient(create_app(services), raise_server_exceptions=False) as client:

        def get(token: str, query: str) -> httpx.Response:
            return client.get(f"/api/v1/events{query}", headers={"Authorization": f"Bearer {token}"})

        seen, cursor = [], 0
        while page := get(tokens["vera"], f"?after={cursor}&limit=3").json():
            if not page["events"]:
                assert page["next"] == cursor
                break
            seen += [e["position"] for e in page["events"]]
            cursor = page["next"]
        assert seen == list(range(1, 8))
        driver.order("O7", "C1", "10")
        driver.order("O8", "C1", "10")
        events_jobs.relay_until_idle(services)
        resumed = get(tokens["vera"], f"?after={cursor}&limit=100").json()
        assert [e["position"] for e in resumed["events"]] == [8, 9] and resumed["next"] == 9
        assert [e["data"]["orders"][0]["order_id"] for e in resumed["events"]] == ["O7", "O8"]
        for bad in ("?after=-1", "?after=abc", "?limit=0", "?limit=1001", "?after=99999999999999999999"):
            refused = get(tokens["vera"], bad)
            assert refused.status_code == 422, bad
            assert refused.headers["content-type"].startswith("application/problem+json")
        assert client.get("/api/v1/events").status_code == 401
        # Webhooks: an admin's; a viewer is refused (negative control: the admin may).
        body = {"url": "https://erp.example.com/hook", "events": ["order.held", "limit.changed"], "secret": SECRET}
        hooks = "/api/v1/webhooks"
        as_viewer = {"Authorization": f"Bearer {tokens['vera']}"}
        as_admin = {"Authorization": f"Bearer {tokens['ada']}"}
        assert client.post(hooks, json=body, headers=as_viewer).status_code == 403
        assert client.get(hooks, headers=as_viewer).status_code == 403
        created = client.post(hooks, json=body, headers=as_admin)
        assert created.status_code == 201 and created.json()["secret"] == SECRET
        listed = client.get(hooks, headers=as_admin).json()["webhooks"]
        assert [h["url"] for h in listed] == [body["url"]] and "secret" not in listed[0]
        typo = client.post(hooks, json={**body, "events": ["order.hled"]}, headers=as_admin)
        assert typo.status_code == 422 and "order.hled" in typo.json()["detail"]
        ftp = client.post(hooks, json={**body, "url": "ftp://erp.example.com/x"}, headers=as_admin)
        assert ftp.status_code == 422
        short = client.post(hooks, json={**body, "secret": "short"}, headers=as_admin)
        assert short.status_code == 422
        sid = created.json()["subscription_id"]
        assert client.post(f"{hooks}/{sid}/disable", headers=as_viewer).status_code == 403
        assert client.post(f"{hooks}/{sid}/disable", headers=as_admin).json()["active"] is False
        assert client.post(f"{hooks}/{sid}/disable", headers=as_admin).status_code == 409
        assert client.get(f"{hooks}/deliveries?status=lost", headers=as_admin).status_code == 422
        assert client.post(f"{hooks}/deliveries/99999999999/redeliver", headers=as_admin).status_code == 422
        assert client.post(f"{hooks}/deliveries/5/redeliver", headers=as_admin).status_code == 404


def test_the_command_line_adds_webhooks_as_an_admin_only(sqlite_services: Services, tmp_path: Path) -> None:
    services = sqlite_services
    db = str(services.engine.url)
    with services.uow() as uow:
        uow.users.add("vera", "!", "viewer", "en")
        uow.users.add("ada", "!", "admin", "en")
        uow.commit()
    url = "https://erp.example.com/hook"
    refused = cli(tmp_path, "webhook", "add", url, "--secret", SECRET, "--user", "vera", db=db)
    assert refused.returncode == 1 and "admin" in refused.stderr
    added = cli(tmp_path, "webhook", "add", url, "--events", "order.held,limit.changed", "--secret", SECRET, db=db)
    assert added.returncode == 0, added.stderr
    made = cli(tmp_path, "webhook", "add", url, "--user", "ada", "--json", db=db)
    assert made.returncode == 0 and len(json.loads(made.stdout)["secret"]) >= 16
    listed = json.loads(cli(tmp_path, "webhook", "list", "--json", db=db).stdout)
    assert [h["events"] for h in listed] == [["order.held", "limit.changed"], ["*"]]
    assert SECRET not in cli(tmp_path, "webhook", "list", db=db).stdout
    assert cli(tmp_path, "webhook", "add", "ftp://x/y", "--secret", SECRET, db=db).returncode == 65
    assert cli(tmp_path, "webhook", "disable", "1", "--user", "vera", db=db).returncode == 1
    assert cli(tmp_path, "webhook", "disable", "1", db=db).returncode == 0
    assert cli(tmp_path, "webhook", "deliveries", "--status", "lost", db=db).returncode == 2
    assert cli(tmp_path, "webhook", "redeliver", "7", db=db).returncode == 65  # no such delivery
    Driver(services).customer("C1", "1000")
    Driver(services).order("O1", "C1", "10")
    published = json.loads(cli(tmp_path, "events", "publish", "--json", db=db).stdout)
    assert published["published"] == 1
    feed = json.loads(cli(tmp_path, "events", "list", "--after", "0", "--json", db=db).stdout)
    assert [e["type"] for e in feed["events"]] == ["order.approved"] and feed["next"] == 1


def test_retention_drops_old_events_that_every_subscriber_is_done_with(
    sqlite_services: Services, receiver: Receiver
) -> None:
    services = sqlite_services
    driver = Driver(services)
    for customer in ("A", "B", "C"):
        driver.customer(customer, "1000")
    receiver.answer = lambda event: 200 if event["stream"] != "B" else 500
    _subscribe(services, receiver.url)
    for n, customer in enumerate(["A", "B", "C"]):
        driver.order(f"O{n}", customer, "10")
    _tick(services, _settings(max_attempts=5))  # A delivered, B pending (retrying), C delivered
    later = services.clock.today() + timedelta(days=services.settings.event_retention_days)
    assert events_jobs.retention(services, later)["events_deleted"] == 0  # not old enough yet
    after = later + timedelta(days=1)
    counts = events_jobs.retention(services, after)
    assert (counts["events_deleted"], counts["deliveries_deleted"]) == (2, 2)
    assert events_jobs.retention(services, after)["events_deleted"] == 0  # the same day again: nothing more
    with services.engine.connect() as conn:
        left = conn.execute(select(t.outbox.c.stream)).scalars().all()
    assert left == ["B"]  # its delivery is still pending


def test_every_event_type_has_a_schema_that_real_payloads_satisfy(sqlite_services: Services) -> None:
    services = sqlite_services
    driver = Driver(services)
    driver.customer("C1", "1000")
    driver.order("O1", "C1", "100")
    driver.order("O2", "C1", "5000")
    driver.deliver("D1", "O1")
    driver.invoice("I1", "C1", "100", order_id="O1")
    driver.pay("P1", "C1", "40", "I1")
    driver.order("O3", "C1", "10")
    driver.cancel("O3")
    set_standing(
        SetStanding("C1", "boss", Role.MANAGER, "checking", status=AccountStatus.ON_HOLD),
        services.uow(),
        services.clock,
    )
    events_jobs.relay_until_idle(services)
    emitted = services.event_store().feed(0, 1000)
    kinds = {e.type for e in emitted}
    assert {"order.approved", "order.blocked", "invoice.posted", "payment.received", "order.cancelled"} <= kinds
    assert "account.status_changed" in kinds
    for name in EVENT_TYPES:
        schema = json.loads((SCHEMAS / f"{name}.schema.json").read_text())
        jsonschema.Draft202012Validator.check_schema(schema)
    for event in emitted:
        schema = json.loads((SCHEMAS / f"{event.type}.schema.json").read_text())
        jsonschema.validate(event.data, schema)
    # Negative control: a payload without its customer fails its schema.
    blocked = next(e for e in emitted if e.type == "order.blocked")
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({k: v for k, v in blocked.data.items() if k != "customer_id"}, schema | {})
    assert {p.stem.removesuffix(".schema") for p in SCHEMAS.glob("*.schema.json")} == set(EVENT_TYPES)


@pytest.mark.postgres
def test_an_event_committed_late_with_a_lower_id_is_not_skipped_by_a_reader(
    pg_server: PostgresServer, migrated_postgres: str, tmp_path: Path
) -> None:
    services = bootstrap(
        fresh_postgres(pg_server, template=migrated_postgres), clock=FixedClock(datetime(2026, 3, 31, 9, tzinfo=UTC))
    )
    services.settings.var_dir = tmp_path / "var"
    try:
        driver = Driver(services)
        driver.customer("A", "1000")
        driver.customer("B", "1000")
        store = services.event_store()
        with services.engine.connect() as slow:  # a transaction that takes its event id and commits late
            with slow.begin():
                SqlCreditStore(slow, services.clock).emit("A", "order.approved", {"late": True}, services.clock.now())
                driver.order("O1", "B", "10")  # commits first, with a higher event id
                assert store.publish(services.clock.now(), 100) == 1
                first = store.feed(0, 100)
                assert [e.stream for e in first] == ["B"]
            cursor = first[-1].position
            assert store.publish(services.clock.now(), 100) == 1
        resumed = store.feed(cursor, 100)
        assert [e.stream for e in resumed] == ["A"]
        # The negative control: a reader resuming after the last event id it saw would skip it.
        assert resumed[0].event_id < first[-1].event_id
        # Two publishers at once: positions stay unique and gap-free.
        for n in range(40):
            driver.order(f"P{n}", "AB"[n % 2], "1")
        threads = [threading.Thread(target=store.publish, args=(services.clock.now(), 7)) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        events_jobs.relay_until_idle(services)
        every = store.feed(0, 1000)
        assert [e.position for e in every] == list(range(1, 43))
        for stream in "AB":
            seqs = [e.seq for e in every if e.stream == stream]
            assert seqs == sorted(seqs)  # each customer's events in their order
    finally:
        services.engine.dispose()


def test_a_day_with_nothing_old_keeps_everything(sqlite_services: Services) -> None:
    assert events_jobs.retention(sqlite_services, date(2026, 3, 31)) == {
        "retention_days": 90,
        "events_deleted": 0,
        "deliveries_deleted": 0,
    }


def test_the_webhooks_page_is_an_admins(sqlite_services: Services) -> None:
    services = sqlite_services
    for name, role in (("ada", Role.ADMIN), ("mo", Role.MANAGER)):
        add_user(name, "correct horse", role, services.uow(), services.hasher, "tests")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient
    with TestClient(create_app(services), raise_server_exceptions=False) as client:

        def login(name: str) -> str:
            found = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text)
            assert found is not None
            client.post("/login", data={"username": name, "password": "correct horse", "csrf": found.group(1)})
            page = client.get("/admin/webhooks")
            token = re.search(r'name="csrf" value="([^"]+)"', page.text)
            return token.group(1) if token and page.status_code == 200 else ""

        assert login("mo") == "" and client.get("/admin/webhooks").status_code == 403
        client.cookies.clear()  # signed out
        csrf = login("ada")
        form = {"url": "https://erp.example.com/hook", "events": "order.held", "secret": "", "csrf": csrf}
        added = client.post("/admin/webhooks", data=form)
        assert added.status_code == 200 and 'id="new-secret"' in added.text and "erp.example.com" in added.text
        refused = client.post("/admin/webhooks", data={**form, "events": "order.hled"})
        assert refused.status_code == 422 and "order.hled" in refused.text
        stale = client.post("/admin/webhooks", data={**form, "csrf": "forged"}, follow_redirects=False)
        assert stale.status_code == 303  # the form again, nothing added
        client.post("/admin/webhooks/1/disable", data={"csrf": csrf})
        [hook] = list_subscriptions(ADMIN, services.webhook_uow())
        assert not hook.active
