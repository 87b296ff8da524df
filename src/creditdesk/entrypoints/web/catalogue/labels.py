"""Chinese and English for stored values shown to people (issue 21): segments, industries, roles,
statuses, reason codes, methods, buckets, events, jobs, model features. ``label(kind, value, lang)``
reads ``label_<kind>_<value>``; a value without an entry is shown as stored (ids, names)."""

from __future__ import annotations

from creditdesk.risk.reason_texts import TEXTS as _REASON_TEXTS

_LABELS: dict[str, dict[str, tuple[str, str]]] = {
    "segment": {
        "standard": ("Standard", "普通客户"),
        "strategic": ("Strategic", "战略客户"),
        "government": ("Government", "政府机构"),
        "new": ("New", "新客户"),
        "related_party": ("Related party", "关联方"),
        "insured": ("Insured", "已投保客户"),
        "secured": ("Secured", "有担保客户"),
        "state_owned": ("State-owned", "国有企业"),
        "probation": ("Probation", "考察期客户"),
    },
    "industry": {
        "manufacture": ("Manufacturing", "制造业"),
        "manufacturing": ("Manufacturing", "制造业"),
        "retail": ("Retail", "零售业"),
        "construction": ("Construction", "建筑业"),
        "agriculture": ("Agriculture", "农业"),
        "wholesale": ("Wholesale", "批发业"),
        "logistics": ("Logistics", "物流业"),
        "services": ("Services", "服务业"),
        "energy": ("Energy", "能源"),
        "technology": ("Technology", "科技"),
        "food": ("Food", "食品业"),
        "chemicals": ("Chemicals", "化工"),
        "automotive": ("Automotive", "汽车"),
        "electronics": ("Electronics", "电子"),
        "textiles": ("Textiles", "纺织"),
        "healthcare": ("Healthcare", "医疗"),
        "mining": ("Mining", "采矿业"),
        "transport": ("Transport", "交通运输"),
        "other": ("Other", "其他"),
    },
    "role": {
        "viewer": ("viewer", "查看员"),
        "sales": ("sales", "销售"),
        "analyst": ("analyst", "信用分析师"),
        "manager": ("manager", "信用经理"),
        "admin": ("admin", "管理员"),
        "system": ("system", "系统"),
    },
    "status": {  # an account's standing
        "active": ("Active", "正常"),
        "on_hold": ("On hold", "暂停"),
        "blocked": ("Blocked", "冻结"),
        "inactive": ("Inactive", "已停用"),
        "merged": ("Merged", "已合并"),
    },
    "order_status": {
        "open": ("Open", "已占用额度"),
        "blocked": ("Blocked", "已冻结"),
        "review": ("In review", "审核中"),
        "release_pending": ("Second approval", "待二次审批"),
        "invoiced": ("Invoiced", "已开票"),
        "cancelled": ("Cancelled", "已取消"),
        "expired": ("Expired", "已过期"),
        "rejected": ("Rejected", "已拒绝"),
        "approved": ("Approved", "已通过"),
        "delivered": ("Delivered", "已发货"),
    },
    "request_status": {
        "pending": ("Pending", "待审批"),
        "approved": ("Approved", "已批准"),
        "rejected": ("Rejected", "已拒绝"),
    },
    "application_status": {
        "pending": ("Pending", "待审批"),
        "approved": ("Approved", "已批准"),
        "rejected": ("Rejected", "已拒绝"),
        "withdrawn": ("Withdrawn", "已撤回"),
    },
    "dispute_status": {
        "open": ("Open", "待处理"),
        "in_review": ("In review", "处理中"),
        "resolved_credited": ("Resolved: credited", "已解决：开具贷项通知"),
        "resolved_rejected": ("Resolved: rejected", "已解决：驳回"),
    },
    "dispute_reason": {
        "price": ("Price", "价格"),
        "quantity": ("Quantity", "数量"),
        "quality": ("Quality", "质量"),
        "delivery": ("Delivery", "交货"),
        "duplicate": ("Duplicate", "重复开票"),
        "other": ("Other", "其他"),
    },
    "promise_status": {
        "open": ("Open", "待兑现"),
        "kept": ("Kept", "已兑现"),
        "broken": ("Broken", "未兑现"),
    },
    "origin": {  # who asked for a limit change
        "sales": ("sales", "销售申请"),
        "review": ("review", "信用复核"),
        "rule": ("rule", "监控规则"),
        "initial": ("initial", "初始额度"),
    },
    "source": {  # where a limit came from
        "manual": ("manual", "人工设定"),
        "request": ("request", "申请审批"),
        "rule": ("rule", "监控规则"),
        "import": ("import", "数据导入"),
        "policy": ("policy", "信用政策"),
        "application": ("application", "授信申请"),
    },
    "reason": {  # the credit check's reason codes
        "OVER_LIMIT": ("Over the limit", "超出信用额度"),
        "NO_LIMIT": ("No limit", "未设信用额度"),
        "ORDER_TOO_LARGE": ("Order too large", "单笔订单金额过大"),
        "OVERDUE": ("Overdue items", "存在逾期款项"),
        "OVERDUE_SHARE": ("Overdue share too high", "逾期占比过高"),
        "CUSTOMER_BLOCKED": ("Account blocked", "账户已冻结"),
        "CUSTOMER_ON_HOLD": ("Account on hold", "账户已暂停"),
        "CUSTOMER_INACTIVE": ("Customer inactive", "客户已停用"),
        "REVIEW_EXPIRED": ("Credit review overdue", "信用复核已过期"),
        "GROUP_OVER_LIMIT": ("Group over its pooled limit", "超出集团共享额度"),
        "SEGMENT_OVER_LIMIT": ("Over the company code's limit", "超出公司代码下的额度"),
        "DUNNING": ("Dunning level reached", "已达催收级别"),
    },
    "rule": {  # the monitor's rules
        "OVERDUE_HOLD": ("Overdue: hold", "逾期暂停"),
        "OVERDUE_BLOCK": ("Overdue: block", "逾期冻结"),
        "DEFAULT": ("Default", "认定违约"),
        "DEFAULT_CURED": ("Default cured", "违约解除"),
        "HOLD_LIFTED": ("Hold lifted", "解除暂停"),
        "REWARD": ("Reward", "良好付款提额"),
        "BUREAU_DOWNGRADE": ("Bureau downgrade", "征信降级"),
        "TEMPORARY_LAPSED": ("Temporary limit lapsed", "临时额度到期"),
        "REVIEW_SCHEDULED": ("Review scheduled", "安排复核"),
        "REVIEW_EXPIRED": ("Review expired", "复核过期"),
        "DUNNING": ("Dunning", "催收"),
        "RECOMMENDATION": ("Policy recommendation", "按政策建议"),
    },
    "method": {  # the limit methods
        "need": ("need", "需求法"),
        "capacity": ("capacity", "偿债能力法"),
        "bureau": ("bureau", "征信建议"),
        "risk_budget": ("risk budget", "风险预算法"),
        "profit_optimal": ("profit-optimal", "利润最优法"),
        "insured": ("insured", "信用保险"),
        "secured": ("secured", "担保"),
        "final": ("final", "最终额度"),
        "own": ("own", "自有风险额度"),
    },
    "bucket": {  # days past due
        "current": ("Not yet due", "未到期"),
        "1-30": ("1-30 days", "1–30 天"),
        "31-60": ("31-60 days", "31–60 天"),
        "61-90": ("61-90 days", "61–90 天"),
        "91-180": ("91-180 days", "91–180 天"),
        "over 180": ("over 180 days", "180 天以上"),
        "over 90": ("over 90 days", "90 天以上"),
        "overdue": ("Overdue", "逾期"),
        "total": ("Total", "合计"),
    },
    "scope": {
        "portfolio": ("portfolio", "全部客户"),
        "all": ("all", "全部"),
    },
    "country": {
        "CN": ("CN", "中国"),
        "HK": ("HK", "中国香港"),
        "MO": ("MO", "中国澳门"),
        "TW": ("TW", "中国台湾"),
        "SG": ("SG", "新加坡"),
        "DE": ("DE", "德国"),
        "US": ("US", "美国"),
        "JP": ("JP", "日本"),
        "KR": ("KR", "韩国"),
        "GB": ("GB", "英国"),
        "FR": ("FR", "法国"),
        "IT": ("IT", "意大利"),
        "NL": ("NL", "荷兰"),
        "VN": ("VN", "越南"),
        "TH": ("TH", "泰国"),
        "MY": ("MY", "马来西亚"),
        "IN": ("IN", "印度"),
        "AU": ("AU", "澳大利亚"),
        "SK": ("SK", "斯洛伐克"),
    },
    "event": {  # published event types (service/event_types.py)
        "order.approved": ("order approved", "订单通过信用检查"),
        "order.blocked": ("order blocked", "订单被冻结"),
        "order.review": ("order in review", "订单待审核"),
        "order.held": ("order held", "订单被拦截"),
        "order.release_requested": ("release requested", "申请放行订单"),
        "order.released": ("order released", "订单已放行"),
        "order.rejected": ("order rejected", "订单已拒绝"),
        "order.amended": ("order amended", "订单已修改"),
        "order.amendment_refused": ("amendment refused", "订单修改被拒"),
        "order.cancelled": ("order cancelled", "订单已取消"),
        "order.delivered": ("order delivered", "订单已发货"),
        "order.expired": ("order expired", "订单已过期"),
        "order.reopened.approved": ("reopened, approved", "订单重开并通过"),
        "order.reopened.blocked": ("reopened, blocked", "订单重开被冻结"),
        "order.reopened.review": ("reopened, in review", "订单重开待审核"),
        "invoice.posted": ("invoice posted", "发票已入账"),
        "invoice.dispute": ("invoice dispute", "发票争议"),
        "dispute.opened": ("dispute opened", "争议已登记"),
        "dispute.resolved": ("dispute resolved", "争议已解决"),
        "payment.received": ("payment received", "收到付款"),
        "receivables.revalued": ("receivables revalued", "应收账款已重估"),
        "import.booked": ("import booked", "导入已入账"),
        "group.opened": ("group opened", "集团账户已开立"),
        "segment.limit_set": ("company code limit set", "公司代码额度已设定"),
        "limit.changed": ("limit changed", "额度已变更"),
        "limit.requested": ("limit requested", "额度申请待审批"),
        "limit.request.approved": ("request approved", "额度申请已批准"),
        "limit.request.rejected": ("request rejected", "额度申请已拒绝"),
        "account.status_changed": ("account status changed", "账户状态变更"),
        "account.standing": ("account standing", "账户状态"),
        "account.defaulted": ("account defaulted", "账户违约"),
        "account.review_due": ("review due", "信用复核到期"),
        "customer.changed": ("customer changed", "客户资料变更"),
        "application.submitted": ("application submitted", "授信申请已提交"),
        "application.decided": ("application decided", "授信申请已决定"),
    },
    "job": {  # the worker's daily jobs
        "expire_orders": ("expire orders", "释放过期订单"),
        "monitor": ("monitor", "账户监控"),
        "collections": ("collections", "催收"),
        "revalue": ("revalue", "外币重估"),
        "rescore": ("rescore", "重新评分"),
        "batch": ("nightly batch", "夜间批处理"),
        "snapshots": ("snapshots", "报表快照"),
        "reviews_due": ("reviews due", "复核提醒"),
        "digest": ("digest", "每日摘要"),
        "events_retention": ("events retention", "事件清理"),
        "backup": ("backup", "数据库备份"),
        "relay": ("relay", "事件转发"),
        "notify": ("notify", "发送通知"),
        "webhooks": ("webhooks", "事件推送"),
    },
    "job_status": {
        "running": ("running", "运行中"),
        "succeeded": ("succeeded", "成功"),
        "failed": ("failed", "失败"),
        "skipped": ("skipped", "已跳过"),
    },
    "model_kind": {
        "scorecard": ("scorecard", "评分卡"),
        "gbm": ("gradient boosting", "梯度提升树"),
        "segmented": ("segmented", "分群模型"),
        "statement": ("statement", "财务报表模型"),
        "logistic": ("logistic", "逻辑回归"),
    },
    "model_role": {
        "champion": ("champion", "冠军模型"),
        "challenger": ("challenger", "挑战者模型"),
        "retired": ("retired", "已退役"),
    },
    "power_column": {  # the ranking-power table's columns
        "source": ("Source", "来源"),
        "period": ("Period", "期间"),
        "n": ("Customers", "客户数"),
        "defaults": ("Defaults", "违约数"),
        "auc": ("AUC", "AUC"),
    },
    "provider": {  # rating sources
        "creditdesk": ("creditdesk", "本系统"),
        "ours": ("ours", "本系统"),
        "bureau_a": ("bureau A", "征信机构甲"),
        "bureau_b": ("bureau B", "征信机构乙"),
        "bureau_c": ("bureau C", "征信机构丙"),
    },
    "dunning_level": {
        "0": ("none", "未催收"),
        "1": ("reminder", "提醒"),
        "2": ("first notice", "一次催收"),
        "3": ("second notice", "二次催收"),
        "4": ("final notice", "最后通牒"),
        "5": ("legal", "法律程序"),
    },
    "notify_mode": {
        "each": ("each", "每条发送"),
        "digest": ("digest", "每日汇总"),
        "off": ("off", "不发送"),
    },
    "language": {
        "en": ("English", "英文"),
        "zh": ("中文", "中文"),
    },
}

