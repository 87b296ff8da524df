"""Which of a table's columns the estimators treat as categories, and how they read them.

A column of text, of pandas ``category`` or of booleans written as words is a category: the
scorecard bins it by risk and the booster splits on it natively. Numbers stay numbers (a
numeric code with few values is still binned as a category by the scorecard). Dates are not
guessed at: their age in days is a feature only where the user says so (``days_before``).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import numpy as np
import pandas as pd

#: The label a category seen first at scoring gets in reasons (the models give it average risk).
UNSEEN = "(not seen in training)"
MISSING = "(missing)"


class ColumnTypeError(ValueError):
    """A column the estimators cannot read as a number or a category; the message says what to do."""


def frame_of(X: object) -> pd.DataFrame:
    """Any table as a frame with text column names (a numpy array's columns are "0", "1", …)."""
    frame = X if isinstance(X, pd.DataFrame) else pd.DataFrame(X)
    if not all(isinstance(name, str) for name in frame.columns):
        frame = frame.set_axis([str(name) for name in frame.columns], axis=1)
    return frame


def features_of(X: object, names: Iterable[object]) -> pd.DataFrame:
    """The model's features from a table, or a message naming the ones it lacks."""
    frame, wanted = frame_of(X), [str(name) for name in names]
    lacking = [name for name in wanted if name not in frame.columns]
    if lacking:
        raise ColumnTypeError(
            f"the data lack the model's features {', '.join(lacking)}; it was fitted on {', '.join(wanted)}"
        )
    return frame[wanted]


def target_of(y: object) -> np.ndarray:
    """The target as 0/1 integers, or a message that says how to make it so."""
    values = pd.Series(np.asarray(y).ravel())
    if values.isna().any():
        raise ColumnTypeError(
            f"the target has {int(values.isna().sum())} missing value(s); drop those rows or label them 0 or 1"
        )
    numeric = pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values)
    if not numeric or not values.astype(float).isin((0.0, 1.0)).all():
        found = ", ".join(map(str, sorted(values.astype(str).unique())[:5]))
        raise ColumnTypeError(
            f"the target holds {found}; expected 0 (performing) and 1 (defaulted): recode it, "
            "e.g. (y == 'bad').astype(int)"
        )
    target: np.ndarray = values.astype(int).to_numpy()
    if len(np.unique(target)) < 2:
        raise ColumnTypeError(f"the target holds only {target[0]}s; fitting needs both 0s and 1s")
    return target


def categorical_columns(frame: pd.DataFrame) -> list[str]:
    """The columns read as categories: every column that is neither numeric nor boolean."""
    check_types(frame)
    return [str(name) for name in frame.columns if not _numeric(frame[name])]


def _numeric(column: pd.Series) -> bool:
    return bool(pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column))


def check_types(frame: pd.DataFrame) -> None:
    for name in frame.columns:
        column = frame[name]
        if pd.api.types.is_datetime64_any_dtype(column) or pd.api.types.is_timedelta64_dtype(column):
            raise ColumnTypeError(
                f"column {name!r} holds dates or durations, which no model reads directly; give its age "
                f"in days (creditdesk.risk.column_types.days_before) or, on the command line, --date {name}"
            )
        if pd.api.types.is_complex_dtype(column):
            raise ColumnTypeError(f"column {name!r} holds complex numbers; give a real number or a category")


def as_text(column: pd.Series) -> pd.Series:
    """A category column as plain strings, missing values kept as NaN (a category dtype, a
    pandas string dtype and mixed objects all read the same)."""
    text = column.astype(object).where(column.notna())
    return text.map(lambda value: value if isinstance(value, str) or value is None else str(value)).astype(object)


def fixed_categories(column: pd.Series, categories: list[str]) -> pd.Categorical:
    """A category column on the categories seen at fitting; one seen first now reads as missing."""
    text = as_text(column)
    return pd.Categorical(text.where(text.isin(categories)), categories=categories)


def days_before(column: pd.Series, as_of: date) -> pd.Series:
    """A date column as its age in days on ``as_of`` (negative for dates after it)."""
    dates = pd.to_datetime(column, errors="raise")
    return (pd.Timestamp(as_of) - dates).dt.days.astype(float)


def value_labels(frame: pd.DataFrame) -> pd.DataFrame:
    """Each cell as a reader sees it: a category's own words, a number as written, gaps marked."""
    labels = frame.astype(object).where(frame.notna(), MISSING)
    for name in frame.columns:
        if _numeric(frame[name]):
            labels[name] = [MISSING if pd.isna(v) else _number(v) for v in frame[name].to_numpy()]
    return labels


def _number(value: object) -> str:
    number = float(value)  # type: ignore[arg-type]
    return str(int(number)) if np.isfinite(number) and number == int(number) else f"{number:g}"
