"""Chinese and English for: the import page."""

MESSAGES: dict[str, dict[str, str]] = {
    "imp_nav": {"en": "Import", "zh": "导入"},
    "imp_title": {"en": "Import a file", "zh": "导入文件"},
    "imp_hint": {
        "en": "A {suffixes} file of one kind, at most {mb} MB. It is checked first and nothing is written; "
        "after you confirm, the whole file is imported in one go, or nothing of it.",
        "zh": "每个文件只含一种数据（CSV、xlsx 或逐行 JSON 文件），不超过 {mb} MB。系统先检查文件，不写入任何数据；"
        "确认后整个文件一次性导入，出错则全部不导入。",
    },
    "imp_upload": {"en": "Upload", "zh": "上传"},
    "imp_kind": {"en": "Kind", "zh": "数据类型"},
    "imp_file": {"en": "File", "zh": "文件"},
    "imp_check": {"en": "Check the file", "zh": "检查文件"},
    "imp_kind_customers": {"en": "Customers", "zh": "客户"},
    "imp_kind_invoices": {"en": "Invoices", "zh": "发票"},
    "imp_kind_payments": {"en": "Payments", "zh": "收款"},
    "imp_kind_orders": {"en": "Orders", "zh": "订单"},
    "imp_kind_financials": {"en": "Financial statements", "zh": "财务报表"},
    "imp_kind_bureau": {"en": "Credit bureau reports", "zh": "征信报告"},
    "imp_kind_groups": {"en": "Customer groups", "zh": "客户集团"},
    "imp_kind_credit_support": {"en": "Credit support (guarantees, insurance)", "zh": "信用增级（担保、保险）"},
    "imp_kind_fx_rates": {"en": "Exchange rates", "zh": "汇率"},
    "imp_checked": {"en": "{file}: checked, ready to import", "zh": "{file}：检查通过，可以导入"},
    "imp_done": {"en": "{file}: imported", "zh": "{file}：已导入"},
    "imp_rows": {"en": "Rows", "zh": "行数"},
    "imp_inserted": {"en": "New", "zh": "新增"},
    "imp_unchanged": {"en": "Already stored, unchanged", "zh": "已存在且未变化"},
    "imp_changed": {"en": "Changed", "zh": "已变更"},
    "imp_protected": {"en": "Protected fields kept", "zh": "保留的受保护字段"},
    "imp_warnings": {"en": "{count} warnings:", "zh": "{count} 条警告："},
    "imp_line": {"en": "line {line}, column {column}:", "zh": "第 {line} 行第 {column} 列："},
    "imp_consequence": {
        "en": "Importing writes the file's {rows} rows in one transaction: {inserted} new, {changed} changed. "
        "Credit limits beyond your authority become limit requests.",
        "zh": "导入将在一个事务中写入文件的 {rows} 行：新增 {inserted} 行，变更 {changed} 行。"
        "超出您审批权限的信用额度将转为额度申请。",
    },
    "imp_confirm": {"en": "Confirm: import the file", "zh": "确认：导入文件"},
    "imp_cancel": {"en": "Cancel", "zh": "取消"},
    "imp_problems": {"en": "{file}: {count} problems", "zh": "{file}：发现 {count} 个问题"},
    "imp_nothing_written": {
        "en": "Nothing was written. Correct the file and check it again.",
        "zh": "未写入任何数据。请修改文件后重新检查。",
    },
    "imp_line_h": {"en": "Line", "zh": "行"},
    "imp_column_h": {"en": "Column", "zh": "列"},
    "imp_code": {"en": "Code", "zh": "代码"},
    "imp_message": {"en": "Problem", "zh": "问题"},
    "imp_more": {"en": "… and {count} more problems not listed.", "zh": "……另有 {count} 个问题未列出。"},
    "imp_bad_kind": {"en": "Choose a kind of file.", "zh": "请选择数据类型。"},
    "imp_bad_suffix": {"en": "The file must be one of {suffixes}.", "zh": "文件须为 CSV、xlsx 或逐行 JSON 文件。"},
    "imp_too_large": {
        "en": "The file is larger than {mb} MB: split it into smaller files.",
        "zh": "文件超过 {mb} MB，请拆分为较小的文件。",
    },
    "imp_expired": {
        "en": "This upload can no longer be confirmed (it was imported, cancelled or is not yours): upload it again.",
        "zh": "此上传已无法确认（已导入、已取消或不属于您），请重新上传。",
    },
}
