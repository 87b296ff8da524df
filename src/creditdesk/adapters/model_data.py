"""Reading a CSV for the model commands: features, an optional 0/1 target, problems pinned to cells.

Which columns are features, and as what, is the column plan's (``risk.column_plan``): declared
by the user or inferred, and for scoring the plan the model was fitted with. A numeric column
where some cells are not numbers is an error at each bad cell (a typo must not turn a feature
into noise), as is a declared date that is not one. Empty cells are missing values, which every
model handles; a category's cells are kept in their own words.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from creditdesk.adapters.importing.problems import Code, Problem
from creditdesk.risk.column_plan import ColumnPlan, Declared, Role, plan_columns

MAX_PROBLEMS = 50


class ModelDataError(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problem(s) in the data")
        self.problems = problems


@dataclass
class ModelData:
    X: pd.DataFrame
    y: pd.Series | None
    frame: pd.DataFrame  # the file as read, for writing scores beside the input rows
    plan: ColumnPlan | None = None  # None: a model fitted before column plans (numbers only)
    protected: pd.DataFrame = field(default_factory=pd.DataFrame)  # for the fairness report

    @property
    def ignored(self) -> list[str]:
        return list(self.plan.left_out) if self.plan else []


_TRUE = {"1", "1.0", "true", "yes", "y"}
_FALSE = {"0", "0.0", "false", "no", "n"}


def _read(path: Path) -> pd.DataFrame:
    def problem(code: Code, message: str) -> ModelDataError:
        return ModelDataError([Problem(str(path), 0, 0, code, message)])

    if not path.is_file():
        raise problem(Code.BAD_FILE, "no such file")
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise problem(Code.ENCODING, "expected UTF-8 text") from None
    except (pd.errors.ParserError, csv.Error) as error:
        raise problem(Code.BAD_FILE, f"not a readable CSV file ({str(error).splitlines()[0]})") from None
    except pd.errors.EmptyDataError:
        raise problem(Code.EMPTY_FILE, "the file is empty") from None
    if frame.empty:
        raise problem(Code.EMPTY_FILE, "the file has a header but no rows")
    if frame.shape[1] == 1 and ";" in str(frame.columns[0]):
        raise problem(Code.BAD_FILE, "the columns are separated by ';': save the file with commas (CSV)")
    duplicated = [
        str(c).rsplit(".", 1)[0] for c in frame.columns if "." in str(c) and str(c).rsplit(".", 1)[0] in frame.columns
    ]
    if duplicated:
        raise problem(Code.DUPLICATE_COLUMN, f"columns appear twice: {', '.join(duplicated)}")
    return frame


def _cell(path: Path, frame: pd.DataFrame, row: int, column: str, code: Code, message: str) -> Problem:
    # Line 1 is the header, so data row i is on line i + 2; columns count from 1.
    return Problem(str(path), row + 2, frame.columns.get_loc(column) + 1, code, message)


def read_model_data(
    path: Path,
    *,
    target: str | None,
    declared: Declared | None = None,
    plan: ColumnPlan | None = None,
    features: Sequence[str] | None = None,
) -> ModelData:
    """To fit: ``declared`` (what the user said; the rest is inferred). To evaluate or score: the
    model's ``plan``, or for a model fitted before plans its numeric ``features``."""
    frame = _read(path)
    wanted = [target, *(features or ()), *(plan.features if plan else ())]
    problems = [
        Problem(str(path), 1, 0, Code.MISSING_COLUMN, f"expected a column {name!r}; found none")
        for name in dict.fromkeys(wanted)
        if name is not None and name not in frame.columns
    ]
    if declared is not None:
        said = declared.problems(list(frame.columns), target)
        problems += [Problem(str(path), 1, 0, Code.BAD_VALUE, text) for text in said]
    if problems:
        raise ModelDataError(problems)
    y = _target(path, frame, target, problems) if target is not None else None
    if plan is None and features is None:
        plan = plan_columns(frame, target, declared or Declared())
    roles = {c.name: c.role for c in plan.columns} if plan else dict.fromkeys(features or (), Role.NUMERIC)
    names = plan.features if plan else list(features or ())
    columns = {name: _feature(path, frame, name, roles[name], plan, problems) for name in names}
    if problems:
        raise ModelDataError(sorted(problems, key=lambda p: (p.line, p.column))[:MAX_PROBLEMS])
    if not columns:
        left_out = "; ".join(f"{k} ({v})" for k, v in (plan.left_out if plan else {}).items())
        raise ModelDataError(
            [
                Problem(
                    str(path), 1, 0, Code.MISSING_COLUMN, f"expected at least one feature column; left out: {left_out}"
                )
            ]
        )
    on = date.fromisoformat(plan.as_of) if plan and plan.as_of else date.today()
    protected = pd.DataFrame(
        {name: _protected(frame[name], on) for name in (plan.protected if plan else []) if name in frame.columns}
    )
    return ModelData(pd.DataFrame(columns), y, frame, plan, protected)


