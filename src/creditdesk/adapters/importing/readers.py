"""Readers turn a file into records: the header and, per row, its line and cells.

Each reader streams; none loads the whole file. Encoding errors are reported with
their line and column and the row is still read (with replacement characters) so
that one bad byte does not hide the other problems of the file.
"""

from __future__ import annotations

import csv
import json
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, BinaryIO

from .problems import Code, FileError, Problem

Progress = Callable[[int], None]


@dataclass(slots=True)
class Record:
    line: int
    cells: dict[str, Any]
    columns: dict[str, int]  # field name -> column number, for error positions
    problems: list[Problem] = field(default_factory=list)


class Source(ABC):
    """One import file; ``records()`` can be iterated more than once (validate, then write)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.name = str(path)
        self.total = path.stat().st_size  # units of progress: bytes

    @abstractmethod
    def header(self) -> tuple[list[str], list[Problem]]: ...

    @abstractmethod
    def records(self, progress: Progress | None = None) -> Iterator[Record]: ...


def open_source(path: Path) -> Source:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return CsvSource(path)
    if suffix == ".jsonl":
        return JsonLinesSource(path)
    if suffix == ".xlsx":
        return XlsxSource(path)
    raise FileError(
        Problem(
            str(path),
            1,
            1,
            Code.UNSUPPORTED_FORMAT,
            f"expected a .csv, .xlsx or .jsonl file, found {suffix or 'no extension'!r}",
        )
    )


def _decoded_lines(handle: BinaryIO, name: str, sink: list[Problem], progress: Progress | None) -> Iterator[str]:
    for number, raw in enumerate(handle, start=1):
        if progress is not None:
            progress(len(raw))
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            sink.append(
                Problem(
                    name,
                    number,
                    error.start + 1,
                    Code.ENCODING,
                    f"expected UTF-8 text, found byte 0x{raw[error.start]:02x}",
                )
            )
            text = raw.decode("utf-8", errors="replace")
        if number == 1:
            text = text.removeprefix("\ufeff")
        yield text


class CsvSource(Source):
    def _rows(self, progress: Progress | None) -> Iterator[tuple[int, list[str], list[Problem]]]:
        sink: list[Problem] = []
        with self.path.open("rb") as handle:
            lines = _decoded_lines(handle, self.name, sink, progress)
            reader = csv.reader(lines, strict=True)
            start = 1
            try:
                for row in reader:
                    problems, sink[:] = list(sink), []
                    yield start, row, problems
                    start = reader.line_num + 1
            except csv.Error as error:
                raise FileError(
                    Problem(self.name, reader.line_num, 1, Code.BAD_ROW, f"malformed CSV: {error}")
                ) from None

    def header(self) -> tuple[list[str], list[Problem]]:
        for _line, row, problems in self._rows(None):
            return [cell.strip() for cell in row], problems
        raise FileError(Problem(self.name, 1, 1, Code.EMPTY_FILE, "expected a header row, found an empty file"))

    def records(self, progress: Progress | None = None) -> Iterator[Record]:
        rows = self._rows(progress)
        header: list[str] | None = None
        columns: dict[str, int] = {}
        for line, row, problems in rows:
            if header is None:
                header = [cell.strip() for cell in row]
                columns = {name: index + 1 for index, name in enumerate(header)}
                continue
            if not any(cell.strip() for cell in row):
                continue  # blank line
            if len(row) != len(header):
                problems.append(
                    Problem(
                        self.name,
                        line,
                        min(len(row), len(header)) + 1,
                        Code.BAD_ROW,
                        f"expected {len(header)} fields as in the header, found {len(row)}",
                    )
                )
            yield Record(line, dict(zip(header, row, strict=False)), columns, problems)


class JsonLinesSource(Source):
    def header(self) -> tuple[list[str], list[Problem]]:
        names: dict[str, None] = {}
        for record in self.records(None):
            names.update(dict.fromkeys(record.cells))
        return list(names), []

    def records(self, progress: Progress | None = None) -> Iterator[Record]:
        sink: list[Problem] = []
        with self.path.open("rb") as handle:
            for number, text in enumerate(_decoded_lines(handle, self.name, sink, progress), start=1):
                problems, sink[:] = list(sink), []
                if not text.strip():
                    continue
                try:
                    # parse_float=Decimal: amounts written as JSON numbers stay exact.
                    value = json.loads(text, parse_float=Decimal)
                except json.JSONDecodeError as error:
                    problems.append(
                        Problem(
                            self.name,
                            number,
                            error.colno,
                            Code.BAD_JSON,
                            f"expected a JSON object, {error.msg.lower()}",
                        )
                    )
                    yield Record(number, {}, {}, problems)
                    continue
                except (ValueError, RecursionError):  # a number of over 4300 digits, deep nesting
                    problems.append(
                        Problem(self.name, number, 1, Code.BAD_JSON, "expected a JSON object of plain values")
                    )
                    yield Record(number, {}, {}, problems)
                    continue
                if not isinstance(value, dict):
                    problems.append(
                        Problem(
                            self.name, number, 1, Code.BAD_JSON, f"expected a JSON object, found {type(value).__name__}"
                        )
                    )
                    yield Record(number, {}, {}, problems)
                    continue
                columns = {key: max(1, text.find(json.dumps(key)) + 1) for key in value}
                yield Record(number, value, columns, problems)


class XlsxSource(Source):
    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.total = 0

    def _sheet_rows(self) -> Iterator[tuple[Any, ...]]:
        from openpyxl import load_workbook

        try:
            workbook = load_workbook(self.path, read_only=True, data_only=True)
        except Exception as error:  # openpyxl raises many types for a non-workbook
            raise FileError(
                Problem(
                    self.name,
                    1,
                    1,
                    Code.BAD_FILE,
                    f"expected an .xlsx workbook, found unreadable data ({error.__class__.__name__})",
                )
            ) from None
        try:
            sheet = workbook.worksheets[0]
            self.total = sheet.max_row or 0
            yield from sheet.iter_rows(values_only=True)
        finally:
            workbook.close()

    def header(self) -> tuple[list[str], list[Problem]]:
        for row in self._sheet_rows():
            return [str(cell).strip() if cell is not None else "" for cell in row], []
        raise FileError(Problem(self.name, 1, 1, Code.EMPTY_FILE, "expected a header row, found an empty sheet"))

    def records(self, progress: Progress | None = None) -> Iterator[Record]:
        header: list[str] | None = None
        columns: dict[str, int] = {}
        for number, row in enumerate(self._sheet_rows(), start=1):
            if progress is not None:
                progress(1)
            if header is None:
                header = [str(cell).strip() if cell is not None else "" for cell in row]
                columns = {name: index + 1 for index, name in enumerate(header)}
                continue
            if all(cell is None or str(cell).strip() == "" for cell in row):
                continue
            yield Record(number, dict(zip(header, row, strict=False)), columns)
