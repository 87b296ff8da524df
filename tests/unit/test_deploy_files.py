"""The files that run creditdesk elsewhere: compose.yaml (checked offline against the Compose
specification's schema that check-jsonschema ships), the Dockerfile and the lock files."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
CHECK_JSONSCHEMA = Path(sys.executable).parent / "check-jsonschema"


def check_compose(path: Path) -> subprocess.CompletedProcess[str]:
    # --builtin-schema: the schema vendored in the package; nothing is downloaded.
    return subprocess.run(
        [str(CHECK_JSONSCHEMA), "--builtin-schema", "vendor.compose-spec", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_compose_file_follows_the_compose_specification(tmp_path: Path) -> None:
    checked = check_compose(ROOT / "compose.yaml")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    # The check can fail: the same file with a misspelt key does not pass.
    broken = tmp_path / "compose.yaml"
    broken.write_text(
        (ROOT / "compose.yaml").read_text(encoding="utf-8").replace("    healthcheck:\n", "    healtcheck:\n", 1),
        encoding="utf-8",
    )
    refused = check_compose(broken)
    assert refused.returncode != 0 and "healtcheck" in refused.stdout + refused.stderr


def test_compose_migrates_once_then_serves_and_checks_readiness() -> None:
    services = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))["services"]
    assert {"db", "migrate", "app"} <= services.keys()
    assert services["migrate"]["command"] == ["db", "upgrade"]
    app = services["app"]
    assert app["command"][:3] == ["serve", "--host", "0.0.0.0"]
    assert app["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert app["depends_on"]["db"]["condition"] == "service_healthy"
    assert "/readyz" in " ".join(app["healthcheck"]["test"])
    assert app["environment"]["CREDITDESK_DATABASE_URL"].startswith("postgresql://")
    assert app["environment"]["PROMETHEUS_MULTIPROC_DIR"] in app["tmpfs"]
    assert app["volumes"] == services["migrate"]["volumes"]  # one audit key for both


def test_dockerfile_builds_from_the_lock_and_runs_as_a_user() -> None:
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    stages = re.findall(r"^FROM \S+ AS (\w+)$", text, flags=re.MULTILINE)
    assert stages == ["build", "runtime"]
    assert re.search(r"pip install --require-hashes -r \S*requirements\.lock", text)
    assert re.search(r"pip install --no-deps ", text)
    (user,) = re.findall(r"^USER (\S+)$", text, flags=re.MULTILINE)
    assert user.split(":")[0] not in ("root", "0")
    assert "/readyz" in text.split("HEALTHCHECK", 1)[1]
    assert '"serve", "--host", "0.0.0.0"' in text
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8")
    assert "!requirements.lock" in ignored and "!src/" in ignored


def _name(requirement: str) -> str:
    return re.split(r"[\s\[<>=!~;]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def _pins(lock: str) -> dict[str, str]:
    text = (ROOT / lock).read_text(encoding="utf-8")
    return {m[0].lower(): m[1] for m in re.findall(r"^([A-Za-z0-9._-]+)==(\S+)", text, flags=re.MULTILINE)}


@pytest.mark.parametrize(("lock", "extras"), [("requirements.lock", []), ("requirements-dev.lock", ["dev"])])
def test_the_locks_pin_every_dependency_with_hashes(lock: str, extras: list[str]) -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = {_name(r) for r in project["dependencies"]}
    for extra in extras:
        wanted |= {_name(r) for r in project["optional-dependencies"][extra]}
    pins = _pins(lock)
    missing = sorted(wanted - pins.keys())
    assert not missing, f"{lock} lacks {missing}: run `make lock`"
    text = (ROOT / lock).read_text(encoding="utf-8")
    assert text.count("==") <= text.count("--hash=sha256:")  # every pin has its hashes
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert f"-o {lock}" in makefile


def test_make_install_uses_the_dev_lock() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert (
        "pip install --quiet --compile-bytecode --python $(BIN)/python --require-hashes -r requirements-dev.lock"
        in makefile
    )
    assert "--no-deps" in makefile and re.search(r"^lock:", makefile, flags=re.MULTILINE)
