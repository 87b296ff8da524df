"""Every page of the web app, for the tests that visit them all (tests/e2e/test_browser_every_page.py):
in 中文 and English, at 1440 and 768 px. A new page adds its line here.

A path may name ``{customer}``, ``{application}``, ``{dispute}`` or ``{what_if}``: the harness
fills them with objects it made on the demo."""

from __future__ import annotations

from dataclasses import dataclass

from creditdesk.entrypoints.portfolio_views import WEB_REPORTS


@dataclass(frozen=True)
class Page:
    name: str  # the screenshot's name: test-artifacts/pages/NAME-LANG-WIDTH.png
    path: str
    user: str = "admin"  # who looks (a demo user; password creditdesk-demo); "" = signed out


PAGES: list[Page] = [
    Page("login", "/login", user=""),
    Page("home", "/"),
    Page("customer", "/customers/{customer}"),
    Page(
        "limit-preview",
        "/customers/{customer}/limit-preview?amount=9000000&reason=%E6%96%B0%E5%B7%A5%E5%8E%82",
        user="manager",
    ),
    Page("held-orders", "/worklists/orders"),
    Page("limit-requests", "/worklists/limit-requests"),
    Page("reviews", "/worklists/reviews"),
    Page("applications", "/applications"),
    Page("application-new", "/applications/new"),
    Page("application", "/applications/{application}"),
    Page("disputes", "/disputes"),
    Page("collections", "/collections"),
    Page("imports", "/imports"),
    Page("reports", "/reports"),
    *[Page(f"report-{name}", f"/reports/{name}") for name in WEB_REPORTS],
    Page("policy", "/policy"),
    Page("what-if", "/policy/what-if/{what_if}", user="manager"),
    Page("what-if-report", "/policy/what-if/{what_if}/report", user="manager"),
    Page("models", "/models"),
    Page("admin", "/admin"),
    Page("webhooks", "/admin/webhooks"),
    Page("operations", "/operations"),
    Page("notifications", "/notifications"),
    Page("forbidden", "/admin", user="viewer"),
    Page("not-found", "/customers/NO-SUCH-CUSTOMER"),
]
