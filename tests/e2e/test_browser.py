"""The web app in headless Chromium: sign in, read the portfolio, open a customer, switch language."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import ARTIFACTS
from tests.e2e.conftest import DemoServer

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if CHROMIUM is None:
        pytest.fail("Chromium is not installed; `make test` installs it (scripts/ensure-system-deps.sh)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-quic",
            ],
        )
        yield browser
        browser.close()


def shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def sign_in(page: Any, server: DemoServer, username: str = "admin") -> None:
    page.goto(f"{server.url}/")
    assert "/login" in page.url
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "creditdesk-demo")
    page.click("button[type=submit]")
    page.wait_for_url(f"{server.url}/")


def test_home_page_shows_the_portfolio(browser: Any, demo_server: DemoServer) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{demo_server.url}/login")
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", "wrong password")
    page.click("button[type=submit]")
    assert page.locator("[role=alert]").inner_text() == "User name or password is wrong."
    sign_in(page, demo_server)
    assert page.locator("#kpi-customers-CNY").inner_text() == f"{demo_server.summary['customers']:,}"
    with demo_server.client("viewer") as api:
        first_id = page.locator("#customers tbody tr td a").first.inner_text()
        shown = api.get(f"/api/v1/customers/{first_id}").json()
    row = page.locator("#customers tbody tr").first
    assert f"{float(shown['exposure']['total']):,.2f}" in row.inner_text()
    assert page.locator("#ageing-CNY tbody tr").count() == 6
    assert page.locator("#customers tbody tr").count() == 50
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.reload()
    assert requests and all(url.startswith(demo_server.url) for url in requests)  # every asset is local
    shot(page, "home-en")

    page.click("#lang-switch")
    assert page.locator("h1").first.inner_text().startswith("客户组合")
    assert page.locator("#lang-switch").inner_text() == "English"
    shot(page, "home-zh")
    page.click("#lang-switch")
    assert page.locator("h1").first.inner_text().startswith("Portfolio")

    page.click(f"text={first_id}")
    page.wait_for_url(f"{demo_server.url}/customers/{first_id}")
    assert page.locator("#kpi-limit").inner_text() == f"{float(shown['credit_limit']):,.2f} CNY"
    assert page.locator("#limit-history tbody tr").count() >= 1
    assert page.locator("#lang-switch").inner_text() == "中文"
    shot(page, "customer-en")
    page.close()


def test_search_and_sign_out(browser: Any, demo_server: DemoServer) -> None:
    page = browser.new_page()
    sign_in(page, demo_server, "viewer")
    page.fill("#q", "C000007")
    page.press("#q", "Enter")
    assert page.locator("#customers tbody tr").count() == 1
    page.click("text=Sign out")
    page.wait_for_url("**/login")
    page.goto(f"{demo_server.url}/customers/C000007")
    assert "/login" in page.url
    page.close()
