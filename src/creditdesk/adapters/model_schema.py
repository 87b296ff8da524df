"""A model's schema file: column roles, protected attributes and labels, declared once in TOML.

    as_of = "2026-11-30"            # the day dates' ages are counted to
    max_categories = 50
    [roles]                         # categorical | numeric | id | date | exclude
    customer_no = "id"
    opened_on = "date"
    [protected]
    patterns = ["sex", "age"]       # replaces the default list (see risk.protected)
    allow = { age = "a product for pensioners: the regulator's approval ref. 12" }
    [labels.checking_account]       # how reasons name the column
    en = "Checking account"
    zh = "支票账户"

Options on the command line add to it and win over it.
"""

from __future__ import annotations

import tomllib
from datetime import date
from pathlib import Path
from typing import Any

from creditdesk.adapters.importing.problems import Code, Problem
from creditdesk.adapters.model_data import ModelDataError
from creditdesk.risk.column_plan import MAX_CATEGORIES, Declared
from creditdesk.risk.protected import DEFAULT_PATTERNS

KEYS = {"as_of", "max_categories", "roles", "protected", "labels"}


def read_schema(path: Path) -> dict[str, Any]:
    """The schema's content, every value checked: a problem names its key, what it expects and
    what it found."""

    def problem(message: str) -> ModelDataError:
        return ModelDataError([Problem(str(path), 0, 0, Code.BAD_FILE, message)])

    if not path.is_file():
        raise problem("no such schema file")
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise problem(f"not valid TOML ({error})") from None
    except UnicodeDecodeError:
        raise problem("expected UTF-8 text") from None
    found = [*_unknown(raw, KEYS, ""), *_checked(raw)]
    if found:
        raise ModelDataError([Problem(str(path), 0, 0, Code.BAD_VALUE, text) for text in found])
    return raw


def _unknown(table: dict[str, Any], keys: set[str], where: str) -> list[str]:
    extra = sorted(set(table) - keys)
    return [f"{where}unknown keys {', '.join(extra)}; expected {', '.join(sorted(keys))}"] if extra else []


def _checked(raw: dict[str, Any]) -> list[str]:
    found = []
    as_of = raw.get("as_of")
    if as_of is not None and not isinstance(as_of, date):
        try:
            raw["as_of"] = date.fromisoformat(str(as_of))
        except ValueError:
            found.append(f"as_of: expected a date (2026-11-30); found {as_of!r}")
    limit = raw.get("max_categories", MAX_CATEGORIES)
    if not isinstance(limit, int) or isinstance(limit, bool) or limit < 2:
        found.append(f"max_categories: expected a whole number of 2 or more; found {limit!r}")
    roles = raw.get("roles", {})
    if not _strings_by_name(roles):
        found.append(f'roles: expected a table of column = "role"; found {roles!r}')
    protected = raw.get("protected", {})
    if not isinstance(protected, dict):
        found.append(f"protected: expected a table with patterns and allow; found {protected!r}")
    else:
        found += _unknown(protected, {"patterns", "allow"}, "protected: ")
        patterns = protected.get("patterns", [])
        if not isinstance(patterns, list) or not all(isinstance(p, str) and p for p in patterns):
            found.append(f'protected.patterns: expected a list of words (["sex", "age"]); found {patterns!r}')
        if not _strings_by_name(protected.get("allow", {})):
            found.append(
                f'protected.allow: expected a table of column = "why it may be used"; found {protected["allow"]!r}'
            )
    labels = raw.get("labels", {})
    if not isinstance(labels, dict) or not all(_strings_by_name(v) and set(v) <= {"en", "zh"} for v in labels.values()):
        found.append(f'labels: expected [labels.COLUMN] tables of en = "…" and zh = "…"; found {labels!r}')
    return found


def _strings_by_name(table: Any) -> bool:
    return isinstance(table, dict) and all(isinstance(v, str) for v in table.values())


def declared(
    schema: dict[str, Any],
    *,
    roles: dict[str, str],
    allow_protected: dict[str, str],
    extra_patterns: list[str],
    as_of: date | None,
) -> Declared:
    """The schema's declarations with the command line's added on top."""
    protected = schema.get("protected", {})
    return Declared(
        roles={**{str(k): str(v) for k, v in schema.get("roles", {}).items()}, **roles},
        protected_patterns=(*protected.get("patterns", DEFAULT_PATTERNS), *extra_patterns),
        allow_protected={**{str(k): str(v) for k, v in protected.get("allow", {}).items()}, **allow_protected},
        as_of=as_of or schema.get("as_of"),
        max_categories=int(schema.get("max_categories", MAX_CATEGORIES)),
        labels={str(k): {str(a): str(b) for a, b in v.items()} for k, v in schema.get("labels", {}).items()},
    )
