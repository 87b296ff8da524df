"""Commands that left the installed package say what to run instead, as a usage error (exit 2)."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from creditdesk.entrypoints.cli.main import app


@pytest.mark.parametrize("args", [["bench"], ["bench", "credit-check", "--json"], ["bench", "--json"]])
def test_bench_says_where_the_benchmarks_went(args: list[str]) -> None:
    result = CliRunner().invoke(app, args, env={"COLUMNS": "400"})
    assert result.exit_code == 2
    assert "python -m bench.credit_check" in result.output
    assert "make bench" in result.output
