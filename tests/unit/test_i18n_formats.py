"""The web's formatters in the reader's form (issue 21): 万/亿 in Chinese with the exact figure on
hover, English unchanged; dates, months and quarters; ratios as per cent; stored values and limit
workings through the catalogue."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from creditdesk.domain.limit_methods import Combination, combine, need_limit, risk_budget_limit, steps_json
from creditdesk.domain.money import Money
from creditdesk.entrypoints.web import i18n
from creditdesk.entrypoints.web.workings import working_note, working_text


def test_chinese_amounts_count_in_wan_and_yi_with_the_exact_figure_on_hover() -> None:
    money = Money(Decimal("12345678.90"), "CNY")
    assert str(i18n.format_money(money, "zh")) == (
        '<span class="amount" title="12,345,678.90 CNY">1,234.57万 CNY</span>'
    )
    assert str(i18n.format_money(Money(Decimal("234567890.12"), "CNY"), "zh")).endswith(">2.35亿 CNY</span>")
    assert str(i18n.format_money(Money(Decimal("9999.99"), "CNY"), "zh")) == "9,999.99 CNY"  # small: as it is
    assert str(i18n.format_money(Money(Decimal("-50000"), "CNY"), "zh")).endswith(">-5.00万 CNY</span>")
    assert str(i18n.format_amount("1010178.59", "zh")) == '<span class="amount" title="1,010,178.59">101.02万</span>'
    assert str(i18n.format_decimal(123456.0, "zh")).endswith(">12.35万</span>")


def test_english_amounts_are_grouped_digits_as_before() -> None:
    assert str(i18n.format_money(Money(Decimal("12345678.90"), "CNY"), "en")) == "12,345,678.90 CNY"
    assert str(i18n.format_amount("1010178.59")) == "1,010,178.59"
    assert str(i18n.format_decimal(Decimal("1234.5"))) == "1,234.50"
    assert str(i18n.format_amount(None)) == "—"


def test_dates_months_quarters_and_moments_in_the_readers_form() -> None:
    assert i18n.format_date(date(2026, 12, 19), "zh") == "2026年12月19日"
    assert i18n.format_date("2026-12-19", "zh") == "2026年12月19日"
    assert i18n.format_date("2026-06", "zh") == "2026年6月"
    assert i18n.format_date("2026-06", "en") == "2026-06"
    assert i18n.format_date(date(2026, 12, 19), "en") == "2026-12-19"
    assert i18n.format_date(None, "zh") == "—"
    assert i18n.format_period("2025Q3", "zh") == "2025年第3季度"
    assert i18n.format_period("2025Q3", "en") == "2025 Q3"
    moment = datetime(2026, 11, 19, 13, 19, 3, 46646, tzinfo=UTC)
    assert i18n.format_datetime(moment, "zh") == "2026年11月19日 13:19 UTC"
    assert i18n.format_datetime(moment, "en") == "2026-11-19 13:19 UTC"


def test_report_cells_show_ratios_as_per_cent_and_codes_as_words() -> None:
    assert i18n.format_cell(0.1665, "en", "overdue_ratio") == "16.7 %"
    assert i18n.format_cell(0.0123, "zh", "what_if_loss_rate") == "1.2 %"
    assert i18n.format_cell(85.26, "en", "cei") == "85.3 %"
    assert i18n.format_cell(0.1665, "en") == "0.1665"  # no column named: as computed
    assert i18n.format_cell("2026-06-30", "zh", "as_of") == "2026年6月30日"
    assert str(i18n.format_cell("1234567.00", "zh", "receivables")).endswith(">123.46万</span>")
    assert i18n.format_cell("portfolio", "zh", "scope") == "全部客户"
    assert i18n.format_cell("strategic", "zh", "segment") == "战略客户"
    assert i18n.format_cell(1234, "zh", "customers") == "1,234"
    assert i18n.format_cell(None, "zh") == ""


def test_stored_values_have_words_in_both_languages() -> None:
    assert i18n.label("role", "manager", "zh") == "信用经理"
    assert i18n.label("segment", "state_owned", "zh") == "国有企业"
    assert i18n.label("industry", "manufacture", "zh") == "制造业"
    assert i18n.label("bucket", "over 180", "zh") == "180 天以上"
    assert i18n.label("reason", "OVER_LIMIT", "zh") == "超出信用额度"
    assert i18n.label("method", "risk_budget", "zh") == "风险预算法"
    assert i18n.label("feature", "QUICK_RATIO", "zh") == "速动比率"
    assert i18n.label("feature", "quick_ratio", "en") == "quick ratio"
    assert i18n.label("event", "limit.request.approved", "zh") == "额度申请已批准"
    assert i18n.label("job", "rescore", "zh") == "重新评分"
    assert i18n.label("segment", "unheard_of", "zh") == "unheard_of"  # no entry: the value itself
    assert i18n.label("segment", None, "zh") == "—"
    # Every entry has both languages, and the Chinese carries no Latin words but the allowed units.
    for key, texts in i18n.CATALOGUE.items():
        if key.startswith(("label_", "working_")):
            assert texts.get("en") and texts.get("zh"), key


def test_a_working_reads_in_chinese_from_its_steps_and_in_english_as_the_api_writes_it() -> None:
    need = need_limit(Decimal("100000.00"), 30, 10, Decimal("1.2"))
    budget = risk_budget_limit(0.02, 0.45, Decimal("240000.00"), Decimal("0.25"))
    final = combine([need, budget], Combination(("need", "risk_budget"), Decimal(1000)))
    as_json = {
        "formula": final.formula,
        "note": final.note,
        "steps": [steps_json(s) for s in final.steps],
        "why": steps_json(final.why) if final.why else None,
    }
    assert working_text(as_json, "en") == final.formula  # the API's English, unchanged
    assert working_note(as_json, "en") == "bound by need"
    chinese = working_text(as_json, "zh")
    assert chinese.startswith("取最小值（需求法 160,000.00，风险预算法 6,666,666.66）= 160,000.00（需求法）")
    assert "按 1,000 向下取整：160,000.00" in chinese
    assert working_note(as_json, "zh") == "由需求法决定"
    need_json = {"formula": need.formula, "steps": [steps_json(s) for s in need.steps]}
    assert working_text(need_json, "zh").startswith("月均销售额 100,000.00 ×（账期 30 天 + 宽限期 10 天）")
    # A working stored before it had steps is shown as written.
    assert working_text({"formula": "min(need 1) = 1", "note": ""}, "zh") == "min(need 1) = 1"
    nothing = need_limit(Decimal(0), 30, 10, Decimal("1.2"))
    assert working_text({"formula": "", "note": nothing.note, "steps": [], "why": steps_json(nothing.why)}, "zh") == (
        "尚无对该客户的销售"
    )


def test_the_browsers_language_picks_chinese_or_english_by_weight() -> None:
    from creditdesk.entrypoints.web.i18n import preferred_language

    assert preferred_language("zh-CN,zh;q=0.9,en;q=0.8") == "zh"
    assert preferred_language("en-US,en;q=0.9,zh-CN;q=0.8") == "en"
    assert preferred_language("de-DE,zh-TW;q=0.5,en;q=0.4") == "zh"
    assert preferred_language("fr, de;q=0.5") == "en"
    assert preferred_language("zh;q=0, en;q=bad") == "en"
    assert preferred_language("") == "en"


def test_a_count_of_one_takes_the_singular_in_english_and_chinese_needs_none() -> None:
    from creditdesk.entrypoints.web.i18n import translate_count

    assert translate_count("wi_n_months", 1, "en") == "1 month"
    assert translate_count("wi_n_months", 6, "en") == "6 months"
    assert translate_count("wi_n_seeds", 1, "en") == "1 seed"
    assert translate_count("wi_n_seeds", 20, "zh") == "模拟 20 次"
    assert translate_count("wi_n_months", 1, "zh") == "1 个月"
    # A key without a singular form keeps its one text.
    assert translate_count("wi_month", 1, "en") == "Month"
