"""The policy what-if's form: every figure and reaction of a policy file as a field, prefilled
from the policy it starts from, and the YAML the filled form makes.

The fields are the file's own scalar entries (the check rules by default, segment and risk
class; the release authority; the limit methods' figures, their grade ladder and segment rules;
the monitor and its review ladder; the approval authority), so the form shows whatever the
policy contains and nothing it does not. Lists (the methods) stay as they are; the YAML view
edits them. Problems come back from the policy file parser located by line, and each is put
beside the field whose value sits on that line.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import yaml

from creditdesk.adapters.policy_file import PolicyError, PolicyProblem, parse_policy

Translate = Callable[..., str]
Label = Callable[[str, str], str]
REACTIONS = ("block", "review")
OPTIONAL = ("block", "review", "off")
_REACTION_KEYS = {"max_order_reaction", "overdue_reaction", "overdue_share_reaction", "on_hold", "dunning_reaction"}
_OPTIONAL_KEYS = {"limit", "review_expired", "group_limit"}
#: The sections of a policy file, in the form's order.
SECTIONS: tuple[str, ...] = ("name", "max_reservation_days", "checks", "release_authority", "four_eyes_release")
SECTIONS += ("limits", "monitor", "approval_authority")
_GENERAL = ("name", "max_reservation_days")  # top-level figures: one "general" section
_ROLES_UNDER = ("release_authority", "four_eyes_release", "approval_authority")


@dataclass(frozen=True)
class Field:
    name: str  # the form field's name: "f." and the path joined with "."
    path: tuple[str, ...]
    value: str
    kind: str  # reaction, optional_reaction, role, text
    section: str

    @property
    def key(self) -> str:
        return self.path[-1]

    @property
    def choices(self) -> tuple[str, ...]:
        return {"reaction": REACTIONS, "optional_reaction": OPTIONAL}.get(self.kind, ())


@dataclass(frozen=True)
class Group:
    """The fields under one heading: a section and the path of the mapping they sit in."""

    section: str
    path: tuple[str, ...]
    fields: list[Field]


def _kind(path: tuple[str, ...]) -> str:
    key = path[-1]
    if path[0] == "checks" and key in _REACTION_KEYS:
        return "reaction"
    if path[0] == "checks" and key in _OPTIONAL_KEYS:
        return "optional_reaction"
    return "role" if key == "min_role" else "text"


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _walk(node: Any, path: tuple[str, ...], out: list[Field]) -> None:
    if isinstance(node, Mapping):
        for key, value in node.items():
            _walk(value, (*path, str(key)), out)
    elif not isinstance(node, list) and path and path[0] in SECTIONS:
        section = "general" if path[0] in _GENERAL else path[0]
        out.append(Field("f." + ".".join(path), path, _text(node), _kind(path), section))


def load(body: str) -> dict[str, Any]:
    """The policy file as plain data (empty when it is not a mapping)."""
    try:
        data = yaml.safe_load(body)
    except yaml.YAMLError:
        return {}
    return data if isinstance(data, dict) else {}


def fields(body: str) -> list[Field]:
    found: list[Field] = []
    _walk(load(body), (), found)
    return found


def _part(parent: str | None, key: str, tr: Translate, label: Label) -> str:
    if parent in ("segments", "probation_segments"):
        return label("segment", key)
    if parent in ("risk_classes", "grades", "review_months"):
        return tr("wi_grade_n", n=key)
    if parent in _ROLES_UNDER:
        return tr("wi_system") if key == "system" else label("role", key)
    if len(key) == 3 and key.isupper():
        return key  # a currency code
    return tr(f"wi_key_{key}")


def heading(group: Group, tr: Translate, label: Label) -> str:
    """A group's heading in the reader's language: its section, then each mapping on its path."""
    if group.section == "general":
        return tr("wi_section_general")
    parts = [tr(f"wi_section_{group.path[0]}")]
    for k in range(1, len(group.path)):
        if group.path[k] in ("segments", "risk_classes", "grades"):
            continue  # the next part names it
        parts.append(_part(group.path[k - 1], group.path[k], tr, label))
    return " · ".join(parts)


def field_label(field: Field, tr: Translate, label: Label) -> str:
    parent = field.path[-2] if len(field.path) > 1 else None
    return _part(parent, field.key, tr, label)


def groups(found: list[Field]) -> list[Group]:
    """Consecutive fields sharing their mapping, under one heading."""
    out: list[Group] = []
    for field in found:
        where = ("general",) if field.section == "general" else field.path[:-1]
        if out and out[-1].path == where:
            out[-1].fields.append(field)
        else:
            out.append(Group(field.section, where, [field]))
    return out


def _scalar(text: str, before: Any) -> Any:
    """The form's text as the YAML value: quoted decimals stay text (the parser reads them as
    exact decimals), whole numbers stay numbers when they were."""
    text = text.strip()
    if text in ("不限", "不设上限"):
        return "unlimited"
    if isinstance(before, int) and not isinstance(before, bool) and text.isdigit():
        return int(text)
    return text


def apply(body: str, form: Mapping[str, str]) -> str:
    """The YAML of ``body`` with the form's fields put in (fields the form does not carry stay)."""
    data = load(body)
    for field in fields(body):
        if field.name not in form:
            continue
        node: Any = data
        for key in field.path[:-1]:
            node = node[key] if key in node else node[int(key)]
        last = field.path[-1]
        actual = last if last in node else int(last)
        node[actual] = _scalar(form[field.name], node[actual])
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, default_flow_style=False, width=100)


def _lines(body: str) -> dict[int, str]:
    """The line each field's value sits on (1-based) → the field's name."""
    try:
        root = yaml.compose(body)
    except yaml.YAMLError:
        return {}
    found: dict[int, str] = {}

    def walk(node: yaml.Node, path: tuple[str, ...]) -> None:
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                walk(value, (*path, str(key.value)))
        elif isinstance(node, yaml.ScalarNode) and path and path[0] in SECTIONS:
            found[node.start_mark.line + 1] = "f." + ".".join(path)

    if root is not None:
        walk(root, ())
    return found


def problems(body: str) -> tuple[dict[str, list[PolicyProblem]], list[PolicyProblem]]:
    """The parser's problems of ``body``: by field (the field on the problem's line), and those
    that belong to no field."""
    try:
        parse_policy(body)
    except PolicyError as error:
        at = _lines(body)
        by_field: dict[str, list[PolicyProblem]] = {}
        rest = []
        for problem in error.problems:
            name = at.get(problem.line)
            if name is None:
                rest.append(problem)
            else:
                by_field.setdefault(name, []).append(problem)
        return by_field, rest
    return {}, []
