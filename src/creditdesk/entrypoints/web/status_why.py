"""Why a status badge says what it says (issue 21): a short line for the page under the badge and
the whole story for its ``title`` (on hover), in the reader's language.

Each function takes what the page already has (an account and its :class:`Standing`, an order's
check reasons, a dispute, a credit application, a limit request) and returns a :class:`Why`, or
None when the status needs no explaining (an active account, an approved order). Templates call
them as the global ``status_why`` (``status_why.account(account, standing, lang)``) and only place
the two texts: no logic about statuses in the templates."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from markupsafe import Markup

from creditdesk.adapters.db.customer_views import Standing
from creditdesk.entrypoints.web import i18n

SYSTEM = "system"


@dataclass(frozen=True, slots=True)
class Why:
    short: str  # on the page, under or beside the badge
    full: str  # on hover (the badge's title): the rule's code, who, when and the figures

    def __bool__(self) -> bool:
        return bool(self.short or self.full)


def _get(obj: Any, name: str) -> Any:
    """A field of a dataclass, a row or a dict (the API's JSON) alike."""
    if isinstance(obj, Mapping):
        return obj.get(name)
    return getattr(obj, name, None)


def _value(status: Any) -> str:
    return str(getattr(status, "value", status) or "")


def _day(value: date | datetime | str | None, lang: str) -> str:
    return i18n.format_date(value, lang)


def who(actor: str | None, lang: str) -> str:
    """Who did it, as people say it: the monitor for the system's own rules."""
    if not actor or actor == SYSTEM:
        return i18n.translate("why_the_monitor", lang)
    return actor


def _name(actor: str | None, lang: str) -> Markup:
    """A user's name on the page: data, not the app's words (``translate="no"``)."""
    if not actor or actor == SYSTEM:
        return Markup.escape(who(actor, lang))
    return Markup('<span translate="no">{}</span>').format(actor)


def _t(key: str, lang: str, **values: object) -> str:
    return i18n.translate(key, lang, **values)


def _named(key: str, lang: str, actor: str | None, **values: object) -> Markup:
    """A text naming a user, the name marked as data (``translate="no"``)."""
    text = Markup.escape(_t(key, lang, who="\x00", **values))
    return Markup(text.replace("\x00", _name(actor, lang)))


def limit_set_by(standing: Standing, lang: str) -> Markup:
    """An over-limit account's limit: when and by whom it was set, and why: the system's reason in
    Chinese to a Chinese reader where it kept one, else as it was written (the person's words, or
    a stored working: data, ``translate="no"``)."""
    text = Markup.escape(_t("over_limit_set_by", lang, date=_day(standing.limit_on, lang), by="\x00", reason="\x01"))
    if lang == "zh" and standing.limit_reason_zh:
        reason = Markup("<span>{}</span>").format(standing.limit_reason_zh)
    else:
        reason = Markup('<span translate="no">{}</span>').format(standing.limit_reason or "—")
    return Markup(text.replace("\x00", _name(standing.limit_by, lang)).replace("\x01", reason))


def account(account: Any, standing: Standing | None, lang: str) -> Why | None:
    """An account on hold or blocked: the rule (its name and code) or the person who set it, the
    day, and the rule's explanation or the person's reason."""
    status = _value(_get(account, "status"))
    if status == "active" or standing is None:
        return None
    reason = (standing.status_reason_zh if lang == "zh" else None) or standing.status_reason or ""
    day = _day(standing.status_on, lang) if standing.status_on else ""
    if standing.status_rule:
        rule = i18n.label("rule", standing.status_rule, lang)
        short = _t("why_by_rule", lang, rule=rule, date=day, reason=reason) if reason else rule
        full = _t("why_by_rule_full", lang, rule=rule, code=standing.status_rule, date=day, reason=reason)
        return Why(short, full)
    if standing.status_by:
        person = who(standing.status_by, lang)
        short = _named("why_by_person", lang, standing.status_by, date=day, reason=reason or "—")
        full = _t("why_by_person_full", lang, who=person, date=day, reason=reason or "—")
        return Why(short, full)
    if reason:
        return Why(reason, reason)
    return None


def order(status: str, reasons: Iterable[Mapping[str, Any]] | None, lang: str) -> Why | None:
    """An order the check held or blocked: its reasons' names on the page, their figures on hover."""
    found = list(reasons or [])
    if not found or _value(status) in ("approved", "invoiced", "cancelled", "open"):
        return None
    names = [i18n.label("reason", r.get("code"), lang) for r in found]
    texts = []
    for r in found:
        message = (r.get("message_zh") if lang == "zh" else None) or r.get("message") or ""
        name = i18n.label("reason", r.get("code"), lang)
        texts.append(
            f"{name}（{message}）" if lang == "zh" and message else (f"{name} ({message})" if message else name)
        )
    joiner = "；" if lang == "zh" else "; "
    return Why(("、" if lang == "zh" else ", ").join(names), joiner.join(texts))


def dispute(case: Any, lang: str) -> Why:
    """A dispute: who opened it and when, and when it is due (or that it is late); resolved: by
    whom, when and how."""
    status = _value(_get(case, "status"))
    if status.startswith("resolved"):
        how = _get(case, "resolution") or "—"
        short = _t(
            "why_resolved", lang, who=_get(case, "resolved_by") or "—", date=_day(_get(case, "resolved_on"), lang)
        )
        return Why(short, f"{short}: {how}" if lang != "zh" else f"{short}：{how}")
    opened_on = _day(_get(case, "opened_on"), lang)
    opened = _t("why_opened", lang, who=_get(case, "opened_by") or "—", date=opened_on)
    due_key = "why_due_late" if _get(case, "past_due") else "why_due"
    due = _t(due_key, lang, date=_day(_get(case, "due_on"), lang))
    sep = "，" if lang == "zh" else "; "
    return Why(_named("why_opened", lang, _get(case, "opened_by"), date=opened_on), opened + sep + due)


def _waiting(required_role: Any, asked_by: Any, asked_on: Any, lang: str) -> Why:
    """Waiting for a role's decision: the role, and in full who asked and when."""
    role = i18n.label("role", _value(required_role), lang)
    full = _t("why_waits_for_full", lang, role=role, who=asked_by or "—", date=_day(asked_on, lang))
    return Why(_t("why_waits_for", lang, role=role), full)


def application(app: Any, lang: str) -> Why:
    """A credit application: pending for which role since when; decided by whom, when and why."""
    status = _value(_get(app, "status"))
    reason = _get(app, "reason") or ""
    if status == "pending":
        return _waiting(_get(app, "required_role"), _get(app, "submitted_by"), _get(app, "submitted_on"), lang)
    who = _get(app, "decided_by") or _get(app, "submitted_by") or "—"
    short = _t("why_decided", lang, who=who, date=_day(_get(app, "decided_at"), lang))
    if reason:
        return Why(short, short + ("：" if lang == "zh" else ": ") + str(reason))
    return Why(short, short)


def limit_request(request: Any, lang: str) -> Why:
    """A limit request: pending for which role, asked by whom and when and why; decided: by whom and when."""
    status = _value(_get(request, "status"))
    reason = (_get(request, "reason_zh") if lang == "zh" else None) or _get(request, "reason") or ""
    if status in ("", "pending"):
        waiting = _waiting(
            _get(request, "required_role"), _get(request, "requested_by"), _get(request, "requested_on"), lang
        )
        short, full = waiting.short, waiting.full
    else:
        who = _get(request, "decided_by") or "—"
        short = _t(
            "why_decided", lang, who=who, date=_day(_get(request, "decided_on") or _get(request, "decided_at"), lang)
        )
        full = short
    if reason:
        full += ("：" if lang == "zh" else ": ") + str(reason)
    return Why(short, full)
