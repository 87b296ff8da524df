"""Chinese and English for: notes and attachments."""

MESSAGES: dict[str, dict[str, str]] = {
    "notes_title": {"en": "Notes", "zh": "备注"},
    "notes_on_customer": {"en": "on the customer", "zh": "关于客户"},
    "notes_on_application": {"en": "on application", "zh": "关于授信申请"},
    "notes_on_dispute": {"en": "on dispute", "zh": "关于争议"},
    "notes_on_request": {"en": "on limit request", "zh": "关于额度申请"},
    "notes_none": {"en": "No notes yet.", "zh": "暂无备注。"},
    "notes_add": {"en": "Add a note", "zh": "添加备注"},
    "notes_save": {"en": "Save the note", "zh": "保存备注"},
    "notes_attachments": {"en": "Attachments", "zh": "附件"},
    "notes_file": {"en": "File", "zh": "文件"},
    "notes_type": {"en": "Type", "zh": "类型"},
    "notes_size": {"en": "Bytes", "zh": "字节"},
    "notes_uploaded": {"en": "Uploaded by", "zh": "上传人"},
    "notes_no_files": {"en": "No attachments yet.", "zh": "暂无附件。"},
    "notes_upload": {"en": "Upload documents", "zh": "上传文件"},
    "notes_upload_button": {"en": "Upload", "zh": "上传"},
    "notes_allowed": {
        "en": "PDF, PNG, JPEG, CSV, text, XLSX or DOCX; programs, scripts and macros are refused.",
        "zh": "可上传 PDF、PNG、JPEG、CSV、文本、XLSX 或 DOCX；程序、脚本和宏一律拒收。",
    },
    "notes_saved": {"en": "Note saved.", "zh": "备注已保存。"},
    "notes_files_saved": {"en": "{count} file(s) attached.", "zh": "已上传 {count} 个附件。"},
    "notes_refused": {"en": "Not saved: {detail}", "zh": "未保存：{detail}"},
}
