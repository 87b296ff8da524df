"""The policy study as a self-contained HTML report (charts drawn here as inline SVG: nothing is
fetched when it is opened) and as a workbook."""

from __future__ import annotations

import io
from pathlib import Path
from typing import IO, Any

import matplotlib

matplotlib.use("Agg")  # no display: the charts are only ever written out

import matplotlib.pyplot as plt
import pandas as pd
from jinja2 import Environment, PackageLoader, select_autoescape
from matplotlib.figure import Figure

from creditdesk.service.simulation.summary import HEADLINE

_SHOWN = ("sales", "bad_debt_losses", "net_profit", "dso", "blocked_orders", "good_customers_blocked")
_PATHS = ("sales", "bad_debt_losses", "net_profit", "receivables", "dso", "blocked_orders")


def _svg(figure: Figure) -> str:
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", bbox_inches="tight")
    plt.close(figure)
    text = buffer.getvalue()
    return text[text.index("<svg") :]  # inline: no XML prologue


def _frontier_chart(document: dict[str, Any]) -> str | None:
    points = document["frontier"]["points"]
    if not points:
        return None
    figure, axes = plt.subplots(figsize=(6.5, 4))
    x = [p["loss_rate"]["mean"] * 100 for p in points]
    y = [p["sales_captured"]["mean"] * 100 for p in points]
    axes.plot(x, y, marker="o", label=document["frontier"]["policy"])
    for point, xi, yi in zip(points, x, y, strict=True):
        axes.annotate(point["appetite"], (xi, yi), textcoords="offset points", xytext=(4, -10), fontsize=8)
    for policy in document["policies"]:
        axes.scatter(policy["loss_rate"]["mean"] * 100, policy["sales_captured"]["mean"] * 100, marker="s")
        axes.annotate(
            policy["policy"],
            (policy["loss_rate"]["mean"] * 100, policy["sales_captured"]["mean"] * 100),
            textcoords="offset points",
            xytext=(4, 4),
            fontsize=8,
        )
    axes.set_xlabel("loss rate, % of sales")
    axes.set_ylabel("sales captured, % of demand")
    axes.set_title("Efficient frontier as the risk appetite moves")
    axes.grid(alpha=0.3)
    return _svg(figure)


def _path_chart(document: dict[str, Any], name: str) -> str:
    figure, axes = plt.subplots(figsize=(6.5, 3.2))
    for policy in document["policies"]:
        series = policy["monthly"][name]
        months = range(1, len(series["mean"]) + 1)
        (line,) = axes.plot(months, series["mean"], label=policy["policy"])
        axes.fill_between(months, series["p05"], series["p95"], alpha=0.15, color=line.get_color())
    axes.set_title(f"{name.replace('_', ' ')} by month (mean, 5–95 % band)")
    axes.set_xlabel("month")
    axes.grid(alpha=0.3)
    axes.legend(fontsize=7)
    return _svg(figure)


def _seed_chart(document: dict[str, Any], name: str) -> str:
    figure, axes = plt.subplots(figsize=(6.5, 3.2))
    values = [policy["per_seed"][name] for policy in document["policies"]]
    axes.boxplot(values, orientation="horizontal", tick_labels=[policy["policy"] for policy in document["policies"]])
    axes.set_title(f"{name.replace('_', ' ')} over the seeds")
    axes.grid(alpha=0.3)
    return _svg(figure)


def write_report(document: dict[str, Any], target: Path) -> None:
    environment = Environment(
        loader=PackageLoader("creditdesk.entrypoints.web", "templates"), autoescape=select_autoescape()
    )
    template = environment.get_template("simulation_report_file.html")
    charts = {
        "frontier": _frontier_chart(document),
        "paths": [_path_chart(document, name) for name in _PATHS],
        "seeds": [_seed_chart(document, name) for name in ("net_profit", "bad_debt_losses", "dso")],
    }
    target.write_text(template.render(doc=document, charts=charts, shown=_SHOWN), encoding="utf-8")


def study_workbook(document: dict[str, Any], target: Path | IO[bytes]) -> None:
    """Sheets: the policies' figures, their differences from the baseline, the monthly paths,
    the customers who gain and lose, the frontier and every seed's result."""
    summary = [
        {"policy": p["policy"], **{f"{n}_{k}": p[n][k] for n in HEADLINE for k in ("mean", "p05", "p95")}}
        for p in document["policies"]
    ]
    differences = [
        {
            "policy": p["policy"],
            "against": p["against"],
            **{f"{n}_{k}": v[k] for n, v in p["difference"].items() for k in v},
        }
        for p in document["policies"]
    ]
    monthly = [
        {
            "policy": p["policy"],
            "month": m + 1,
            **{f"{n}_{k}": p["monthly"][n][k][m] for n in p["monthly"] for k in ("mean", "p05", "p95")},
        }
        for p in document["policies"]
        for m in range(document["months"])
    ]
    customers = [
        {"policy": p["policy"], "side": side, **row}
        for p in document["policies"]
        for side in ("top_gainers", "top_losers")
        for row in p["customers"][side]
    ]
    frontier = [
        {
            "appetite": f["appetite"],
            **{
                f"{n}_{k}": f[n][k]
                for n in ("sales_captured", "loss_rate", "net_profit")
                for k in ("mean", "p05", "p95")
            },
        }
        for f in document["frontier"]["points"]
    ]
    seeds = [
        {"policy": p["policy"], "seed": k + 1, **{n: p["per_seed"][n][k] for n in p["per_seed"]}}
        for p in document["policies"]
        for k in range(document["seeds"])
    ]
    with pd.ExcelWriter(target, engine="openpyxl") as book:
        for name, rows in (
            ("policies", summary),
            ("differences", differences),
            ("monthly", monthly),
            ("customers", customers),
            ("frontier", frontier),
            ("seeds", seeds),
        ):
            pd.DataFrame(rows if rows else [{"policy": None}]).to_excel(book, sheet_name=name, index=False)
