"""The charts: every report page and the dashboard draw a chart (ECharts, from /static: no
network) whose figures, read from the JSON beside it, are the API's."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from tests.e2e.conftest import DemoServer
from tests.e2e.test_browser import browser, shot, sign_in, until_fresh

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

__all__ = ["browser"]  # the fixture, shared

BUCKETS = ("current", "1-30", "31-60", "61-90", "91-180", "over 180")


def _figure(text: str) -> float:
    return float(Decimal(text))


def drawn(page: Any, chart_id: str) -> dict[str, Any]:
    """The chart's option as the page carries it, once ECharts has drawn it into its box."""
    page.wait_for_function(
        "id => { const box = document.getElementById(id);"
        " return !!(window.echarts && box && echarts.getInstanceByDom(box) && box.querySelector('svg, canvas')); }",
        arg=chart_id,
    )
    option: dict[str, Any] = json.loads(page.locator(f"#{chart_id}-data").text_content())
    assert option["title"]["text"] and option["tooltip"]
    for axis in (option["xAxis"], option["yAxis"]):
        for one in axis if isinstance(axis, list) else [axis]:
            assert one.get("name"), f"{chart_id}: an axis without a name"
    return option


def series(option: dict[str, Any], name: str) -> list[Any]:
    found = [s["data"] for s in option["series"] if s["name"] == name]
    assert found, f"no series {name!r} in {[s['name'] for s in option['series']]}"
    return found[0]


def _report(page: Any, server: DemoServer, name: str) -> None:
    page.goto(f"{server.url}/reports/{name}")
    until_fresh(page, "#report-fresh")


def test_every_report_page_charts_the_apis_figures(browser: Any, demo_server: DemoServer) -> None:
    page = browser.new_page(viewport={"width": 768, "height": 1000})
    sign_in(page, demo_server, "viewer")
    with demo_server.client("viewer") as api:

        def rows(name: str) -> list[dict[str, Any]]:
            return [r for r in api.get(f"/api/v1/reports/{name}").json()["rows"] if r.get("currency", "CNY") == "CNY"]

        _report(page, demo_server, "aging")
        option = drawn(page, "chart-aging")
        assert option["series"][0]["data"] == [_figure(rows("aging")[0][b]) for b in BUCKETS]
        assert option["cdFormat"]["value"] == ["amount"]  # 万/亿 or K/M on the axis, exact in the tooltip

        _report(page, demo_server, "dso")
        option = drawn(page, "chart-dso")
        dso = rows("dso")[0]
        assert series(option, "DSO") == [dso["dso"]] and series(option, "ADD") == [dso["add"]]
        assert option["series"][0]["markLine"]["data"][0]["yAxis"] == dso["best_possible_dso"]  # the goal
        # The ratios read as per cent on the page.
        headers = [th.get_attribute("data-key") for th in page.locator("#report-table thead th").all()]
        cells = dict(
            zip(headers, page.locator("#report-table tbody tr").first.locator("td").all_inner_texts(), strict=True)
        )
        assert cells["overdue_ratio"] == f"{dso['overdue_ratio'] * 100:.1f} %"

        _report(page, demo_server, "cei")
        option = drawn(page, "chart-cei")
        assert series(option, "CEI") == [rows("cei")[0]["cei"]]
        assert option["series"][0]["markLine"]["data"][0]["yAxis"] == 80.0

        _report(page, demo_server, "trends")
        option = drawn(page, "chart-trends")
        trends = rows("trends")
        assert option["xAxis"]["data"] == [r["as_of"] for r in trends]
        assert series(option, "DSO") == [r["dso"] for r in trends]
        assert series(option, "CEI") == [r["cei"] for r in trends]
        assert series(option, "ADD") == [r["add"] for r in trends]

        _report(page, demo_server, "ecl")
        ecl = rows("ecl")[0]
        option = drawn(page, "chart-ecl-bucket")
        assert option["series"][1]["data"] == [_figure(m["provision"]) for m in ecl["matrix"]]
        option = drawn(page, "chart-ecl-segment")
        assert option["series"][0]["data"] == [_figure(s["provision_matrix"]) for s in ecl["by_segment"]]
        assert series(option, "PD × LGD × EAD") == [_figure(s["pd_lgd_ead"]) for s in ecl["by_segment"]]

        _report(page, demo_server, "cash")
        option = drawn(page, "chart-cash")
        forecast = next(d for d in api.get("/api/v1/forecast/cash").json()["currencies"] if d["currency"] == "CNY")
        weeks = forecast["rows"]
        assert option["xAxis"]["data"] == [w["week_start"] for w in weeks]
        band = option["cdFormat"]["band"]
        assert band["low"] == [float(Decimal(w["p10"]) + Decimal(w["new_sales"])) for w in weeks]
        assert band["high"] == [float(Decimal(w["p90"]) + Decimal(w["new_sales"])) for w in weeks]
        assert [s["data"] for s in option["series"] if s.get("symbol") == "circle"][0] == [
            _figure(w["expected_total"]) for w in weeks
        ]
        floor = option["series"][-1]["data"]  # the funding floor: the weekly cash cost of sales by default
        assert len(set(floor)) == 1 and 0 < floor[0] < _figure(forecast["sales_run_rate_per_week"])
        assert page.locator("#chart-floor-note").count() == 1
        page.fill("#floor", "1234567")
        page.click("#report-form button[type=submit]")
        assert drawn(page, "chart-cash")["series"][-1]["data"][0] == 1234567.0

        _report(page, demo_server, "wcr")
        option = drawn(page, "chart-wcr")
        wcr = rows("wcr")[0]
        assert option["series"][0]["data"] == [_figure(wcr[k]) for k in ("receivables", "wcr", "financing_cost")]
        assert page.evaluate("document.documentElement.scrollWidth") <= 768  # the charts fit 768 px
        shot(page, "chart-wcr-768")
    page.close()


