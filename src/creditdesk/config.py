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

    # The worker (docs/operations.md): when the daily cycle runs (a cron expression in the
    # timezone below), how often the relay and notifications look for new events, and how long a
    # worker's lease lasts without renewal (a killed worker's job is taken over after that).
    worker_schedule: str = "30 1 * * *"
    worker_timezone: str = "UTC"
    worker_tick_seconds: float = Field(default=0.5, gt=0, le=3600)
    lease_seconds: float = Field(default=60.0, gt=0, le=86400)
    # How far back a worker that was down catches up, and how often the portfolio is re-scored.
    catch_up_days: int = Field(default=31, ge=0, le=3660)
    rescore_every_days: int = Field(default=30, ge=1, le=366)
    # The nightly batch (docs/scale.md): off, or the engine the worker runs it on each day (its
    # results loaded and its proposals applied by the service); Spark's master URL.
    batch_engine: Literal["off", "local", "spark"] = "off"
    batch_master: str | None = None
    # The most invoices a report computed in one process (the web's, the CLI's, the worker's
    # refresh) reads: beyond, it refuses at once rather than exhaust the memory (the cash forecast
    # takes about 5.3 KB an invoice: 2.2 GB at 341,057). Larger books: the nightly batch.
    in_process_invoices: int = Field(default=2_000_000, ge=1)

    # Webhooks (docs/events.md): attempts before a delivery is given up, the first retry's delay
    # (doubling each time, at most backoff_max), the receiver's time to answer, and how long
    # published events stay in the feed.
    webhook_max_attempts: int = Field(default=8, ge=1, le=50)
    webhook_backoff_seconds: float = Field(default=5.0, gt=0, le=86400)
    webhook_backoff_max_seconds: float = Field(default=3600.0, gt=0, le=7 * 86400)
    webhook_timeout_seconds: float = Field(default=10.0, gt=0, le=300)
    event_retention_days: int = Field(default=90, ge=1, le=36500)

    # Mail (docs/notifications.md): the SMTP server; no smtp_host, no mail (the bell still rings).
    smtp_host: str | None = None
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_tls: Literal["none", "starttls", "ssl"] = "starttls"
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_timeout_seconds: float = Field(default=15.0, gt=0, le=300)
    mail_from: str = "creditdesk@localhost"
    # The address people open the web app at, for the links in mails.
    public_url: str = "http://127.0.0.1:8000"

    # Backups (docs/operations.md): where the worker's nightly backup goes and how many it keeps;
    # the PostgreSQL client programs (pg_dump, pg_restore) when they are not on PATH.
    backup_dir: Path | None = None
    backup_keep: int = Field(default=7, ge=1, le=3650)
    pg_bin_dir: Path | None = None
    # Attachments (docs/applications.md): the largest file accepted, in bytes (default 10 MiB).
    attachment_max_bytes: int = Field(default=10 * 1024 * 1024, ge=1, le=1024 * 1024 * 1024)
    # The largest request body read (docs/operations.md): a JSON document or a form, and a file
    # upload (multipart); larger ones are refused with 413 before they are read.
    request_max_bytes: int = Field(default=1024 * 1024, ge=1024, le=1024 * 1024 * 1024)
    upload_max_bytes: int = Field(default=64 * 1024 * 1024, ge=1024, le=4 * 1024 * 1024 * 1024)
    # Portfolio totals on the dashboard, the reports and the CLI, converted at the as-of date's rate
    # (docs/currencies.md).
    reporting_currency: str = Field(default="CNY", pattern="^[A-Z]{3}$")

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.strip().upper()
        if level not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
            raise ValueError("log_level is one of DEBUG, INFO, WARNING, ERROR, CRITICAL")
        return level

    def log_level_number(self) -> int:
        return logging.getLevelNamesMapping()[self.log_level]

    def backup_path(self) -> Path:
        return self.backup_dir or self.var_dir / "backups"

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
