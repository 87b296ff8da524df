"""Chinese and English for the web pages: one catalogue, one lookup."""

from __future__ import annotations

import math
import re
from datetime import UTC, date, datetime
from decimal import Decimal
from types import ModuleType

from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup, escape

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
    "search_shortened": {
        "en": "The search was cut to its first {limit} characters.",
        "zh": "搜索内容过长，仅使用前 {limit} 个字符。",
    },
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
    # Issue 19 (H5): a status says why; an over-limit account says who set its limit, or that none did.
    "status_in_default": {"en": "Default since {date}", "zh": "自 {date} 起违约"},
    "days_overdue_n": {"en": "{days} days overdue", "zh": "逾期 {days} 天"},
    "not_judged_yet": {"en": "not yet judged by the monitor", "zh": "监控尚未评估"},
    "covered_by_unapplied": {
        "en": "items {days} days overdue on the books, covered by cash received but not yet applied",
        "zh": "账面逾期 {days} 天的款项，已由收到但未核销的款项覆盖",
    },
    "over_limit_set_by": {
        "en": "Over limit; limit set {date} by {by}: {reason}",
        "zh": "超额度；额度于 {date} 由 {by} 设定：{reason}",
    },
    "over_limit_as_imported": {
        "en": "Over limit; limit as imported on {date}, changed by no rule or person since: "
        "new orders are checked against it",
        "zh": "超额度；额度为 {date} 导入的原值，此后未经规则或人员调整：新订单按此额度检查",
    },
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
    "token_user": {"en": "Acts as user", "zh": "代表用户"},
    "service_user": {"en": "service user (never approves)", "zh": "服务用户（不能审批）"},
    "user_disabled": {"en": "disabled", "zh": "已停用"},
    "token_service_user": {"en": "a service user named as the token", "zh": "与令牌同名的服务用户"},
    "token_service_role": {"en": "Role (service user only)", "zh": "角色（仅服务用户）"},
    "too_many_logins": {
        "en": "Too many failed sign-ins for this user or address: try again in 15 minutes.",
        "zh": "该用户或地址登录失败次数过多，请 15 分钟后重试。",
    },
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
    "not_scored": {"en": "Not scored yet; the scoring command:", "zh": "尚未评分；评分命令："},
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
    "report_cash": {"en": "13-week cash forecast", "zh": "13周现金流预测"},
    "report_wcr": {"en": "Working capital", "zh": "营运资金"},
    "wcr_inventory": {"en": "Inventory", "zh": "存货"},
    "wcr_payables": {"en": "Payables", "zh": "应付账款"},
    "wcr_cost_of_sales": {"en": "Cost of sales a year", "zh": "年销售成本"},
    "wcr_cost_of_capital": {"en": "Cost of capital", "zh": "资金成本率"},
    "wcr_terms_change_days": {"en": "Terms change (days)", "zh": "账期调整（天）"},
    "wcr_limit_change": {"en": "Limit change (share)", "zh": "额度调整（比例）"},
    "bad_figures": {
        "en": "A figure is not a number (use . as the decimal point; days are whole).",
        "zh": "输入的数值无效（小数点用“.”，天数为整数）。",
    },
    "being_computed": {
        "en": "Being computed from the ledger; this page refreshes itself.",
        "zh": "正在根据台账计算，本页将自动刷新。",
    },
    "snapshot_stale": {
        "en": "Computed {at}; the ledger has moved since and the figures are being recomputed.",
        "zh": "计算于 {at}；台账此后有变动，正在重新计算。",
    },
    "snapshot_fresh": {"en": "Computed {at} from the ledger as it stands.", "zh": "根据当前台账计算于 {at}。"},
    "cash_sampled": {
        "en": (
            "{currency}: forecast by the nightly run from {customers} of {of} customers (chosen by their id) and"
            " scaled to the whole book by its open receivables (×{open_ratio}) and its last 13 weeks' sales."
        ),
        "zh": (
            "{currency}：夜间运行按客户编号抽取 {of} 家中的 {customers} 家客户进行预测，"
            "再按全部应收余额（×{open_ratio}）和近 13 周销售额推算至全部账簿。"
        ),
    },
    "snapshot_stale_nightly": {
        "en": "Computed {at} in the nightly run; the ledger has moved since, and the next night's run recomputes it.",
        "zh": "于 {at} 在夜间运行中计算；台账此后有变动，下一次夜间运行将重新计算。",
    },
    "figures_as_of": {
        "en": (
            "The portfolio's totals, breakdowns and counts were added up {at}; on a book this size"
            " they are added up again every {minutes} minutes. A customer's own figures below are live."
        ),
        "zh": "组合合计、分布与提醒计数汇总于 {at}；账簿规模较大，每 {minutes} 分钟重新汇总一次。"
        "下方各客户的数字为实时数据。",
    },
    "figures_being_computed": {
        "en": "The portfolio's totals are being added up; this page refreshes itself.",
        "zh": "正在汇总组合合计，本页将自动刷新。",
    },
    "awaiting_nightly": {
        "en": "This report is computed each night; it has not been computed for this day yet.",
        "zh": "本报表每晚计算；该日的报表尚未计算。",
    },
    "trends_title": {"en": "DSO and CEI, month by month", "zh": "DSO 与 CEI 月度趋势"},
    "trend_dso": {"en": "DSO (days)", "zh": "应收账款周转天数"},
    "trend_add": {"en": "Average days delinquent", "zh": "平均逾期天数"},
    "trend_cei": {"en": "CEI (%)", "zh": "回款效率指数（%）"},
    "open_report": {"en": "Open the report", "zh": "查看报表"},
    "provision_matrix": {"en": "provision matrix", "zh": "准备矩阵"},
    "balance": {"en": "Balance", "zh": "余额"},
    "loss_rate": {"en": "Loss rate", "zh": "损失率"},
    "provision": {"en": "Provision", "zh": "减值准备"},
    "cash_13_weeks": {"en": "Cash in, next 13 weeks", "zh": "未来13周回款"},
    "from_open_items": {"en": "from open items", "zh": "来自未清应收"},
    "from_new_sales": {"en": "from new sales", "zh": "来自新增销售"},
    "grade_migration": {"en": "Grade migration", "zh": "等级迁移"},
    "migrated_worse": {"en": "worse", "zh": "恶化"},
    "migrated_better": {"en": "better", "zh": "改善"},
    "from_to": {"en": "from \\ to", "zh": "由 \\ 至"},
    "no_migration": {"en": "Needs two scorings at least 60 days apart.", "zh": "需要两次间隔至少60天的评分。"},
    "by_group": {"en": "Exposure by group", "zh": "集团敞口"},
    "models": {"en": "Models", "zh": "模型"},
    "model_registry": {"en": "Model registry and validation (held out)", "zh": "模型登记与验证（留出样本）"},
    "kind": {"en": "Kind", "zh": "类型"},
    "model_role": {"en": "Role", "zh": "角色"},
    "trained_as_of": {"en": "Trained as of", "zh": "训练截至"},
    "holdout_rows": {"en": "Held-out rows", "zh": "留出样本数"},
    "role_champion": {"en": "champion", "zh": "冠军模型"},
    "role_challenger": {"en": "challenger", "zh": "挑战者模型"},
    "role_retired": {"en": "retired", "zh": "已退役"},
    "no_models": {"en": "No model yet: run", "zh": "尚无模型：请运行评分命令"},
    "drift": {"en": "Drift of the champion", "zh": "冠军模型漂移"},
    "psi_rule": {
        "en": "PSI from the training sample to today: below {watch} stable, above {act} act.",
        "zh": "训练样本到当前的PSI：低于 {watch} 稳定，高于 {act} 需处理。",
    },
    "psi_of_score": {"en": "of the PD", "zh": "违约概率分布"},
    "feature": {"en": "Feature", "zh": "特征"},
    "psi_act": {"en": "act", "zh": "需处理"},
    "psi_watch": {"en": "watch", "zh": "关注"},
    "psi_stable": {"en": "stable", "zh": "稳定"},
    "ranking_power": {"en": "Ranking power: bureaus and ours", "zh": "排序能力：征信机构与本系统"},
    "ranking_power_hint": {
        "en": "AUC against the defaults within a year of each view, by period.",
        "zh": "按期间计算：相对于每次评估后一年内违约的AUC。",
    },
    "delivered_not_invoiced": {"en": "Delivered, not invoiced", "zh": "已发货未开票"},
    "members": {"en": "{n} members", "zh": "{n} 家成员"},
    "parent_group": {"en": "parent", "zh": "上级集团"},
    "group_pool": {"en": "Group pool", "zh": "集团共享额度"},
    "payment_behaviour": {"en": "Payment behaviour, month by month", "zh": "月度付款表现"},
    "month": {"en": "Month", "zh": "月份"},
    "invoiced": {"en": "Invoiced", "zh": "开票"},
    "paid": {"en": "Paid", "zh": "回款"},
    "days_late_weighted": {"en": "Days late (weighted)", "zh": "加权逾期天数"},
    "paid_on_time": {"en": "Paid on time", "zh": "按期付款占比"},
    "events": {"en": "Events", "zh": "事件记录"},
    "event_rule": {"en": "Rule", "zh": "规则"},
    "event_limit": {"en": "Limit", "zh": "额度"},
    "event_score": {"en": "Score", "zh": "评分"},
    "event_order": {"en": "Order", "zh": "订单"},
    "event_invoice": {"en": "Invoice", "zh": "发票"},
    "event_payment": {"en": "Payment", "zh": "收款"},
    "event_credit_note": {"en": "Credit note", "zh": "贷项通知"},
    "event_write_off": {"en": "Write-off", "zh": "核销"},
    "event_audit": {"en": "Audit", "zh": "审计"},
    "event_note": {"en": "Note", "zh": "备注"},
    "rule": {"en": "Rule", "zh": "规则"},
    "score_history": {"en": "Grade over time", "zh": "等级变化"},
    "ecl_by_segment": {
        "en": "By segment: the provision matrix beside PD × LGD × EAD",
        "zh": "按客户类别：准备矩阵与 PD × LGD × EAD 对照",
    },
    "show_all": {"en": "show all", "zh": "显示全部"},
    "revoke": {"en": "Revoke", "zh": "吊销"},
    "token_revoked": {"en": "Token {id} revoked.", "zh": "令牌 {id} 已吊销。"},
    # Webhooks (issue 19, H2): the admin page of subscriptions and failed deliveries.
    "webhooks": {"en": "Webhooks", "zh": "事件推送"},
    "webhooks_intro": {
        "en": "Each subscription receives the events it names, signed with its secret, retried with backoff; "
        "a delivery that keeps failing is given up and listed below with its last error.",
        "zh": "每个订阅接收其指定的事件，以其密钥签名，失败后按退避间隔重试；"
        "多次失败的推送将放弃，并连同最后的错误列在下方。",
    },
    "webhook_subscriptions": {"en": "Subscriptions", "zh": "订阅"},
    "webhook_subscription": {"en": "Subscription", "zh": "订阅"},
    "webhook_url": {"en": "URL", "zh": "地址"},
    "webhook_events": {"en": "Events", "zh": "事件类型"},
    "webhook_event": {"en": "Event", "zh": "事件"},
    "webhook_secret": {
        "en": "Secret (16+ characters; empty: one is made)",
        "zh": "密钥（至少 16 个字符；留空则自动生成）",
    },
    "webhook_add": {"en": "Add subscription", "zh": "添加订阅"},
    "webhook_added": {"en": "Subscription {id} added for {url}.", "zh": "已为 {url} 添加订阅 {id}。"},
    "webhook_secret_once": {"en": "Its secret, shown this once:", "zh": "其密钥（仅显示这一次）："},
    "webhook_active": {"en": "Active", "zh": "启用中"},
    "webhook_disable": {"en": "Disable", "zh": "停用"},
    "webhook_disabled": {"en": "Subscription {id} disabled.", "zh": "订阅 {id} 已停用。"},
    "webhook_disabled_on": {"en": "Disabled on {on}", "zh": "已于 {on} 停用"},
    "webhook_none": {"en": "No subscriptions yet.", "zh": "尚无订阅。"},
    "webhook_failed": {"en": "Failed deliveries", "zh": "推送失败"},
    "webhook_no_failed": {"en": "No failed deliveries.", "zh": "没有推送失败的记录。"},
    "webhook_attempts": {"en": "Attempts", "zh": "尝试次数"},
    "webhook_last_error": {"en": "Last error", "zh": "最后的错误"},
    "webhook_redeliver": {"en": "Send again", "zh": "重新推送"},
    "webhook_redelivered": {"en": "Delivery {id} will be sent again.", "zh": "推送 {id} 将重新发送。"},
    # The worker's operations page (issue 19, H1): job runs, leases, the daily jobs.
    "operations": {"en": "Operations", "zh": "运行作业"},
    "operations_intro": {
        "en": "The daily cycle runs at “{schedule}” ({timezone}); each job once a day, one worker at a time.",
        "zh": "每日作业按 “{schedule}”（{timezone}）运行；每项作业每天一次，同一时间只有一个进程执行。",
    },
    "leases": {"en": "Leases", "zh": "租约"},
    "lease": {"en": "Lease", "zh": "租约"},
    "lease_holder": {"en": "Held by", "zh": "持有者"},
    "lease_expires": {"en": "Expires", "zh": "到期"},
    "lease_expired": {"en": "expired", "zh": "已过期"},
    "no_leases": {"en": "No worker holds a lease now.", "zh": "目前没有进程持有租约。"},
    "job_runs": {"en": "Recent job runs", "zh": "最近的作业运行"},
    "no_job_runs": {
        "en": "No job has run yet: start the worker:",
        "zh": "尚无作业运行，请启动后台作业进程：",
    },
    "job": {"en": "Job", "zh": "作业"},
    "job_status": {"en": "Status", "zh": "状态"},
    "job_started": {"en": "Started", "zh": "开始时间"},
    "job_seconds": {"en": "Seconds", "zh": "耗时（秒）"},
    "job_worker": {"en": "Worker", "zh": "执行进程"},
    "job_result": {"en": "Result", "zh": "结果"},
    "job_running": {"en": "running", "zh": "运行中"},
    "job_succeeded": {"en": "succeeded", "zh": "成功"},
    "job_failed": {"en": "failed", "zh": "失败"},
    "daily_jobs": {"en": "The daily jobs, in the order they run", "zh": "每日作业（按运行顺序）"},
    "job_help_expire_orders": {
        "en": "Release the reservations of orders past their validity.",
        "zh": "释放已过有效期订单占用的额度。",
    },
    "job_help_monitor": {
        "en": "The monitor's rules on every account: holds, blocks, defaults, rewards, lapsed limits, reviews.",
        "zh": "对每个账户执行监控规则：暂停、冻结、违约、奖励、临时额度到期、复审。",
    },
    "job_help_collections": {
        "en": "The dunning run: promises kept or broken, dunning levels.",
        "zh": "催收运行：付款承诺是否兑现，催收级别。",
    },
    "job_help_rescore": {
        "en": "Re-score the portfolio with the champion model when the last scoring is old enough.",
        "zh": "上次评分已到期时，用冠军模型重新评分整个客户组合。",
    },
    "job_help_batch": {
        "en": "With batch_engine set: the nightly batch on it (scores, limits, proposals for the whole book).",
        "zh": "设置了批处理引擎后，每晚在该引擎上运行批处理（全部客户的评分、额度建议与监控提议）。",
    },
    "job_help_snapshots": {
        "en": "Compute the dashboard's and the reports' snapshots the day's data left stale.",
        "zh": "重新计算因当日数据而过期的仪表盘与报表快照。",
    },
    "job_help_reviews_due": {
        "en": "Tell the reviewers of the reviews falling due.",
        "zh": "提醒复审人即将到期的复审。",
    },
    "job_help_digest": {
        "en": "Mail the daily digest to those who asked for one.",
        "zh": "向选择每日摘要的用户发送摘要邮件。",
    },
    "job_help_events_retention": {
        "en": "Drop published events older than the retention period from the feed.",
        "zh": "从事件流中删除超过保留期的已发布事件。",
    },
    "job_help_backup": {"en": "Back up the database, keeping the last few.", "zh": "备份数据库，并保留最近若干份。"},
    "job_help_revalue": {
        "en": "On a month-end: revalue open foreign-currency invoices at that day's rates.",
        "zh": "每月末：按当日汇率重估未结的外币发票。",
    },
    # Notifications (issue 19, H3): the bell, the notifications page, mail settings.
    "notifications": {"en": "Notifications", "zh": "通知"},
    "notifications_unread": {"en": "{count} unread", "zh": "{count} 条未读"},
    "notification_when": {"en": "When", "zh": "时间"},
    "notification_what": {"en": "What", "zh": "内容"},
    "notification_read": {"en": "Read", "zh": "已读"},
    "mark_read": {"en": "Mark read", "zh": "标为已读"},
    "mark_all_read": {"en": "Mark all read", "zh": "全部标为已读"},
    "notifications_marked": {"en": "{count} notifications marked read.", "zh": "已将 {count} 条通知标为已读。"},
    "no_notifications": {"en": "No notifications yet.", "zh": "暂无通知。"},
    "mail_settings": {"en": "Mail", "zh": "邮件"},
    "mail_to": {"en": "Mail goes to {email}.", "zh": "邮件发送至 {email}。"},
    "mail_no_address": {
        "en": "No e-mail address is set: an admin sets it. Notifications are shown here only.",
        "zh": "尚未设置邮箱地址（由管理员设置）：通知仅在此处显示。",
    },
    "notify_mode": {"en": "Send mail", "zh": "邮件发送方式"},
    "notify_each": {"en": "One mail per notification", "zh": "每条通知一封邮件"},
    "notify_digest": {"en": "A daily digest", "zh": "每日汇总"},
    "notify_off": {"en": "No mail (the bell only)", "zh": "不发邮件（仅站内提醒）"},
    "notify_saved": {"en": "Mail settings saved.", "zh": "邮件设置已保存。"},
    "save": {"en": "Save", "zh": "保存"},
    "email": {"en": "E-mail", "zh": "邮箱"},
    "user_contact": {"en": "E-mail, language and mail of a user", "zh": "用户的邮箱、语言和邮件设置"},
    "user_contact_saved": {"en": "User {id} changed.", "zh": "用户 {id} 已更新。"},
}


