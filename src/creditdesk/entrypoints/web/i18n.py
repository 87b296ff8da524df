"""Chinese and English for the web pages: one catalogue, one lookup."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from creditdesk.domain.money import Money

LANGUAGES = {"en": "English", "zh": "中文"}

CATALOGUE: dict[str, dict[str, str]] = {
    "app_name": {"en": "creditdesk", "zh": "信用管理台"},
    "portfolio": {"en": "Portfolio", "zh": "客户组合"},
    "customers": {"en": "Customers", "zh": "客户"},
    "customer": {"en": "Customer", "zh": "客户"},
    "sign_in": {"en": "Sign in", "zh": "登录"},
    "sign_out": {"en": "Sign out", "zh": "退出"},
    "username": {"en": "User name", "zh": "用户名"},
    "password": {"en": "Password", "zh": "密码"},
    "bad_login": {"en": "User name or password is wrong.", "zh": "用户名或密码错误。"},
    "bad_form": {"en": "The form expired; please try again.", "zh": "表单已过期，请重试。"},
    "total_limit": {"en": "Total limits", "zh": "授信总额"},
    "exposure": {"en": "Exposure", "zh": "风险敞口"},
    "receivables": {"en": "Receivables", "zh": "应收账款"},
    "open_orders": {"en": "Open orders", "zh": "未结订单"},
    "utilisation": {"en": "Utilisation", "zh": "额度使用率"},
    "overdue": {"en": "Overdue", "zh": "逾期金额"},
    "ageing": {"en": "Ageing", "zh": "账龄"},
    "bucket": {"en": "Bucket", "zh": "账龄段"},
    "amount": {"en": "Amount", "zh": "金额"},
    "share": {"en": "Share", "zh": "占比"},
    "current": {"en": "Not yet due", "zh": "未到期"},
    "days": {"en": "days", "zh": "天"},
    "as_of": {"en": "As of", "zh": "截至"},
    "search": {"en": "Search", "zh": "搜索"},
    "search_hint": {"en": "Customer id or name", "zh": "客户编号或名称"},
    "id": {"en": "Id", "zh": "编号"},
    "name": {"en": "Name", "zh": "名称"},
    "segment": {"en": "Segment", "zh": "客户类别"},
    "status": {"en": "Status", "zh": "状态"},
    "limit": {"en": "Limit", "zh": "信用额度"},
    "available": {"en": "Available", "zh": "可用额度"},
    "previous": {"en": "Previous", "zh": "上一页"},
    "next": {"en": "Next", "zh": "下一页"},
    "page_of": {"en": "customers {first}–{last} of {total}", "zh": "第 {first}–{last} 位，共 {total} 位客户"},
    "profile": {"en": "Profile", "zh": "基本信息"},
    "group": {"en": "Group", "zh": "所属集团"},
    "country": {"en": "Country", "zh": "国家/地区"},
    "industry": {"en": "Industry", "zh": "行业"},
    "registered_on": {"en": "Customer since", "zh": "合作起始日"},
    "payment_terms": {"en": "Payment terms", "zh": "付款期限"},
    "limit_history": {"en": "Limit history", "zh": "额度变更历史"},
    "changed_at": {"en": "Changed", "zh": "变更时间"},
    "changed_by": {"en": "By", "zh": "操作人"},
    "reason": {"en": "Reason", "zh": "原因"},
    "valid": {"en": "Valid", "zh": "有效期"},
    "source": {"en": "Source", "zh": "来源"},
    "open_items": {"en": "Open items", "zh": "未清项目"},
    "invoice": {"en": "Invoice", "zh": "发票"},
    "invoice_date": {"en": "Invoice date", "zh": "开票日期"},
    "due_date": {"en": "Due date", "zh": "到期日"},
    "open_amount": {"en": "Open", "zh": "未付金额"},
    "days_overdue": {"en": "Days overdue", "zh": "逾期天数"},
    "disputed": {"en": "Disputed", "zh": "有争议"},
    "none": {"en": "None", "zh": "无"},
    "no_items": {"en": "No open items.", "zh": "没有未清项目。"},
    "not_found": {"en": "Not found", "zh": "未找到"},
    "forbidden": {"en": "You may not do this.", "zh": "您无权执行此操作。"},
    "status_active": {"en": "Active", "zh": "正常"},
    "status_on_hold": {"en": "On hold", "zh": "暂停"},
    "status_blocked": {"en": "Blocked", "zh": "冻结"},
    "yes": {"en": "Yes", "zh": "是"},
    "language": {"en": "Language", "zh": "语言"},
    "customers_count": {"en": "Customers", "zh": "客户数"},
    "currency": {"en": "Currency", "zh": "币种"},
    "signed_in_as": {"en": "Signed in as", "zh": "当前用户"},
    "held_orders": {"en": "Held orders", "zh": "待处理订单"},
    "held_orders_hint": {
        "en": "Orders the credit check blocked or sent to review, and releases waiting for a second approver.",
        "zh": "被信用检查冻结或转人工审核的订单，以及等待第二审批人的放行申请。",
    },
    "order": {"en": "Order", "zh": "订单"},
    "order_date": {"en": "Order date", "zh": "下单日期"},
    "reasons": {"en": "Reasons", "zh": "原因"},
    "submitted_by": {"en": "Submitted by", "zh": "提交人"},
    "decide": {"en": "Decision", "zh": "处理"},
    "comment": {"en": "Comment", "zh": "备注"},
    "release": {"en": "Release", "zh": "放行"},
    "reject": {"en": "Reject", "zh": "拒绝"},
    "approve": {"en": "Approve", "zh": "批准"},
    "nothing_held": {"en": "No order is held.", "zh": "没有待处理的订单。"},
    "release_asked_by": {"en": "release asked by {who}", "zh": "{who} 已申请放行"},
    "order_status_blocked": {"en": "Blocked", "zh": "已冻结"},
    "order_status_review": {"en": "In review", "zh": "审核中"},
    "order_status_release_pending": {"en": "Second approval", "zh": "待二次审批"},
    "order_open": {"en": "Order {id} released: its credit is reserved.", "zh": "订单 {id} 已放行，额度已占用。"},
    "order_rejected": {"en": "Order {id} rejected.", "zh": "订单 {id} 已拒绝。"},
    "order_release_pending": {
        "en": "Order {id} is beyond your authority: it waits for a second approver.",
        "zh": "订单 {id} 超出您的权限，等待第二审批人。",
    },
    "order_blocked": {
        "en": "Order {id} is still blocked after the re-check.",
        "zh": "订单 {id} 复核后仍被冻结。",
    },
    "order_review": {"en": "Order {id} still needs review.", "zh": "订单 {id} 仍需审核。"},
    "done": {"en": "Done.", "zh": "已完成。"},
    "action_refused": {"en": "{id}: {detail}", "zh": "{id}：{detail}"},
    "limit_requests": {"en": "Limit requests", "zh": "额度申请"},
    "four_eyes_hint": {
        "en": "A request is decided by someone with the authority it needs, never by the person who asked (four eyes).",
        "zh": "额度申请须由具备相应权限的他人审批，申请人不能审批自己的申请（四眼原则）。",
    },
    "request": {"en": "Request", "zh": "申请"},
    "new_limit": {"en": "New limit", "zh": "新额度"},
    "permanent": {"en": "permanent", "zh": "长期"},
    "requested_by": {"en": "Requested by", "zh": "申请人"},
    "required_role": {"en": "Needs", "zh": "所需权限"},
    "not_yours_to_decide": {"en": "not yours to decide", "zh": "您不能审批"},
    "no_requests": {"en": "No request waits for a decision.", "zh": "没有待审批的额度申请。"},
    "request_approved": {
        "en": "Request {id} approved: the new limit applies.",
        "zh": "申请 {id} 已批准，新额度生效。",
    },
    "request_rejected": {"en": "Request {id} rejected.", "zh": "申请 {id} 已拒绝。"},
    "forbidden_title": {"en": "Not allowed", "zh": "无权操作"},
    "attention": {"en": "Needs attention", "zh": "待关注事项"},
    "administration": {"en": "Users and tokens", "zh": "用户与令牌"},
    "users": {"en": "Users", "zh": "用户"},
    "add_user": {"en": "Add user", "zh": "新增用户"},
    "user_added": {"en": "User {id} added.", "zh": "已新增用户 {id}。"},
    "api_tokens": {"en": "API tokens", "zh": "API 令牌"},
    "create_token": {"en": "Create token", "zh": "创建令牌"},
    "token_once": {"en": "Token {id}, shown this once:", "zh": "令牌 {id}（仅显示这一次）："},
    "created": {"en": "Created", "zh": "创建时间"},
    "revoked": {"en": "Revoked", "zh": "已吊销"},
    "reports": {"en": "Reports", "zh": "报表"},
    "report_aging": {"en": "Ageing", "zh": "账龄"},
    "report_dso": {"en": "DSO", "zh": "应收账款周转天数"},
    "report_cei": {"en": "CEI", "zh": "回款效率指数"},
    "report_ecl": {"en": "Expected credit loss", "zh": "预期信用损失"},
    "report_trends": {"en": "Trends", "zh": "趋势"},
    "by": {"en": "By", "zh": "维度"},
    "by_customer": {"en": "customer", "zh": "按客户"},
    "by_segment": {"en": "segment", "zh": "按客户类别"},
    "by_grade": {"en": "grade", "zh": "按评级"},
    "show": {"en": "Show", "zh": "查询"},
    "bad_date": {
        "en": "The date is not valid (YYYY-MM-DD); today is shown.",
        "zh": "日期无效（YYYY-MM-DD），显示今天的数据。",
    },
    "rows_shown": {
        "en": "{shown} of {total} rows shown; the download has them all.",
        "zh": "显示 {shown} / {total} 行，下载文件包含全部。",
    },
    "policy": {"en": "Policy", "zh": "信用政策"},
    "active_policy": {"en": "Active policy", "zh": "当前生效政策"},
    "builtin_policy": {
        "en": "No policy file is active: the built-in rules apply.",
        "zh": "尚未启用政策文件，适用内置规则。",
    },
    "policy_history": {"en": "History", "zh": "历史版本"},
    "version": {"en": "Version", "zh": "版本"},
    "activated": {"en": "Activated", "zh": "启用时间"},
    "what_if": {"en": "What if: simulate a policy before activating it", "zh": "政策模拟：启用前先测算影响"},
    "what_if_hint": {
        "en": "The policy below is run on today's portfolio against today's static limits, in seeded worlds"
        " estimated from its own history (see docs/simulation.md).",
        "zh": "以下政策将在当前客户组合上与现行静态额度对比模拟，模拟情景由组合自身历史估计（见 docs/simulation.md）。",
    },
    "seeds": {"en": "Seeds", "zh": "随机情景数"},
    "months": {"en": "Months", "zh": "月数"},
    "simulate": {"en": "Simulate", "zh": "开始模拟"},
    "simulating": {"en": "Simulating… this page refreshes itself.", "zh": "模拟中……本页会自动刷新。"},
    "simulation_failed": {"en": "The simulation failed:", "zh": "模拟失败："},
    "full_report": {"en": "Full report with charts", "zh": "含图表的完整报告"},
    "activate": {"en": "Activate this policy", "zh": "启用此政策"},
    "policy_activated": {"en": "Policy version {id} is active.", "zh": "政策版本 {id} 已生效。"},
    "difference": {"en": "Against today's limits", "zh": "与现行额度相比"},
    "reviews_due": {"en": "Reviews due", "zh": "到期复核"},
    "reviews_hint": {
        "en": "Credit reviews that fell due. Marking one reviewed schedules the next by grade"
        " and thaws frozen increases.",
        "zh": "已到期的信用复核。标记为已复核后，系统按评级安排下次复核，并解除提额冻结。",
    },
    "frozen_since": {"en": "Increases frozen since", "zh": "提额冻结自"},
    "mark_reviewed": {"en": "Reviewed", "zh": "已复核"},
    "no_reviews": {"en": "No review is due.", "zh": "没有到期的复核。"},
    "review_done": {"en": "{id} reviewed: the next review is scheduled.", "zh": "{id} 已复核，已安排下次复核。"},
    "score_and_grade": {"en": "Score and grade", "zh": "评分与评级"},
    "points": {"en": "score", "zh": "分数"},
    "top_reasons": {"en": "What weighs on the score", "zh": "主要扣分原因"},
    "bureaus": {"en": "Our grade beside each bureau's", "zh": "我方评级与征信机构评级对比"},
    "provider": {"en": "Bureau", "zh": "征信机构"},
    "report_date": {"en": "Report", "zh": "报告日期"},
    "their_grade": {"en": "Their grade (our scale)", "zh": "对方评级（折算为我方等级）"},
    "gap": {"en": "Gap", "zh": "差距"},
    "disagrees": {"en": "two grades or more apart: review", "zh": "相差两级以上：需复核"},
    "not_scored": {"en": "Not scored yet (creditdesk score).", "zh": "尚未评分（creditdesk score）。"},
    "recommended_limit": {"en": "Recommended limit", "zh": "建议额度"},
    "method": {"en": "Method", "zh": "方法"},
    "working": {"en": "Working", "zh": "计算过程"},
    "orders_and_decisions": {"en": "Orders and decisions", "zh": "订单与审批结果"},
    "alert_orders": {"en": "held orders", "zh": "笔待处理订单"},
    "alert_limit_requests": {"en": "limit requests to decide", "zh": "项待审批额度申请"},
    "alert_reviews_due": {"en": "credit reviews due", "zh": "户到期信用复核"},
    "alert_over_limit": {"en": "accounts over their limit", "zh": "户超额度"},
    "alert_on_hold": {"en": "accounts on hold", "zh": "户暂停"},
    "alert_blocked": {"en": "accounts blocked", "zh": "户冻结"},
    "alert_in_default": {"en": "accounts in default", "zh": "户违约"},
    "alert_limits_expiring": {"en": "limits expiring within 30 days", "zh": "户额度 30 天内到期"},
    "grade_distribution": {"en": "Grades", "zh": "评级分布"},
    "grade": {"en": "Grade", "zh": "评级"},
    "by_industry": {"en": "Exposure by industry", "zh": "行业敞口"},
    "by_country": {"en": "Exposure by country", "zh": "国家/地区敞口"},
    "role": {"en": "role", "zh": "角色"},
}


def translate(key: str, language: str, **values: object) -> str:
    entry = CATALOGUE.get(key)
    text = key if entry is None else entry.get(language) or entry["en"]
    return text.format(**values) if values else text


def format_money(money: Money, language: str) -> str:
    """Grouped digits at the currency's precision; the same in both languages except the code."""
    return f"{money.amount:,} {money.currency}"


def format_amount(text: str) -> str:
    """A decimal amount as the API writes it (``"1010178.59"``), with grouped digits."""
    return f"{Decimal(text):,}"


def format_decimal(value: Decimal | float) -> str:
    return f"{value:,.2f}"


def format_date(value: date | None, language: str) -> str:
    if value is None:
        return "—"
    if language == "zh":
        return f"{value.year}年{value.month}月{value.day}日"
    return value.isoformat()


def format_percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f} %"
