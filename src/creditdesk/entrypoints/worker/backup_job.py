"""The nightly backup: one checked file a day in ``settings.backup_path()``, the newest
``settings.backup_keep`` kept (docs/backup.md)."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from creditdesk.adapters.db.backup import BadBackup, back_up, extension, verify_backup

if TYPE_CHECKING:
    from creditdesk.bootstrap import Services

PREFIX = "creditdesk-"
_NAME = re.compile(rf"^{PREFIX}(\d{{4}}-\d{{2}}-\d{{2}})\.(db|dump)$")
# A day further back than this is a catch-up after downtime: a backup taken now would hold
# today's book under that day's name (and, kept by name, push real older backups out).
_LATE_DAYS = 1


def backup_file(folder: Path, as_of: date, ext: str) -> Path:
    return folder / f"{PREFIX}{as_of.isoformat()}.{ext}"


def backup(services: Services, as_of: date) -> dict[str, int | str]:
    """Back up the database for ``as_of`` unless that day's file is there and checks out, then
    delete the oldest backups beyond ``backup_keep``. Idempotent for its day."""
    settings = services.settings
    folder = settings.backup_path()
    if as_of < services.clock.today() - timedelta(days=_LATE_DAYS):
        return {"skipped": f"{as_of} has passed: a backup taken now would hold today's book", "deleted": 0}
    folder.mkdir(parents=True, exist_ok=True)
    target = backup_file(folder, as_of, extension(services.engine))
    written = 0
    if not _checks_out(services, target):
        back_up(services.engine, target, pg_bin_dir=settings.pg_bin_dir)
        written = 1
    deleted = prune(folder, settings.backup_keep)
    return {
        "file": target.name,
        "bytes": target.stat().st_size,
        "written": written,
        "kept": len(backups(folder)),
        "deleted": len(deleted),
    }


def _checks_out(services: Services, path: Path) -> bool:
    if not path.exists():
        return False
    try:
        verify_backup(path, services.engine, pg_bin_dir=services.settings.pg_bin_dir)
    except BadBackup:
        return False  # a damaged file of the day is written again
    return True


def backups(folder: Path) -> list[Path]:
    """The worker's backups in ``folder``, oldest first (by the day in their name)."""
    found = [(match.group(1), path) for path in folder.iterdir() if (match := _NAME.match(path.name))]
    return [path for _, path in sorted(found)]


def prune(folder: Path, keep: int) -> list[Path]:
    """Delete the oldest backups beyond the newest ``keep``; the deleted files. Files by other
    names (a hand-made backup, say) are never touched."""
    found = backups(folder)
    doomed = found[: max(0, len(found) - keep)]
    for path in doomed:
        path.unlink(missing_ok=True)
    return doomed