def _merge_parts() -> None:
    """Each capability of issue 20 keeps its texts in a module of its own; a key is defined once."""
    from creditdesk.entrypoints.web.catalogue import (
        actions,
        applications,
        charts,
        collections,
        cover,
        currency,
        disputes,
        imports,
        labels,
        lists,
        master_data,
        notes,
        operations,
        segments,
        status_why,
        what_if,
    )

    parts: tuple[ModuleType, ...] = (master_data, segments, currency, applications, notes, disputes, cover)
    parts += (actions, lists, collections, imports, operations, charts, labels, what_if)  # issue 21
    parts += (status_why,)  # issue 21: why a status badge says what it says
    for part in parts:
        for key, texts in part.MESSAGES.items():
            assert key not in CATALOGUE, f"{key} is defined twice in the catalogue"
            CATALOGUE[key] = texts


_merge_parts()


def translate(key: str, language: str, **values: object) -> str:
    entry = CATALOGUE.get(key)
    text = key if entry is None else entry.get(language) or entry["en"]
    return text.format(**values) if values else text


def translate_count(key: str, count: int, language: str) -> str:
    """``key``'s text for ``count`` (as ``n``): its ``_one`` form for one ("1 month", not "1 months")."""
    chosen = f"{key}_one" if count == 1 and f"{key}_one" in CATALOGUE else key
    return translate(chosen, language, n=count)