#: A column where more than this share of the given cells is wrong gets one problem, not one a cell.
MOSTLY_WRONG = 0.5


def _bad_cells(
    path: Path, frame: pd.DataFrame, name: str, bad: pd.Series, code: Code, expected: str, problems: list[Problem]
) -> None:
    """One problem a bad cell; or, where most cells are wrong, one for the column naming what it holds."""
    rows = np.flatnonzero(bad.to_numpy())
    raw = frame[name].str.strip()
    given = int((raw != "").sum())
    if len(rows) > 5 and len(rows) > MOSTLY_WRONG * given:
        values = ", ".join(repr(v) for v in sorted(raw.iloc[rows].unique())[:5])
        problems.append(
            _cell(
                path,
                frame,
                rows[0],
                name,
                code,
                f"expected {expected}; {len(rows):,} of {given:,} cells are not, e.g. {values}",
            )
        )
        return
    for row in rows[: max(MAX_PROBLEMS - len(problems), 0)]:
        problems.append(_cell(path, frame, row, name, code, f"expected {expected}; found {raw.iloc[row]!r}"))


def _target(path: Path, frame: pd.DataFrame, target: str, problems: list[Problem]) -> pd.Series:
    text = frame[target].str.strip().str.lower()
    good = text.isin(_TRUE | _FALSE)
    expected = "0 or 1 (or yes/no, true/false: 1, yes and true mean defaulted)"
    _bad_cells(path, frame, target, ~good, Code.BAD_VALUE, expected, problems)
    y = text.isin(_TRUE).astype(int).rename(target)
    if good.all() and y.nunique() < 2:
        problems.append(
            Problem(
                str(path),
                1,
                0,
                Code.BAD_VALUE,
                f"the target {target!r} holds only {y.iloc[0]}s; a model needs both 0s and 1s",
            )
        )
    return y


def _feature(
    path: Path, frame: pd.DataFrame, name: str, role: Role, plan: ColumnPlan | None, problems: list[Problem]
) -> pd.Series:
    raw = frame[name].str.strip()
    given = raw != ""
    if role is Role.CATEGORICAL:
        return raw.where(given).astype(object)
    if role is Role.DATE:
        dates = pd.to_datetime(raw.where(given), format="%Y-%m-%d", errors="coerce")
        bad = given & dates.isna()
        code, expected = Code.BAD_DATE, "a date (YYYY-MM-DD)"
        values = (pd.Timestamp(plan.as_of if plan and plan.as_of else dates.max()) - dates).dt.days.astype(float)
    else:
        values = pd.to_numeric(raw.where(given), errors="coerce").astype(float)
        bad = given & values.isna()
        code, expected = Code.BAD_NUMBER, "a number"
    _bad_cells(path, frame, name, bad, code, expected, problems)
    return values


def _protected(column: pd.Series, on: date) -> pd.Series:
    """A protected column's values for grouping: numbers where it holds numbers, a date (of birth)
    as the age in years on ``on`` (the plan's as-of, else today), else its words."""
    raw = column.str.strip().where(column.str.strip() != "")
    given = raw.notna().sum()
    numbers = pd.to_numeric(raw, errors="coerce")
    if numbers.notna().sum() > given / 2:
        return numbers
    dates = pd.to_datetime(raw, format="%Y-%m-%d", errors="coerce")
    if dates.notna().sum() > given / 2:
        return ((pd.Timestamp(on) - dates).dt.days / 365.25).astype(float)
    return raw.astype(object)
