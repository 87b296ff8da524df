"""Reading a CSV for the model commands: features, an optional 0/1 target, problems pinned to cells.

Feature columns are the numeric ones; a column where most cells are numbers but some are not
is an error at each bad cell (a typo must not turn a feature into noise), and a column of
text (an id, a name) is left out and said so. Empty cells are missing values, which every
model handles.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from creditdesk.adapters.importing.problems import Code, Problem

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
    ignored: list[str] = field(default_factory=list)


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
    duplicated = [str(c) for c in frame.columns if "." in str(c) and str(c).rsplit(".", 1)[0] in frame.columns]
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
    features: Sequence[str] | None = None,
    exclude: Sequence[str] = (),
) -> ModelData:
    """``features`` fixes the columns (scoring with a fitted model); otherwise every numeric column
    except the target and ``exclude`` is one."""
    frame = _read(path)
    problems: list[Problem] = []
    for name in [target, *(features or ()), *exclude]:
        if name is not None and name not in frame.columns:
            problems.append(Problem(str(path), 1, 0, Code.MISSING_COLUMN, f"expected a column {name!r}; found none"))
    if problems:
        raise ModelDataError(problems)
    y = None
    if target is not None:
        text = frame[target].str.strip().str.lower()
        good = text.isin(_TRUE | _FALSE)
        for row in np.flatnonzero(~good.to_numpy())[:MAX_PROBLEMS]:
            problems.append(
                _cell(path, frame, row, target, Code.BAD_VALUE, f"expected 0 or 1; found {frame[target].iloc[row]!r}")
            )
        y = text.isin(_TRUE).astype(int).rename(target)
        if good.all() and y.nunique() < 2:
            problems.append(
                Problem(str(path), 1, 0, Code.BAD_VALUE, f"the target {target!r} needs both 0s and 1s to fit a model")
            )
    candidates = (
        list(features) if features is not None else [c for c in frame.columns if c != target and c not in exclude]
    )
    columns: dict[str, pd.Series] = {}
    ignored = []
    for name in candidates:
        raw = frame[name].str.strip()
        given = raw != ""
        numbers = pd.to_numeric(raw.where(given), errors="coerce")
        bad = given & numbers.isna()
        if features is None and bad.sum() > given.sum() / 2:
            ignored.append(name)  # text: an id, a name, a category label
            continue
        for row in np.flatnonzero(bad.to_numpy())[: MAX_PROBLEMS - len(problems)]:
            problems.append(
                _cell(path, frame, row, name, Code.BAD_NUMBER, f"expected a number; found {raw.iloc[row]!r}")
            )
        columns[name] = numbers.astype(float)
    if problems:
        raise ModelDataError(sorted(problems, key=lambda p: (p.line, p.column))[:MAX_PROBLEMS])
    if not columns:
        raise ModelDataError(
            [Problem(str(path), 1, 0, Code.MISSING_COLUMN, "expected at least one numeric feature column")]
        )
    return ModelData(pd.DataFrame(columns), y, frame, ignored)