def preferred_language(accept_language: str) -> str:
    """The first of Chinese or English in an ``Accept-Language`` header, by its weight ("en" when neither)."""
    choices = []
    for position, part in enumerate(accept_language.split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        try:
            weight = float(params.strip().removeprefix("q=")) if params.strip().startswith("q=") else 1.0
        except ValueError:
            continue
        code = tag.strip().lower().split("-")[0]
        if code in LANGUAGES and weight > 0:
            choices.append((-weight, position, code))
    return min(choices)[2] if choices else "en"


def label(kind: str, value: object, language: str) -> str:
    """A stored value as people read it (a segment, an industry, a role, a status, a reason code):
    the catalogue's ``label_KIND_VALUE``, else the value itself (ids, names)."""
    if value is None or value == "":
        return "—"
    entry = CATALOGUE.get(f"label_{kind}_{value}")
    return str(value) if entry is None else entry.get(language) or entry["en"]


_DATA = Markup('<span translate="no">{}</span>')


def refusal_text(detail: object, language: str) -> Markup:
    """A refusal (a ServiceError's ``detail``) in the reader's language: by its code when it has
    one, its values (ids, amounts) marked as data; else, in Chinese, the English text marked as
    data (what the server said, word for word)."""
    return _refusal(str(detail), getattr(detail, "code", None), getattr(detail, "values", None) or {}, language)


def _refusal(text: str, code: str | None, values: dict[str, str], language: str) -> Markup:
    if language == "en":
        return Markup("{}").format(text)  # the API's own words
    entry = CATALOGUE.get(f"refusal_{code}") if code else None
    if entry is None:
        return Markup(escape(translate("refusal_in_english", language))).format(detail=_DATA.format(text))
    shown: dict[str, object] = {}
    for name, value in values.items():
        if name in ("role", "needed"):
            shown[name] = label("role", value, language)
        elif name == "what":
            shown[name] = label("object", value, language)
        else:
            shown[name] = _DATA.format(value)
    try:
        return Markup(escape(entry.get(language) or entry["en"])).format(**shown)
    except (KeyError, IndexError):
        return _DATA.format(text)


def flash_message(flash: dict[str, object], language: str) -> Markup:
    """The message after a redirect (``Ui.flash``): its catalogue text, in Chinese with its values
    marked as data and a refusal's detail said by its code."""
    values = flash.get("values") or {}
    codes = flash.get("codes") or {}
    assert isinstance(values, dict) and isinstance(codes, dict)
    if language == "en" and not codes:
        return Markup("{}").format(translate(str(flash["key"]), language, **values))
    shown: dict[str, object] = {}
    for name, value in values.items():
        if name in codes:
            code, code_values = codes[name]
            shown[name] = _refusal(str(value), code, code_values or {}, language)
        else:
            shown[name] = value if language == "en" else _DATA.format(value)
    try:
        return Markup(escape(translate(str(flash["key"]), language))).format(**shown)
    except (KeyError, IndexError):
        return Markup("{}").format(translate(str(flash["key"]), language, **values))


def _large(amount: Decimal, language: str) -> str | None:
    """An amount of 万 (10⁴) or 亿 (10⁸) and more as a Chinese reader counts it, else None."""
    if language != "zh":
        return None
    size = abs(amount)
    if size >= _YI:
        return f"{amount / _YI:,.2f}亿"
    if size >= _WAN:
        return f"{amount / _WAN:,.2f}万"
    return None


_WAN, _YI = Decimal(10_000), Decimal(100_000_000)


def _shown(exact: str, short: str | None, suffix: str = "") -> Markup:
    """The figure as shown, with the exact one on hover when they differ."""
    if short is None:
        return Markup("{}{}").format(exact, suffix)
    return Markup('<span class="amount" title="{}{}">{}{}</span>').format(exact, suffix, short, suffix)


def format_money(money: Money, language: str = "en") -> Markup:
    """Grouped digits at the currency's precision; in Chinese 万 and 亿 from 10,000 on, with the
    exact figure on hover (downloads keep the exact figures)."""
    return _shown(f"{money.amount:,}", _large(money.amount, language), f" {money.currency}")


def format_amount(text: str | Decimal | float | None, language: str = "en") -> Markup:
    """A decimal amount as the API writes it (``"1010178.59"``), with grouped digits; 万/亿 in Chinese."""
    if text is None or text == "":
        return Markup("—")
    value = Decimal(str(text)) if not isinstance(text, Decimal) else text
    return _shown(f"{value:,}", _large(value, language))


def format_decimal(value: Decimal | float, language: str = "en") -> Markup:
    """An amount to two decimals with grouped digits; 万/亿 in Chinese."""
    return _shown(f"{value:,.2f}", _large(Decimal(str(value)), language))


def format_date(value: date | str | None, language: str) -> str:
    """A day (or an ISO day or month as text, ``2026-12-19`` / ``2026-06``) in the reader's form:
    ``2026年12月19日`` / ``2026年6月`` in Chinese, ISO in English."""
    if value is None or value == "":
        return "—"
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, str):
        if _ISO_MONTH.match(value):
            year, month = value.split("-")
            return f"{int(year)}年{int(month)}月" if language == "zh" else value
        value = date.fromisoformat(value[:10])
    if language == "zh":
        return f"{value.year}年{value.month}月{value.day}日"
    return value.isoformat()


