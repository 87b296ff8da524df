"""A limit method's working in the reader's language (issue 21): the domain gives each formula as
steps, a code with its figures (``Working.steps``, ``Working.why``); the catalogue's
``working_<code>`` words them. English keeps the domain's own formula and note (the API's);
a working stored before it had steps is shown as it was written."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from markupsafe import Markup

from creditdesk.domain.limit_policy import Recommendation
from creditdesk.entrypoints.web import i18n

_SEPARATOR = {"en": "; ", "zh": "；"}


def _figure(value: object) -> str:
    """An amount with grouped digits; anything else (a share, a per cent, a name) as it is."""
    text = "" if value is None else str(value)
    try:
        number = Decimal(text)
    except InvalidOperation:
        return text
    return f"{number:,}" if abs(number) >= 1000 else text


def _provider(value: object, language: str, html: bool) -> str:
    """A rating source or insurer by its label; on a page, one without a label (an insurer's
    name: ``atradius``) is data, marked ``translate="no"``."""
    name = i18n.label("provider", value, language)
    if html and name == str(value):
        return Markup('<span translate="no">{}</span>').format(name)
    return name


def _values(step: Mapping[str, Any], language: str, html: bool = False) -> dict[str, str]:
    shown: dict[str, str] = {}
    for key, value in step.items():
        if key == "code":
            continue
        if key == "terms" and isinstance(value, list):
            joiner = "，" if language == "zh" else ", "
            shown[key] = joiner.join(
                f"{i18n.label('method', name, language)} {_figure(amount)}" for name, amount in value
            )
        elif key == "method":
            shown[key] = i18n.label("method", value, language)
        elif key in ("provider", "insurer"):
            shown[key] = _provider(value, language, html)
        else:
            shown[key] = _figure(value)
    return shown


def step_text(step: Mapping[str, Any], language: str, html: bool = False) -> str:
    key = f"working_{step.get('code')}"
    if key not in i18n.CATALOGUE:
        return str(step.get("code"))
    if html:
        return Markup.escape(i18n.translate(key, language)).format(**_values(step, language, html))
    return i18n.translate(key, language, **_values(step, language))


def working_text(working: Mapping[str, Any] | None, language: str) -> str:
    """The formula of a working (``Recommendation.as_json``'s method or final) as the reader reads it,
    else why it does not apply."""
    if not working:
        return ""
    steps = working.get("steps")
    if language == "en" or (steps is None and working.get("why") is None):
        return str(working.get("formula") or working.get("note") or "")
    if steps:
        return _SEPARATOR[language].join(step_text(step, language) for step in steps)
    why = working.get("why")
    return step_text(why, language) if why else ""


def limit_reason(rec: Recommendation, language: str, why: str | None = None) -> str:
    """The reason a limit set (or asked) by the policy's recommendation records, in ``language``:
    why (by default: by the policy's recommendation), then the final working."""
    final = rec.as_json()["final"]
    working = final if isinstance(final, Mapping) else None
    reason = why or i18n.label("rule", "RECOMMENDATION", language)
    return f"{reason}{'：' if language == 'zh' else ': '}{working_text(working, language)}"


def chinese_limit_reason(rec: Recommendation) -> str:
    """The recommendation's reason in Chinese, kept beside the English one (``apply_recommendations``'
    ``explain_zh``)."""
    return limit_reason(rec, "zh")


def working_note(working: Mapping[str, Any] | None, language: str) -> str:
    """The short note beside a working (``bound by need``) in the reader's language."""
    if not working:
        return ""
    why = working.get("why")
    if language == "en" or not why:
        return str(working.get("note") or "")
    return step_text(why, language)


def working_html(working: Mapping[str, Any] | None, language: str) -> str:
    """:func:`working_text` for a page: an insurer's name without a label marked as data."""
    steps = (working or {}).get("steps")
    if language == "en" or not steps:
        return working_text(working, language)
    return Markup(_SEPARATOR[language]).join(step_text(step, language, html=True) for step in steps)
