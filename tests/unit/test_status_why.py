"""web/status_why.py: the short line and the hover text of a status badge, in both languages."""

from __future__ import annotations

from datetime import date

from creditdesk.entrypoints.web import status_why

REASONS = [
    {"code": "OVER_LIMIT", "message": "exposure 120 is above the limit 100", "message_zh": "风险敞口 120 超过额度 100"},
    {"code": "OVERDUE", "message": "the oldest item is 45 days overdue", "message_zh": "最早的未清项已逾期 45 天"},
]


def test_a_held_order_names_its_reasons_and_their_figures() -> None:
    zh = status_why.order("review", REASONS, "zh")
    assert zh is not None and zh.short == "超出信用额度、存在逾期款项"
    assert "风险敞口 120 超过额度 100" in zh.full and "45 天" in zh.full
    en = status_why.order("blocked", REASONS, "en")
    assert en is not None and en.short == "Over the limit, Overdue items" and "above the limit 100" in en.full
    # An order that went through has nothing to explain.
    assert status_why.order("approved", [], "en") is None
    assert status_why.order("invoiced", REASONS, "en") is None


def test_a_dispute_says_who_opened_it_and_whether_it_is_late() -> None:
    case = {"status": "open", "opened_by": "anna", "opened_on": "2026-06-01", "due_on": "2026-06-15", "past_due": True}
    why = status_why.dispute(case, "zh")
    assert why.short == '<span translate="no">anna</span> 于 2026年6月1日 发起' and "已超期" in why.full
    done = {
        **case,
        "status": "resolved_credited",
        "resolved_by": "li",
        "resolved_on": "2026-06-20",
        "resolution": "credit note",
    }
    assert status_why.dispute(done, "en").full == "resolved by li on 2026-06-20: credit note"


def test_an_application_waits_for_a_role_or_names_its_decider() -> None:
    pending = {
        "status": "pending",
        "required_role": "manager",
        "submitted_by": "sales",
        "submitted_on": date(2026, 6, 2),
    }
    assert "2026年6月2日" in status_why.application(pending, "zh").full
    decided = {"status": "rejected", "decided_by": "boss", "decided_at": date(2026, 6, 3), "reason": "PD too high"}
    why = status_why.application(decided, "en")
    assert why.short == "by boss on 2026-06-03" and why.full.endswith("PD too high")
