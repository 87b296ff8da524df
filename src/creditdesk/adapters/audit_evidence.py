"""The audit trail's evidence outside the database: the MAC key file and the append-only seal file.

See docs/audit.md for where they should live and how to rotate the key.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import secrets
import threading
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from creditdesk.domain.audit import KEY_BYTES, AuditKeys, key_id
from creditdesk.service.errors import Unavailable

_PRIVATE = 0o600
_SEAL_MODE = 0o640
_TAIL_CHUNK = 64 * 1024


class AuditKeyFile:
    """The MAC keys, one hex key a line: the current key first, retired ones after it.

    Only its owner may read the file. It is created (32 random bytes) the first time a key is
    needed to write, and read once per process and path (again when a head names a newer key)."""

    def __init__(self, path: Callable[[], Path]) -> None:
        self._path = path  # asked each time: the settings may point elsewhere later (tests do)
        self._cache: dict[Path, AuditKeys] = {}
        self._lock = threading.Lock()

    @property
    def path(self) -> Path:
        return self._path()

    def load(self, *, create: bool = False, refresh: bool = False) -> AuditKeys:
        """``refresh``: read the file again (another process may have rotated the key)."""
        path = self._path()
        cached = None if refresh else self._cache.get(path)
        if cached is not None:
            return cached
        with self._lock:
            if create and not path.exists():
                _write_private(path, [secrets.token_bytes(KEY_BYTES)], replace=False)
            keys = _read_keys(path)
            self._cache[path] = keys
        return keys

    def rotate(self) -> str:
        """A new current key; the old ones stay, to verify what they signed. The new key's id."""
        path = self._path()
        with self._lock:
            old = _read_keys(path)
            new = secrets.token_bytes(KEY_BYTES)
            _write_private(path, [new, old.current, *old.retired], replace=True)
            self._cache.pop(path, None)
        return key_id(new)


def _read_keys(path: Path) -> AuditKeys:
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise Unavailable(
            f"the audit key file {path} is missing: the trail cannot be checked without the key that "
            "signed it (set CREDITDESK_AUDIT_KEY_FILE to where it is kept)"
        ) from None
    if mode & 0o077:
        raise Unavailable(f"the audit key file {path} may be read by group or others; run chmod 600 {path}")
    try:
        keys = [bytes.fromhex(line.strip()) for line in path.read_text().splitlines() if line.strip()]
    except ValueError:
        keys = []
    if not keys or any(len(key) != KEY_BYTES for key in keys):
        raise Unavailable(f"the audit key file {path} is malformed: expected one {KEY_BYTES}-byte hex key a line")
    return AuditKeys(keys[0], tuple(keys[1:]))


def _write_private(path: Path, keys: list[bytes], *, replace: bool) -> None:
    """Write the keys to a fresh 0600 file beside ``path``, then put it in place atomically
    (when not replacing, a file another process created first wins)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
    fd = os.open(staging, os.O_WRONLY | os.O_CREAT | os.O_EXCL, _PRIVATE)
    try:
        with os.fdopen(fd, "w") as file:
            file.write("".join(key.hex() + "\n" for key in keys))
            file.flush()
            os.fsync(file.fileno())
        if replace:
            os.replace(staging, path)
        else:
            with contextlib.suppress(FileExistsError):
                os.link(staging, path)
    finally:
        staging.unlink(missing_ok=True)
    _fsync_directory(path.parent)


def _fsync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class AuditSealFile:
    """An append-only file of seals, one JSON line each, each write synced to disk."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def append(self, line: str) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        created = not self.path.exists()
        fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, _SEAL_MODE)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)  # one sealer at a time: lines never interleave
            _write_all(fd, _after_a_newline(fd, (line + "\n").encode()))
            os.fsync(fd)
        finally:
            os.close(fd)
        if created:
            _fsync_directory(self.path.parent)

    def latest(self) -> str | None:
        """The last line (None: no seal yet), read from the end of however long a file."""
        try:
            file = self.path.open("rb")
        except FileNotFoundError:
            return None
        with file:
            last = _last_line(file)
        return last.decode("utf-8", errors="replace") if last else None


def _after_a_newline(fd: int, data: bytes) -> bytes:
    """A line cut short by a crash stays a line of its own; the next seal starts afresh."""
    size = os.fstat(fd).st_size
    return data if size == 0 or os.pread(fd, 1, size - 1) == b"\n" else b"\n" + data


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _last_line(file: BinaryIO) -> bytes | None:
    position, tail = file.seek(0, os.SEEK_END), b""
    while position > 0:
        step = min(_TAIL_CHUNK, position)
        position -= step
        file.seek(position)
        tail = file.read(step) + tail
        body = tail.rstrip(b"\r\n")
        if b"\n" in body:
            return body.rsplit(b"\n", 1)[1]
    return tail.rstrip(b"\r\n") or None
