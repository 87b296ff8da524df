"""Settings, read when asked for (never at import)."""

from __future__ import annotations

import secrets
from datetime import date
from pathlib import Path

from pydantic import Field
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
