"""What each column of a credit file is to a model: a number, a category, a date's age, or left out.

The user may declare roles (``--categorical``, ``--numeric``, ``--id``, ``--date``,
``--exclude`` or a schema file); every other column's role is inferred from its cells:

- mostly numbers: **numeric** (a few integer values are binned as a code by the scorecard);
- ISO dates: left out unless declared ``--date``, then its age in days on the plan's ``as_of``;
- text: a **category**, unless it is id-like (nearly every value distinct, or an id's name with
  every value distinct) or holds more than ``max_categories`` values.

A column with one value or none is constant. A protected attribute (see ``protected``) is left
out unless allowed with a reason, whatever its declared role. Every column left out carries its
reason, which the artefact and the validation report list.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

import pandas as pd

from creditdesk.risk.protected import DEFAULT_PATTERNS, matching_pattern

MAX_CATEGORIES = 50
#: A text column with at least this share of distinct values among its given cells is an id.
ID_LIKE_SHARE = 0.9
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# Dates in other forms (03/15/2026, 15.03.2026, 2026/03/15): named, so the advice fits them.
_OTHER_DATE = re.compile(r"^(\d{1,2}[/.]\d{1,2}[/.]\d{2,4}|\d{4}/\d{1,2}/\d{1,2})$")
_ID_NAME = re.compile(r"(^|[_\W])(id|no|number|key|code)$|id$", re.IGNORECASE)


class Role(StrEnum):
    NUMERIC = "numeric"
    CATEGORICAL = "categorical"
    DATE = "date"  # its age in days on the plan's as_of
    ID = "id"
    EXCLUDED = "excluded"
    PROTECTED = "protected"
    CONSTANT = "constant"
    TOO_MANY_CATEGORIES = "too many categories"
    UNDECLARED_DATE = "date, not declared"
    FREE_TEXT = "free text"


FEATURE_ROLES = frozenset({Role.NUMERIC, Role.CATEGORICAL, Role.DATE})
DECLARABLE = ("categorical", "numeric", "id", "date", "exclude")


@dataclass(frozen=True, slots=True)
class Declared:
    """What the user said: roles by column, protected patterns and the protected columns allowed."""

    roles: Mapping[str, str] = field(default_factory=dict)  # column -> one of DECLARABLE
    protected_patterns: Sequence[str] = DEFAULT_PATTERNS
    allow_protected: Mapping[str, str] = field(default_factory=dict)  # column -> why it may be used
    as_of: date | None = None  # the day dates' ages are counted to; default: the latest date given
    max_categories: int = MAX_CATEGORIES
    labels: Mapping[str, Mapping[str, str]] = field(default_factory=dict)  # column -> {"en": …, "zh": …}

    def problems(self, columns: Sequence[str], target: str | None = None) -> list[str]:
        """Declarations that do not fit the file: each a sentence that says what to do."""
        found = []
        if target is not None and target in self.roles:
            found.append(f"the target {target!r} cannot also be declared {self.roles[target]}; it is what is predicted")
        for name in self.allow_protected:
            if matching_pattern(name, self.protected_patterns) is None:
                found.append(f"column {name!r} matches no protected pattern: there is nothing to allow")
        if self.max_categories < 2:
            found.append(f"max_categories must be 2 or more; found {self.max_categories}")
        for name, role in self.roles.items():
            if role not in DECLARABLE:
                found.append(f"column {name!r}: unknown role {role!r}; expected one of {', '.join(DECLARABLE)}")
        for name in [*self.roles, *self.allow_protected, *self.labels]:
            if name not in columns:
                found.append(f"the file has no column {name!r}; its columns are {', '.join(columns)}")
        for name, why in self.allow_protected.items():
            if not why.strip():
                found.append(f"allowing the protected column {name!r} needs a reason, recorded with the model")
        return found


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    holds: str  # "numbers", "text", "dates" or "nothing"
    role: Role
    missing_share: float
    distinct: int
    why: str  # how the role was chosen, or why the column is left out


@dataclass(frozen=True, slots=True)
class ColumnPlan:
    columns: tuple[Column, ...]
    as_of: str | None = None
    protected_patterns: tuple[str, ...] = DEFAULT_PATTERNS
    allowed_protected: Mapping[str, str] = field(default_factory=dict)
    labels: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    @property
    def features(self) -> list[str]:
        return [c.name for c in self.columns if c.role in FEATURE_ROLES]

    @property
    def left_out(self) -> dict[str, str]:
        return {c.name: f"{c.role}: {c.why}" for c in self.columns if c.role not in FEATURE_ROLES}

    @property
    def protected(self) -> list[str]:
        """Every protected column in the file, used or not (the fairness report groups by them)."""
        return [c.name for c in self.columns if matching_pattern(c.name, self.protected_patterns)]

    def role_of(self, name: str) -> Role:
        return next(c.role for c in self.columns if c.name == name)

    def label(self, name: str, lang: str = "en") -> str:
        """How reasons name a column: the schema's label in ``lang``; else, in Chinese, the column's
        own name as the file wrote it, in English its name with spaces for underscores."""
        given = self.labels.get(name, {}).get(lang)
        return given or (name if lang == "zh" else name.replace("_", " "))

    def to_dict(self) -> dict[str, Any]:
        return {
            "columns": [asdict(c) for c in self.columns],
            "as_of": self.as_of,
            "protected_patterns": list(self.protected_patterns),
            "allowed_protected": dict(self.allowed_protected),
            "labels": {k: dict(v) for k, v in self.labels.items()},
        }

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> ColumnPlan:
        columns = tuple(Column(**{**c, "role": Role(c["role"])}) for c in raw.get("columns", ()))
        return cls(
            columns,
            raw.get("as_of"),
            tuple(raw.get("protected_patterns", DEFAULT_PATTERNS)),
            dict(raw.get("allowed_protected", {})),
            dict(raw.get("labels", {})),
        )


def plan_columns(frame: pd.DataFrame, target: str | None, declared: Declared) -> ColumnPlan:
    """The plan for a file read as text ('' is a missing cell)."""
    columns = []
    latest: list[pd.Timestamp] = []
    for name in frame.columns:
        if name == target:
            continue
        cells = frame[name].astype(str).str.strip()
        given = cells[cells != ""]
        column = _infer(str(name), given, len(cells), declared)
        columns.append(column)
        if column.role is Role.DATE:
            latest.append(pd.to_datetime(given, format="%Y-%m-%d", errors="coerce").max())
    as_of = declared.as_of or (max(latest).date() if latest else None)
    return ColumnPlan(
        tuple(columns),
        as_of.isoformat() if as_of else None,
        tuple(declared.protected_patterns),
        dict(declared.allow_protected),
        dict(declared.labels),
    )


def _infer(name: str, given: pd.Series, rows: int, declared: Declared) -> Column:
    distinct = int(given.nunique())
    missing = round(1 - len(given) / rows, 4) if rows else 0.0
    holds = _holds(given)

    def column(role: Role, why: str) -> Column:
        return Column(name, holds, role, missing, distinct, why)

    pattern = matching_pattern(name, declared.protected_patterns)
    if pattern is not None and name not in declared.allow_protected:
        return column(Role.PROTECTED, f"matches {pattern!r}; allow it with a reason to use it")
    said = declared.roles.get(name)
    if said == "exclude":
        return column(Role.EXCLUDED, "declared")
    if said == "id":
        return column(Role.ID, "declared")
    if distinct < 2:
        return column(Role.CONSTANT, "no value" if distinct == 0 else "one value only")
    allowed = f"protected ({pattern!r}), allowed: {declared.allow_protected[name]}" if pattern else ""
    if said in ("categorical", "numeric", "date"):
        role = {"categorical": Role.CATEGORICAL, "numeric": Role.NUMERIC, "date": Role.DATE}[said]
        return column(role, allowed or "declared")
    if holds == "numbers":
        if _ID_NAME.search(name) and distinct == len(given):
            return column(Role.ID, "an id's name and every value distinct; declare --numeric to use it")
        return column(Role.NUMERIC, allowed or "inferred")
    if holds == "dates":
        return column(Role.UNDECLARED_DATE, f"declare --date {name} to use its age in days")
    if holds == "dates, not YYYY-MM-DD":
        return column(
            Role.UNDECLARED_DATE,
            f"dates like {given.iloc[0]!r}: rewrite them as YYYY-MM-DD, then declare --date {name}",
        )
    if distinct > 20 and given.str.count(" ").mean() >= 2:
        return column(Role.FREE_TEXT, "sentences, not categories: a model reads no words")
    id_name = bool(_ID_NAME.search(name)) and distinct == len(given)
    if id_name or (distinct > 20 and distinct >= ID_LIKE_SHARE * len(given)):
        return column(Role.ID, f"id-like: {distinct:,} distinct values in {len(given):,} rows")
    if distinct > declared.max_categories:
        return column(
            Role.TOO_MANY_CATEGORIES,
            f"{distinct:,} values, more than {declared.max_categories}; declare --categorical {name} to keep it",
        )
    return column(Role.CATEGORICAL, allowed or "inferred")


def _holds(given: pd.Series) -> str:
    if given.empty:
        return "nothing"
    numbers = pd.to_numeric(given, errors="coerce")
    if numbers.notna().sum() > len(given) / 2:
        return "numbers"
    if (
        given.str.match(_ISO_DATE).mean() > 0.5
        and pd.to_datetime(given, format="%Y-%m-%d", errors="coerce").notna().mean() > 0.5
    ):
        return "dates"
    if given.str.match(_OTHER_DATE).mean() > 0.5:
        return "dates, not YYYY-MM-DD"
    return "text"
