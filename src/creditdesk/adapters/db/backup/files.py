"""The backup files: written beside their place and renamed into it, private, and synced."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from creditdesk.service.errors import Unavailable

PRIVATE = 0o600  # a backup holds everything the database does: password hashes, tokens' hashes


def new_private_file(wanted: Path) -> Path:
    """``wanted`` (or ``wanted.1``, ``.2``, ... when it exists), created empty and private."""
    for n in range(1000):
        path = wanted if n == 0 else wanted.with_name(f"{wanted.name}.{n}")
        try:
            os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, PRIVATE))
        except FileExistsError:
            continue
        return path
    raise Unavailable(f"cannot keep the database aside: {wanted} and its numbered variants exist")


@contextlib.contextmanager
def temporary_beside(path: Path) -> Iterator[Path]:
    """A private, empty file in ``path``'s folder (so the rename is atomic), removed unless renamed."""
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)
    os.close(fd)
    temporary = Path(name)
    temporary.chmod(PRIVATE)
    try:
        yield temporary
    finally:
        temporary.unlink(missing_ok=True)
        for suffix in ("-journal", "-wal", "-shm"):
            Path(f"{temporary}{suffix}").unlink(missing_ok=True)


def fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_directory(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