#: Model features: a short name each (the models page's drift table), from the reasons' words.
_FEATURES: dict[str, tuple[str, str]] = {
    "invoices_12m": ("invoices, 12 months", "近12个月发票数"),
    "sales_12m": ("purchases, 12 months", "近12个月采购额"),
    "sales_growth_6m": ("purchase growth, 6 months", "近6个月采购增长"),
    "tenure_days": ("relationship (days)", "合作天数"),
    "dbt_weighted_12m": ("days beyond terms, 12 months", "近12个月加权超期天数"),
    "dbt_recent_90d": ("days beyond terms, 90 days", "近90天超期天数"),
    "dbt_older": ("days beyond terms, earlier", "早期超期天数"),
    "dbt_trend": ("lateness trend", "超期趋势"),
    "share_paid_late": ("share paid late", "逾期付款占比"),
    "max_days_late": ("most days late", "最长逾期天数"),
    "share_partially_paid": ("share paid in parts", "分次付款占比"),
    "open_overdue_share": ("overdue share of the balance", "未结余额逾期占比"),
    "oldest_overdue_days": ("oldest overdue (days)", "最久逾期天数"),
    "disputed_share": ("disputed share", "争议发票占比"),
    "current_ratio": ("current ratio", "流动比率"),
    "quick_ratio": ("quick ratio", "速动比率"),
    "cash_ratio": ("cash ratio", "现金比率"),
    "debt_ratio": ("debt ratio", "资产负债率"),
    "equity_ratio": ("equity ratio", "权益比率"),
    "roa": ("return on assets", "资产回报率"),
    "ebit_margin": ("operating margin", "息税前利润率"),
    "net_margin": ("net margin", "净利润率"),
    "asset_turnover": ("asset turnover", "资产周转率"),
    "receivable_days": ("receivable days", "应收账款周转天数"),
    "inventory_days": ("inventory days", "存货周转天数"),
    "payable_days": ("payable days", "应付账款周转天数"),
    "ocf_to_liabilities": ("operating cash flow to debts", "经营现金流负债比"),
    "log_total_assets": ("size (total assets)", "总资产规模"),
    "log_revenue": ("size (revenue)", "营业收入规模"),
    "wc_to_assets": ("working capital to assets", "营运资本/总资产"),
    "re_to_assets": ("retained earnings to assets", "留存收益/总资产"),
    "ebit_to_assets": ("operating return on assets", "息税前利润/总资产"),
    "equity_to_liabilities": ("equity to debts", "权益/负债"),
    "altman_z2": ("Altman Z''", "阿特曼 Z'' 值"),
    "statement_pd": ("balance-sheet PD", "财务报表 PD"),
    "statement_age_days": ("statement age (days)", "财务报表账龄（天）"),
    "bureau_providers": ("bureau reports", "征信报告来源数"),
    "bureau_score_rank": ("bureau score rank", "征信评分排名"),
    "bureau_pd_max": ("bureau PD, highest", "征信 PD 最高值"),
    "bureau_events_12m": ("bureau events, 12 months", "近12个月征信事件"),
    "bureau_report_age_days": ("bureau report age (days)", "征信报告账龄（天）"),
    "bureau_score_change": ("bureau score change", "征信评分变化"),
    "in_group": ("in a group", "是否集团成员"),
    "group_size": ("group size", "集团规模"),
    "sibling_defaults": ("defaults in its group", "同集团违约数"),
    "sibling_default_share": ("default share in its group", "同集团违约比例"),
    "wider_group_defaults": ("defaults in its wider group", "上级集团违约数"),
    "sibling_mean_pd": ("group's mean PD", "同集团平均 PD"),
    "sibling_max_pd": ("group's highest PD", "同集团最高 PD"),
    "segment_new": ("new customer", "新客户"),
    "terms_days": ("payment terms (days)", "付款期限（天）"),
    "overdue_share": ("overdue share", "逾期占比"),
    "dunning_level": ("dunning level", "催收级别"),
}


