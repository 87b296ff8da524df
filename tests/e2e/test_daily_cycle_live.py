"""Issue 19's acceptance: the server, the worker, a webhook receiver that answers 500 twice and
then 200, and an SMTP server, all real. An order blocked through the API reaches the receiver once,
signed, after two retries; the approver's mail arrives in their language with the order and the
reasons; the feed lists the same event and resumes from its cursor."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller

from creditdesk.entrypoints.served import served
from tests.conftest import TEST_TODAY
from tests.e2e.conftest import PATIENCE_SECONDS, cli, demo_copy, person_token
from tests.support.throwaway_pg import free_port

pytestmark = pytest.mark.e2e
SECRET = "receiver-shared-secret-0123456789"
BACKOFF = 0.5  # the first retry's delay; the second waits twice that


@dataclass
class Receiver:
    """An ERP's webhook endpoint: refuses the first ``failures`` deliveries of each event."""

    failures: int
    calls: list[tuple[float, dict[str, str], bytes, int]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, headers: dict[str, str], body: bytes) -> int:
        event = json.loads(body)["event_id"]
        with self.lock:
            earlier = sum(1 for _, _, b, _ in self.calls if json.loads(b)["event_id"] == event)
            status = 500 if earlier < self.failures else 200
            self.calls.append((time.monotonic(), headers, body, status))
        return status

    def of(self, predicate: Callable[[dict[str, Any]], bool]) -> list[tuple[float, dict[str, str], bytes, int]]:
        with self.lock:
            return [call for call in self.calls if predicate(json.loads(call[2]))]


@pytest.fixture
def receiver() -> Iterator[tuple[Receiver, str]]:
    state = Receiver(failures=2)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            status = state.answer(dict(self.headers.items()), body)
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state, f"http://127.0.0.1:{server.server_address[1]}/hooks/creditdesk"
    finally:
        server.shutdown()


class Mailbox:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server: object, session: object, envelope: Any) -> str:  # noqa: N802 (aiosmtpd's name)
        message = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in list(self.messages) if address in str(m["To"])]


@pytest.fixture
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    box = Mailbox()
    port = free_port()  # a real one: the controller's start-up check connects to it
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield box, port
    finally:
        controller.stop()


