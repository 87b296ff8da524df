"""Status badges say why (issue 21): an account on hold or blocked names the monitor's rule (its
name on the page, its code on hover) or the person who set it, the day and the reason; an active
account's badge has nothing to explain."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

import httpx
import pytest

from tests.e2e.conftest import DemoServer, signed_in_reader

pytestmark = pytest.mark.e2e

_STANDING = re.compile(r'<span class="standing" data-status="([a-z_]+)"')
_WHY = re.compile(r'<small class="why" data-why="status" title="([^"]*)">(.*?)</small>')
_TAG = re.compile(r"<[^>]+>")


@pytest.fixture(scope="module")
def reader(demo_server: DemoServer) -> Iterator[httpx.Client]:
    with signed_in_reader(demo_server) as browser:
        yield browser


def _standing(reader: httpx.Client, customer: str) -> tuple[str, str, str]:
    """(status, why on hover, why on the page) as the customer's page shows them."""
    page = reader.get(f"/customers/{customer}").text
    found = _STANDING.search(page)
    assert found is not None, customer
    why = _WHY.search(page, found.end(), found.end() + 3000)
    if why is None:
        return found.group(1), "", ""
    return found.group(1), html.unescape(why.group(1)), html.unescape(_TAG.sub("", why.group(2)))


def _listed(reader: httpx.Client, alert: str) -> list[str]:
    body = reader.get("/", params={"alert": alert}).text.split('id="customers"', 1)[1]
    return re.findall(r'<tr><td><a href="/customers/([^"]+)">', body)


def test_a_blocked_account_names_its_rule_or_its_person(demo_server: DemoServer, reader: httpx.Client) -> None:
    blocked = _listed(reader, "blocked")
    assert len(blocked) >= 2
    by_rule, by_hand = blocked[0], blocked[-1]
    status, full, short = _standing(reader, by_rule)
    assert status in ("blocked", "in_default")
    code = re.search(r"[（(]([A-Z_]+)[）)]", full)
    assert code is not None, f"{by_rule}: no rule code on hover: {full!r}"
    rule_name, _, explanation = short.partition(" · ")
    assert rule_name and rule_name in full and explanation.split("：")[-1].split(": ")[-1] in full, (short, full)
    # A person's block (the status stays blocked: the shared demo's counts do not move).
    reason = "H5 核对：客户承诺付款未兑现，人工冻结"
    with demo_server.client("manager") as api:
        answer = api.put(f"/api/v1/customers/{by_hand}/standing", json={"status": "blocked", "reason": reason})
        assert answer.status_code == 200, answer.text
    status, full, short = _standing(reader, by_hand)
    assert status in ("blocked", "in_default")
    assert reason in short and reason in full, (short, full)
    assert "test-manager" in short and "test-manager" in full
    assert not re.search(r"[（(][A-Z_]+[）)]", full), "a person's block names no rule"


def test_an_active_account_has_nothing_to_explain(reader: httpx.Client) -> None:
    body = reader.get("/").text.split('id="customers"', 1)[1]
    rows = re.findall(r"<tr><td><a href=\"/customers/[^\"]+\">.*?</tr>", body, re.S)
    active = [r for r in rows if 'data-status="active"' in r]
    held = [r for r in rows if 'data-status="on_hold"' in r or 'data-status="blocked"' in r]
    assert active and not any('data-why="status"' in r for r in active)
    assert all('data-why="status"' in r for r in held), "every held or blocked row says why"
