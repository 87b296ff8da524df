"""Protected attributes: columns a credit decision must not rest on unless someone says why.

A column is protected when a word of its name (split at ``_``, ``-``, spaces, dots and
camelCase; any script: ``género``) is one of the patterns, or starts with one of at least five
letters ("nationality" matches "national"). Patterns are words, not substrings: "age" protects
``age`` and ``applicant_age`` but not ``mortgage`` or ``average_days``. Chinese has no spaces
between words, so a pattern in Chinese characters matches anywhere in the name (性别 in
``客户性别``). The list is the model command's
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
    "性别",
    "年龄",
    "出生",
    "国籍",
    "籍贯",
    "户籍",
    "民族",
    "种族",
    "宗教",
    "信仰",
    "婚姻",
    "婚否",
    "残疾",
    "怀孕",
    "外籍",
)

_RUNS = re.compile(r"[^\W\d_]+")  # runs of letters, in any script
_CAMEL = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def words(name: str) -> list[str]:
    found = []
    for run in _RUNS.findall(name):
        parts = _CAMEL.findall(run) if run.isascii() else [run]
        found += [part.lower() for part in parts]
    return found


def matching_pattern(name: str, patterns: Iterable[str]) -> str | None:
    """The pattern that makes ``name`` protected, or None."""
    found = words(name)
    for pattern in patterns:
        wanted = pattern.lower()
        if _CJK.search(wanted):
            if wanted in name.lower():
                return pattern
            continue
        for word in found:
            if word == wanted or (len(wanted) >= 5 and word.startswith(wanted)):
                return pattern
    return None
