"""A block of invoice lines as typed columns, every value checked set-wise (pyarrow).

Only the canonical spelling of each value is taken: what the row-by-row parsers (fields.py,
kinds/invoices.py) certainly accept and read to the same value. Anything else makes the block
NotEligible, whether the row-by-row way would refuse it or not: spaces around a value, '+5',
'1.230' (more decimals than the currency has, even zeros), a date before the year 1000, an amount
of 0 or beyond the bound. An order id and a company code are taken as text (empty: none); whether
they fit the orders and company codes stored is checked against the database (bulk/invoices.py).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv

from creditdesk.domain.company_codes import CODE_PATTERN
from creditdesk.domain.currencies import MINOR_UNIT_EXPONENT
from creditdesk.domain.money import MAX_MINOR

from ..fields import ID_PATTERN
from . import NotEligible

# Python's csv refuses a field of more characters than this (csv.field_size_limit()).
_FIELD_LIMIT = 131_072
_DATE = r"^[1-9][0-9]{3}-[0-9]{2}-[0-9]{2}$"  # 4-digit years: their text sorts as their dates
_AMOUNT = r"^[0-9]{1,16}(\.[0-9]{1,4})?$"  # 16 digits: parse_amount's bound (MAX_MINOR whole units)
_WHOLE_AND_DECIMALS = r"^(?P<whole>[0-9]+)(?:\.(?P<decimals>[0-9]*))?$"
_TRUE, _FALSE = ["true", "yes", "y", "1"], ["false", "no", "n", "0", ""]  # fields.boolean's
_CODES = pa.array(sorted(MINOR_UNIT_EXPONENT))
_EXPONENTS = pa.array([MINOR_UNIT_EXPONENT[code] for code in sorted(MINOR_UNIT_EXPONENT)], pa.int64())
_REQUIRED = ("invoice_id", "customer_id", "invoice_date", "due_date", "amount", "currency")


@dataclass(frozen=True, slots=True)
class InvoiceColumns:
    """Rows as the database stores them (dates as their ISO text)."""

    invoice_id: Any  # pa.StringArray
    customer_id: Any
    invoice_date: Any
    due_date: Any
    amount_minor: Any  # pa.Int64Array, minor units of the row's currency
    currency: Any
    disputed: Any  # pa.BooleanArray
    order_id: Any  # pa.StringArray, null: none
    company_code: Any  # null: none named (an invoice of an order then takes the order's)

    def __len__(self) -> int:
        return len(self.invoice_id)

    def where(self, mask: Any) -> InvoiceColumns:
        return InvoiceColumns(*(pc.filter(getattr(self, name), mask) for name in self.__slots__))


def invoice_columns(block: bytes, header: list[str]) -> InvoiceColumns:
    """The block's rows; NotEligible at the first value the bulk way does not take."""
    position = {name: index for index, name in enumerate(header)}
    if any(name not in position for name in _REQUIRED):
        raise NotEligible("a required column is missing")
    table = _read(block, len(header))
    column = {name: table.column(index).combine_chunks() for name, index in position.items()}
    for values in column.values():
        _require(pc.less(pc.binary_length(values), _FIELD_LIMIT), "a field beyond csv's limit")
    for name in ("invoice_id", "customer_id"):
        _require(pc.match_substring_regex(column[name], ID_PATTERN), f"an unusual {name}")
    invoice_date, due_date = column["invoice_date"], column["due_date"]
    for dates in (invoice_date, due_date):
        _require(pc.match_substring_regex(dates, _DATE), "an unusual date")
        try:
            pc.cast(dates, pa.date32())  # refuses a day the calendar has not (2026-02-30)
        except pa.ArrowInvalid:
            raise NotEligible("not a calendar date") from None
    _require(pc.greater_equal(due_date, invoice_date), "a due date before the invoice date")
    currency = column["currency"]
    exponent = pc.take(_EXPONENTS, pc.index_in(currency, value_set=_CODES))
    _require(pc.is_valid(exponent), "an unknown currency")
    return InvoiceColumns(
        invoice_id=column["invoice_id"],
        customer_id=column["customer_id"],
        invoice_date=invoice_date,
        due_date=due_date,
        amount_minor=_minor_units(column["amount"], exponent),
        currency=currency,
        disputed=_disputed(column.get("disputed"), len(table)),
        order_id=_optional(column.get("order_id"), len(table), ID_PATTERN, "an unusual order_id"),
        company_code=_optional(column.get("company_code"), len(table), CODE_PATTERN.pattern, "an unusual company_code"),
    )


def _optional(values: Any | None, rows: int, pattern: str, what: str) -> Any:
    """An optional text column: empty is null, anything else in its canonical spelling."""
    if values is None:
        return pa.nulls(rows, pa.string())
    given = pc.not_equal(values, "")
    _require(pc.or_(pc.invert(given), pc.match_substring_regex(values, pattern)), what)
    return pc.if_else(given, values, pa.scalar(None, pa.string()))


def _read(block: bytes, width: int) -> Any:
    try:
        return pcsv.read_csv(
            io.BytesIO(block),
            read_options=pcsv.ReadOptions(column_names=[f"c{i}" for i in range(width)], use_threads=False),
            parse_options=pcsv.ParseOptions(quote_char=False, escape_char=False, ignore_empty_lines=True),
            convert_options=pcsv.ConvertOptions(
                column_types={f"c{i}": pa.string() for i in range(width)},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except pa.ArrowInvalid:  # a line of more or fewer fields than the header
        raise NotEligible("a line of another width than the header") from None


def _minor_units(amount: Any, exponent: Any) -> Any:
    """Integer minor units: whole * 10^e + the decimals, at most e of them (fields.to_minor)."""
    _require(pc.match_substring_regex(amount, _AMOUNT), "an unusual amount")
    parts = pc.extract_regex(amount, _WHOLE_AND_DECIMALS)
    whole = pc.cast(pc.struct_field(parts, "whole"), pa.int64())
    decimals = pc.struct_field(parts, "decimals")
    _require(pc.less_equal(pc.utf8_length(decimals), exponent), "more decimals than the currency has")
    # The decimals as ten-thousandths (at most 4 digits), then in the currency's minor unit.
    fraction = pc.cast(pc.utf8_rpad(decimals, width=4, padding="0"), pa.int64())
    try:
        scale = pc.power(10, exponent)
        minor = pc.add_checked(
            pc.multiply_checked(whole, scale), pc.divide(fraction, pc.power(10, pc.subtract(4, exponent)))
        )
    except pa.ArrowInvalid:  # beyond 64 bits
        raise NotEligible("an amount beyond the bound") from None
    _require(pc.greater(minor, 0), "an amount of 0")
    _require(pc.less_equal(minor, MAX_MINOR), "an amount beyond the bound")
    return minor


def _disputed(values: Any | None, rows: int) -> Any:
    if values is None:
        return pa.repeat(pa.scalar(False), rows)
    _require(pc.string_is_ascii(values), "an unusual disputed value")
    lowered = pc.ascii_lower(values)
    truthy = pc.is_in(lowered, value_set=pa.array(_TRUE))
    _require(pc.or_(truthy, pc.is_in(lowered, value_set=pa.array(_FALSE))), "an unusual disputed value")
    return truthy


def _require(holds: Any, what: str) -> None:
    """``holds``: a pyarrow boolean array, true on every row (a null is not true)."""
    if holds.null_count or not pc.all(holds, min_count=0).as_py():
        raise NotEligible(what)
