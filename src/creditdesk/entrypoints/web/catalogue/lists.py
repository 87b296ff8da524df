"""Chinese and English for: lists with context: columns, sorting, filtering, paging, status reasons."""

MESSAGES: dict[str, dict[str, str]] = {
    "list_sort_by": {"en": "Sort by {column}", "zh": "按{column}排序"},
    "list_search_hint": {"en": "Id or name", "zh": "编号或名称"},
    "list_any": {"en": "All", "zh": "全部"},
    "list_apply": {"en": "Filter", "zh": "筛选"},
    "list_clear": {"en": "Clear filters", "zh": "清除筛选"},
    "list_rows": {"en": "{first}–{last} of {total}", "zh": "第 {first}–{last} 条，共 {total} 条"},
    "list_page": {"en": "page {page} of {pages}", "zh": "第 {page} / {pages} 页"},
    "list_oldest_overdue": {"en": "Oldest overdue (days)", "zh": "最长逾期（天）"},
    # The monitor counts days overdue net of cash received but not yet applied; the books may show older items.
    "list_on_the_books": {
        "en": "{days} on the books, covered by unapplied cash",
        "zh": "账面 {days} 天，已由未核销回款覆盖",
    },
    "list_overdue_amount": {"en": "Overdue {amount}", "zh": "逾期金额 {amount}"},
    "list_account_status": {"en": "Account status", "zh": "账户状态"},
    "list_nothing_matches": {"en": "Nothing matches these filters.", "zh": "没有符合筛选条件的记录。"},
    "list_sort": {"en": "Sort", "zh": "排序"},
    "list_sort_exposure": {"en": "Exposure", "zh": "风险敞口"},
    "list_sort_limit": {"en": "Limit", "zh": "信用额度"},
    "list_sort_overdue": {"en": "Overdue", "zh": "逾期金额"},
    "list_sort_name": {"en": "Name", "zh": "名称"},
    "list_sort_id": {"en": "Id", "zh": "编号"},
    "held_submitted_by": {"en": "by {who}", "zh": "提交人 {who}"},
    "held_you_submitted": {
        "en": "You submitted this order: someone else releases or rejects it.",
        "zh": "此订单由您提交，须由他人放行或拒绝。",
    },
    "held_you_asked": {
        "en": "You asked for this release: a second approver confirms or rejects it.",
        "zh": "放行申请由您提出，须由第二位审批人确认或拒绝。",
    },
}
