"""A risk analyst's credit file through the model commands: text categories, protected attributes,
cross-validation against the peers, fairness, a scale that separates, reasons in the file's own words.

The file is ``creditdesk.demo.credit_file``'s: 1,000 rows, 13 text and 7 numeric columns, a 30 %
bad rate, made by its own weights (not fitted to any public data set).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from creditdesk.demo.credit_file import PROTECTED as CREDIT_FILE_PROTECTED
from creditdesk.demo.credit_file import credit_file
from tests.e2e.conftest import cli

pytestmark = pytest.mark.e2e

PROTECTED = set(CREDIT_FILE_PROTECTED)
FIT = ("model", "fit", "--data", "file.csv", "--target", "bad")


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("credit")
    credit_file(rows=1000, seed=0).to_csv(folder / "file.csv", index=False)
    return folder


def run(folder: Path, *args: str) -> Any:
    done = cli(folder, *args)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout) if "--json" in args else done


def test_the_scorecard_reaches_the_peers_on_the_same_folds(folder: Path) -> None:
    """The champion's figures on these files are the benchmark's (``python -m bench.scoring
    --datasets credit_file_0 …``): five champions a fold cost the suite half a minute."""
    fitted = run(folder, *FIT, "--out", "scorecard-model", "--cv", "5", "--json")
    compare = ("model", "compare", "--data", "file.csv", "--target", "bad", "--cv", "5")
    peers = run(folder, *compare, "--models", "optbinning,lightgbm", "--json")["models"]
    ours = fitted["cv"]
    assert set(peers) == {"optbinning Scorecard", "LightGBM (native categories)"}
    assert (ours["folds"], ours["seed"], ours["stratified"]) == (5, 0, True)
    for name, peer in peers.items():
        assert ours["auc"] >= peer["auc"] - ours["auc_sd"], f"scorecard {ours} against {name} {peer}"
    # Protected attributes stay out by default, each with its reason, and are reported on.
    assert PROTECTED.isdisjoint(fitted["features"])
    assert all(fitted["left_out"][name].startswith("protected: matches") for name in PROTECTED)
    assert {f["attribute"] for f in fitted["fairness"]} == PROTECTED
    assert not any(f["used_by_model"] for f in fitted["fairness"])
    assert sum(g["rows"] for g in fitted["fairness"][0]["groups"]) == fitted["holdout"]["n"]
    assert {"checking_account", "purpose", "savings"} <= set(fitted["features"])
    # On a 30 % bad-rate file the master scale crowds one grade, and the fit says so.
    assert any("--scale quantile" in warning for warning in fitted["warnings"])
    report = json.loads((folder / "scorecard-model" / "validation.json").read_text())
    assert {"fairness", "left_out", "cv", "grade_shares"} <= set(report)


def test_evaluating_on_the_training_file_warns_and_scores_read_in_the_files_words(folder: Path) -> None:
    if not (folder / "scorecard-model").exists():
        run(folder, *FIT, "--out", "scorecard-model")
    report = run(folder, "model", "evaluate", "scorecard-model", "--data", "file.csv", "--target", "bad", "--json")
    assert report["warnings"][0].startswith("this is the data the model was fitted on")
    held_out = credit_file(rows=400, seed=9)
    held_out.to_csv(folder / "new.csv", index=False)
    fresh = run(folder, "model", "evaluate", "scorecard-model", "--data", "new.csv", "--target", "bad", "--json")
    assert not any("fitted on" in w for w in fresh["warnings"]) and fresh["auc"] > 0.65
    assert {"checking_account", "purpose"} <= set(fresh["psi_features"])  # categories drift-checked too

    run(folder, "model", "score", "scorecard-model", "--data", "new.csv", "--out", "scored.csv")
    scored = pd.read_csv(folder / "scored.csv", keep_default_na=False)
    assert scored["checking_account"].tolist() == held_out["checking_account"].tolist()  # labels, not codes
    texts = 0
    for _, row in scored.iterrows():
        for k in (1, 2, 3):
            name = row[f"reason_{k}"]
            assert name not in PROTECTED
            if name in held_out.columns and row[name] != "":
                assert row[f"reason_{k}_text"] == f"{name.replace('_', ' ')}: {row[name]}"
                texts += 1
    assert texts > 300


def test_a_protected_attribute_allowed_with_a_reason_is_recorded_and_never_a_reason(folder: Path) -> None:
    why = "pension product: age bands approved by the regulator (ref. 2026/14)"
    allow = ("--allow-protected", "age", "--protected-reason", why)
    fitted = run(folder, *FIT, "--out", "aged", *allow, "--scale", "quantile", "--json")
    assert "age" in fitted["features"] and "age" not in fitted["left_out"]
    assert fitted["protected"]["allowed"] == {"age": why}
    assert set(fitted["protected"]["excluded"]) == PROTECTED - {"age"}
    meta = json.loads((folder / "aged" / "metadata.json").read_text())
    assert meta["protected"]["allowed"] == {"age": why} and meta["scale"]["kind"] == "quantile"
    assert next(f for f in fitted["fairness"] if f["attribute"] == "age")["used_by_model"]
    # The portfolio's own scale separates: no grade holds more than a quarter, and no warning.
    assert max(fitted["holdout"]["grade_shares"].values()) < 0.25 and not fitted["warnings"]
    run(folder, "model", "score", "aged", "--data", "file.csv", "--out", "aged.csv")
    scored = pd.read_csv(folder / "aged.csv", keep_default_na=False)
    assert "age" not in set(scored[["reason_1", "reason_2", "reason_3"]].to_numpy().ravel())
    assert scored["grade"].value_counts(normalize=True).max() < 0.25


def test_a_schema_names_the_columns_in_chinese_and_dates_become_ages(folder: Path) -> None:
    frame = credit_file(rows=300, seed=4)
    frame.insert(0, "opened_on", pd.Timestamp("2026-11-30") - pd.to_timedelta(frame["duration_months"] * 30, "D"))
    frame["opened_on"] = frame["opened_on"].dt.strftime("%Y-%m-%d")
    frame.to_csv(folder / "dated.csv", index=False)
    (folder / "schema.toml").write_text(
        'as_of = 2026-12-01\n[roles]\nopened_on = "date"\n'
        '[labels.checking_account]\nen = "Checking account"\nzh = "支票账户"\n',
        encoding="utf-8",
    )
    dated = ("model", "fit", "--data", "dated.csv", "--target", "bad", "--out", "dated")
    fitted = run(folder, *dated, "--schema", "schema.toml", "--json")
    assert "opened_on" in fitted["features"]
    role = next(c for c in fitted["columns"] if c["name"] == "opened_on")
    assert role["role"] == "date" and role["why"] == "declared"
    run(folder, "model", "score", "dated", "--data", "dated.csv", "--out", "dated-zh.csv", "--lang", "zh")
    texts = pd.read_csv(folder / "dated-zh.csv", keep_default_na=False)[["reason_1_text", "reason_2_text"]]
    assert any(t.startswith("支票账户：") for t in texts.to_numpy().ravel())


@pytest.mark.parametrize(
    ("extra", "code", "says"),
    [
        (["--allow-protected", "age"], 2, "--allow-protected needs --protected-reason"),
        (["--categorical", "nope"], 65, "the file has no column 'nope'"),
        (["--numeric", "purpose"], 65, "file.csv:2:3: BAD_NUMBER expected a number; 1,000 of 1,000 cells are not"),
        (["--date", "checking_account"], 65, "BAD_DATE expected a date (YYYY-MM-DD); 1,000 of 1,000"),
        (["--categorical", "age", "--numeric", "age"], 2, "declared both --categorical and --numeric"),
        (["--schema", "broken.toml"], 65, "not valid TOML"),
        (["--schema", "typed.toml"], 65, "as_of: expected a date (2026-11-30); found '30/11/2026'"),
        (["--schema", "typed.toml"], 65, 'protected.allow: expected a table of column = "why it may be used"'),
        (["--allow-protected", "housing", "--protected-reason", "x"], 65, "'housing' matches no protected pattern"),
        (["--protected-reason", "because"], 2, "name one"),
        (["--categorical", "bad"], 65, "the target 'bad' cannot also be declared categorical"),
        (["--out", "file.csv"], 2, "is a file; an artefact is a new folder"),
    ],
)
def test_declarations_that_do_not_fit_say_what_to_do(folder: Path, extra: list[str], code: int, says: str) -> None:
    (folder / "broken.toml").write_text("[roles\n", encoding="utf-8")
    (folder / "typed.toml").write_text('as_of = "30/11/2026"\n[protected]\nallow = ["Gender"]\n', encoding="utf-8")
    out = [] if "--out" in extra else ["--out", "never"]
    done = cli(folder, *FIT, *out, *extra)
    assert done.returncode == code and says in done.stderr, done.stderr
    assert "Traceback" not in done.stderr and not (folder / "never").exists()


def test_scoring_keeps_the_input_safe_and_says_what_it_could_not_know(folder: Path) -> None:
    if not (folder / "scorecard-model").exists():
        run(folder, *FIT, "--out", "scorecard-model")
    novel = credit_file(rows=50, seed=5)
    novel.loc[:2, "purpose"] = "space tourism"
    novel.to_csv(folder / "novel.csv", index=False)
    scored = cli(folder, "model", "score", "scorecard-model", "--data", "novel.csv", "--out", "novel-scored.csv")
    assert scored.returncode == 0, scored.stderr
    assert "purpose: 3 row(s) hold categories not seen in training (space tourism)" in scored.stderr
    again = cli(folder, "model", "score", "scorecard-model", "--data", "novel-scored.csv", "--out", "twice.csv")
    assert again.returncode == 0 and "the input's own pd, score, grade" in again.stderr
    twice = pd.read_csv(folder / "twice.csv")
    assert list(twice.columns).count("pd") == 1 and not any(c.endswith("_scored") for c in twice.columns)
    before = (folder / "novel.csv").read_bytes()
    for out, says in (("novel.csv", "is the input file"), (".", "expected a file name"), ("no/such/x.csv", "expected")):
        refused = cli(folder, "model", "score", "scorecard-model", "--data", "novel.csv", "--out", out)
        assert refused.returncode == 2 and says in refused.stderr and "Traceback" not in refused.stderr
    assert (folder / "novel.csv").read_bytes() == before and not list(folder.glob("*.partial"))
    tiny = credit_file(rows=30, seed=6).head(15)
    tiny.to_csv(folder / "tiny.csv", index=False)
    small = cli(folder, "model", "compare", "--data", "tiny.csv", "--target", "bad", "--models", "scorecard")
    assert small.returncode == 65 and "needs at least 10 rows of each target value" in small.stderr


def test_a_chinese_file_keeps_its_protected_columns_out_and_reads_in_chinese(folder: Path) -> None:
    frame = credit_file(rows=400, seed=7)
    chinese = pd.DataFrame(
        {
            "住房": frame["housing"].map({"rent": "租房", "own": "自有", "for free": "免费"}),
            "账户状态": frame["checking_account"],
            "期限月数": frame["duration_months"],
            "客户性别": frame["personal_status_sex"].str.split(":").str[0].map({"male": "男", "female": "女"}),
            "年龄": frame["age"],
            "违约": frame["bad"],
        }
    )
    chinese.to_csv(folder / "zh.csv", index=False)
    fitted = run(folder, "model", "fit", "--data", "zh.csv", "--target", "违约", "--out", "zh-model", "--json")
    assert fitted["features"] == ["住房", "账户状态", "期限月数"]
    assert {f["attribute"] for f in fitted["fairness"]} == {"客户性别", "年龄"}
    run(folder, "model", "score", "zh-model", "--data", "zh.csv", "--out", "zh-scored.csv", "--lang", "zh")
    texts = pd.read_csv(folder / "zh-scored.csv", keep_default_na=False)["reason_1_text"]
    assert any(t.startswith("账户状态：") for t in texts) and not any("性别" in t or "年龄" in t for t in texts)
