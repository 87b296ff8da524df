"""Strict parsers for one cell each: they return a typed value or raise FieldError."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from creditdesk.domain.company_codes import valid_code
from creditdesk.domain.currencies import is_known_currency, minor_unit_exponent
from creditdesk.domain.money import MAX_MINOR, AmountTooLarge, MoneyError, largest_amount, parse_amount

from .problems import Code, FieldError

Parser = Callable[[Any], Any]

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:/\-]{0,63}$"  # also the API schema's, for its ids
_ID_RE = re.compile(ID_PATTERN)
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# What no stored text may hold: C0 controls but tab, line feed and carriage return; DEL; and
# lone surrogates (JSON's "\ud800" escape), which cannot be encoded for the database at all.
_UNSTORABLE_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
_MAX_INTEGER_DIGITS = 18  # within a 64-bit integer


def _describe(value: Any) -> str:
    text = str(value)
    return repr(text if len(text) <= 40 else text[:37] + "...")


def as_text(value: Any) -> str:
    """Cells arrive as str (CSV), typed values (XLSX) or JSON values; normalise to text."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        # XLSX numbers: the shortest repr is what the user typed (1234.56, not 1234.5599999).
        return repr(value) if not value.is_integer() else str(int(value))
    return str(value).strip()


def identifier(value: Any) -> str:
    text = as_text(value)
    if not _ID_RE.match(text):
        raise FieldError(
            Code.BAD_ID,
            "expected an id of 1-64 letters, digits or . _ : / - starting with a letter or digit, "
            f"found {_describe(text)}",
        )
    return text


def company_code(value: Any) -> str:
    text = as_text(value)
    if not valid_code(text):
        raise FieldError(
            Code.BAD_ID,
            "expected a company code of 1-16 of A-Z, 0-9, _ or - starting with a letter or digit, "
            f"found {_describe(text)}",
        )
    return text


def unstorable_character(text: str) -> str | None:
    """The first character no stored text may hold (a control character, a lone surrogate), as
    a code point such as U+0000; None when there is none."""
    found = _UNSTORABLE_RE.search(text)
    return None if found is None else f"U+{ord(found.group()):04X}"


def storable_text(value: Any) -> str:
    text = as_text(value)
    if (character := unstorable_character(text)) is not None:
        raise FieldError(
            Code.BAD_TEXT, f"expected text without control characters or lone surrogates, found {character}"
        )
    return text


def bounded_text(limit: int) -> Parser:
    def parse(value: Any) -> str:
        text = storable_text(value)
        if len(text) > limit:
            raise FieldError(Code.TOO_LONG, f"expected at most {limit} characters, found {len(text)}")
        return text

    return parse


def iso_date(value: Any) -> date:
    text = as_text(value)
    if not _DATE_RE.match(text):
        raise FieldError(Code.BAD_DATE, f"expected a date YYYY-MM-DD, found {_describe(text)}")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise FieldError(Code.BAD_DATE, f"expected a real calendar date, found {_describe(text)}") from None


def currency(value: Any) -> str:
    text = as_text(value)
    if not is_known_currency(text):
        raise FieldError(
            Code.UNKNOWN_CURRENCY, f"expected an ISO 4217 currency code such as EUR, found {_describe(text)}"
        )
    return text