def _messages() -> dict[str, dict[str, str]]:
    found: dict[str, dict[str, str]] = {}
    for kind, values in _LABELS.items():
        for value, (english, chinese) in values.items():
            found[f"label_{kind}_{value}"] = {"en": english, "zh": chinese}
    features = {name: (english, chinese) for name, (english, chinese) in _FEATURES.items()}
    for name, (english, chinese) in _REASON_TEXTS.items():  # a feature with no short name: its reason
        features.setdefault(name, (english, chinese))
    for name, (english, chinese) in features.items():
        # The drift table names features as the model does (lower case); reasons by their codes.
        found[f"label_feature_{name}"] = {"en": english, "zh": chinese}
        found[f"label_feature_{name.upper()}"] = {"en": english, "zh": chinese}
    return found


MESSAGES: dict[str, dict[str, str]] = _messages()

#: A limit method's working, step by step (domain/limit_methods.py's ``Working.steps``); the English
#: is the domain's own formula, kept here for a working read without its formula.
MESSAGES.update(
    {
        "working_need": {
            "en": "{sales} × ({terms} + {grace}) / 30 × {peak} = {amount}",
            "zh": "月均销售额 {sales} ×（账期 {terms} 天 + 宽限期 {grace} 天）÷ 30 × 旺季系数 {peak} = {amount}",
        },
        "working_capacity_tnw_wc": {
            "en": "min(tangible net worth share {tnw}, working capital share {wc}) = {amount}",
            "zh": "取较小值（有形净资产 × 比例 {tnw}，营运资本 × 比例 {wc}）= {amount}",
        },
        "working_capacity_tnw": {
            "en": "tangible net worth share {tnw} = {amount}",
            "zh": "有形净资产 × 比例 {tnw} = {amount}",
        },
        "working_capacity_wc": {"en": "working capital share {wc} = {amount}", "zh": "营运资本 × 比例 {wc} = {amount}"},
        "working_bureau": {"en": "{provider} recommends {amount}", "zh": "{provider}建议额度 {amount}"},
        "working_risk_budget": {
            "en": "{margin} × {share} / ({pd} × {lgd} × {ccf}) = {amount}",
            "zh": "年毛利 {margin} × 风险预算比例 {share} ÷（违约概率 {pd} × 违约损失率 {lgd} × 用信系数 {ccf}）"
            "= {amount}",
        },
        "working_profit_optimal": {
            "en": "the limit that covers monthly demand in {cover} of months = {amount}"
            " (expected profit {profit} a year)",
            "zh": "覆盖 {cover} 月份需求的额度：多授一单位额度的毛利（销售毛利率 {margin_rate}，扣除资金成本 "
            "{cost_of_capital}）恰好等于其预期损失（{pd} × {lgd} × {ccf}）= {amount}（预期年利润 {profit}）",
        },
        "working_smallest": {
            "en": "min({terms}) = {amount} ({method})",
            "zh": "取最小值（{terms}）= {amount}（{method}）",
        },
        "working_rounded": {"en": "rounded down to {unit}: {amount}", "zh": "按 {unit} 向下取整：{amount}"},
        "working_bounded": {
            "en": "within floor {floor} and ceiling {ceiling}: {amount}",
            "zh": "限定在下限 {floor} 与上限 {ceiling} 之间：{amount}",
        },
        "working_with_support": {"en": "with support: {terms} = {amount}", "zh": "加上增信：{terms} = {amount}"},
        "working_at_most_need": {"en": "at most the need {amount}", "zh": "不超过需求额 {amount}"},
        "working_insured": {
            "en": "{insurer}'s buyer limit {limit} × cover share {share} = {amount}",
            "zh": "{insurer} 的买方限额 {limit} × 承保比例 {share} = {amount}",
        },
        "working_secured": {
            "en": "guarantees and letters of credit in force: {amount}",
            "zh": "有效的保函与信用证：{amount}",
        },
        "working_segment_ceiling": {"en": "segment ceiling {amount}", "zh": "客户类别上限 {amount}"},
        "working_no_margin": {"en": "no margin: no loss can be afforded", "zh": "没有毛利：无法承担任何损失"},
        "working_bound_by": {"en": "bound by {method}", "zh": "由{method}决定"},
        "working_no_sales": {"en": "no sales to the customer yet", "zh": "尚无对该客户的销售"},
        "working_no_statements": {"en": "no financial statements", "zh": "没有财务报表"},
        "working_no_net_worth": {
            "en": "negative net worth or working capital carries no credit",
            "zh": "净资产或营运资本为负，不给予信用",
        },
        "working_no_bureau": {"en": "no bureau recommends a limit", "zh": "没有征信机构建议额度"},
        "working_no_expected_loss": {
            "en": "no expected loss: the budget sets no bound",
            "zh": "预期损失为零：风险预算不设上限",
        },
        "working_no_expected_sales": {"en": "no expected sales", "zh": "没有预期销售"},
        "working_no_method": {
            "en": "no method applies: no credit without a reason",
            "zh": "没有适用的方法：无依据不授信",
        },
        "working_insurer_bears": {"en": "the part of a loss the insurer bears", "zh": "保险人承担的损失部分"},
        "working_no_score": {"en": "no score yet", "zh": "尚未评分"},
        "working_at_most_requested": {"en": "at most the requested {amount}", "zh": "不超过申请额度 {amount}"},
        "working_terms_probation": {
            "en": "min(requested {requested}, probation {most}) = {days}",
            "zh": "取较小值（申请账期 {requested} 天，考察期上限 {most} 天）= {days} 天",
        },
    }
)

