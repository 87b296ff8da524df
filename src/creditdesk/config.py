"""Settings, read when asked for (never at import)."""

from __future__ import annotations

import logging
import secrets
from datetime import date
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///var/creditdesk.db"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CREDITDESK_", extra="ignore")

    database_url: str = Field(default=DEFAULT_DATABASE_URL)
    secret_key: str | None = None
    var_dir: Path = Path("var")
    # Connections per process (PostgreSQL); the API's thread pool shares them.
    pool_size: int = Field(default=20, ge=1, le=500)
    # Behind https: session cookies only over https (Secure). Set both behind a TLS proxy.
    cookie_secure: bool = False
    # Believe the proxy's X-Forwarded-Proto (only when every request comes through that proxy).
    trust_forwarded_proto: bool = False
    session_hours: int = Field(default=12, ge=1, le=24 * 30)
    # The business date, pinned (CREDITDESK_TODAY=2026-06-30) for reproducible demos and tests.
    today: date | None = None
    # The audit trail's evidence outside the database (docs/audit.md): the MAC key, which should
    # live off the database host, and the append-only seal file. Default: in var_dir.
    audit_key_file: Path | None = None
    audit_seal_file: Path | None = None

    # Serving (docs: README "Running it as a service"). `creditdesk serve` takes its --host,
    # --port and --workers defaults from these; the flags win.
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    workers: int = Field(default=1, ge=1, le=64)
    # Session cookie: SameSite (lax lets a link from another site open a signed-in page; strict does not).
    cookie_samesite: Literal["lax", "strict"] = "lax"
    # How long a verified API token is believed without a database read (a revoked one works that long).
    token_cache_seconds: float = Field(default=10.0, ge=0, le=3600)
    # The JSON log lines on stderr: DEBUG, INFO (one line per request), WARNING, ERROR.
    log_level: str = "INFO"
    # /metrics answers loopback clients (not through a proxy); others need this bearer token, or
    # metrics_public (when only the monitoring network can reach the port).
    metrics_token: str | None = None
    metrics_public: bool = False

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.strip().upper()
        if level not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
            raise ValueError("log_level is one of DEBUG, INFO, WARNING, ERROR, CRITICAL")
        return level

    def log_level_number(self) -> int:
        return logging.getLevelNamesMapping()[self.log_level]

    def audit_key_path(self) -> Path:
        return self.audit_key_file or self.var_dir / "audit.key"

    def audit_seal_path(self) -> Path:
        return self.audit_seal_file or self.var_dir / "audit-seals.jsonl"

    def session_secret(self) -> str:
        """The key that signs web sessions: from the environment or a file kept in var/."""
        if self.secret_key:
            return self.secret_key
        path = self.var_dir / "secret_key"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_urlsafe(48))
            path.chmod(0o600)
        return path.read_text().strip()


def load_settings(database_url: str | None = None) -> Settings:
    settings = Settings()
    if database_url:
        settings = settings.model_copy(update={"database_url": database_url})
    return settings
