"""Reason codes in words a credit manager accepts, in English and Chinese.

A reason's code is its feature's name in capitals (``DBT_WEIGHTED_12M``); every reason a
model gives raises the risk (direction ``up``), and its points are what it cost on the score.
A feature without a text here (a column of a user's own CSV) is shown by its name.
"""

from __future__ import annotations

TEXTS: dict[str, tuple[str, str]] = {
    "invoices_12m": ("Few invoices in the last 12 months", "近12个月发票数量少"),
    "sales_12m": ("Low purchases in the last 12 months", "近12个月采购额低"),
    "sales_growth_6m": ("Purchases changing sharply (last 6 months vs the 6 before)", "近6个月采购额变化剧烈"),
    "tenure_days": ("Short trading relationship", "合作时间短"),
    "dbt_weighted_12m": ("Pays late: days beyond terms over 12 months", "近12个月按金额加权的超期天数高"),
    "dbt_recent_90d": ("Pays late recently: days beyond terms over 90 days", "近90天超期天数高"),
    "dbt_older": ("Paid late earlier in the year", "早前超期付款"),
    "dbt_trend": ("Lateness is getting worse", "超期天数呈上升趋势"),
    "share_paid_late": ("Many invoices paid late", "逾期付款发票占比高"),
    "max_days_late": ("A very late payment", "最长逾期天数长"),
    "share_partially_paid": ("Many invoices paid in parts", "分次付款发票占比高"),
    "open_overdue_share": ("Much of the open balance is overdue", "未结余额中逾期占比高"),
    "oldest_overdue_days": ("An old overdue item is still open", "存在长期未付的逾期款项"),
    "disputed_share": ("Many disputed invoices", "争议发票占比高"),
    "current_ratio": ("Weak liquidity (current ratio)", "流动比率低，流动性弱"),
    "quick_ratio": ("Weak liquidity (quick ratio)", "速动比率低"),
    "cash_ratio": ("Little cash against short-term debts", "现金比率低"),
    "debt_ratio": ("High leverage (debt to assets)", "资产负债率高"),
    "equity_ratio": ("Thin equity", "权益比率低"),
    "roa": ("Low return on assets", "资产回报率低"),
    "ebit_margin": ("Low operating margin", "息税前利润率低"),
    "net_margin": ("Low net margin", "净利润率低"),
    "asset_turnover": ("Low asset turnover", "资产周转率低"),
    "receivable_days": ("Slow collection from its own customers", "应收账款周转天数长"),
    "inventory_days": ("Slow-moving inventory", "存货周转天数长"),
    "payable_days": ("Slow to pay its suppliers", "应付账款周转天数长"),
    "ocf_to_liabilities": ("Weak operating cash flow against debts", "经营现金流对负债覆盖不足"),
    "log_total_assets": ("Small company (total assets)", "公司规模小（总资产）"),
    "log_revenue": ("Small company (revenue)", "公司规模小（营业收入）"),
    "wc_to_assets": ("Little working capital for its size", "营运资本占总资产比例低"),
    "re_to_assets": ("Few retained earnings", "留存收益占总资产比例低"),
    "ebit_to_assets": ("Low operating return on assets", "息税前利润占总资产比例低"),
    "equity_to_liabilities": ("Little equity against its debts", "权益对负债比率低"),
    "altman_z2": ("Low Altman Z'' score", "阿特曼 Z'' 值偏低"),
    "statement_pd": ("Balance sheet resembles companies that failed", "财务报表特征接近破产企业"),
    "statement_age_days": ("Financial statements are old", "财务报表陈旧"),
    "bureau_providers": ("Few bureau reports", "征信报告来源少"),
    "bureau_score_rank": ("Low bureau score", "征信评分低"),
    "bureau_pd_max": ("High bureau probability of default", "征信机构违约概率高"),
    "bureau_events_12m": ("Adverse bureau events in the last 12 months", "近12个月征信不良事件"),
    "bureau_report_age_days": ("Bureau report is old", "征信报告陈旧"),
    "bureau_score_change": ("Bureau score falling", "征信评分下降"),
    "in_group": ("Group membership", "集团成员身份"),
    "group_size": ("Size of its group", "所属集团规模"),
    "sibling_defaults": ("A company in its group defaulted", "同集团公司发生违约"),
    "sibling_default_share": ("Defaults among its group's companies", "同集团公司违约比例高"),
    "wider_group_defaults": ("Defaults in its wider group", "上级集团内发生违约"),
    "sibling_mean_pd": ("Its group's companies are risky", "同集团公司平均违约概率高"),
    "sibling_max_pd": ("A very risky company in its group", "同集团存在高风险公司"),
}


def reason(feature: str, points: float) -> dict[str, object]:
    english, chinese = TEXTS.get(feature, (feature, feature))
    return {
        "code": feature.upper(),
        "feature": feature,
        "direction": "up",
        "points": round(points, 1),
        "message": english,
        "message_zh": chinese,
    }
