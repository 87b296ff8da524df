"""A CSV file read as blocks of whole lines, when it is plain enough to be split by any parser.

Plain: UTF-8, no quote character, no NUL, no carriage return but before a line feed, a header
on its first line. Then every line is one record and every comma a field boundary, as Python's
``csv`` module (the row-by-row reader) reads it; anything else is NotEligible. Memory: about one
block (a line longer than a block is NotEligible too).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from pathlib import Path

from . import NotEligible

BLOCK = 4 << 20  # bytes read at a time; a block ends at a line feed


class PlainCsv:
    """``blocks()`` reads the file once; ``sha256`` is that of every byte read so far (the whole
    file's once the blocks are exhausted)."""

    def __init__(self, path: Path, progress: Callable[[int], None] | None = None) -> None:
        self.path = path
        self._progress = progress
        self._digest = hashlib.sha256()

    @property
    def sha256(self) -> str:
        return self._digest.hexdigest()

    def blocks(self, header: list[str]) -> Iterator[bytes]:
        """Whole lines (the last may lack its line feed at the end of the file) after the first,
        which must be ``header`` (the names as the row-by-row reader found them)."""
        with self.path.open("rb") as handle:
            first = handle.readline(BLOCK)
            self._take(first)
            if len(first) == BLOCK and not first.endswith(b"\n"):
                raise NotEligible("a header longer than a block")
            names = [cell.strip() for cell in _text(first).removeprefix("\ufeff").rstrip("\r\n").split(",")]
            if names != header:
                raise NotEligible("the header is not one plain line")
            rest = b""
            while True:
                data = handle.read(BLOCK)
                if not data:
                    break
                self._take(data)
                data = rest + data
                end = data.rfind(b"\n") + 1
                data, rest = data[:end], data[end:]
                if len(rest) > BLOCK:  # memory: no line longer than a block
                    raise NotEligible("a line longer than a block")
                if data:
                    yield _plain(data)
            if rest:
                yield _plain(rest)

    def _take(self, data: bytes) -> None:
        self._digest.update(data)
        if self._progress is not None:
            self._progress(len(data))


def _text(line: bytes) -> str:
    if b'"' in line or b"\x00" in line or line.rstrip(b"\r\n").count(b"\r"):
        raise NotEligible("not a plain CSV header")
    return _decoded(line)


def _plain(data: bytes) -> bytes:
    if b'"' in data or b"\x00" in data or data.count(b"\r") != data.count(b"\r\n"):
        raise NotEligible("quotes, NUL or a lone carriage return")
    _decoded(data)
    return data


def _decoded(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise NotEligible("not UTF-8") from None
