"""Chinese and English for: history of the master data, status and merges."""

MESSAGES: dict[str, dict[str, str]] = {
    "md_title": {"en": "Master data history", "zh": "主数据变更历史"},
    "md_version": {"en": "Version", "zh": "版本"},
    "md_changes": {"en": "Changes (before → after)", "zh": "变更（变更前 → 变更后）"},
    "md_first_version": {"en": "first version", "zh": "初始版本"},
    "md_inactive": {
        "en": "This customer is deactivated: the credit check accepts no new orders.",
        "zh": "该客户已停用：信用检查不接受新订单。",
    },
    "md_merged_into": {
        "en": "This customer was merged into {id}: no new orders; its history is kept.",
        "zh": "该客户已并入 {id}：不接受新订单，历史记录保留。",
    },
    "md_merged_from": {"en": "Merged into this customer: {ids}", "zh": "已并入本客户的客户：{ids}"},
    "md_edit": {"en": "Change master data", "zh": "修改主数据"},
    "md_name": {"en": "Name", "zh": "名称"},
    "md_segment": {"en": "Segment", "zh": "客户类别"},
    "md_group": {"en": "Group", "zh": "所属集团"},
    "md_country": {"en": "Country", "zh": "国家"},
    "md_industry": {"en": "Industry", "zh": "行业"},
    "md_terms": {"en": "Payment terms (days)", "zh": "付款期限（天）"},
    "md_deactivate": {"en": "Deactivate (no new orders)", "zh": "停用（不接受新订单）"},
    "md_reactivate": {"en": "Reactivate", "zh": "重新启用"},
    "md_saved": {"en": "Customer {id}: version {version} saved.", "zh": "客户 {id}：已保存第 {version} 版。"},
    "md_nothing": {"en": "Customer {id}: nothing changed.", "zh": "客户 {id}：没有变更。"},
    "md_refused": {"en": "Customer {id}: not changed: {detail}", "zh": "客户 {id}：未修改：{detail}"},
}
