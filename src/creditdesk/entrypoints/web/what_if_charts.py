"""The what-if's charts as Apache ECharts options (templates/_chart.html draws them): the frontier
of today against the proposal seed by seed, the monthly paths, and each seed's figures."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from creditdesk.domain.monitoring import add_months
from creditdesk.entrypoints.web import charts

Translate = Callable[..., str]
Option = dict[str, Any]

_PATHS = ("net_profit", "sales", "bad_debt_losses", "receivables", "dso", "blocked_orders")
_UNITS = {"dso": "days", "blocked_orders": "count"}


def _name(policy: dict[str, Any], index: int, tr: Translate) -> str:
    return tr("wi_today") if index == 0 else tr("wi_proposed_named", name=policy["policy"])


def frontier(document: dict[str, Any], tr: Translate) -> Option:
    """Net profit against losses, one point a seed, today's and the proposal's."""
    option: Option = {
        "color": ["#8c8c8c", "#2f5d8a"],
        "title": {"text": tr("wi_chart_frontier"), "left": 0, "textStyle": {"fontSize": 14}},
        "tooltip": {"trigger": "item", "confine": True},
        "legend": {"top": 32, "type": "scroll"},
        "grid": {"left": 8, "right": 32, "top": 100, "bottom": 32, "containLabel": True},
        "xAxis": {
            "type": "value",
            "name": tr("wi_figure_bad_debt_losses"),
            "nameLocation": "middle",
            "nameGap": 28,
            "scale": True,
        },
        "yAxis": {"type": "value", "name": tr("wi_figure_net_profit"), "nameLocation": "end", "scale": True},
        "cdFormat": {"value": ["amount"], "xAmount": True},
        "series": [
            {
                "name": _name(policy, i, tr),
                "type": "scatter",
                "symbolSize": 12,
                "data": [
                    [loss, profit]
                    for loss, profit in zip(
                        policy["per_seed"]["bad_debt_losses"], policy["per_seed"]["net_profit"], strict=True
                    )
                ],
            }
            for i, policy in enumerate(document["policies"])
        ],
    }
    return option


def months(document: dict[str, Any]) -> list[str]:
    start = date.fromisoformat(document["start"])
    return [add_months(start, k).isoformat()[:7] for k in range(document["months"])]


def path(document: dict[str, Any], name: str, tr: Translate) -> Option:
    unit = _UNITS.get(name, "amount")
    return charts.line_option(
        tr("wi_chart_path", figure=tr(f"wi_figure_{name}")),
        months(document),
        [
            (_name(policy, i, tr), [round(v) if unit == "count" else v for v in policy["monthly"][name]["mean"]])
            for i, policy in enumerate(document["policies"])
        ],
        category_name=tr("wi_month"),
        value_names=[tr(f"wi_figure_{name}")],
        units=[unit],
    )


def seeds(document: dict[str, Any], name: str, tr: Translate) -> Option:
    unit = _UNITS.get(name, "amount")
    return charts.bar_option(
        tr("wi_chart_seeds", figure=tr(f"wi_figure_{name}")),
        [str(k + 1) for k in range(document["seeds"])],
        [(_name(policy, i, tr), policy["per_seed"][name]) for i, policy in enumerate(document["policies"])],
        category_name=tr("wi_seed"),
        value_name=tr(f"wi_figure_{name}"),
        unit=unit,
    )


def result_charts(document: dict[str, Any], lang: str, tr: Translate) -> dict[str, Option]:
    return {
        "frontier": frontier(document, tr),
        "profit": path(document, "net_profit", tr),
        "blocked": path(document, "blocked_orders", tr),
    }


def report_charts(document: dict[str, Any], lang: str, tr: Translate) -> dict[str, Any]:
    return {
        "frontier": frontier(document, tr),
        "paths": {name: path(document, name, tr) for name in _PATHS},
        "seeds": {name: seeds(document, name, tr) for name in ("net_profit", "bad_debt_losses", "dso")},
    }
