"""The charts' Apache ECharts options, built here from the same snapshots and rows as the report
tables and the API, and rendered as JSON beside each chart (templates/_chart.html), which
static/charts.js draws. The figures are the API's, as numbers (a decimal string becomes the float
it reads as); nothing is rounded here.

JSON carries no functions, so an option says how to format its figures in ``cdFormat``, which
charts.js reads (and removes before drawing):

- ``value``: the unit of each value axis, by index: ``amount`` (万/亿 in Chinese, K/M/B in
  English; exact in the tooltip), ``ratio`` (a share, 0.1665 → 16.7 %), ``percent`` (already in
  per cent, 92.75 → 92.8 %), ``days``, ``count``;
- ``category``: ``date`` or ``month`` (ISO dates shown in the reader's form), or None;
- ``horizontal``: the value axis is the x axis;
- ``band``: the exact low and high of a P10–P90 band drawn as a stack (its upper series carries
  the difference).

Goals: the DSO goal is the best possible DSO (the DSO if every customer paid on its due date: the
book's payment terms), the CEI goal :data:`CEI_GOAL` %, the ADD goal :data:`ADD_GOAL_DAYS` days.
The cash forecast's funding floor is the weekly cash cost of what is sold (see
:func:`funding_floor`) unless the page is given one."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from decimal import Decimal
from typing import Any

from creditdesk.domain.limit_methods import ProfitInputs, profit_optimal_limit
from creditdesk.entrypoints.web import i18n

CEI_GOAL = 80.0  # per cent of what could be collected
ADD_GOAL_DAYS = 5.0  # paid on average within a week of the due date

Option = dict[str, Any]
Translate = Callable[[str], str]

_GOAL = {"type": "dashed", "width": 1.5}
_PALETTE = ["#2f5d8a", "#d4813a", "#4c9a6a", "#b8403a", "#7a5fa8", "#8c8c8c", "#c9a227", "#3aa3b8"]


def number(value: Any) -> float | None:
    """An API figure (decimal string, float, int) as the number the chart draws."""
    if value is None or value == "":
        return None
    return float(Decimal(value)) if isinstance(value, str) else float(value)


def _axis(name: str, **extra: Any) -> dict[str, Any]:
    return {"type": "value", "name": name, "nameLocation": "end", "nameTextStyle": {"align": "left"}, **extra}


_BELOW = {"nameLocation": "middle", "nameGap": 30}  # an x axis's name: centred below its labels


def _base(title: str, legend: bool, fmt: dict[str, Any]) -> Option:
    option: Option = {
        "color": _PALETTE,
        "title": {"text": title, "left": 0, "textStyle": {"fontSize": 14}},
        "tooltip": {"trigger": "axis", "confine": True},
        "grid": {"left": 8, "right": 40, "top": 100 if legend else 76, "bottom": 30, "containLabel": True},
        "cdFormat": fmt,
    }
    if legend:
        option["legend"] = {"top": 32, "type": "scroll"}
    return option


def bar_option(
    title: str,
    categories: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    *,
    category_name: str,
    value_name: str,
    unit: str = "amount",
    stacked: bool = False,
    horizontal: bool = False,
    category_format: str | None = None,
    goal: tuple[str, float] | None = None,
) -> Option:
    """Bars of ``series`` (name, one value a category), side by side or stacked; ``goal`` a dashed
    line at a value."""
    option = _base(
        title,
        len(series) > 1,
        {"value": [unit], "category": category_format, "horizontal": horizontal},
    )
    category_axis = {
        **({} if horizontal else _BELOW),
        "type": "category",
        "name": category_name,
        "data": list(categories),
        # Every label of a short axis (buckets, industries); a long one (groups) drops what overlaps.
        "axisLabel": {"interval": 0, "fontSize": 11} if len(categories) <= 12 else {"hideOverlap": True},
    }
    value_axis = {**_axis(value_name), **(_BELOW if horizontal else {})}
    option["xAxis"], option["yAxis"] = (value_axis, category_axis) if horizontal else (category_axis, value_axis)
    option["series"] = [
        {"name": name, "type": "bar", "data": list(values), **({"stack": "total"} if stacked else {})}
        for name, values in series
    ]
    if goal is not None:
        _goal_line(option["series"][0], goal, horizontal)
    return option


def _goal_line(series: dict[str, Any], goal: tuple[str, float], horizontal: bool = False) -> None:
    name, value = goal
    series["markLine"] = {
        "symbol": "none",
        "silent": True,
        "lineStyle": {**_GOAL, "color": "#b8403a"},
        "label": {"formatter": name, "position": "insideEndTop"},
        "data": [{"xAxis" if horizontal else "yAxis": value, "name": name}],
    }


def line_option(
    title: str,
    categories: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    *,
    category_name: str,
    value_names: Sequence[str],
    units: Sequence[str],
    axis_of: Sequence[int] | None = None,
    goals: Sequence[tuple[int, str, float]] = (),
    category_format: str | None = "month",
) -> Option:
    """Lines over ``categories`` on one or two value axes (``axis_of``: each series' axis);
    ``goals``: (series index, name, value) dashed goal lines."""
    option = _base(title, len(series) > 1, {"value": list(units), "category": category_format})
    option["xAxis"] = {
        **_BELOW,
        "type": "category",
        "name": category_name,
        "data": list(categories),
        "boundaryGap": False,
    }
    # A count's axis steps in whole numbers (no "260.8 blocked orders").
    option["yAxis"] = [
        _axis(name, scale=True, **({"minInterval": 1} if k < len(units) and units[k] == "count" else {}))
        for k, name in enumerate(value_names)
    ]
    if len(value_names) > 1:
        option["yAxis"][1]["splitLine"] = {"show": False}
        option["yAxis"][1]["nameTextStyle"] = {"align": "right"}
    axes = axis_of or [0] * len(series)
    option["series"] = [
        {"name": name, "type": "line", "data": list(values), "yAxisIndex": axes[i], "connectNulls": True}
        for i, (name, values) in enumerate(series)
    ]
    for index, name, value in goals:
        _goal_line(option["series"][index], (name, value))
    return option


# ---- the reports' charts --------------------------------------------------------------------


def _label_of(row: dict[str, Any], by: str | None, lang: str) -> str:
    if by is None:
        return str(row.get("currency", ""))
    value = row.get(by)
    return i18n.label("segment", value, lang) if by == "segment" else str(value)


def _main(rows: list[dict[str, Any]], currency: str | None = None) -> list[dict[str, Any]]:
    """The rows of one currency: ``currency``, else the one with the most receivables."""
    if not rows:
        return []
    if currency is None:
        totals: dict[str, Decimal] = {}
        for row in rows:
            amount = row.get("receivables") or row.get("total") or row.get("open_receivables") or "0"
            totals[row.get("currency", "")] = totals.get(row.get("currency", ""), Decimal(0)) + Decimal(str(amount))
        currency = max(totals, key=lambda c: totals[c])
    return [row for row in rows if row.get("currency", currency) == currency]


def _buckets(row: dict[str, Any]) -> list[str]:
    """An ageing row's buckets in order: "current" then the days-past-due ones."""
    keys = [k for k in row if k == "current" or k[:1].isdigit() or k.startswith("over ")]
    return keys


def ageing_chart(rows: list[dict[str, Any]], by: str | None, lang: str, t: Translate) -> Option | None:
    """Open receivables by bucket: a bar a bucket for the portfolio, or a stacked bar a group."""
    mine = _main(rows)
    if not mine:
        return None
    buckets = _buckets(mine[0])
    currency = mine[0]["currency"]
    names = [i18n.column_label(b, lang) for b in buckets]
    amount = f"{t('chart_amount')} ({currency})"
    if by is None:
        return bar_option(
            t("chart_ageing_title"),
            names,
            [(t("chart_open_receivables"), [number(mine[0][b]) for b in buckets])],
            category_name=t("chart_bucket"),
            value_name=amount,
        )
    shown = mine[:30]  # by customer: the first 30 (the table has them all)
    return bar_option(
        t("chart_ageing_title"),
        [_label_of(r, by, lang) for r in shown],
        [(name, [number(r[b]) for r in shown]) for name, b in zip(names, buckets, strict=True)],
        category_name=i18n.column_label(by, lang),
        value_name=amount,
        stacked=True,
    )


def trend_chart(
    rows: list[dict[str, Any]], by: str | None, lang: str, t: Translate, currency: str | None = None
) -> Option | None:
    """DSO, best possible DSO and ADD at each month-end (days), CEI on the right axis; by a
    grouping, one DSO line a group. Goals: the latest best possible DSO, ADD and CEI goals."""
    mine = _main(rows, currency)
    if not mine:
        return None
    months = sorted({r["as_of"] for r in mine})
    days = t("chart_days")
    if by is not None:
        groups: dict[str, dict[str, Any]] = {}
        for row in mine:
            groups.setdefault(_label_of(row, by, lang), {})[row["as_of"]] = number(row["dso"])
        series = [(name, [values.get(m) for m in months]) for name, values in list(groups.items())[:12]]
        return line_option(
            t("chart_dso_by_group_title"),
            months,
            series,
            category_name=t("chart_month_end"),
            value_names=[f"DSO ({days})"],
            units=["days"],
        )
    latest = mine[-1]
    series = [
        ("DSO", [number(r["dso"]) for r in mine]),
        (t("chart_best_possible_dso"), [number(r["best_possible_dso"]) for r in mine]),
        ("ADD", [number(r["add"]) for r in mine]),
        ("CEI", [number(r["cei"]) for r in mine]),
    ]
    return line_option(
        t("chart_trends_title"),
        [r["as_of"] for r in mine],
        series,
        category_name=t("chart_month_end"),
        value_names=[days, "CEI (%)"],
        units=["days", "percent"],
        axis_of=[0, 0, 0, 1],
        goals=[
            (0, t("chart_dso_goal"), number(latest["best_possible_dso"]) or 0.0),
            (2, t("chart_add_goal"), ADD_GOAL_DAYS),
            (3, t("chart_cei_goal"), CEI_GOAL),
        ],
    )


def dso_chart(rows: list[dict[str, Any]], by: str | None, lang: str, t: Translate) -> Option | None:
    """DSO, countback DSO, best possible DSO and ADD of each row (group), the goal dashed."""
    mine = _main(rows)[:30]
    if not mine:
        return None
    return bar_option(
        t("chart_dso_title"),
        [_label_of(r, by, lang) for r in mine],
        [
            ("DSO", [number(r["dso"]) for r in mine]),
            (t("chart_countback_dso"), [number(r["countback_dso"]) for r in mine]),
            (t("chart_best_possible_dso"), [number(r["best_possible_dso"]) for r in mine]),
            ("ADD", [number(r["add"]) for r in mine]),
        ],
        category_name=i18n.column_label(by, lang) if by else t("chart_currency"),
        value_name=t("chart_days"),
        unit="days",
        goal=(t("chart_dso_goal"), number(mine[0]["best_possible_dso"]) or 0.0) if by is None else None,
    )


def cei_chart(rows: list[dict[str, Any]], by: str | None, lang: str, t: Translate) -> Option | None:
    """CEI of each row (group), with the goal."""
    mine = _main(rows)[:30]
    if not mine:
        return None
    return bar_option(
        t("chart_cei_title"),
        [_label_of(r, by, lang) for r in mine],
        [("CEI", [number(r["cei"]) for r in mine])],
        category_name=i18n.column_label(by, lang) if by else t("chart_currency"),
        value_name="CEI (%)",
        unit="percent",
        goal=(t("chart_cei_goal"), CEI_GOAL),
    )


def ecl_bucket_chart(
    documents: list[dict[str, Any]], lang: str, t: Translate, currency: str | None = None
) -> Option | None:
    """The provision matrix: balance and provision by bucket (the main currency's)."""
    mine = _main(documents, currency)
    if not mine:
        return None
    doc = mine[0]
    matrix = doc["matrix"]
    return bar_option(
        t("chart_ecl_bucket_title"),
        [i18n.column_label(m["bucket"], lang) for m in matrix],
        [
            (t("chart_balance"), [number(m["balance"]) for m in matrix]),
            (t("chart_provision"), [number(m["provision"]) for m in matrix]),
        ],
        category_name=t("chart_bucket"),
        value_name=f"{t('chart_amount')} ({doc['currency']})",
    )


def ecl_segment_chart(documents: list[dict[str, Any]], lang: str, t: Translate) -> Option | None:
    """The provision matrix's ECL beside PD × LGD × EAD, by segment."""
    mine = _main(documents)
    if not mine or not mine[0].get("by_segment"):
        return None
    doc = mine[0]
    rows = doc["by_segment"]
    return bar_option(
        t("chart_ecl_segment_title"),
        [i18n.label("segment", r["segment"], lang) for r in rows],
        [
            (t("chart_provision_matrix"), [number(r["provision_matrix"]) for r in rows]),
            ("PD × LGD × EAD", [number(r["pd_lgd_ead"]) for r in rows]),
        ],
        category_name=t("chart_segment"),
        value_name=f"{t('chart_amount')} ({doc['currency']})",
    )


def funding_floor(document: dict[str, Any], margin_rate: float) -> Decimal:
    """The weekly inflow the business needs before it draws on funding, by default: the weekly
    cash cost of what it sells (the sales run rate × (1 − the policy's margin rate))."""
    run_rate = Decimal(document.get("sales_run_rate_per_week") or "0")
    return (run_rate * (1 - Decimal(str(margin_rate)))).quantize(Decimal("0.01"))


def cash_chart(
    documents: list[dict[str, Any]], floor: Decimal | None, t: Translate, currency: str | None = None
) -> Option | None:
    """The 13 weeks' inflow (open items and new sales): the P10–P90 band, the expected total,
    the due-date method and the funding floor."""
    mine = _main(documents, currency)
    if not mine:
        return None
    doc = mine[0]
    weeks = doc["rows"]

    def with_sales(key: str) -> list[float | None]:
        return [number(str(Decimal(w[key]) + Decimal(w["new_sales"]))) for w in weeks]

    low, high = with_sales("p10"), with_sales("p90")
    band = t("chart_band")
    option = line_option(
        t("chart_cash_title"),
        [w["week_start"] for w in weeks],
        [],
        category_name=t("chart_week_from"),
        value_names=[f"{t('chart_inflow')} ({doc['currency']})"],
        units=["amount"],
        category_format="date",
    )
    option["legend"] = {"top": 32, "type": "scroll"}
    option["grid"]["top"] = 100
    option["cdFormat"]["band"] = {"name": band, "low": low, "high": high}
    line = {"type": "line", "symbol": "none", "yAxisIndex": 0}
    option["series"] = [
        {**line, "name": band, "id": "band-low", "stack": "band", "data": low, "lineStyle": {"opacity": 0}},
        {
            **line,
            "name": band,
            "id": "band-high",
            "stack": "band",
            "data": [None if h is None or lo is None else h - lo for lo, h in zip(low, high, strict=True)],
            "lineStyle": {"opacity": 0},
            "areaStyle": {"color": "rgba(47, 93, 138, 0.18)"},
        },
        {
            **line,
            "name": t("chart_expected_total"),
            "symbol": "circle",
            "data": [number(w["expected_total"]) for w in weeks],
        },
        {**line, "name": t("chart_due_date_method"), "data": with_sales("due_date"), "lineStyle": {"type": "dotted"}},
        {
            "type": "bar",
            "name": t("chart_new_sales"),
            "data": [number(w["new_sales"]) for w in weeks],
            "barWidth": "40%",
            "itemStyle": {"opacity": 0.35},
        },
    ]
    if floor is not None:
        option["series"].append(
            {
                **line,
                "name": t("chart_funding_floor"),
                "data": [number(str(floor))] * len(weeks),
                "lineStyle": {**_GOAL, "color": "#b8403a"},
            }
        )
    return option


def wcr_chart(rows: list[dict[str, Any]], by: str | None, lang: str, t: Translate) -> Option | None:
    """Working capital: receivables, the requirement and its financing cost (and the what-if's
    beside them); by a grouping, the customers' median DSO, DIO, DPO and cash conversion cycle."""
    if not rows:
        return None
    if by is not None:
        shown = rows[:30]
        medians = ("median_dso", "median_dio", "median_dpo", "median_ccc")
        return bar_option(
            t("chart_wcr_group_title"),
            [_label_of(r, by, lang) for r in shown],
            [(i18n.column_label(k, lang), [number(r.get(k)) for r in shown]) for k in medians],
            category_name=i18n.column_label(by, lang),
            value_name=t("chart_days"),
            unit="days",
        )
    mine = _main(rows)
    row = mine[0]
    keys = [k for k in ("receivables", "wcr", "financing_cost") if row.get(k) is not None]
    series = [(t("chart_now"), [number(row[k]) for k in keys])]
    what_if = row.get("what_if") or {}
    if what_if and all(what_if.get(k) is not None for k in keys):
        series.append((t("chart_what_if"), [number(what_if[k]) for k in keys]))
    return bar_option(
        t("chart_wcr_title"),
        [i18n.column_label(k, lang) for k in keys],
        series,
        category_name=t("chart_figure"),
        value_name=f"{t('chart_amount')} ({row['currency']})",
    )


# ---- the dashboard --------------------------------------------------------------------------


def dashboard(
    panels: dict[str, Any],
    totals: Sequence[Any],
    buckets: Sequence[str],
    board: Any,
    migration: Any,
    currency: str | None,
    lang: str,
) -> dict[str, Any]:
    """The dashboard's figures and charts: the snapshots' documents in the main currency
    (``losses``, ``cash``) and the options of its charts by id."""

    def t(key: str) -> str:
        return i18n.translate(key, lang)

    def one(body: Any) -> dict[str, Any] | None:
        mine = [row for row in body or [] if row.get("currency") == currency]
        return mine[0] if mine else None

    found: dict[str, Option | None] = {}
    for c in totals:
        found[f"chart-ageing-{c.currency}"] = bar_option(
            t("chart_ageing_title"),
            [i18n.column_label(b, lang) for b in buckets],
            [(t("chart_open_receivables"), [number(c.ageing[b].amount) for b in buckets])],
            category_name=t("chart_bucket"),
            value_name=f"{t('chart_amount')} ({c.currency})",
        )
    found["chart-trends"] = trend_chart(panels["trends"].body or [], None, lang, t, currency)
    found["chart-ecl"] = ecl_bucket_chart(panels["ecl"].body or [], lang, t, currency)
    found["chart-cash"] = cash_chart(panels["cash"].body or [], None, t, currency)
    if board is not None:
        found["chart-grades"] = grade_chart(board.grades, board.currency, t)
        found["chart-industries"] = share_chart(
            t("chart_industry_title"),
            [_relabel(line, i18n.label("industry", line.label, lang)) for line in board.industries],
            board.currency,
            t("chart_industry"),
            t,
        )
        found["chart-countries"] = share_chart(
            t("chart_country_title"),
            [_relabel(line, i18n.label("country", line.label, lang)) for line in board.countries],
            board.currency,
            t("chart_country"),
            t,
        )
        found["chart-groups"] = share_chart(t("chart_group_title"), board.groups, board.currency, t("chart_group"), t)
    found["chart-migration"] = migration_chart(migration, t)
    return {
        "losses": one(panels["ecl"].body),
        "cash": one(panels["cash"].body),
        "dash_charts": {key: option for key, option in found.items() if option is not None},
    }


def _relabel(line: Any, text: str) -> Any:
    return replace(line, label=text)


def share_chart(title: str, lines: Sequence[Any], currency: str, category_name: str, t: Translate) -> Option | None:
    """Exposure by a breakdown (grades, industries, countries, groups): horizontal bars, the
    number of customers in the tooltip's second series."""
    if not lines:
        return None
    labels = [str(line.label) for line in lines]
    option = bar_option(
        title,
        labels[::-1],
        [(f"{t('chart_exposure')} ({currency})", [number(line.exposure.amount) for line in lines][::-1])],
        category_name=category_name,
        value_name=currency,
        horizontal=True,
    )
    option["cdFormat"]["counts"] = {"name": t("chart_customers"), "data": [line.customers for line in lines][::-1]}
    return option


def grade_chart(lines: Sequence[Any], currency: str, t: Translate) -> Option | None:
    """Customers and exposure by grade: bars of exposure, the count of customers as a line."""
    if not lines:
        return None
    option = bar_option(
        t("chart_grades_title"),
        [str(line.label) for line in lines],
        [(f"{t('chart_exposure')} ({currency})", [number(line.exposure.amount) for line in lines])],
        category_name=t("chart_grade"),
        value_name=currency,
    )
    option["yAxis"] = [option["yAxis"], {**_axis(t("chart_customers")), "splitLine": {"show": False}}]
    option["cdFormat"]["value"] = ["amount", "count"]
    option["legend"] = {"top": 32}
    option["grid"]["top"] = 100
    option["series"].append(
        {"name": t("chart_customers"), "type": "line", "yAxisIndex": 1, "data": [line.customers for line in lines]}
    )
    return option


def migration_chart(migration: Any, t: Translate) -> Option | None:
    """The grade migration matrix as a heat map: from the earlier grade (rows) to the latest."""
    if migration is None:
        return None
    grades = [str(g) for g in migration.grades]
    cells = [
        [j, i, migration.counts.get(a, {}).get(b, 0)]
        for i, a in enumerate(migration.grades)
        for j, b in enumerate(migration.grades)
    ]
    top = max((c[2] for c in cells), default=1) or 1
    option = _base(t("chart_migration_title"), False, {"value": ["count"], "heatmap": True})
    option["tooltip"] = {"trigger": "item", "confine": True}
    option["grid"]["bottom"] = 56
    option["xAxis"] = {
        "type": "category",
        "name": t("chart_grade_to"),
        "data": grades,
        "nameLocation": "middle",
        "nameGap": 28,
    }
    option["yAxis"] = {"type": "category", "name": t("chart_grade_from"), "data": grades, "inverse": True}
    option["visualMap"] = {
        "min": 0,
        "max": top,
        "calculable": True,
        "orient": "horizontal",
        "left": "center",
        "bottom": 0,
        "itemHeight": 120,
        "inRange": {"color": ["#f4f7fb", "#2f5d8a"]},
    }
    option["series"] = [
        {"name": t("chart_customers"), "type": "heatmap", "data": cells, "label": {"show": True, "fontSize": 10}}
    ]
    return option


# ---- the customer page ----------------------------------------------------------------------


def behaviour_chart(months: Sequence[Any], currency: str, t: Translate) -> Option | None:
    """A customer's months: invoiced and paid (bars), the days paid late (line, right axis)."""
    if not months:
        return None
    option = bar_option(
        t("chart_behaviour_title"),
        [m.month for m in months],
        [
            (t("chart_invoiced"), [number(m.invoiced.amount) for m in months]),
            (t("chart_paid"), [number(m.paid.amount) for m in months]),
        ],
        category_name=t("chart_month"),
        value_name=currency,
    )
    option["yAxis"] = [option["yAxis"], {**_axis(t("chart_days_late")), "splitLine": {"show": False}}]
    option["cdFormat"]["value"] = ["amount", "days"]
    option["cdFormat"]["category"] = "yearmonth"
    option["series"].append(
        {
            "name": t("chart_days_late"),
            "type": "line",
            "yAxisIndex": 1,
            "connectNulls": True,
            "data": [m.days_late for m in months],
        }
    )
    return option


def grade_history_chart(history: Sequence[dict[str, Any]], t: Translate) -> Option | None:
    """A customer's grade at each scoring (1 best, 10 default), PD on the right axis."""
    if not history:
        return None
    ordered = sorted(history, key=lambda h: str(h["as_of"]))
    option = line_option(
        t("chart_grade_history_title"),
        [str(h["as_of"]) for h in ordered],
        [(t("chart_grade"), [h["grade"] for h in ordered]), ("PD", [h["pd"] for h in ordered])],
        category_name=t("chart_scored_on"),
        value_names=[t("chart_grade"), "PD"],
        units=["count", "ratio"],
        axis_of=[0, 1],
        category_format="date",
    )
    option["yAxis"][0].update({"inverse": True, "min": 1, "max": 10, "interval": 1, "scale": False})
    option["series"][0]["step"] = "end"
    return option


def profit_curve_chart(
    curve: Sequence[tuple[Decimal, float]],
    optimum: Decimal | None,
    marks: Sequence[tuple[str, Decimal | None]],
    currency: str,
    t: Translate,
) -> Option | None:
    """Expected annual profit against the limit, the optimum and ``marks`` (current,
    recommended) as vertical lines."""
    if not curve:
        return None
    option = _base(t("chart_profit_title"), False, {"value": ["amount"], "category": None, "xAmount": True})
    option["xAxis"] = {
        "type": "value",
        "name": f"{t('chart_limit')} ({currency})",
        "nameLocation": "middle",
        "nameGap": 28,
    }
    option["yAxis"] = _axis(f"{t('chart_expected_profit')} ({currency})", scale=True)
    option["grid"]["bottom"] = 36
    lines = [(t("chart_optimum"), optimum), *marks]
    option["series"] = [
        {
            "name": t("chart_expected_profit"),
            "type": "line",
            "symbol": "none",
            "smooth": True,
            "data": [[float(limit), round(profit, 2)] for limit, profit in curve],
            "markLine": {
                "symbol": "none",
                "label": {"formatter": "{b}", "position": "insideEndTop"},
                "lineStyle": _GOAL,
                "data": [{"xAxis": float(value), "name": name} for name, value in lines if value is not None],
            },
        }
    ]
    return option


def customer(
    behaviour: Sequence[Any],
    currency: str,
    score: dict[str, Any] | None,
    recommendation: Any,
    current_limit: Decimal | None,
    lang: str,
) -> dict[str, Option]:
    """The customer page's charts by id: payment behaviour, grade over time, and the
    profit-optimal limit's curve (recomputed from the recommendation's own inputs) with the
    optimum, the current limit and the recommended one marked."""

    def t(key: str) -> str:
        return i18n.translate(key, lang)

    found: dict[str, Option | None] = {
        "chart-behaviour": behaviour_chart(behaviour, currency, t),
        "chart-grade-history": grade_history_chart((score or {}).get("history") or [], t),
    }
    working = next((w for w in getattr(recommendation, "methods", []) if w.method == "profit_optimal"), None)
    if working is not None and working.amount is not None and working.inputs:
        inputs = profit_inputs(working.inputs)
        curve = profit_optimal_limit(inputs, with_curve=True).curve
        final = recommendation.final.amount
        marks = [(t("chart_current_limit"), current_limit), (t("chart_recommended_limit"), final)]
        found["chart-profit"] = profit_curve_chart(curve, working.amount, marks, currency, t)
    return {key: option for key, option in found.items() if option is not None}


def profit_inputs(inputs: dict[str, str]) -> ProfitInputs:
    """The profit-optimal method's inputs back from its working's (all written as text)."""
    whole = {"terms_days", "grace_days"}
    return ProfitInputs(**{k: int(v) if k in whole else float(v) for k, v in inputs.items()})  # type: ignore[arg-type]
