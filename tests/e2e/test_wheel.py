"""The wheel carries everything the app reads at run time: built, installed in a fresh virtual
environment (the repository's source nowhere on the path) and run from an empty folder."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "src" / "creditdesk"


def run(*args: str | Path, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"{args}: {done.stdout}\n{done.stderr}"
    return done


def build_wheel(tmp_path: Path) -> Path:
    """From a copy of the sources (no egg-info, no build/ left in the repository)."""
    source = tmp_path / "source"
    shutil.copytree(ROOT / "src", source / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info", "*.pyc"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, source / name)
    wheels = tmp_path / "wheels"
    run(
        sys.executable,
        "-m",
        "pip",
        "wheel",
        "--no-deps",
        "--no-build-isolation",
        "-q",
        "-w",
        wheels,
        source,
        cwd=tmp_path,
    )
    (wheel,) = wheels.glob("creditdesk-*.whl")
    return wheel


def test_the_installed_wheel_builds_the_demo_and_ships_the_example_policy(tmp_path: Path) -> None:
    wheel = build_wheel(tmp_path)
    names = set(zipfile.ZipFile(wheel).namelist())
    shipped = [
        path.relative_to(PACKAGE.parent).as_posix()
        for pattern in ("policies/*.yaml", "entrypoints/web/templates/*", "entrypoints/web/static/**/*", "risk/data/*")
        for path in PACKAGE.glob(pattern)
        if path.is_file()
    ]
    assert "creditdesk/entrypoints/web/static/vendor/echarts/LICENSE" in shipped  # the vendored charts' licence
    shipped += [
        path.relative_to(PACKAGE.parent).as_posix()
        for path in (PACKAGE / "adapters" / "db" / "migrations").rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    ]
    assert "creditdesk/policies/check-policy.example.yaml" in shipped
    assert any("/versions/0001_" in name for name in shipped)
    missing = sorted(set(shipped) - names)
    assert not missing, f"not in the wheel: {missing}"

    # A fresh environment with the wheel; its dependencies come from the dev environment's
    # site-packages through a .pth line (a plain path: the editable install's finder stays off).
    venv = tmp_path / "venv"
    run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=tmp_path)
    python = venv / "bin" / "python"
    run(sys.executable, "-m", "pip", "--python", python, "install", "-q", "--no-deps", wheel, cwd=tmp_path)
    fresh_site = Path(
        run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])", cwd=tmp_path).stdout.strip()
    )
    (fresh_site / "zz_dev_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")

    empty = tmp_path / "empty"
    empty.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "CREDITDESK_DATABASE", "VIRTUAL_ENV"))}
    env["CI"] = "true"
    where = run(python, "-c", "import creditdesk; print(creditdesk.__file__)", cwd=empty, env=env).stdout.strip()
    assert Path(where).is_relative_to(venv), where  # the installed package, not the repository's

    built = run(
        venv / "bin" / "creditdesk",
        "demo", "--no-serve", "--customers", "50", "--months", "6", "--as-of", "2026-06-30", "--json",
        cwd=empty, env=env,
    )  # fmt: skip
    summary = json.loads(built.stdout)
    assert summary["customers"] == 50 and summary["limits_set"] > 0
    assert (empty / "var" / "creditdesk.db").is_file()

    example = run(
        python,
        "-c",
        "from creditdesk.entrypoints.web.policy_pages import example_policy; import sys; sys.stdout.write(example_policy())",
        cwd=empty,
        env=env,
    ).stdout
    assert example == (PACKAGE / "policies" / "check-policy.example.yaml").read_text(encoding="utf-8")
    installed = fresh_site / "creditdesk" / "policies" / "check-policy.example.yaml"
    run(venv / "bin" / "creditdesk", "policy", "validate", installed, cwd=empty, env=env)