def text_of(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain",))
    return f"{message['Subject']}\n{body.get_content() if body is not None else ''}"


def wait_for(condition: Callable[[], Any], what: str, seconds: float = PATIENCE_SECONDS) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError(f"waited {seconds:.0f} s for {what}")


@pytest.fixture
def worker_env(mailbox: tuple[Mailbox, int]) -> dict[str, str]:
    return {
        "CREDITDESK_TODAY": TEST_TODAY,
        "CREDITDESK_WORKER_TICK_SECONDS": "0.2",
        "CREDITDESK_CATCH_UP_DAYS": "0",
        "CREDITDESK_WEBHOOK_BACKOFF_SECONDS": str(BACKOFF),
        "CREDITDESK_WEBHOOK_TIMEOUT_SECONDS": "5",
        "CREDITDESK_SMTP_HOST": "127.0.0.1",
        "CREDITDESK_SMTP_PORT": str(mailbox[1]),
        "CREDITDESK_SMTP_TLS": "none",
        "CREDITDESK_PUBLIC_URL": "http://creditdesk.test",
    }


def test_a_blocked_order_reaches_the_erp_once_signed_the_approver_by_mail_and_the_feed(
    tmp_path_factory: pytest.TempPathFactory,
    tmp_path: Path,
    receiver: tuple[Receiver, str],
    mailbox: tuple[Mailbox, int],
    worker_env: dict[str, str],
) -> None:
    hooks, hook_url = receiver
    box, _ = mailbox
    db, _ = demo_copy(tmp_path_factory, 60, 6, tmp_path)
    for user, email, language in (("manager", "manager@example.test", "zh"), ("analyst", "analyst@example.test", "en")):
        done = cli(tmp_path, "user", "set", user, "--email", email, "--language", language, "--notify", "each", db=db)
        assert done.returncode == 0, done.stderr
    added = cli(tmp_path, "webhook", "add", hook_url, "--events", "order.held", "--secret", SECRET, db=db)
    assert added.returncode == 0, added.stderr

    env = {**os.environ, **worker_env, "CREDITDESK_DATABASE_URL": db}
    with served(db, tmp_path, env=worker_env) as url:
        worker = subprocess.Popen(
            [sys.executable, "-m", "creditdesk", "worker"],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=(tmp_path / "worker.log").open("w"),
        )
        try:
            manager = httpx.Client(
                base_url=url,
                headers={"Authorization": f"Bearer {person_token(tmp_path, db, 'manager', 'manager')}"},
                timeout=PATIENCE_SECONDS,
            )
            sales = httpx.Client(
                base_url=url,
                headers={"Authorization": f"Bearer {person_token(tmp_path, db, 'erp-sales', 'sales')}"},
                timeout=PATIENCE_SECONDS,
            )
            cid = "LIVE19"
            made = manager.post(
                "/api/v1/customers",
                json={"customer_id": cid, "name": "Live Trading", "currency": "EUR", "credit_limit": "5000"},
            )
            assert made.status_code == 201, made.text
            blocked = manager.put(
                f"/api/v1/customers/{cid}/standing", json={"status": "blocked", "reason": "fraud alert from the bank"}
            )
            assert blocked.status_code == 200, blocked.text
            order = sales.post(
                "/api/v1/orders",
                json={"order_id": "LIVE-19-1", "customer_id": cid, "amount": "1250.00", "currency": "EUR"},
            )
            assert order.status_code == 201, order.text
            assert order.json()["decision"] == "blocked"

            def ours(body: dict[str, Any]) -> bool:
                return any(o["order_id"] == "LIVE-19-1" for o in body["data"].get("orders", []))

            wait_for(lambda: any(status == 200 for *_, status in hooks.of(ours)), "the delivery that succeeds")
            time.sleep(3 * BACKOFF)  # nothing more may come after the success (no doubles)
            calls = hooks.of(ours)
            assert [status for *_, status in calls] == [500, 500, 200]
            assert len({json.loads(body)["event_id"] for _, _, body, _ in calls}) == 1
            first, second, third = (at for at, *_ in calls)
            assert second - first >= BACKOFF * 0.9 and third - second >= 2 * BACKOFF * 0.9  # the backoff doubles
            assert third - first < 60  # within the configured delays (and the worker's tick), with margin
            _, headers, body, _ = calls[-1]
            stamp = headers["X-Creditdesk-Timestamp"]
            expected = hmac.new(SECRET.encode(), f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
            assert headers["X-Creditdesk-Signature"] == f"sha256={expected}"
            forged = hmac.new(b"another-secret-0123456789", f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
            assert headers["X-Creditdesk-Signature"] != f"sha256={forged}"  # the check can fail
            event = json.loads(body)
            assert event["type"] == "order.blocked"

            def mails_to(address: str) -> list[str]:
                return [f"{m['Subject']}\n{text_of(m)}" for m in box.to(address) if "LIVE-19-1" in text_of(m)]

            mail = wait_for(lambda: mails_to("manager@example.test"), "the approver's mail")
            assert "已冻结" in mail[0], mail[0]  # the order and its reason, in the manager's Chinese
            assert mails_to("analyst@example.test") == []  # not an approver

            page = manager.get("/api/v1/events", params={"after": 0, "limit": 1000})
            assert page.status_code == 200, page.text
            seen: list[dict[str, Any]] = []
            cursor = 0
            while True:
                body_ = manager.get("/api/v1/events", params={"after": cursor, "limit": 500}).json()
                if not body_["events"]:
                    break
                seen += body_["events"]
                cursor = body_["next"]
            mine = [e for e in seen if e["event_id"] == event["event_id"]]
            assert len(mine) == 1 and mine[0]["position"] == event["position"]
            positions = [e["position"] for e in seen]
            assert positions == sorted(set(positions))  # in order, no duplicates
            resumed = manager.get("/api/v1/events", params={"after": event["position"] - 1, "limit": 1}).json()
            assert resumed["events"][0]["event_id"] == event["event_id"]
        finally:
            worker.terminate()
            worker.wait(timeout=60)
