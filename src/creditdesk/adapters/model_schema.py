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
    def problem(message: str, line: int = 0) -> ModelDataError:
        return ModelDataError([Problem(str(path), line, 0, Code.BAD_FILE, message)])

    if not path.is_file():
        raise problem("no such schema file")
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise problem(f"not valid TOML ({error})") from None
    except UnicodeDecodeError:
        raise problem("expected UTF-8 text") from None
    unknown = sorted(set(raw) - KEYS)
    if unknown:
        raise problem(f"unknown keys {', '.join(unknown)}; expected {', '.join(sorted(KEYS))}")
    return raw


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
    given_as_of = schema.get("as_of")
    return Declared(
        roles={**{str(k): str(v) for k, v in schema.get("roles", {}).items()}, **roles},
        protected_patterns=(*protected.get("patterns", DEFAULT_PATTERNS), *extra_patterns),
        allow_protected={**{str(k): str(v) for k, v in protected.get("allow", {}).items()}, **allow_protected},
        as_of=as_of or (date.fromisoformat(str(given_as_of)) if given_as_of else None),
        max_categories=int(schema.get("max_categories", MAX_CATEGORIES)),
        labels={str(k): {str(a): str(b) for a, b in v.items()} for k, v in schema.get("labels", {}).items()},
    )
