"""Why a status badge says what it says (web/status_why.py): rule or person, day, reason."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "why_the_monitor": {"en": "the monitor", "zh": "系统监控"},
    "why_by_rule": {"en": "{rule} · {date}: {reason}", "zh": "{rule} · {date}：{reason}"},
    "why_by_rule_full": {
        "en": "Set by the monitor's rule {rule} ({code}) on {date}: {reason}",
        "zh": "由监控规则“{rule}”于 {date} 设置：{reason}",  # the code is an id: in English only
    },
    "why_by_person": {"en": "{who} · {date}: {reason}", "zh": "{who} · {date}：{reason}"},
    "why_by_person_full": {"en": "Set by {who} on {date}: {reason}", "zh": "由 {who} 于 {date} 设置：{reason}"},
    "why_resolved": {"en": "resolved by {who} on {date}", "zh": "{who} 于 {date} 结案"},
    "why_opened": {"en": "opened by {who} on {date}", "zh": "{who} 于 {date} 发起"},
    "why_due": {"en": "due {date}", "zh": "应于 {date} 前处理"},
    "why_due_late": {"en": "late: was due {date}", "zh": "已超期：应于 {date} 前处理"},
    "why_waits_for": {"en": "waits for a {role}", "zh": "待{role}审批"},
    "why_waits_for_full": {
        "en": "Waits for a {role} to decide; asked by {who} on {date}",
        "zh": "待{role}审批；由 {who} 于 {date} 提交",
    },
    "why_decided": {"en": "by {who} on {date}", "zh": "{who} 于 {date} 决定"},
}
