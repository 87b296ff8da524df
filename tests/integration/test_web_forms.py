"""Every form of the web app, as an attacker would post it: every POST route of every page router,
whichever capability added it. A forged request (no or another session's CSRF token) changes
nothing; a viewer is refused wherever a viewer may not act; an oversized body is refused before
it is read, whether it declares its length or streams it.

New forms are checked without a line here; a form a viewer may use is named in VIEWER_MAY."""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from creditdesk.adapters.db.tables import audit_log, ledger_entries
from creditdesk.bootstrap import Services
from creditdesk.domain.roles import Role
from creditdesk.entrypoints.api.app import create_app
from creditdesk.entrypoints.web import site
from creditdesk.service.auth import add_user

PASSWORD = "long enough pw"

#: Forms anyone signed in may post: their own session, language and notifications. Any other form
#: refuses a viewer.
VIEWER_MAY = frozenset(
    {
        "/logout",
        "/lang/{code}",
        "/notifications/read-all",
        "/notifications/settings",
        "/notifications/{notification_id}/read",
    }
)
#: Forms before signing in.
SIGNED_OUT = frozenset({"/login", "/logout", "/lang/{code}"})

EXPIRED = "The form expired; please try again."
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def form_routes() -> list[str]:
    paths = []
    for router in site.PAGE_ROUTERS:
        for route in router.routes:
            if "POST" in getattr(route, "methods", set()):
                paths.append(route.path)  # type: ignore[attr-defined]
    return sorted(set(paths))


def concrete(path: str) -> str:
    """A path with its parameters filled: no such object needs to exist, the checks come first."""
    return re.sub(r"\{(\w+)\}", lambda m: "zh" if m.group(1) == "code" else "X1", path)


def _client(services: Services) -> httpx.Client:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient
    return TestClient(create_app(services), raise_server_exceptions=False, follow_redirects=False)


def _signed_in(services: Services, name: str) -> tuple[httpx.Client, str]:
    client = _client(services)
    page = client.get("/login")
    token = _CSRF.search(page.text)
    assert token, "the sign-in form carries a CSRF token"
    answer = client.post("/login", data={"username": name, "password": PASSWORD, "csrf": token.group(1)})
    assert answer.status_code == 303, answer.text
    home = client.get("/")
    found = _CSRF.search(home.text)
    assert found
    return client, found.group(1)


def _writes(services: Services) -> tuple[int, int]:
    with services.engine.connect() as conn:
        audit = conn.execute(select(func.count()).select_from(audit_log)).scalar_one()
        ledger = conn.execute(select(func.count()).select_from(ledger_entries)).scalar_one()
    return audit, ledger


@pytest.fixture
def people(sqlite_services: Services) -> Iterator[Services]:
    for name, role in (("ada", Role.ADMIN), ("vic", Role.VIEWER)):
        add_user(name, PASSWORD, role, sqlite_services.uow(), sqlite_services.hasher, "tests")
    yield sqlite_services


def test_there_are_forms_to_check() -> None:
    routes = form_routes()
    assert "/worklists/orders/{order_id}/{action}" in routes
    assert len(routes) > 20


def test_a_forged_form_changes_nothing(people: Services) -> None:
    admin, _ = _signed_in(people, "ada")
    before = _writes(people)
    answers: dict[str, int] = {}
    for path in form_routes():
        if path in SIGNED_OUT:
            continue
        for token in ("", "another-sessions-token"):
            answer = admin.post(concrete(path), data={"csrf": token, "comment": "forged", "reason": "forged"})
            said = ""
            if answer.status_code == 303:  # back to the form's page, which says the form expired
                said = admin.get(answer.headers["location"]).text
            answers[f"{path} [{token or 'none'}]"] = answer.status_code if EXPIRED in said else -answer.status_code
    wrong = {k: v for k, v in answers.items() if v not in (303, 400)}
    assert not wrong, f"forged forms not refused as an expired form (negative: no such message): {wrong}"
    assert _writes(people) == before


def test_a_viewer_may_not_post_what_a_viewer_may_not_do(people: Services) -> None:
    viewer, token = _signed_in(people, "vic")
    before = _writes(people)
    answers = {}
    for path in form_routes():
        if path in VIEWER_MAY or path in SIGNED_OUT:
            continue
        answers[path] = viewer.post(concrete(path), data={"csrf": token, "comment": "x", "reason": "x"}).status_code
    allowed = {path: status for path, status in answers.items() if status != 403}
    assert not allowed, f"a viewer was not refused: {allowed}"
    assert _writes(people) == before
    # The negative control: the same viewer's token is good (its own form is taken).
    assert viewer.post("/lang/zh", data={"csrf": token, "next": "/"}).status_code == 303


def _form_body(size: int) -> bytes:
    return b"csrf=x&comment=" + b"a" * size


def test_an_oversized_form_is_refused_before_it_is_read(people: Services) -> None:
    admin, _ = _signed_in(people, "ada")
    limit = people.settings.request_max_bytes
    headers = {"content-type": "application/x-www-form-urlencoded"}
    declared = admin.post("/worklists/orders/X1/release", content=_form_body(limit + 1), headers=headers)
    assert declared.status_code == 413
    assert declared.headers["content-type"] == "application/problem+json"

    def chunks() -> Iterator[bytes]:  # no Content-Length: the body streams past the limit
        yield b"csrf=x&comment="
        for _ in range(limit // 65536 + 2):
            yield b"a" * 65536

    streamed = admin.post("/worklists/orders/X1/release", content=chunks(), headers=headers)
    assert streamed.status_code == 413
    # The control: a body just under the limit is read, and refused for its forged token instead.
    under = admin.post("/worklists/orders/X1/release", content=_form_body(limit - 100), headers=headers)
    assert under.status_code == 303


def test_an_oversized_api_body_is_problem_json(people: Services) -> None:
    client = _client(people)
    big: dict[str, Any] = {"customer_id": "C1", "amount": "1", "currency": "CNY", "pad": "x" * (2 << 20)}
    answer = client.post("/api/v1/checks", json=big)
    assert answer.status_code == 413
    assert answer.json()["status"] == 413
