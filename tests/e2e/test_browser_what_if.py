"""The policy what-if as a credit manager runs it: the form of the active policy's figures (a wrong
figure is refused beside its field), the verdict first with whole counts and bands, the calibration
to the book, the charts' figures, activation after a confirmation that states the verdict, and a
policy that loosens authority waiting for a second person (the manager who asked cannot confirm)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from creditdesk.entrypoints.served import served
from tests.e2e.conftest import DemoServer, demo_copy
from tests.e2e.test_browser import browser, shot, sign_in  # noqa: F401  (browser: the fixture)

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def own_demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoServer]:
    """A copy of the shared demo: activating a policy changes every later check."""
    cwd = tmp_path_factory.mktemp("what-if")
    db, summary = demo_copy(tmp_path_factory, 300, 12, cwd)
    with served(db, cwd) as url:
        yield DemoServer(url, cwd, db, summary)


def _simulate(page: Any, fields: dict[str, str]) -> None:
    for name, value in fields.items():
        page.fill(f"[name='{name}']", value)
    page.fill("#seeds", "2")
    page.fill("#months", "1")
    page.click("#simulate")
    page.wait_for_selector("#what-if-result", timeout=120_000)


def _versions(page: Any, url: str) -> int:
    page.goto(f"{url}/policy")
    return page.locator("#policy-history tbody tr").count()


def test_a_manager_runs_a_what_if_and_activates_it_after_the_verdict(browser: Any, own_demo: DemoServer) -> None:  # noqa: F811
    url = own_demo.url
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    sign_in(page, own_demo, "manager")
    page.goto(f"{url}/policy")
    field = "f.checks.default.overdue_days"
    assert page.locator(f"[name='{field}']").input_value().isdigit()  # prefilled from the active policy
    page.fill(f"[name='{field}']", "soon")
    page.click("#simulate")
    problem = page.locator("[id='f-checks-default-overdue_days-problem']")
    assert problem.inner_text() == "Enter a number."  # beside its field, in the page's language
    assert page.locator(f"[name='{field}']").input_value() == "soon"  # what was typed stays

    _simulate(page, {field: "20"})
    headline = page.locator("#verdict-headline").inner_text()
    assert headline in (
        "Better than the book as run",
        "Worse than the book as run",
        "No clear difference from the book as run",
        "The same as the book as run",
    )
    # Against the book as it was run (the demo's practice refuses nothing), not today's rules.
    facts = page.locator("#run-facts").inner_text()
    assert "against the book as run (0.0% of orders refused, nothing written off)" in facts
    # A result kept from before the as-is baseline (no practice in it) says what its first column was.
    job = page.url.split("/policy/what-if/")[1].split("?")[0].split("/")[0]
    (result,) = own_demo.cwd.rglob(f"simulations/{job}.json")
    older = json.loads(result.read_text())
    del older["practice"]
    result.with_name("older1.json").write_text(json.dumps(older))
    result.with_name("older1.yaml").write_text(result.with_suffix(".yaml").read_text())
    page.goto(f"{url}/policy/what-if/older1")
    assert "made before the as-is baseline" in page.locator("#run-facts").inner_text()
    page.goto(f"{url}/policy/what-if/{job}")
    rows = page.locator("#verdict-table tbody tr")
    names = [rows.nth(k).get_attribute("id") for k in range(rows.count())]
    assert names == [
        "verdict-net_profit",
        "verdict-bad_debt_losses",
        "verdict-dso",
        "verdict-blocked_orders",
        "verdict-customers_affected",
    ]
    blocked = page.locator("#verdict-blocked_orders td").all_inner_texts()
    assert re.fullmatch(r"[\d,]+", blocked[1]) and re.fullmatch(r"[\d,]+", blocked[2])  # whole orders
    assert (
        "than the book as run" in page.locator("#verdict-net_profit").inner_text()
        or "no clear" in page.locator("#verdict-net_profit").inner_text()
    )
    # The world's check on the book's last six months: a twelve-month book holds no year before them,
    # and the page says the world is not checked rather than staying silent.
    note = page.locator("#validation-note")
    assert note.get_attribute("data-state") == "skipped" and "not checked on the book" in note.inner_text()
    # Calibration: the simulated opening book beside the real one (the reports' figures that day).
    receivables = page.locator("#calibration-receivables")
    book, simulated = float(receivables.get_attribute("data-book")), float(receivables.get_attribute("data-simulated"))
    with own_demo.client("viewer") as api:
        real = api.get("/api/v1/reports/dso").json()["rows"][0]
    assert book == pytest.approx(float(real["receivables"]))
    assert abs(simulated - book) / book <= 0.05, (simulated, book)
    # The first month-end is shown, not judged against this day's book (the validation judges the
    # months that followed): no warning from a later month differing from today.
    assert receivables.locator("[data-first-month]").count() == 1
    assert page.locator("#calibration-warning").count() == 0
    # The frontier chart draws each seed's losses and net profit, today's and the proposal's.
    frontier = json.loads(page.locator("#chart-frontier-data").text_content())
    assert [len(s["data"]) for s in frontier["series"]] == [2, 2]
    assert frontier["xAxis"]["name"] and frontier["yAxis"]["name"]
    shot(page, "what-if-verdict")
    # On a tablet (768 px), in English (the longer sentences), the verdict is read without
    # scrolling its table sideways: the sentence column was cut off at the screen's edge.
    page.set_viewport_size({"width": 768, "height": 900})
    box = page.locator("#verdict-table").evaluate("t => [t.parentElement.scrollWidth, t.parentElement.clientWidth]")
    assert box[0] <= box[1], box
    page.set_viewport_size({"width": 1280, "height": 900})

    # The full report: inside the app's frame, one language, a contents list, charts.
    page.click("#full-report")
    assert page.locator("nav#report-contents a").count() >= 8 and page.locator("#nav-policy").count() == 1
    assert page.locator("[id^='report-path-'][id$='-data']").count() == 6
    page.go_back()

    before = _versions(page, url)
    page.go_back()
    page.click("#activate")  # opens the confirmation, which states the verdict
    assert headline in page.locator("#activate-consequence").inner_text()
    page.click("#confirm-activate")
    page.wait_for_url(f"{url}/policy")
    assert "is active" in page.locator("#flash").inner_text()
    assert page.locator("#policy-history tbody tr").count() == before + 1

    # Loosening authority: a manager may release larger orders alone. It waits for a second person.
    authority = "f.release_authority.manager.CNY"
    raised = str(int(float(page.locator(f"[name='{authority}']").input_value()) * 2))
    _simulate(page, {authority: raised})
    page.click("#activate")
    page.click("#confirm-activate")
    page.wait_for_url(f"{url}/policy")
    assert "waits for a second person" in page.locator("#flash").inner_text()
    assert page.locator("#policy-history tbody tr").count() == before + 1  # not active
    pending = page.locator(".pending-activation").first
    assert pending.locator(".own-request").count() == 1 and pending.locator(".confirm-activation").count() == 0
    activation = (pending.get_attribute("id") or "").removeprefix("pending-")
    # Negative control: the manager who asked forges the confirmation; the service refuses it.
    csrf = page.locator("input[name=csrf]").first.get_attribute("value")
    page.request.post(f"{url}/policy/activations/{activation}/confirm", form={"csrf": csrf})
    page.goto(f"{url}/policy")
    assert page.locator("#policy-history tbody tr").count() == before + 1
    assert page.locator(f"#pending-{activation}").count() == 1
    shot(page, "what-if-pending")
    page.close()

    second = browser.new_page(viewport={"width": 1280, "height": 900})
    sign_in(second, own_demo, "manager2")
    second.goto(f"{url}/policy")
    second.locator(f"#pending-{activation} .confirm-activation").click()
    second.wait_for_url(f"{url}/policy")
    assert "is active" in second.locator("#flash").inner_text()
    assert second.locator("#policy-history tbody tr").count() == before + 2
    assert second.locator(f"#pending-{activation}").count() == 0
    second.close()


def test_the_cli_leaves_a_loosening_policy_pending(own_demo: DemoServer, tmp_path: Path) -> None:
    from tests.e2e.conftest import cli

    example = Path(__file__).parents[2] / "policies" / "check-policy.example.yaml"
    text = example.read_text(encoding="utf-8")
    tight = tmp_path / "tight.yaml"
    tight.write_text(text.replace('manager: {CNY: "2000000.00"', 'manager: {CNY: "1000000.00"'), encoding="utf-8")
    loose = tmp_path / "loose.yaml"
    loose.write_text(text.replace('manager: {CNY: "2000000.00"', 'manager: {CNY: "9000000.00"'), encoding="utf-8")
    done = cli(own_demo.cwd, "policy", "activate", str(tight), "--user", "admin", db=own_demo.db)
    assert done.returncode == 0 and "is active" in done.stdout, done.stderr
    asked = cli(own_demo.cwd, "policy", "activate", str(loose), "--user", "admin", db=own_demo.db)
    assert asked.returncode == 0 and "waits for a second person" in asked.stdout, asked.stderr
    activation = re.search(r"activation\s+(\w+)\s+waits", asked.stdout).group(1)  # type: ignore[union-attr]
    own = cli(own_demo.cwd, "policy", "confirm", activation, "--user", "admin", db=own_demo.db)
    assert own.returncode != 0  # the same person may not confirm their own loosening
    confirmed = cli(own_demo.cwd, "policy", "confirm", activation, "--user", "manager", db=own_demo.db)
    assert confirmed.returncode == 0 and "confirmed" in confirmed.stdout, confirmed.stderr
