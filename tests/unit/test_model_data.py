"""Reading a CSV for the model commands: features by the column plan, a 0/1 target, problems pinned to cells."""

from pathlib import Path

import pandas as pd
import pytest

from creditdesk.adapters.model_data import ModelDataError, read_model_data


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "data.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_numbers_and_categories_are_features_an_id_is_left_out_with_its_reason(tmp_path: Path) -> None:
    path = write(tmp_path, "id,x,y,kind,bad\nA,1.5,,red,1\nB,2,3,blue,0\nC,-1,4e2,,yes\n")
    data = read_model_data(path, target="bad")
    assert list(data.X.columns) == ["x", "y", "kind"] and data.ignored == ["id"]
    assert data.plan is not None and data.plan.left_out["id"].startswith("id:")
    assert data.X["kind"].tolist()[:2] == ["red", "blue"] and pd.isna(data.X["kind"].iloc[2])
    assert data.y is not None and list(data.y) == [1, 0, 1]
    assert data.X["y"].isna().tolist() == [True, False, False]


def test_each_bad_cell_is_reported_with_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path, "x,y,bad\n1,2,1\n1,abc,0\n2,3,maybe\n4,5,0\n")
    with pytest.raises(ModelDataError) as caught:
        read_model_data(path, target="bad")
    assert [str(p) for p in caught.value.problems] == [
        f"{path}:3:2: BAD_NUMBER expected a number; found 'abc'",
        f"{path}:4:3: BAD_VALUE expected 0 or 1 (or yes/no, true/false: 1, yes and true mean defaulted); found 'maybe'",
    ]


def test_missing_target_or_feature_column(tmp_path: Path) -> None:
    path = write(tmp_path, "x,bad\n1,0\n2,1\n")
    with pytest.raises(ModelDataError) as caught:
        read_model_data(path, target="default")
    assert caught.value.problems[0].code == "MISSING_COLUMN"
    with pytest.raises(ModelDataError, match="problem"):
        read_model_data(path, target=None, features=["x", "z"])


def test_a_target_with_one_class_cannot_be_fitted(tmp_path: Path) -> None:
    path = write(tmp_path, "x,bad\n1,0\n2,0\n")
    with pytest.raises(ModelDataError) as caught:
        read_model_data(path, target="bad")
    assert "both 0s and 1s" in caught.value.problems[0].message


@pytest.mark.parametrize(
    ("content", "code"),
    [(b"", "EMPTY_FILE"), (b"x,bad\n", "EMPTY_FILE"), (b"x,bad\n\xff\xfe,1\n", "ENCODING")],
)
def test_unreadable_files(tmp_path: Path, content: bytes, code: str) -> None:
    path = tmp_path / "f.csv"
    path.write_bytes(content)
    with pytest.raises(ModelDataError) as caught:
        read_model_data(path, target="bad")
    assert caught.value.problems[0].code == code
    with pytest.raises(ModelDataError) as missing:
        read_model_data(tmp_path / "nope.csv", target="bad")
    assert missing.value.problems[0].code == "BAD_FILE"


def test_a_column_mostly_wrong_gets_one_problem_that_names_what_it_holds(tmp_path: Path) -> None:
    rows = "\n".join(f"{i},{'good' if i % 3 else 'bad'}" for i in range(40))
    path = write(tmp_path, "x,outcome\n" + rows + "\n")
    with pytest.raises(ModelDataError) as caught:
        read_model_data(path, target="outcome")
    [problem] = caught.value.problems
    assert (problem.line, problem.column, problem.code) == (2, 2, "BAD_VALUE")
    assert "40 of 40 cells are not, e.g. 'bad', 'good'" in problem.message
