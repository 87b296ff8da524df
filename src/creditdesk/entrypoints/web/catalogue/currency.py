"""Chinese and English for: documents in other currencies, the reporting currency."""

MESSAGES: dict[str, dict[str, str]] = {
    "currency_reporting_totals": {"en": "Portfolio in {currency}", "zh": "组合合计（{currency}）"},
    "currency_rates_used": {"en": "Converted at the rates of {as_of}", "zh": "按 {as_of} 的汇率折算"},
    "currency_rate_missing": {
        "en": "No portfolio total in {currency}: a rate is missing.",
        "zh": "无法给出{currency}组合合计：缺少汇率。",
    },
}