def decimal_amount(value: Any) -> Decimal:
    """A decimal from text, or from a JSON or XLSX number; never beyond ``MAX_MINOR`` whole units
    (AMOUNT_TOO_LARGE; ``to_minor`` checks the exact bound of the currency)."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = Decimal(value)
    if isinstance(value, Decimal):
        return _finite_and_bounded(value)
    try:
        return parse_amount(as_text(value))
    except AmountTooLarge as error:
        raise FieldError(Code.AMOUNT_TOO_LARGE, str(error)) from None
    except MoneyError:
        raise FieldError(
            Code.BAD_AMOUNT, f"expected a decimal amount such as 1234.56, found {_describe(value)}"
        ) from None


def _finite_and_bounded(value: Decimal) -> Decimal:
    if not value.is_finite():
        raise FieldError(Code.BAD_AMOUNT, f"expected a decimal amount such as 1234.56, found {_describe(value)}")
    if value.copy_abs() > MAX_MINOR:  # copy_abs: exact, never overflows (1E+1000000)
        raise FieldError(Code.AMOUNT_TOO_LARGE, str(AmountTooLarge(value)))
    return value


def signed_decimal(value: Any) -> Decimal:
    """A decimal that may be negative (a change, not an amount): -0.10, 0.25."""
    text = as_text(value)
    magnitude = decimal_amount(text.removeprefix("-"))
    return -magnitude if text.startswith("-") else magnitude


def to_minor(amount: Decimal, ccy: str) -> int:
    """Integer minor units; refuses more decimals than the currency has (no silent rounding)
    and more than ``MAX_MINOR`` minor units either way (AMOUNT_TOO_LARGE)."""
    if not amount.is_finite():
        raise FieldError(Code.BAD_AMOUNT, f"expected a decimal amount such as 1234.56, found {_describe(amount)}")
    if amount.copy_abs() > largest_amount(ccy):  # first: what passes is small enough for exact steps
        raise FieldError(Code.AMOUNT_TOO_LARGE, str(AmountTooLarge(amount, ccy)))
    exponent = minor_unit_exponent(ccy)
    if amount != amount.quantize(Decimal(1).scaleb(-exponent)):
        raise FieldError(Code.BAD_AMOUNT, f"expected at most {exponent} decimals for {ccy}, found {amount}")
    return int(amount.scaleb(exponent))


def integer(value: Any) -> int:
    text = as_text(value)
    if not re.fullmatch(r"[+-]?\d+", text):
        raise FieldError(Code.BAD_INTEGER, f"expected a whole number, found {_describe(text)}")
    digits = text.lstrip("+-").lstrip("0")
    if len(digits) > _MAX_INTEGER_DIGITS:
        raise FieldError(Code.OUT_OF_RANGE, f"expected at most {_MAX_INTEGER_DIGITS} digits, found {_describe(text)}")
    return -int(digits or "0") if text.startswith("-") else int(digits or "0")


def number(value: Any) -> float:
    text = as_text(value)
    try:
        result = float(text)
    except ValueError:
        raise FieldError(Code.BAD_NUMBER, f"expected a number, found {_describe(text)}") from None
    if not math.isfinite(result):
        raise FieldError(Code.BAD_NUMBER, f"expected a finite number, found {_describe(text)}")
    return result


_TRUE = {"true", "yes", "y", "1"}
_FALSE = {"false", "no", "n", "0", ""}


def boolean(value: Any) -> bool:
    text = as_text(value).lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise FieldError(Code.BAD_BOOLEAN, f"expected true/false or yes/no, found {_describe(text)}")


def one_of(*allowed: str) -> Parser:
    def parse(value: Any) -> str:
        text = as_text(value).lower()
        if text not in allowed:
            raise FieldError(Code.BAD_VALUE, f"expected one of {', '.join(allowed)}, found {_describe(text)}")
        return text

    return parse


def country_code(value: Any) -> str:
    text = as_text(value).upper()
    if not re.fullmatch(r"[A-Z]{2}", text):
        raise FieldError(Code.BAD_VALUE, f"expected an ISO 3166 two-letter country code, found {_describe(text)}")
    return text


def event_list(value: Any) -> str:
    """Adverse events as codes separated by ';' (stored as given, normalised)."""
    if isinstance(value, list):
        parts = [as_text(item) for item in value]
    else:
        parts = [part.strip() for part in as_text(value).split(";")]
    codes = [part.upper() for part in parts if part]
    for code in codes:
        if not re.fullmatch(r"[A-Z0-9_]{1,40}", code):
            raise FieldError(
                Code.BAD_VALUE, f"expected event codes like LATE_FILING separated by ';', found {_describe(code)}"
            )
    return ";".join(codes)
