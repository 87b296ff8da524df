"""Chinese and English for: credit segments per company code."""

MESSAGES: dict[str, dict[str, str]] = {
    "credit_segments": {"en": "Credit segments by company code", "zh": "各公司代码信用额度"},
    "credit_segments_hint": {
        "en": "An order in a company code is checked against its limit there and against the total above.",
        "zh": "某公司代码下的订单，同时检查该公司代码的额度和上方的总额度。",
    },
    "company_code": {"en": "Company code", "zh": "公司代码"},
    "all_company_codes": {"en": "All company codes", "zh": "全部公司代码"},
    "company_codes": {"en": "Company codes", "zh": "公司代码"},
    "user_scope": {"en": "The company codes a user acts for", "zh": "用户可操作的公司代码"},
    "user_scope_hint": {
        "en": "Comma-separated, e.g. DE01,CN01; empty: all. The user's sessions end.",
        "zh": "以逗号分隔，例如 DE01,CN01；留空表示全部。该用户的会话将结束。",
    },
    "user_scope_saved": {"en": "The company codes of {id} are saved.", "zh": "已保存 {id} 的公司代码。"},
    "company_scope": {
        "en": "Company code {code}: the totals, the ageing and the customers are its credit segments and its "
        "invoices; the charts and breakdowns below stay the whole portfolio's.",
        "zh": "公司代码 {code}：合计、账龄和客户列表为该公司代码的信用额度与发票；下方图表和分布仍为整个组合。",
    },
}
