"""``creditdesk demo --lang zh|en`` (issue 21): Chinese customer and group names, Chinese reasons
and comments and users reading Chinese; English otherwise, the same figures either way; the
default follows the locale."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import pytest

from creditdesk.demo import make_portfolio
from creditdesk.entrypoints.cli.serving import demo_language
from tests.e2e.conftest import cli

pytestmark = [pytest.mark.e2e]

SMALL = ("--customers", "30", "--months", "3", "--seed", "5", "--as-of", "2026-06-30", "--no-serve", "--json")
HAN = re.compile(r"[\u4e00-\u9fff]")


def _build(folder: Path, lang: str) -> tuple[sqlite3.Connection, dict[str, object]]:
    folder.mkdir()
    db = folder / "var" / "creditdesk.db"
    built = cli(folder, "demo", *SMALL, "--lang", lang, db=f"sqlite:///{db}")
    assert built.returncode == 0, built.stderr
    return sqlite3.connect(db), json.loads(built.stdout)


def test_the_chinese_demo_names_and_writes_in_chinese_with_the_english_figures(tmp_path: Path) -> None:
    zh, zh_summary = _build(tmp_path / "zh", "zh")
    en, en_summary = _build(tmp_path / "en", "en")
    with zh, en:
        names = [row[0] for row in zh.execute("SELECT name FROM customers ORDER BY customer_id")]
        assert len(names) == 30 and len(set(names)) == 30
        assert all(HAN.search(name) and name.endswith("公司") for name in names), names
        assert not any(re.search(r"[A-Za-z]", name) for name in names)
        groups = [row[0] for row in zh.execute("SELECT name FROM customer_groups")]
        assert groups and all(name.endswith("集团有限公司") for name in groups), groups
        english = [row[0] for row in en.execute("SELECT name FROM customers ORDER BY customer_id")]
        assert not any(HAN.search(name) for name in english)
        # The users read Chinese; the people's reasons on the records are Chinese.
        assert {row[0] for row in zh.execute("SELECT language FROM users")} == {"zh"}
        assert {row[0] for row in en.execute("SELECT language FROM users")} == {"en"}
        reasons = [row[0] for row in zh.execute("SELECT reason FROM limit_changes WHERE changed_by = 'system'")]
        assert reasons and all(HAN.search(r) and "演示" in r for r in reasons), reasons[:3]
        assert not any(re.search(r"\b(min|rounded|bound)\b", r) for r in reasons), reasons[:3]
        # The English demo keeps the system's reasons in Chinese beside them, for a Chinese reader.
        kept = en.execute("SELECT reason, reason_zh FROM limit_changes WHERE changed_by = 'system'").fetchall()
        assert kept and all(not HAN.search(r) and z and HAN.search(z) for r, z in kept), kept[:3]
        assert not any(re.search(r"\b(min|rounded|bound)\b", z) for _, z in kept), kept[:3]
        # The same book either way: the figures agree, only the words differ.
        for table in ("invoices", "payments", "orders"):
            columns = "customer_id, amount_minor" if table != "orders" else "order_id, customer_id, amount_minor"
            query = f"SELECT {columns} FROM {table} ORDER BY 1, 2"
            assert zh.execute(query).fetchall() == en.execute(query).fetchall(), table
        for key in ("customers", "invoices", "orders", "limits_set"):
            assert zh_summary[key] == en_summary[key], key
    assert zh_summary["lang"] == "zh" and en_summary["lang"] == "en"


def test_the_english_demo_is_unchanged_by_the_chinese_names() -> None:
    """The Chinese names are drawn after every other draw: an English portfolio is the one it was."""
    zh, en = make_portfolio(40, 2, 3, lang="zh"), make_portfolio(40, 2, 3)
    assert en.customers["name"].str.match(r"^[A-Za-z].* #\d{4}$").all()
    assert en.customers.drop(columns="name").equals(zh.customers.drop(columns="name"))
    for table in ("invoices", "payments", "orders", "financials", "bureau"):
        assert getattr(en, table).equals(getattr(zh, table)), table
    again = make_portfolio(40, 2, 3, lang="zh")
    assert again.customers["name"].tolist() == zh.customers["name"].tolist()  # deterministic from the seed


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"LANG": "zh_CN.UTF-8"}, "zh"),
        ({"LC_ALL": "zh_TW.UTF-8", "LANG": "en_US.UTF-8"}, "zh"),
        ({"LC_ALL": "en_US.UTF-8", "LANG": "zh_CN.UTF-8"}, "en"),
        ({"LANG": "C.UTF-8"}, "en"),
        ({}, "en"),
    ],
)
def test_the_default_language_follows_the_locale(environ: dict[str, str], expected: str) -> None:
    assert demo_language(environ) == expected


def test_an_unknown_language_is_a_usage_error(tmp_path: Path) -> None:
    refused = cli(tmp_path, "demo", *SMALL, "--lang", "fr", db=f"sqlite:///{tmp_path / 'x.db'}")
    assert refused.returncode == 2
    assert "--lang" in refused.stderr
