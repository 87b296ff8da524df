"""Problems found in an import file, each pinned to its file, line and column."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Code(StrEnum):
    BAD_FILE = "BAD_FILE"
    UNSUPPORTED_FORMAT = "UNSUPPORTED_FORMAT"
    EMPTY_FILE = "EMPTY_FILE"
    ENCODING = "ENCODING"
    BAD_JSON = "BAD_JSON"
    BAD_ROW = "BAD_ROW"
    MISSING_COLUMN = "MISSING_COLUMN"
    DUPLICATE_COLUMN = "DUPLICATE_COLUMN"
    UNKNOWN_COLUMN = "UNKNOWN_COLUMN"
    MISSING_VALUE = "MISSING_VALUE"
    TOO_LONG = "TOO_LONG"
    BAD_ID = "BAD_ID"
    BAD_DATE = "BAD_DATE"
    BAD_AMOUNT = "BAD_AMOUNT"
    AMOUNT_TOO_LARGE = "AMOUNT_TOO_LARGE"  # beyond MAX_MINOR minor units (docs/money.md)
    BALANCE_TOO_LARGE = "BALANCE_TOO_LARGE"  # the documents would take a balance beyond it
    BAD_TEXT = "BAD_TEXT"  # a control character or a lone surrogate
    BAD_NUMBER = "BAD_NUMBER"
    BAD_INTEGER = "BAD_INTEGER"
    BAD_BOOLEAN = "BAD_BOOLEAN"
    BAD_VALUE = "BAD_VALUE"
    UNKNOWN_CURRENCY = "UNKNOWN_CURRENCY"
    CURRENCY_MISMATCH = "CURRENCY_MISMATCH"
    UNKNOWN_CUSTOMER = "UNKNOWN_CUSTOMER"
    UNKNOWN_COMPANY_CODE = "UNKNOWN_COMPANY_CODE"
    COMPANY_CODE_MISMATCH = "COMPANY_CODE_MISMATCH"
    UNKNOWN_INVOICE = "UNKNOWN_INVOICE"
    UNKNOWN_GROUP = "UNKNOWN_GROUP"
    INVOICE_OF_OTHER_CUSTOMER = "INVOICE_OF_OTHER_CUSTOMER"
    GROUP_CYCLE = "GROUP_CYCLE"
    DUPLICATE_ID = "DUPLICATE_ID"
    CONFLICT = "CONFLICT"
    DATE_ORDER = "DATE_ORDER"
    OUT_OF_RANGE = "OUT_OF_RANGE"
    MISSING_RATE = "MISSING_RATE"
    FORBIDDEN = "FORBIDDEN"  # the importing user may not make this change


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Problem:
    file: str
    line: int
    column: int
    code: Code
    message: str
    severity: Severity = Severity.ERROR

    def __str__(self) -> str:
        prefix = "warning: " if self.severity is Severity.WARNING else ""
        return f"{self.file}:{self.line}:{self.column}: {prefix}{self.code.value} {self.message}"


class FieldError(ValueError):
    """A value that does not parse; the pipeline adds the file, line and column."""

    def __init__(self, code: Code, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class FileError(Exception):
    """The file as a whole cannot be read (wrong format, not a workbook, no header)."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem
