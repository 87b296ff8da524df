"""The texts of the notifications and their mails: one catalogue, English and Chinese, and the
words that fill them in each language.

A notification keeps its values as data and codes (``values``: who, which order, the reason codes,
the role, the status before): the mail renders them in its recipient's language once, the web page
again in its reader's language, with what people typed and the ids marked as data
(``text(kind, language, values, style)``)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from creditdesk.domain.money import Money

TEXTS: dict[str, dict[str, tuple[str, str]]] = {
    # kind: language: (subject, body)
    "order.held": {
        "en": (
            "Order {order_id} of {customer} is held: {amount}",
            "The credit check {outcome} order {order_id} of {customer} ({customer_id}) for {amount}.\n"
            "Reasons:\n{reasons}\n\nYou may release or reject it.",
        ),
        "zh": (
            "订单 {order_id}（{customer}）被信用检查拦截：{amount}",
            "信用检查{outcome}了客户 {customer}（{customer_id}）的订单 {order_id}，金额 {amount}。\n"
            "原因：\n{reasons}\n\n您可以放行或拒绝该订单。",
        ),
    },
    "order.release_requested": {
        "en": (
            "Release of order {order_id} of {customer} ({amount}) awaits your approval",
            "{requested_by} asked to release order {order_id} of {customer} ({customer_id}) for {amount}, "
            'beyond their authority: "{comment}".\nReasons it was held:\n{reasons}\n\n'
            "A second person with authority releases or rejects it.",
        ),
        "zh": (
            "订单 {order_id}（{customer}，{amount}）的放行申请等待您审批",
            "{requested_by} 申请放行客户 {customer}（{customer_id}）的订单 {order_id}，金额 {amount}，"
            "超出其权限：“{comment}”。\n拦截原因：\n{reasons}\n\n需由另一位有权限的人员放行或拒绝。",
        ),
    },
    "limit.requested": {
        "en": (
            "Limit request {request_id}: {customer} {amount} awaits your decision",
            "{requested_by} asks for a credit limit of {amount}{temporary} for {customer} ({customer_id}): "
            '"{reason}".\nIt needs a {required_role} or above; the requester may not decide it.',
        ),
        "zh": (
            "额度申请 {request_id}：{customer} {amount} 等待您审批",
            "{requested_by} 为客户 {customer}（{customer_id}）申请信用额度 {amount}{temporary}：“{reason}”。\n"
            "需由 {required_role} 或更高角色审批；申请人不得自行审批。",
        ),
    },
    "application.submitted": {
        "en": (
            "Credit application {application_id}: {customer} {amount} awaits a decision",
            "{submitted_by} submitted a credit application for {customer} ({customer_id}), asking {requested}; "
            "the probation policy proposes {amount}.\nIt needs a {required_role} and {approvals} approval(s); "
            "the submitter may not decide it.",
        ),
        "zh": (
            "授信申请 {application_id}：{customer} {amount} 等待审批",
            "{submitted_by} 为 {customer}（{customer_id}）提交了授信申请，申请额度 {requested}；"
            "试用期政策建议 {amount}。\n需由 {required_role} 审批，共需 {approvals} 人批准；提交人不得自行审批。",
        ),
    },
    "limit.request.approved": {
        "en": (
            "Your limit request {request_id} for {customer} was approved",
            "{decided_by} approved your request for a credit limit of {amount} for {customer} ({customer_id}); "
            "the limit applies now.{comment}",
        ),
        "zh": (
            "您为 {customer} 提交的额度申请 {request_id} 已批准",
            "{decided_by} 批准了您为客户 {customer}（{customer_id}）申请的信用额度 {amount}，额度已生效。{comment}",
        ),
    },
    "limit.request.rejected": {
        "en": (
            "Your limit request {request_id} for {customer} was rejected",
            "{decided_by} rejected your request for a credit limit of {amount} for {customer} "
            "({customer_id}).{comment}",
        ),
        "zh": (
            "您为 {customer} 提交的额度申请 {request_id} 被拒绝",
            "{decided_by} 拒绝了您为客户 {customer}（{customer_id}）申请的信用额度 {amount}。{comment}",
        ),
    },
    "account.blocked": {
        "en": (
            "{customer} is blocked",
            "The credit account of {customer} ({customer_id}) was blocked (it was {before}): {reason}\n"
            "Orders of a blocked customer are held.",
        ),
        "zh": (
            "客户 {customer} 的信用账户已冻结",
            "客户 {customer}（{customer_id}）的信用账户已冻结（之前为 {before}）：{reason}\n被冻结客户的订单将被拦截。",
        ),
    },
    "account.defaulted": {
        "en": (
            "{customer} is in default since {since}",
            "{customer} ({customer_id}) was recorded in default since {since}: {reason}",
        ),
        "zh": (
            "客户 {customer} 自 {since} 起违约",
            "客户 {customer}（{customer_id}）已记录为自 {since} 起违约：{reason}",
        ),
    },
    "review.due": {
        "en": (
            "Credit review of {customer} is due ({on})",
            "The credit review of {customer} ({customer_id}) fell due on {on}. "
            "Review the account and complete the review, or ask for a new limit.",
        ),
        "zh": (
            "客户 {customer} 的信用复核已到期（{on}）",
            "客户 {customer}（{customer_id}）的信用复核已于 {on} 到期。请复核该账户并完成复核，或申请新的额度。",
        ),
    },
    "webhook.failed": {
        "en": (
            "Webhook delivery {delivery_id} keeps failing",
            "Delivery {delivery_id} of a {event_type} event to {url} {state} after {attempts} attempts. "
            "Last error: {error}",
        ),
        "zh": (
            "事件推送 {delivery_id} 持续失败",
            "{event_type} 事件推送 {delivery_id}（发往 {url}）在 {attempts} 次尝试后{state}。最近的错误：{error}",
        ),
    },
}

WORDS: dict[str, dict[str, str]] = {
    "blocked": {"en": "blocked", "zh": "冻结"},
    "review": {"en": "held for review", "zh": "暂停待复核"},
    "on_hold": {"en": "on hold", "zh": "暂停"},
    "active": {"en": "active", "zh": "正常"},
    "gave_up": {"en": "was given up", "zh": "已放弃"},
    "still_failing": {"en": "is still failing", "zh": "仍在失败"},
    "temporary": {"en": " until {on}", "zh": "（有效期至 {on}）"},
    "comment": {"en": "\nComment: {comment}", "zh": "\n意见：{comment}"},
    "no_reasons": {"en": "- (no reason recorded)", "zh": "- （未记录原因）"},
    "open": {"en": "Open", "zh": "打开"},
    "footer": {
        "en": "You get this mail because you may act on it in creditdesk. Mail settings: {url}/notifications",
        "zh": "您收到此邮件是因为您可以在信用管理台中处理此事项。邮件设置：{url}/notifications",
    },
    "digest_subject": {"en": "creditdesk: {count} notifications of {day}", "zh": "信用管理台：{day} 的 {count} 条通知"},
    "digest_intro": {
        "en": "Your notifications of {day}, newest last:",
        "zh": "您在 {day} 的通知（按时间顺序）：",
    },
    "test_subject": {"en": "creditdesk: a test mail", "zh": "信用管理台：测试邮件"},
    "test_body": {
        "en": "This is a test mail from creditdesk: the SMTP settings work.",
        "zh": "这是来自信用管理台的测试邮件：SMTP 设置可用。",
    },
}

ROLE_ZH = {"viewer": "查看员", "sales": "销售", "analyst": "信用分析师", "manager": "信用经理", "admin": "管理员"}


def word(key: str, language: str, **values: object) -> str:
    texts = WORDS[key]
    return texts.get(language, texts["en"]).format(**values)


def render(kind: str, language: str, **values: object) -> tuple[str, str]:
    texts = TEXTS[kind]
    subject, body = texts.get(language, texts["en"])
    return subject.format(**values), body.format(**values)


def money_text(amount: Money) -> str:
    return f"{amount.amount:,} {amount.currency}"


def amount_text(value: object, currency: object) -> str:
    try:
        return f"{Decimal(str(value)):,} {currency}"
    except ArithmeticError:
        return f"{value} {currency}"


def role_word(role: str, language: str) -> str:
    return ROLE_ZH.get(role, role) if language == "zh" else role


def reasons_text(reasons: list[dict[str, Any]], language: str, style: TextStyle | None = None) -> str:
    style = style or PLAIN
    if not reasons:
        return style.fmt(word("no_reasons", language))
    key = "message_zh" if language == "zh" else "message"
    lines = []
    for r in reasons:
        own = r.get(key) or (r.get("message") if language != "zh" else None)
        message = style.fmt(own) if own else style.data(r.get("message") or r.get("code"))
        if language == "zh":  # the reason in words; the rule's code is for the English reader and the API
            lines.append(style.fmt("- {message}", message=message))
        else:
            lines.append(style.fmt("- {message} ({code})", message=message, code=style.data(r.get("code"))))
    return style.join(lines)


class TextStyle:
    """How values go into a text: as they are (mail, the API). The web page's style marks the data
    (ids, names, what people typed) and writes dates in the reader's way."""

    def data(self, value: object) -> str:
        return "" if value is None else str(value)

    def date(self, value: object) -> str:
        return self.data(value)

    def amount(self, value: object) -> str:
        """An amount as the notification keeps it: ``1,000,000.00 CNY``."""
        return self.data(value)

    def fmt(self, template: str, **values: object) -> str:
        return template.format(**values) if values else template

    def join(self, lines: list[str]) -> str:
        return "\n".join(lines)


