"""Refusals in the reader's language (issue 21): a ServiceError's code names the words of the web
page while the API keeps its English detail; data stays marked as data."""

from __future__ import annotations

import json

from creditdesk.entrypoints.web import i18n
from creditdesk.service.errors import Forbidden, InvalidInput, NotFound


def test_a_coded_refusal_speaks_chinese_and_keeps_its_english_detail() -> None:
    error = Forbidden("four eyes: the requester may not decide their own request", code="four_eyes_own_request")
    assert error.detail == "four eyes: the requester may not decide their own request"
    assert (
        json.dumps({"detail": error.detail})
        == '{"detail": "four eyes: the requester may not decide their own request"}'
    )
    assert "四眼原则" in i18n.refusal_text(error.detail, "zh")
    assert i18n.refusal_text(error.detail, "en") == error.detail


def test_values_are_data_and_roles_and_objects_are_words() -> None:
    missing = NotFound("customer 'C-9' does not exist", code="not_found", values={"what": "customer", "id": "C-9"})
    assert i18n.refusal_text(missing.detail, "zh") == '客户 <span translate="no">C-9</span> 不存在。'
    role = Forbidden("role 'viewer' may not x", code="role_may_not", values={"role": "viewer"})
    assert i18n.refusal_text(role.detail, "zh") == "您的角色（查看员）无权执行此操作。"


def test_an_uncoded_refusal_shows_the_english_as_data_in_chinese() -> None:
    error = InvalidInput("something odd <b>")
    shown = i18n.refusal_text(error.detail, "zh")
    assert '<span translate="no">something odd &lt;b&gt;</span>' in shown
    assert error.code is None


def test_a_flash_with_a_refusal_after_the_redirect() -> None:
    error = InvalidInput("a release or rejection needs a comment", code="comment_required")
    flash = {
        "key": "action_refused",
        "kind": "error",
        "values": {"id": "SO-1", "detail": str(error.detail)},
        "codes": {"detail": [error.detail.code, error.detail.values]},
    }
    assert i18n.flash_message(flash, "zh") == '<span translate="no">SO-1</span>：请填写意见，此项为必填。'
    assert i18n.flash_message(flash, "en") == "SO-1: a release or rejection needs a comment"
    plain = {"key": "action_refused", "kind": "error", "values": {"id": "SO-1", "detail": "x"}}
    assert i18n.flash_message(plain, "en") == "SO-1: x"
