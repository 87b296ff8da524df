"""Check policy files (YAML): parsed with every problem located by line and column.

name: standard-2026
checks:
  default: {limit: block, overdue_days: 60, overdue_share: "0.5", max_order: {CNY: "5000000.00"}}
  segments: {strategic: {overdue_days: 90}}
  risk_classes: {"9": {limit: review}}
release_authority: {analyst: {CNY: "100000.00"}, manager: {CNY: "2000000.00"}, admin: unlimited}
limits: {grace_days: 10, peak_factor: "1.2", unit: "1000", grades: {"9": {tnw_share: "0.02", wc_share: "0.05"}}}
monitor: {hold_after_days: 30, block_after_days: 60, default_after_days: 90, review_months: {"9": 1}}
approval_authority: {system: {worst_grade: 6, max_limit: {CNY: "500000"}}, admin: {max_limit: unlimited}}
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from typing import Any

import yaml

from creditdesk.domain.authority import SYSTEM, Authority, AuthorityMatrix
from creditdesk.domain.currencies import is_known_currency
from creditdesk.domain.decisions import Reaction
from creditdesk.domain.limit_policy import GradeRule, LimitPolicy, SegmentRule
from creditdesk.domain.monitoring import MonitorPolicy
from creditdesk.domain.roles import Role
from creditdesk.domain.rules import MAX_RESERVATION_DAYS, RULE_FIELDS, CheckPolicy, RuleSet, builtin_policy


@dataclass(frozen=True, slots=True)
class PolicyProblem:
    line: int
    column: int
    code: str
    message: str

    def render(self, file: str) -> str:
        return f"{file}:{self.line}:{self.column}: {self.code} {self.message}"


class PolicyError(ValueError):
    def __init__(self, problems: list[PolicyProblem]) -> None:
        super().__init__(f"{len(problems)} problem(s) in the policy")
        self.problems = problems


def _kind(node: yaml.Node) -> str:
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    return "a list" if isinstance(node, yaml.SequenceNode) else "a value"


_REACTIONS = {"block": Reaction.BLOCK, "review": Reaction.REVIEW}
_OPTIONAL_REACTION = {"limit", "review_expired", "group_limit"}
_REACTION_FIELDS = {"max_order_reaction", "overdue_reaction", "overdue_share_reaction", "on_hold", "dunning_reaction"}


_LIMIT_METHODS = ("need", "capacity", "bureau", "risk_budget", "profit_optimal")
_LIMIT_SHARES = ("lgd", "margin_rate", "cost_of_capital", "risk_budget_share", "ccf")
_LIMIT_NUMBERS = ("peak_factor", "unit", "min_demand_cv")
_GRADE_FIELDS = ("tnw_share", "wc_share", "floor", "ceiling")
_PROBATION = ("probation_months", "probation_segments")
_LIMIT_SECTIONS = ("methods", "grades", "segments", "concentration")
_MONITOR_DAYS = (
    "hold_after_days",
    "block_after_days",
    "default_after_days",
    "reward_months",
    "downgrade_grades",
    "manual_respite_days",
)
_MONITOR_SHARES = ("reward_utilisation", "reward_step")


class _Parser:
    def __init__(self) -> None:
        self.problems: list[PolicyProblem] = []

    def fail(self, node: yaml.Node, code: str, message: str) -> None:
        self.problems.append(PolicyProblem(node.start_mark.line + 1, node.start_mark.column + 1, code, message))

    def mapping(self, node: yaml.Node, what: str) -> list[tuple[yaml.ScalarNode, yaml.Node]]:
        if not isinstance(node, yaml.MappingNode):
            self.fail(node, "EXPECTED_MAPPING", f"expected a mapping for {what}, found {_kind(node)}")
            return []
        pairs = []
        for key, value in node.value:
            if not isinstance(key, yaml.ScalarNode):
                self.fail(key, "BAD_KEY", "expected a plain key")
                continue
            pairs.append((key, value))
        return pairs

    def scalar(self, node: yaml.Node, what: str) -> str | None:
        if not isinstance(node, yaml.ScalarNode):
            self.fail(node, "EXPECTED_VALUE", f"expected a single value for {what}, found {_kind(node)}")
            return None
        return str(node.value)

    def decimal(self, node: yaml.Node, what: str, *, share: bool = False) -> Decimal | None:
        text = self.scalar(node, what)
        if text is None:
            return None
        try:
            value = Decimal(text)
        except InvalidOperation:
            self.fail(node, "BAD_NUMBER", f"expected a decimal number for {what}, found {text!r}")
            return None
        if not value.is_finite() or value < 0 or (share and value > 1):
            bound = "from 0 to 1" if share else "zero or more"
            self.fail(node, "OUT_OF_RANGE", f"expected {what} {bound}, found {text}")
            return None
        return value

    def days(self, node: yaml.Node, what: str) -> int | None:
        text = self.scalar(node, what)
        if text is None:
            return None
        if not text.isdigit():
            self.fail(node, "BAD_NUMBER", f"expected a whole number for {what}, found {text!r}")
            return None
        return int(text)

    def amounts(self, node: yaml.Node, what: str) -> dict[str, Decimal]:
        found: dict[str, Decimal] = {}
        for key, value in self.mapping(node, what):
            if not is_known_currency(key.value):
                self.fail(key, "UNKNOWN_CURRENCY", f"expected an ISO 4217 currency code, found {key.value!r}")
                continue
            amount = self.decimal(value, f"{what} {key.value}")
            if amount is not None:
                found[key.value] = amount
        return found

    def rules(self, node: yaml.Node, what: str) -> dict[str, Any]:
        changes: dict[str, Any] = {}
        for key, value in self.mapping(node, what):
            name = key.value
            if name not in RULE_FIELDS:
                self.fail(key, "UNKNOWN_RULE", f"expected one of {', '.join(sorted(RULE_FIELDS))}; found {name!r}")
            elif name in _OPTIONAL_REACTION or name in _REACTION_FIELDS:
                text = self.scalar(value, name)
                allowed = {**_REACTIONS, "off": None} if name in _OPTIONAL_REACTION else _REACTIONS
                if text is not None and text not in allowed:
                    self.fail(value, "BAD_REACTION", f"expected {' or '.join(allowed)} for {name}, found {text!r}")
                elif text is not None:
                    changes[name] = allowed[text]
            elif name in ("horizon_days", "overdue_days", "dunning_level"):
                changes[name] = None if self.scalar(value, name) == "off" else self.days(value, name)
            elif name == "overdue_share":
                changes[name] = None if self.scalar(value, name) == "off" else self.decimal(value, name, share=True)
            elif name == "max_order":
                changes[name] = self.amounts(value, name)
        return changes

    def authority(self, node: yaml.Node, section: str = "release_authority") -> dict[Role, dict[str, Decimal]]:
        found: dict[Role, dict[str, Decimal]] = {}
        for key, value in self.mapping(node, section):
            try:
                role = Role(key.value)
            except ValueError:
                self.fail(key, "UNKNOWN_ROLE", f"expected one of {', '.join(Role)}; found {key.value!r}")
                continue
            if isinstance(value, yaml.ScalarNode) and value.value == "unlimited":
                found[role] = {}
            else:
                found[role] = self.amounts(value, f"{section} {role.value}")
        return found

    def limits(self, node: yaml.Node) -> LimitPolicy:
        changes: dict[str, Any] = {}
        for key, value in self.mapping(node, "limits"):
            name = key.value
            if name == "grace_days":
                changes[name] = self.days(value, name)
            elif name in _LIMIT_SHARES:
                changes[name] = self.decimal(value, name, share=True)
            elif name in _LIMIT_NUMBERS:
                changes[name] = self.decimal(value, name)
                if name == "unit" and changes[name] == 0:
                    self.fail(value, "OUT_OF_RANGE", "expected a rounding unit above zero, found 0")
            elif name == "methods":
                changes[name] = self.methods(value)
            elif name == "grades":
                changes[name] = self.grades(value)
            elif name == "segments":
                changes[name] = self.segments(value)
            elif name == "concentration":
                changes[name] = self.concentration(value)
            elif name == "probation_months":
                changes[name] = self.days(value, name)
            elif name == "probation_segments":
                changes[name] = self.names(value, name)
            else:
                known = ", ".join(
                    [
                        "grace_days",
                        *_LIMIT_SHARES,
                        *_LIMIT_NUMBERS,
                        "methods",
                        "grades",
                        "segments",
                        "concentration",
                        *_PROBATION,
                    ]
                )
                self.fail(key, "UNKNOWN_KEY", f"expected one of {known}; found {name!r}")
        given = {k: v for k, v in changes.items() if v is not None}
        for name in ("lgd", "margin_rate", "cost_of_capital", "ccf", "min_demand_cv"):
            if name in given:
                given[name] = float(given[name])  # rates feed the models as floats
        return LimitPolicy(**given)

    def monitor(self, node: yaml.Node) -> MonitorPolicy:
        changes: dict[str, Any] = {}
        for key, value in self.mapping(node, "monitor"):
            name = key.value
            if name in _MONITOR_DAYS:
                changes[name] = self.days(value, name)
            elif name in _MONITOR_SHARES:
                changes[name] = self.decimal(value, name, share=True)
            elif name == "review_months":
                months = dict(MonitorPolicy().review_months)
                for grade, figure in self.mapping(value, "review_months"):
                    if not grade.value.isdigit() or not 1 <= int(grade.value) <= 10:
                        self.fail(grade, "UNKNOWN_GRADE", f"expected a grade from 1 to 10, found {grade.value!r}")
                        continue
                    count = self.days(figure, f"review_months.{grade.value}")
                    if count is not None:
                        months[int(grade.value)] = count
                changes[name] = months
            else:
                known = ", ".join([*_MONITOR_DAYS, *_MONITOR_SHARES, "review_months"])
                self.fail(key, "UNKNOWN_KEY", f"expected one of {known}; found {name!r}")
        given = {k: v for k, v in changes.items() if v is not None}
        monitor = MonitorPolicy(**given)
        if not monitor.hold_after_days <= monitor.block_after_days <= monitor.default_after_days:
            self.fail(node, "OUT_OF_ORDER", "expected hold_after_days <= block_after_days <= default_after_days")
        return monitor

    def approval_authority(self, node: yaml.Node) -> AuthorityMatrix:
        found: dict[str, Authority] = {}
        for key, value in self.mapping(node, "approval_authority"):
            if key.value != SYSTEM and key.value not in {r.value for r in Role}:
                self.fail(key, "UNKNOWN_ROLE", f"expected system or one of {', '.join(Role)}; found {key.value!r}")
                continue
            worst, ceiling, seen = 10, None, False
            for name, figure in self.mapping(value, f"approval_authority.{key.value}"):
                if name.value == "worst_grade":
                    grade = self.days(figure, "worst_grade")
                    if grade is not None and not 1 <= grade <= 10:
                        self.fail(figure, "UNKNOWN_GRADE", f"expected a grade from 1 to 10, found {grade}")
                    worst = grade if grade is not None else worst
                elif name.value == "max_limit":
                    seen = True
                    unlimited = isinstance(figure, yaml.ScalarNode) and figure.value == "unlimited"
                    ceiling = None if unlimited else self.amounts(figure, f"approval_authority.{key.value}.max_limit")
                else:
                    self.fail(name, "UNKNOWN_KEY", f"expected worst_grade or max_limit; found {name.value!r}")
            if not seen:
                self.fail(
                    value, "MISSING_KEY", f"expected max_limit for {key.value} (an amount per currency, or unlimited)"
                )
            found[key.value] = Authority(worst, ceiling)
        return AuthorityMatrix(found)

    def concentration(self, node: yaml.Node) -> dict[str, Decimal]:
        caps: dict[str, Decimal] = {}
        for key, value in self.mapping(node, "concentration"):
            if key.value not in ("industry", "country", "group"):
                self.fail(key, "UNKNOWN_KEY", f"expected industry, country or group; found {key.value!r}")
                continue
            if self.scalar(value, key.value) == "off":
                continue
            share = self.decimal(value, f"concentration.{key.value}", share=True)
            if share is not None:
                caps[key.value] = share
        return caps

    def names(self, node: yaml.Node, what: str) -> tuple[str, ...] | None:
        if not isinstance(node, yaml.SequenceNode):
            self.fail(node, "EXPECTED_LIST", f"expected a list for {what}, found {_kind(node)}")
            return None
        found = [self.scalar(item, what) for item in node.value]
        return tuple(name for name in found if name is not None)

    def segments(self, node: yaml.Node) -> dict[str, SegmentRule]:
        rules = dict(LimitPolicy().segments)
        for key, value in self.mapping(node, "segments"):
            fields: dict[str, Any] = {}
            for name, figure in self.mapping(value, f"segments.{key.value}"):
                what = f"segments.{key.value}.{name.value}"
                if name.value == "methods":
                    fields["methods"] = self.methods(figure)
                elif name.value == "grace_days":
                    fields["grace_days"] = self.days(figure, what)
                elif name.value in ("peak_factor", "ceiling"):
                    fields[name.value] = self.decimal(figure, what)
                elif name.value == "min_role":
                    role = self.scalar(figure, what)
                    if role is not None and role not in {r.value for r in Role}:
                        self.fail(figure, "UNKNOWN_ROLE", f"expected one of {', '.join(Role)}; found {role!r}")
                    else:
                        fields["min_role"] = role
                else:
                    expected = "methods, grace_days, peak_factor, ceiling or min_role"
                    self.fail(name, "UNKNOWN_KEY", f"expected {expected}; found {name.value!r}")
            # A segment the policy names replaces the built-in one of that name entirely.
            rules[key.value] = SegmentRule(**{k: v for k, v in fields.items() if v is not None})
        return rules

    def methods(self, node: yaml.Node) -> tuple[str, ...] | None:
        if not isinstance(node, yaml.SequenceNode) or not node.value:
            self.fail(node, "EXPECTED_LIST", f"expected a list of methods for methods, found {_kind(node)}")
            return None
        found = []
        for item in node.value:
            name = self.scalar(item, "a method")
            if name is not None and name not in _LIMIT_METHODS:
                self.fail(item, "UNKNOWN_METHOD", f"expected one of {', '.join(_LIMIT_METHODS)}; found {name!r}")
            elif name is not None:
                found.append(name)
        return tuple(found)

    def grades(self, node: yaml.Node) -> dict[int, GradeRule] | None:
        rules = dict(LimitPolicy().grades)
        for key, value in self.mapping(node, "grades"):
            if not key.value.isdigit() or not 1 <= int(key.value) <= 10:
                self.fail(key, "UNKNOWN_GRADE", f"expected a grade from 1 to 10, found {key.value!r}")
                continue
            grade, fields = int(key.value), {}
            for name, figure in self.mapping(value, f"grades.{key.value}"):
                if name.value not in _GRADE_FIELDS:
                    self.fail(name, "UNKNOWN_KEY", f"expected {', '.join(_GRADE_FIELDS)}; found {name.value!r}")
                    continue
                share = name.value.endswith("_share")
                fields[name.value] = self.decimal(figure, f"grades.{grade}.{name.value}", share=share)
            # What a grade's entry leaves out stays as the default policy has it.
            rules[grade] = replace(rules[grade], **{k: v for k, v in fields.items() if v is not None})
        return rules


def parse_policy(text: str, version: int = 0) -> tuple[CheckPolicy, LimitPolicy]:
    """The check and limit policies a file describes, or PolicyError listing every problem with its place."""
    parser = _Parser()
    try:
        root = yaml.compose(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        raise PolicyError([PolicyProblem(line, column, "BAD_YAML", str(getattr(error, "problem", error)))]) from None
    if root is None:
        raise PolicyError([PolicyProblem(1, 1, "EMPTY", "expected a policy, found an empty file")])
    name = "unnamed"
    default = RuleSet()
    segments: dict[str, dict[str, Any]] = {}
    risk_classes: dict[str, dict[str, Any]] = {}
    authority: dict[Role, dict[str, Decimal]] | None = None
    four_eyes: dict[Role, dict[str, Decimal]] | None = None
    reservation_days = MAX_RESERVATION_DAYS
    limits = LimitPolicy()
    for key, value in parser.mapping(root, "the policy"):
        if key.value == "name":
            name = parser.scalar(value, "name") or name
        elif key.value == "checks":
            for section, body in parser.mapping(value, "checks"):
                if section.value == "default":
                    default = RuleSet().overridden(parser.rules(body, "checks.default"))
                elif section.value in ("segments", "risk_classes"):
                    target = segments if section.value == "segments" else risk_classes
                    for group, rules in parser.mapping(body, f"checks.{section.value}"):
                        target[group.value] = parser.rules(rules, f"checks.{section.value}.{group.value}")
                else:
                    parser.fail(
                        section, "UNKNOWN_KEY", f"expected default, segments or risk_classes; found {section.value!r}"
                    )
        elif key.value == "release_authority":
            authority = parser.authority(value)
        elif key.value == "max_reservation_days":
            reservation_days = parser.days(value, "max_reservation_days") or reservation_days
        elif key.value == "four_eyes_release":
            four_eyes = parser.authority(value, "four_eyes_release")
        elif key.value == "limits":
            limits = replace(parser.limits(value), monitor=limits.monitor, authority=limits.authority)
        elif key.value == "monitor":
            limits = replace(limits, monitor=parser.monitor(value))
        elif key.value == "approval_authority":
            limits = replace(limits, authority=parser.approval_authority(value))
        else:
            expected = (
                "name, checks, release_authority, four_eyes_release, max_reservation_days, limits, monitor or "
                "approval_authority"
            )
            parser.fail(key, "UNKNOWN_KEY", f"expected {expected}; found {key.value!r}")
    if parser.problems:
        raise PolicyError(parser.problems)
    if authority is None:  # no authority stated: the built-in's, safe by default
        builtin = builtin_policy()
        authority, four_eyes = builtin.release_authority, four_eyes or builtin.four_eyes_release
    check = CheckPolicy(version, name, default, segments, risk_classes, authority, four_eyes, reservation_days)
    return check, limits


def parse_check_policy(text: str, version: int = 0) -> CheckPolicy:
    """The check policy a file describes (its limits section validated too)."""
    return parse_policy(text, version)[0]