_QUARTER = re.compile(r"^(\d{4})Q([1-4])$")


def format_period(value: object, language: str) -> str:
    """A period as pandas writes it: a quarter ``2025Q3`` (2025年第3季度), a month, a day."""
    text = "" if value is None else str(value)
    found = _QUARTER.match(text)
    if found:
        year, quarter = found.groups()
        return f"{year}年第{quarter}季度" if language == "zh" else f"{year} Q{quarter}"
    if _ISO_MONTH.match(text) or _ISO_DATE.match(text):
        return format_date(text, language)
    return text


def format_datetime(value: datetime | str | None, language: str) -> str:
    """A moment in UTC to the minute (a naive one, as SQLite gives it back, is taken as UTC)."""
    if value is None or value == "":
        return "—"
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    moment = value.astimezone(UTC) if value.tzinfo else value
    if language == "zh":
        return f"{moment.year}年{moment.month}月{moment.day}日 {moment:%H:%M} UTC"
    return f"{moment:%Y-%m-%d %H:%M} UTC"


def format_date_text(text: str, language: str) -> str:
    """An ISO date as the API writes it, in the language's form."""
    return format_date(text, language)


_DAYS_PAST_DUE = re.compile(r"^(over )?\d+(-\d+)?$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_MONTH = re.compile(r"^\d{4}-\d{2}$")
_DECIMAL = re.compile(r"^-?\d+\.\d+$")

#: Report columns that are shares (0.1665 → 16.7 %) and those already in per cent (CEI 85.3 → 85.3 %).
RATIO_COLUMNS = frozenset(
    {"overdue_ratio", "bad_debt_ratio", "roll_rate", "loss_rate", "cost_of_capital", "limit_change", "share",
     "utilisation", "default_rate", "on_time"}
)  # fmt: skip
PERCENT_COLUMNS = frozenset({"cei"})


def format_cell(value: object, language: str, column: str | None = None) -> str | Markup:
    """A report cell as the user reads it: dates in the language's form, amounts (the API's
    decimal strings) and counts with grouped digits (amounts in 万/亿 in Chinese), ratios as
    per cent (``16.7 %``) when the column is named; blanks empty."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if column is not None and isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        if column.removeprefix("what_if_") in RATIO_COLUMNS:
            return format_percent(float(value))
        if column.removeprefix("what_if_") in PERCENT_COLUMNS:
            return f"{float(value):.1f} %"
    if isinstance(value, str):
        if _ISO_DATE.match(value):
            return format_date_text(value, language)
        if _DECIMAL.match(value):
            return format_amount(value, language)
        if column is not None and column in _LABELLED_COLUMNS:
            return label(_LABELLED_COLUMNS[column], value, language)
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


#: Report columns whose values are stored codes (a segment, a bucket): shown through :func:`label`.
_LABELLED_COLUMNS = {"segment": "segment", "bucket": "bucket", "scope": "scope", "industry": "industry"}


def format_percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f} %"


@pass_context
def amount_in_page(context: Context, text: str | Decimal | float | None, language: str | None = None) -> Markup:
    """``fmt_amount`` in a template: the page's language unless one is named."""
    return format_amount(text, language or context.get("lang") or "en")


@pass_context
def decimal_in_page(context: Context, value: Decimal | float, language: str | None = None) -> Markup:
    """``fmt_decimal`` in a template: the page's language unless one is named."""
    return format_decimal(value, language or context.get("lang") or "en")


@pass_context
def cell_in_page(context: Context, value: object, language: str | None = None, column: str | None = None) -> object:
    """``fmt_cell`` in a template."""
    return format_cell(value, language or context.get("lang") or "en", column)


#: Report columns (the API's field names) as the pages head them; the downloads keep the names.
COLUMNS: dict[str, tuple[str, str]] = {
    "currency": ("Currency", "币种"),
    "scope": ("Scope", "范围"),
    "customer": ("Customer", "客户"),
    "segment": ("Segment", "客户类别"),
    "grade": ("Grade", "等级"),
    "as_of": ("As of", "截至"),
    "period_days": ("Period (days)", "期间（天）"),
    "receivables": ("Receivables", "应收账款"),
    "current_receivables": ("Not yet due", "未到期应收"),
    "opening_receivables": ("Opening receivables", "期初应收"),
    "credit_sales": ("Credit sales", "赊销额"),
    "credit_notes": ("Credit notes", "贷项通知"),
    "written_off": ("Written off", "核销"),
    "dso": ("DSO", "DSO"),
    "countback_dso": ("Countback DSO", "倒推 DSO"),
    "best_possible_dso": ("Best possible DSO", "最佳 DSO"),
    "add": ("Average days delinquent", "平均逾期天数"),
    "cei": ("CEI", "回款效率指数"),
    "overdue_ratio": ("Overdue ratio", "逾期比例"),
    "turnover": ("Turnover", "周转率"),
    "bad_debt_ratio": ("Bad-debt ratio", "坏账率"),
    "current": ("Not yet due", "未到期"),
    "total": ("Total", "合计"),
    "overdue": ("Overdue", "逾期"),
    "bucket": ("Bucket", "账龄段"),
    "balance": ("Balance", "余额"),
    "roll_rate": ("Roll rate", "迁徙率"),
    "loss_rate": ("Loss rate", "损失率"),
    "provision": ("Provision", "减值准备"),
    "week": ("Week", "周"),
    "week_start": ("From", "起"),
    "week_end": ("To", "止"),
    "expected": ("Expected from open items", "未清应收预计回款"),
    "p10": ("P10", "P10"),
    "p50": ("P50", "P50"),
    "p90": ("P90", "P90"),
    "due_date": ("By due dates", "按到期日"),
    "new_sales": ("From new sales", "新增销售回款"),
    "expected_total": ("Expected in all", "预计回款合计"),
    "customers": ("Customers", "客户数"),
    "wcr": ("Working capital requirement", "营运资金需求"),
    "ccc": ("Cash conversion cycle", "现金转换周期"),
    "dio": ("DIO", "存货周转天数"),
    "dpo": ("DPO", "应付账款周转天数"),
    "inventory": ("Inventory", "存货"),
    "payables": ("Payables", "应付账款"),
    "cost_of_capital": ("Cost of capital", "资金成本率"),
    "financing_cost": ("Financing cost", "融资成本"),
    "receivables_financing_cost": ("Financing cost of receivables", "应收账款融资成本"),
    "median_dso": ("Median DSO", "DSO 中位数"),
    "median_dio": ("Median DIO", "DIO 中位数"),
    "median_dpo": ("Median DPO", "DPO 中位数"),
    "median_ccc": ("Median CCC", "CCC 中位数"),
    "terms_change_days": ("Terms change (days)", "账期调整（天）"),
    "limit_change": ("Limit change", "额度调整"),
    "change_in_receivables": ("Change in receivables", "应收账款变动"),
    "change_in_financing_cost": ("Change in financing cost", "融资成本变动"),
    "difference": ("Difference", "差额"),
}


def column_label(key: str, language: str) -> str:
    """A report column's heading: the catalogue's, "What-if: …" for the what-if's, else the name."""
    if key.startswith("what_if_"):
        prefix = "What-if: " if language == "en" else "假设："
        return prefix + column_label(key.removeprefix("what_if_"), language)
    found = COLUMNS.get(key)
    if found is not None:
        return found[0] if language == "en" else found[1]
    if _DAYS_PAST_DUE.match(key):  # an ageing bucket: "1-30", "over 180"
        days = key.removeprefix("over ")
        if key.startswith("over "):
            return f"over {days} days" if language == "en" else f"{days} 天以上"
        return f"{days} days" if language == "en" else f"{days} 天"
    return key.replace("_", " ")
