"""The demo looks like a book the daily cycle has run on (issue 19): the dashboard shows work to do,
its figures agree with the navigation and the worklists, no customer in default or more than 90
days overdue is shown as Active, and every account over its limit says who set the limit and why.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest

from tests.e2e.conftest import DemoServer, signed_in_reader

ATTENTION = ("orders", "limit_requests", "reviews_due", "on_hold", "blocked", "in_default")
_ROW = re.compile(r'<tr><td><a href="/customers/([^"]+)">.*?</tr>', re.S)
_DEMO_ID = re.compile(r"C\d{6}")  # the demo's own customers; the suite's tests add others
_STANDING = re.compile(r'class="standing" data-status="([a-z_]+)" data-days-overdue="(\d+)"')


@pytest.fixture(scope="module")
def viewer(demo_server: DemoServer) -> Iterator[httpx.Client]:
    with signed_in_reader(demo_server) as browser:
        yield browser


def _alert(page: str, key: str) -> int:
    found = re.search(rf'id="alert-{key}">(?:<a [^>]*>)?<strong>([\d,]+)</strong>', page)
    assert found is not None, f"no count for {key}"
    return int(found.group(1).replace(",", ""))


def _rows(viewer: httpx.Client, alert: str = "") -> list[tuple[str, str, int, str]]:
    """(customer, status shown, days overdue shown, the row's text) of every customer listed."""
    rows, page = [], 1
    while True:
        body = viewer.get("/", params={"alert": alert, "page": page}).text
        found = [(m.group(1), m.group(0)) for m in _ROW.finditer(body.split('id="customers"', 1)[1])]
        for customer_id, row in found:
            standing = _STANDING.search(row)
            assert standing is not None, row
            rows.append((customer_id, standing.group(1), int(standing.group(2)), row))
        if f"page={page + 1}" not in body:
            return rows
        page += 1


def test_the_dashboard_shows_work_to_do_and_its_figures_agree(viewer: httpx.Client) -> None:
    home = viewer.get("/").text
    counts = {key: _alert(home, key) for key in ATTENTION}
    assert all(counts.values()), counts
    # The navigation's counts are the dashboard's, and the worklists list as many.
    nav = re.search(r'id="nav-orders">[^<]*<span class="count">(\d+)</span>', home)
    requests = re.search(r'id="nav-requests">[^<]*<span class="count">(\d+)</span>', home)
    assert nav is not None and requests is not None
    assert (int(nav.group(1)), int(requests.group(1))) == (counts["orders"], counts["limit_requests"])
    for path, total, key in (
        ("/worklists/orders", "held-total", "orders"),
        ("/worklists/limit-requests", "requests-total", "limit_requests"),
        ("/worklists/reviews", "reviews-total", "reviews_due"),
    ):
        shown = re.search(rf'id="{total}">([\d,]+)<', viewer.get(path).text)
        assert shown is not None and int(shown.group(1).replace(",", "")) == counts[key], path
    # Each filtered list holds as many customers as its count says.
    for key in ("on_hold", "blocked", "in_default"):
        assert len(_rows(viewer, key)) == counts[key], key


def test_no_customer_in_default_or_long_overdue_is_shown_active(viewer: httpx.Client) -> None:
    everyone = _rows(viewer)
    assert len(everyone) == len({customer for customer, *_ in everyone}) > 0
    in_default = {customer for customer, *_ in _rows(viewer, "in_default")}
    for customer, status, days, row in everyone:
        if customer in in_default:
            assert status == "in_default" and "Default since" in row, row
        if status == "active" and days > 90:
            # Only a customer other tests added to the shared server since the demo's cycle ran,
            # and its row says the monitor has not judged it yet.
            assert not _DEMO_ID.fullmatch(customer) and "not yet judged by the monitor" in row, row
        if status not in {"active", "in_default"}:
            assert '<small class="why"' in row, f"{customer}: {status} without its reason"
    # The negative control: long-overdue customers exist, so the check above looked at some.
    assert any(days > 90 for _, _, days, _ in everyone)
    # The customer's own page says the same.
    page = viewer.get(f"/customers/{sorted(in_default)[0]}").text
    assert 'data-status="in_default"' in page and "Default since" in page


def test_every_account_over_its_limit_says_why(viewer: httpx.Client) -> None:
    over = _rows(viewer, "over_limit")
    assert over
    for customer, _, _, row in over:
        why = re.search(r'<small class="why over-limit">(.*?)</small>', row, re.DOTALL)
        assert why is not None and why.group(1).startswith("Over limit; limit "), f"{customer}: {row}"