PLAIN = TextStyle()

#: Per kind, the values that are words of the catalogue (not data) and how each is rendered.
_DATES = frozenset(["on", "since", "expires_on"])


def text(kind: str, language: str, values: dict[str, Any], style: TextStyle | None = None) -> tuple[str, str]:
    """A notification's subject and body in a language, from its stored values (data and codes)."""
    style = style or PLAIN
    shown: dict[str, object] = {}
    for name, value in values.items():
        if name in ("reasons", "outcome", "required_role", "before", "reason_zh", "status", "expires_on"):
            continue
        if name in _DATES:
            shown[name] = style.date(value)
        elif name in ("amount", "requested"):
            shown[name] = style.amount(value)
        else:
            shown[name] = style.data(value)
    if "reasons" in values:
        shown["reasons"] = reasons_text(list(values.get("reasons") or []), language, style)
    if "outcome" in values:
        shown["outcome"] = style.fmt(word(str(values["outcome"]), language))
    if "required_role" in values:
        shown["required_role"] = style.fmt(role_word(str(values["required_role"]), language))
    if "expires_on" in values:
        expires = values["expires_on"]
        template = WORDS["temporary"].get(language, WORDS["temporary"]["en"])
        shown["temporary"] = style.fmt(template, on=style.date(expires)) if expires else ""
    if "before" in values:
        before = str(values.get("before") or "")
        shown["before"] = style.fmt(word(before, language)) if before in WORDS else style.data(before)
    if "status" in values:
        shown["state"] = style.fmt(word("gave_up" if values["status"] == "failed" else "still_failing", language))
    if kind in ("account.blocked", "account.defaulted"):
        own = values.get("reason_zh") if language == "zh" else None
        shown["reason"] = style.fmt(str(own)) if own else style.data(values.get("reason") or "")
    if kind in ("limit.request.approved", "limit.request.rejected"):
        comment = values.get("comment")
        template = WORDS["comment"].get(language, WORDS["comment"]["en"])
        shown["comment"] = style.fmt(template, comment=style.data(comment)) if comment else ""
    texts = TEXTS[kind]
    subject, body = texts.get(language, texts["en"])
    return style.fmt(subject, **shown), style.fmt(body, **shown)
