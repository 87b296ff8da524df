"""Chinese and English for: the customer page's actions (limits, standing, reviews, promises,
rescoring) and the limit requests' warnings."""

MESSAGES: dict[str, dict[str, str]] = {
    # The customer page's actions panel
    "act_title": {"en": "Actions", "zh": "操作"},
    "act_limit_title": {"en": "Request or set a limit", "zh": "申请或调整额度"},
    "act_current_limit": {"en": "Limit now", "zh": "当前额度"},
    "act_recommended": {"en": "Recommended", "zh": "建议额度"},
    "act_see_working": {"en": "see the working", "zh": "查看测算过程"},
    "act_requested": {"en": "Requested", "zh": "申请额度"},
    "act_temporary_end": {"en": "Temporary until (optional)", "zh": "临时额度截止日（可选）"},
    "act_reason_comment": {"en": "Reason (your comment)", "zh": "理由（您的说明）"},
    "act_ask_second": {
        "en": "ask for approval even within my authority (four eyes)",
        "zh": "即使在我的权限内也提交他人审批（双人复核）",
    },
    "act_preview": {"en": "Preview", "zh": "预览"},
    "act_limit_hint_set": {
        "en": "Within your authority the limit applies at once; beyond it, a request goes to whoever may decide.",
        "zh": "在您的审批权限内额度立即生效；超出权限则提交给有权审批的人。",
    },
    "act_limit_hint_request": {
        "en": "Your role asks: a request goes to whoever may decide it.",
        "zh": "您的角色只能申请：申请将提交给有权审批的人。",
    },
    "act_role_cannot_limit": {
        "en": "Your role may not request or set limits.",
        "zh": "您的角色无权申请或调整额度。",
    },
    "act_standing_title": {"en": "Hold, block or release", "zh": "暂停、冻结或恢复"},
    "act_standing_consequence": {
        "en": "On hold: new orders wait for a decision. Blocked: new orders are refused. "
        "Release: the account is active again. The reason is shown on the account's badge.",
        "zh": "暂停：新订单待审批；冻结：新订单一律拒绝；恢复：账户重新正常使用。理由会显示在账户状态旁。",
    },
    "act_hold": {"en": "Put on hold", "zh": "暂停"},
    "act_block": {"en": "Block", "zh": "冻结"},
    "act_release": {"en": "Release", "zh": "恢复"},
    "act_role_cannot_standing": {
        "en": "Only a manager or an administrator may hold, block or release an account.",
        "zh": "只有经理或管理员可以暂停、冻结或恢复账户。",
    },
    "act_review_title": {"en": "Record a review", "zh": "记录复核"},
    "act_review_consequence": {
        "en": "The next review is scheduled by the grade; frozen increases thaw.",
        "zh": "下次复核日期按评级排定；已冻结的提额解除冻结。",
    },
    "act_review_submit": {"en": "Review done", "zh": "完成复核"},
    "act_role_cannot_review": {
        "en": "Only an analyst, a manager or an administrator may record a review.",
        "zh": "只有分析师、经理或管理员可以记录复核。",
    },
    "act_promise_title": {"en": "Record a promise to pay", "zh": "记录付款承诺"},
    "act_promised_on": {"en": "Promised for", "zh": "承诺付款日"},
    "act_note": {"en": "Note", "zh": "说明"},
    "act_promise_submit": {"en": "Record the promise", "zh": "记录承诺"},
    "act_role_cannot_write": {
        "en": "Only an analyst, a manager or an administrator may record a promise.",
        "zh": "只有分析师、经理或管理员可以记录付款承诺。",
    },
    "act_open_dispute": {"en": "Open a dispute", "zh": "登记争议"},
    "act_add_note": {"en": "Add a note or attachment", "zh": "添加备注或附件"},
    "act_rescore_scored": {"en": "Last scored on {date}.", "zh": "最近评分日期：{date}。"},
    "act_rescore_unscored": {"en": "Not scored yet.", "zh": "尚未评分。"},
    "act_rescore_how": {
        "en": "The daily job re-scores the whole book on its schedule.",
        "zh": "每日批处理按计划对全部客户重新评分。",
    },
    "act_rescore_now": {"en": "Rescore now", "zh": "立即重新评分"},
    "act_rescore_consequence": {
        "en": "Scores this customer now with the champion model on what is known today (payments, "
        "statements, bureau reports); the grade sets the limit authority and the monitor's rules.",
        "zh": "立即用冠军模型按今日已知信息（回款、财报、征信报告）为该客户重新评分；评级决定额度审批权限和监控规则。",
    },
    "act_rescored": {
        "en": "Rescored: grade {before} → {after}.",
        "zh": "已重新评分：评级 {before} → {after}。",
    },
    "act_role_cannot_rescore": {
        "en": "Only an analyst, a manager or an administrator may rescore a customer.",
        "zh": "只有分析师、经理或管理员可以重新评分。",
    },
    # The confirmation step
    "act_limit_preview_title": {"en": "Confirm the limit change", "zh": "确认额度调整"},
    "act_temporary_until": {"en": "temporary until {date}", "zh": "临时额度，截止 {date}"},
    "act_consequence_applies": {
        "en": "Within your authority: the new limit applies as soon as you confirm.",
        "zh": "在您的审批权限内：确认后新额度立即生效。",
    },
    "act_consequence_request": {
        "en": "Beyond your authority: confirming opens a request for a {role} to decide (never you: four eyes).",
        "zh": "超出您的审批权限：确认后将生成申请，由{role}审批（双人复核，您本人不能审批）。",
    },
    "act_comment_required_warned": {
        "en": "This change carries warnings: a comment is required, and the approver must comment too.",
        "zh": "此调整有风险提示：必须填写说明，审批人也须填写意见。",
    },
    "act_confirm_apply": {"en": "Confirm and apply", "zh": "确认并生效"},
    "act_confirm_request": {"en": "Confirm and send the request", "zh": "确认并提交申请"},
    "act_cancel": {"en": "Cancel", "zh": "取消"},
    # Figures and warnings
    "act_change": {"en": "Change", "zh": "变动"},
    "act_change_from_zero": {"en": "a first limit: no percentage from zero", "zh": "首次额度：原额度为零，无变动比例"},
    "act_unscored": {"en": "not scored", "zh": "未评分"},
    "act_segment_ceiling": {"en": "Segment ceiling", "zh": "客群上限"},
    "act_warnings": {"en": "Warnings", "zh": "风险提示"},
    "act_no_warnings": {"en": "none", "zh": "无"},
    "warn_ABOVE_RECOMMENDATION": {"en": "Above the recommendation", "zh": "高于建议额度"},
    "warn_ABOVE_SEGMENT_CEILING": {"en": "Above the segment ceiling", "zh": "超出客群上限"},
    "warn_HIGH_GRADE": {"en": "Weak grade", "zh": "评级偏弱"},
    "warn_LARGE_INCREASE": {"en": "Large increase", "zh": "大幅提额"},
    "warn_why_above_recommendation": {"en": "{ratio}× the recommended", "zh": "为建议额度的 {ratio} 倍，建议额度"},
    "warn_why_no_recommendation": {
        "en": "the policy recommends no credit at all",
        "zh": "按授信政策不建议给予任何额度",
    },
    "warn_why_segment_ceiling": {"en": "the {segment} ceiling is", "zh": "{segment}上限为"},
    "warn_why_high_grade": {"en": "grade {grade} (8 or worse)", "zh": "评级 {grade}（8 级或更差）"},
    "warn_why_large_increase": {"en": "{factor}× the limit now of", "zh": "为当前额度的 {factor} 倍，当前额度"},
    # The limit requests worklist
    "act_warned_needs_comment": {
        "en": "Approving a request with warnings needs a comment.",
        "zh": "批准带有风险提示的申请时必须填写意见。",
    },
    "act_limits_now_rec_req": {"en": "Now → requested (recommended)", "zh": "当前 → 申请（建议）"},
    "act_company_code": {"en": "company code {code}", "zh": "公司代码 {code}"},
    "act_needs_role": {"en": "decided by a {role}", "zh": "由{role}审批"},
    "act_required": {"en": "required", "zh": "必填"},
    "act_role_cannot_decide": {
        "en": "Your role may not decide limit requests.",
        "zh": "您的角色无权审批额度申请。",
    },
    "act_four_eyes_own_request": {
        "en": "Four eyes: you asked for it, someone else decides.",
        "zh": "双人复核：您是申请人，须由他人审批。",
    },
    "act_needs_higher_role": {
        "en": "Beyond your authority: a higher role decides.",
        "zh": "超出您的审批权限：须由更高级别审批。",
    },
    # Outcomes (flash)
    "act_limit_applied": {"en": "{id}: the new limit applies.", "zh": "{id}：新额度已生效。"},
    "act_limit_requested": {
        "en": "{id}: request {req} sent to a {role} for a decision.",
        "zh": "{id}：申请 {req} 已提交{role}审批。",
    },
    "act_standing_hold": {"en": "{id} is on hold.", "zh": "{id} 已暂停。"},
    "act_standing_block": {"en": "{id} is blocked.", "zh": "{id} 已冻结。"},
    "act_standing_release": {"en": "{id} is active again.", "zh": "{id} 已恢复正常。"},
    "act_review_done": {"en": "{id}: review recorded.", "zh": "{id}：复核已记录。"},
    "act_promise_recorded": {"en": "{id}: promise {promise} recorded.", "zh": "{id}：付款承诺 {promise} 已记录。"},
}