def test_the_dashboard_and_a_customer_chart_the_apis_figures(browser: Any, demo_server: DemoServer) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    sign_in(page, demo_server, "viewer")
    for panel in ("trends", "losses", "cash-forecast"):
        until_fresh(page, f"#{panel}:not(:has(.stale-note)) .chart")
    with demo_server.client("viewer") as api:
        ageing = next(r for r in api.get("/api/v1/reports/aging").json()["rows"] if r["currency"] == "CNY")
        trends = [r for r in api.get("/api/v1/reports/trends").json()["rows"] if r["currency"] == "CNY"]
        ecl = next(r for r in api.get("/api/v1/reports/ecl").json()["rows"] if r["currency"] == "CNY")
        cash = next(d for d in api.get("/api/v1/forecast/cash").json()["currencies"] if d["currency"] == "CNY")
    assert drawn(page, "chart-ageing-CNY")["series"][0]["data"] == [_figure(ageing[b]) for b in BUCKETS]
    assert series(drawn(page, "chart-trends"), "DSO") == [r["dso"] for r in trends]
    assert drawn(page, "chart-ecl")["series"][1]["data"] == [_figure(m["provision"]) for m in ecl["matrix"]]
    option = drawn(page, "chart-cash")
    assert option["cdFormat"]["band"]["high"] == [
        float(Decimal(w["p90"]) + Decimal(w["new_sales"])) for w in cash["rows"]
    ]
    # The breakdowns chart the tables beside them.
    counts = [int(c.replace(",", "")) for c in page.locator("#grades tbody tr td:nth-child(2)").all_inner_texts()]
    if counts:  # scored customers: their grades
        grades = drawn(page, "chart-grades")
        assert series(grades, grades["series"][1]["name"]) == counts
    for table, chart_id in (
        ("industries", "chart-industries"),
        ("countries", "chart-countries"),
        ("groups", "chart-groups"),
    ):
        exposures = page.locator(f"#{table} tbody tr").count()
        assert exposures == 0 or len(drawn(page, chart_id)["series"][0]["data"]) == exposures
    if page.locator("#migration-matrix").count():
        cells = sum(int(c.replace(",", "")) for c in page.locator("#migration-matrix tbody td").all_inner_texts() if c)
        assert sum(cell[2] for cell in drawn(page, "chart-migration")["series"][0]["data"]) == cells
    shot(page, "chart-dashboard")

    customer_id = page.locator("#customers tbody tr td a").first.inner_text()
    page.goto(f"{demo_server.url}/customers/{customer_id}")
    with demo_server.client("viewer") as api:
        score = api.get(f"/api/v1/customers/{customer_id}/score")
    behaviour = drawn(page, "chart-behaviour")
    assert len(behaviour["xAxis"]["data"]) == 12
    if score.status_code == 200:
        history = sorted(score.json()["history"], key=lambda h: h["as_of"])
        grades_over_time = drawn(page, "chart-grade-history")
        assert grades_over_time["series"][0]["data"] == [h["grade"] for h in history]
    if page.locator("#chart-profit").count():
        profit = drawn(page, "chart-profit")
        curve = profit["series"][0]["data"]
        optimum = profit["series"][0]["markLine"]["data"][0]["xAxis"]
        best = max(curve, key=lambda point: point[1])[0]
        step = curve[1][0] - curve[0][0]
        assert abs(best - optimum) <= step  # the optimum marked is the curve's top
        assert len(profit["series"][0]["markLine"]["data"]) >= 2  # and the current or recommended limit
    page.close()
