"""Protected attributes: columns a credit decision must not rest on unless someone says why.

A column is protected when a word of its name (split at ``_``, ``-``, spaces, dots and
camelCase) is one of the patterns, or starts with one of at least five letters ("nationality"
matches "national"). Patterns are words, not substrings: "age" protects ``age`` and
``applicant_age`` but not ``mortgage`` or ``average_days``. The list is the model command's
default and can be replaced (a schema file) or extended (``--protected-pattern``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

DEFAULT_PATTERNS: tuple[str, ...] = (
    "sex",
    "gender",
    "age",
    "birth",
    "born",
    "dob",
    "nationality",
    "national",
    "foreign",
    "citizen",
    "citizenship",
    "immigrant",
    "marital",
    "married",
    "religion",
    "religious",
    "ethnic",
    "ethnicity",
    "race",
    "racial",
    "disability",
    "disabled",
    "pregnant",
    "pregnancy",
)

_WORDS = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")


def words(name: str) -> list[str]:
    return [word.lower() for word in _WORDS.findall(name)]


def matching_pattern(name: str, patterns: Iterable[str]) -> str | None:
    """The pattern that makes ``name`` protected, or None."""
    found = words(name)
    for pattern in patterns:
        wanted = pattern.lower()
        for word in found:
            if word == wanted or (len(wanted) >= 5 and word.startswith(wanted)):
                return pattern
    return None
