"""Chinese and English for: the collections page."""

MESSAGES: dict[str, dict[str, str]] = {
    "coll_nav": {"en": "Collections", "zh": "催收"},
    "coll_title": {"en": "Collections worklist", "zh": "催收工作清单"},
    "coll_hint": {
        "en": "Overdue items on {date}, highest expected loss first (PD × LGD × open amount), with the dunning level, "
        "the next action, promises to pay and disputes.",
        "zh": "截至 {date} 的逾期未清项，按预期损失（PD × LGD × 未清金额）从高到低排列，"
        "附催款级别、下一步行动、付款承诺与争议。",
    },
    "coll_kept_as_of": {
        "en": "The night's worklist, of {date}, loaded {at}: a payment since then leaves it with the next night's run. "
        "Dunning levels, promises and disputes are as they stand now (the dispute filter is the night's).",
        "zh": "夜间运行生成的 {date} 清单，载入于 {at}：此后的回款在下一次夜间运行后移出清单。"
        "催款级别、付款承诺与争议为当前状态（争议筛选按夜间数据）。",
    },
    "coll_kept_missing": {
        "en": "With the nightly batch on, the worklist is computed each night, and no run has been loaded yet: "
        "`creditdesk batch run --as-of {date}` computes it now.",
        "zh": "已启用夜间批处理，清单每晚计算，目前尚未载入任何运行结果；"
        "执行 `creditdesk batch run --as-of {date}` 可立即计算。",
    },
    "coll_overdue_customers": {"en": "Overdue at {customers} customers:", "zh": "{customers} 位客户逾期合计："},
    "coll_due_on": {"en": "due {date}", "zh": "{date} 到期"},
    "coll_invoice": {"en": "Invoice", "zh": "发票"},
    "coll_invoice_days": {"en": "Invoice, days past due", "zh": "发票与逾期天数"},
    "coll_days_late": {"en": "{days} days past due", "zh": "逾期 {days} 天"},
    "coll_open": {"en": "Open amount", "zh": "未清金额"},
    "coll_expected_loss": {"en": "Expected loss", "zh": "预期损失"},
    "coll_level": {"en": "Dunning level", "zh": "催款级别"},
    "coll_level_n": {"en": "Level {level}", "zh": "{level} 级"},
    "coll_since": {"en": "since {date}", "zh": "自 {date} 起"},
    "coll_next_action": {"en": "Level and next action", "zh": "催款级别与下一步行动"},
    "coll_promise": {"en": "Promise to pay", "zh": "付款承诺"},
    "coll_promised_by": {"en": "by {date}", "zh": "{date} 前支付"},
    "coll_dispute": {"en": "Disputed", "zh": "有争议"},
    "coll_disputed": {"en": "Disputed: not dunned", "zh": "有争议：暂停催款"},
    "coll_currency": {"en": "Currency", "zh": "币种"},
    "coll_yes": {"en": "Yes", "zh": "是"},
    "coll_no": {"en": "No", "zh": "否"},
    "coll_customer_overdue": {"en": "Customer overdue", "zh": "客户逾期合计"},
    "coll_oldest_days": {"en": "oldest {days} days", "zh": "最长逾期 {days} 天"},
    # Its overdue items are all in dispute: none is counted late (the monitor's count, 0 days).
    "coll_overdue_all_disputed": {"en": "all of it disputed: not counted late", "zh": "均在争议中，不计逾期"},
    "coll_act": {"en": "Act", "zh": "操作"},
    "coll_record_promise": {"en": "Promise to pay…", "zh": "记录付款承诺…"},
    "coll_promised_on": {"en": "Promised date", "zh": "承诺付款日"},
    "coll_note": {"en": "Note", "zh": "备注"},
    "coll_promise_consequence": {
        "en": "The dunning level will not rise until the promised date (plus 3 days for the cash to arrive); "
        "if the cash does not come, the promise is broken and the level rises by one at once.",
        "zh": "在承诺付款日（另加 3 天到账宽限期）之前，催款级别不会上调；"
        "如届时未收到款项，承诺即告违约，催款级别立即上调一级。",
    },
    "coll_confirm_promise": {"en": "Confirm: record the promise", "zh": "确认：记录付款承诺"},
    "coll_open_dispute": {"en": "Open a dispute…", "zh": "发起争议…"},
    "coll_whole_amount": {"en": "whole open amount", "zh": "全部未清金额"},
    "coll_dispute_consequence": {
        "en": "The disputed amount leaves dunning and no longer counts as overdue for the credit check "
        "until the dispute is resolved.",
        "zh": "争议金额将暂停催款，且在争议解决前不再计入信用检查的逾期金额。",
    },
    "coll_confirm_dispute": {"en": "Confirm: open the dispute", "zh": "确认：发起争议"},
    "coll_add_note": {"en": "Add a note…", "zh": "添加备注…"},
    "coll_save_note": {"en": "Save the note", "zh": "保存备注"},
    "coll_read_only": {
        "en": "Recording promises, disputes and notes needs the analyst role or above.",
        "zh": "记录付款承诺、争议和备注需要分析师或以上角色。",
    },
    "coll_none": {"en": "Nothing is overdue.", "zh": "目前没有逾期项。"},
    "coll_promise_recorded": {"en": "{id}: promise to pay recorded.", "zh": "{id}：已记录付款承诺。"},
    "coll_note_added": {"en": "{id}: note added.", "zh": "{id}：已添加备注。"},
}