#: The refusals people meet daily (service/errors.py ``code``): the web page's words; the API keeps
#: its English ``detail``. ``label_object_*``: what was not found.
MESSAGES.update(
    {
        "refusal_ledger_too_large": {
            "en": "The ledger holds more than {most} invoices, the most a report computed in one process reads: "
            "the nightly batch computes the receivables reports of a larger book.",
            "zh": "账簿中的发票超过 {most} 张，超出单个进程计算报表可读取的上限：更大账簿的应收报表由夜间批处理计算。",
        },
        "refusal_too_few_paid_invoices": {
            "en": "The ledger on {day} holds {paid} paid invoices; at least {least} are needed to learn when "
            "customers pay.",
            "zh": "截至 {day}，账簿中已付清的发票只有 {paid} 张；至少需要 {least} 张才能学习客户的付款时间。",
        },
        "refusal_no_champion": {
            "en": "No model is scoring the portfolio yet: the first scoring trains one (an administrator runs it).",
            "zh": "尚无评分模型：首次评分时将训练一个模型（由管理员运行）。",
        },
        "refusal_four_eyes_own_request": {
            "en": "Four eyes: the requester may not decide their own request.",
            "zh": "四眼原则：申请人不得审批自己提交的申请。",
        },
        "refusal_four_eyes_own_application": {
            "en": "Four eyes: the submitter may not decide their own application.",
            "zh": "四眼原则：提交人不得审批自己提交的授信申请。",
        },
        "refusal_four_eyes_own_order": {
            "en": "Four eyes: the person who submitted an order may not release or reject it.",
            "zh": "四眼原则：订单提交人不得放行或拒绝自己的订单。",
        },
        "refusal_four_eyes_second_person": {
            "en": "Four eyes: the second approval must come from another person.",
            "zh": "四眼原则：第二次审批须由另一位人员完成。",
        },
        "refusal_four_eyes_policy": {
            "en": "This policy loosens authority: a second person must confirm its activation.",
            "zh": "该政策放宽了审批权限：须由另一位人员确认后才能启用。",
        },
        "refusal_four_eyes_policy_confirm": {
            "en": "The admin who asked for this activation may not confirm it: a second person confirms.",
            "zh": "提出启用的管理员不得自行确认：须由另一位人员确认。",
        },
        "refusal_role_may_not": {
            "en": "Your role ({role}) may not do this.",
            "zh": "您的角色（{role}）无权执行此操作。",
        },
        "refusal_limit_beyond_authority": {
            "en": "A limit of {amount} needs a {needed}: it is beyond your authority.",
            "zh": "{amount} 的额度需由{needed}审批，超出了您的权限。",
        },
        "refusal_release_beyond_authority": {
            "en": "Releasing {amount} is beyond the authority of your role ({role}).",
            "zh": "放行 {amount} 超出了您的角色（{role}）的权限。",
        },
        "refusal_account_blocked": {
            "en": "The customer's account is blocked; unblock it before releasing orders.",
            "zh": "该客户的信用账户已冻结；请先解除冻结，再放行订单。",
        },
        "refusal_comment_required": {
            "en": "A comment is required.",
            "zh": "请填写意见，此项为必填。",
        },
        "refusal_comment_required_warnings": {
            "en": "Approving this request needs a comment: it carries warnings.",
            "zh": "该申请带有预警，批准时须填写意见。",
        },
        "refusal_not_found": {"en": "{what} {id} does not exist.", "zh": "{what} {id} 不存在。"},
        "label_object_customer": {"en": "Customer", "zh": "客户"},
        "label_object_application": {"en": "Application", "zh": "授信申请"},
        "label_object_attachment": {"en": "Attachment", "zh": "附件"},
        "label_object_claim": {"en": "Claim", "zh": "索赔"},
        "label_object_cover": {"en": "Cover", "zh": "增信措施"},
        "label_object_dispute": {"en": "Dispute", "zh": "争议"},
        "label_object_group": {"en": "Group", "zh": "集团"},
        "label_object_invoice": {"en": "Invoice", "zh": "发票"},
        "label_object_limit request": {"en": "Limit request", "zh": "额度申请"},
        "label_object_order": {"en": "Order", "zh": "订单"},
        "label_object_user": {"en": "User", "zh": "用户"},
        "refusal_in_english": {"en": "{detail}", "zh": "（系统原文）{detail}"},
    }
)
