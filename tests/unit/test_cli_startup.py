"""The command line and the API start light: the modelling libraries load only where they are used."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from creditdesk.entrypoints.cli.main import COMMANDS, app

HEAVY = ("pandas", "sklearn", "lightgbm", "optbinning", "matplotlib", "scipy")


def _loaded_after(code: str, cwd: Path, watched: tuple[str, ...]) -> list[str]:
    """Which of ``watched`` a fresh interpreter has imported after running ``code``."""
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(m for m in {watched!r} if m in sys.modules)))"
    done = subprocess.run([sys.executable, "-c", probe], cwd=cwd, capture_output=True, text=True, check=True)
    loaded: list[str] = json.loads(done.stdout.strip().splitlines()[-1])
    return loaded


@pytest.mark.parametrize(
    ("module", "forbidden"),
    [
        ("creditdesk.entrypoints.cli.main", (*HEAVY, "sqlalchemy", "fastapi", "numpy")),
        ("creditdesk.service.ports", HEAVY),
        ("creditdesk.bootstrap", HEAVY),
        ("creditdesk.entrypoints.api.app", HEAVY),
    ],
)
def test_a_light_entrypoint_imports_no_heavy_library(module: str, forbidden: tuple[str, ...], tmp_path: Path) -> None:
    assert _loaded_after(f"import {module}", tmp_path, forbidden) == []


def test_the_served_app_is_built_without_the_modelling_libraries(tmp_path: Path) -> None:
    code = f"import os; os.environ['CREDITDESK_DATABASE_URL'] = 'sqlite:///{tmp_path / 'app.db'}'\n"
    assert _loaded_after(code + "import creditdesk.entrypoints.api.asgi", tmp_path, HEAVY) == []


def test_the_probe_sees_a_heavy_import_when_there_is_one(tmp_path: Path) -> None:
    """Negative control: the scoring service does need them, and the probe says so."""
    assert set(_loaded_after("import creditdesk.service.scoring", tmp_path, HEAVY)) >= {"pandas", "sklearn"}


def _first_paragraph(text: str | None) -> str:
    return " ".join((text or "").split("\n\n")[0].split())


@pytest.mark.parametrize("name", list(COMMANDS))
def test_the_help_line_is_the_commands_own(name: str) -> None:
    command = COMMANDS[name].load(name)
    assert _first_paragraph(command.help) == _first_paragraph(COMMANDS[name].help)


def test_help_lists_every_command_without_loading_one(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    for name in COMMANDS:
        assert f" {name} " in result.output
    modules = tuple(sorted({entry.target.split(":")[0] for entry in COMMANDS.values()}))
    run_help = (
        "import sys; sys.argv = ['creditdesk', '--help']\n"
        "from creditdesk.entrypoints.cli.main import app\n"
        "try:\n    app()\nexcept SystemExit:\n    pass"
    )
    assert _loaded_after(run_help, tmp_path, (*modules, *HEAVY, "sqlalchemy")) == []
