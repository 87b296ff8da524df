import contextlib
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from creditdesk.adapters.importing import fields as f
from creditdesk.adapters.importing.kinds import KINDS
from creditdesk.adapters.importing.problems import Code, FieldError
from creditdesk.domain.money import MAX_MINOR
from creditdesk.entrypoints.api.schemas import parse_like_import
from creditdesk.service.errors import InvalidInput

BOUNDED = settings(max_examples=200, deadline=None)


@pytest.mark.parametrize(
    ("parser", "raw", "code"),
    [
        (f.iso_date, "2026-02-30", Code.BAD_DATE),
        (f.iso_date, "31/01/2026", Code.BAD_DATE),
        (f.decimal_amount, "1,5", Code.BAD_AMOUNT),
        (f.currency, "eur", Code.UNKNOWN_CURRENCY),
        (f.identifier, "has space", Code.BAD_ID),
        (f.integer, "3.5", Code.BAD_INTEGER),
        (f.boolean, "maybe", Code.BAD_BOOLEAN),
        (f.number, "nan", Code.BAD_NUMBER),
        (f.decimal_amount, "92233720368547758.07", Code.AMOUNT_TOO_LARGE),
        (f.decimal_amount, "9" * 5000, Code.AMOUNT_TOO_LARGE),
        (f.decimal_amount, Decimal("1E+999999"), Code.AMOUNT_TOO_LARGE),  # a JSON number, 1e999999
        (f.decimal_amount, 10**40, Code.AMOUNT_TOO_LARGE),
        (f.decimal_amount, Decimal("NaN"), Code.BAD_AMOUNT),
        (f.decimal_amount, Decimal("-Infinity"), Code.BAD_AMOUNT),
        (f.integer, "9" * 5000, Code.OUT_OF_RANGE),
        (f.integer, "0" * 5000 + "1" * 19, Code.OUT_OF_RANGE),
        (f.bounded_text(200), "Acme\x00", Code.BAD_TEXT),
        (f.bounded_text(200), "Acme\ud800", Code.BAD_TEXT),
        (f.identifier, "C\ud800", Code.BAD_ID),
    ],
)
def test_parsers_refuse_with_a_code(parser: f.Parser, raw: str, code: Code) -> None:
    with pytest.raises(FieldError) as caught:
        parser(raw)
    assert caught.value.code is code
    assert "found" in caught.value.message


def test_leap_day_and_xlsx_values() -> None:
    assert f.iso_date("2024-02-29") == date(2024, 2, 29)
    assert f.iso_date(datetime(2026, 1, 5)) == date(2026, 1, 5)
    assert f.decimal_amount(1234.56) == Decimal("1234.56")  # an xlsx float, as typed
    assert f.decimal_amount(Decimal("0.1")) == Decimal("0.1")  # a JSON number parsed exactly


def test_to_minor_refuses_silent_rounding() -> None:
    assert f.to_minor(Decimal("12.30"), "EUR") == 1230
    with pytest.raises(FieldError):
        f.to_minor(Decimal("12.345"), "EUR")
    with pytest.raises(FieldError):
        f.to_minor(Decimal("1.5"), "JPY")


def test_to_minor_takes_the_largest_amount_and_refuses_one_minor_unit_more() -> None:
    assert f.to_minor(Decimal("10000000000000.00"), "EUR") == MAX_MINOR
    assert f.to_minor(Decimal(-MAX_MINOR), "JPY") == -MAX_MINOR
    for amount, ccy in ((Decimal("10000000000000.01"), "EUR"), (Decimal(MAX_MINOR + 1), "JPY")):
        with pytest.raises(FieldError) as caught:
            f.to_minor(amount, ccy)
        assert caught.value.code is Code.AMOUNT_TOO_LARGE
        assert f"({MAX_MINOR} minor units)" in caught.value.message
    with pytest.raises(FieldError) as tiny:
        f.to_minor(Decimal("1E-999999999"), "EUR")  # not silently 0
    assert tiny.value.code is Code.BAD_AMOUNT


def test_integers_keep_leading_zeros_and_signs() -> None:
    assert f.integer("-0042") == -42 and f.integer("+7") == 7 and f.integer("000") == 0
    assert f.integer("9" * 18) == int("9" * 18)


def test_text_may_hold_tabs_and_line_breaks() -> None:
    assert f.bounded_text(50)("line one\nline two\ttab\r") == "line one\nline two\ttab"


# --- properties: arbitrary input gives a value or the data error, never another exception ---------------

# What a cell can be: CSV text, an XLSX number or date, a JSON value (Decimal for JSON floats).
cells = st.one_of(
    st.text(),
    st.text(alphabet="0123456789.-+eE_ ,", max_size=60),
    st.from_regex(r"\A[+-]?[0-9]{1,40}(\.[0-9]{0,40})?\Z"),
    st.integers(min_value=4290, max_value=5000).map(lambda n: "9" * n),  # past int()'s 4300 digits
    st.from_regex(r"\A[0-9]{4}-[0-9]{2}-[0-9]{2}\Z"),
    st.integers(min_value=-(10**40), max_value=10**40),
    st.decimals(),
    st.builds(Decimal, st.from_regex(r"\A-?[1-9]E[+-][0-9]{2,9}\Z")),  # 1e999999 in JSON Lines
    st.floats(),
    st.booleans(),
    st.dates(),
    st.lists(st.text(max_size=5), max_size=3),
)
# A valid row of each kind: the row property below changes one cell of it, so the row rules run.
VALID_ROWS: dict[str, dict[str, Any]] = {
    "groups": {"group_id": "G1", "name": "Group", "parent_group_id": "G0"},
    "customers": {
        **{"customer_id": "C1", "name": "Acme", "currency": "EUR", "segment": "standard", "group_id": "G1"},
        **{"country": "DE", "industry": "retail", "registered_on": "2020-01-15", "payment_terms_days": "30"},
        "credit_limit": "1000.00",
    },
    "invoices": {
        **{"invoice_id": "I1", "customer_id": "C1", "invoice_date": "2026-01-01", "due_date": "2026-01-01"},
        **{"amount": "10.00", "currency": "EUR", "order_id": "O1", "disputed": "no"},
    },
    "payments": {
        **{"payment_id": "P1", "customer_id": "C1", "payment_date": "2026-01-01", "amount": "10.00"},
        **{"currency": "EUR", "invoice_id": "I1", "kind": "payment"},
    },
    "orders": {
        **{"order_id": "O1", "customer_id": "C1", "order_date": "2026-01-01", "amount": "10.00"},
        **{"currency": "EUR", "status": "open"},
    },
    "financials": {
        "customer_id": "C1",
        "period_end": "2025-12-31",
        "currency": "EUR",
        **{
            spec.name: "100.00"
            for spec in KINDS["financials"]().fields
            if spec.name not in ("customer_id", "period_end", "currency")
        },
    },
    "bureau": {
        **{"customer_id": "C1", "provider": "B1", "report_date": "2026-01-01", "score": "500", "rating": "A"},
        **{"pd": "0.01", "recommended_limit": "1000.00", "currency": "EUR", "events": "LATE_FILING"},
    },
    "credit_support": {
        **{"support_id": "S1", "customer_id": "C1", "kind": "insurance", "provider": "INS1", "amount": "10.00"},
        **{"currency": "EUR", "valid_from": "2026-01-01", "valid_to": "2026-12-31", "cover_share": "0.9"},
    },
    "fx_rates": {"base_currency": "EUR", "quote_currency": "USD", "rate_date": "2026-01-01", "rate": "1.08"},
}
PARSERS = {f"{kind}.{spec.name}": spec.parse for kind, make in KINDS.items() for spec in make().fields}


@BOUNDED
@given(cells)
def test_every_import_field_parses_or_raises_a_field_error(cell: Any) -> None:
    for parse in PARSERS.values():
        with contextlib.suppress(FieldError):
            parse(cell)


@BOUNDED
@given(cells)
def test_the_amount_date_and_id_parsers_return_valid_values_or_field_errors(cell: Any) -> None:
    for parse, valid in (
        (f.decimal_amount, lambda v: v.is_finite() and abs(v) <= MAX_MINOR),
        (f.iso_date, lambda v: isinstance(v, date)),
        (f.identifier, lambda v: 1 <= len(v) <= 64 and f.unstorable_character(v) is None),
    ):
        try:
            value = parse(cell)
        except FieldError:
            continue
        assert valid(value), (parse.__name__, value)


@BOUNDED
@given(st.decimals(), st.sampled_from(["EUR", "JPY", "KWD", "CLF"]))
def test_to_minor_is_bounded_or_a_field_error(amount: Decimal, ccy: str) -> None:
    try:
        minor = f.to_minor(amount, ccy)
    except FieldError:
        return
    assert isinstance(minor, int) and abs(minor) <= MAX_MINOR


def test_each_valid_row_builds() -> None:
    assert sorted(VALID_ROWS) == sorted(KINDS)
    for kind, row in VALID_ROWS.items():
        assert parse_like_import(kind, row), kind


@BOUNDED
@given(st.data())
def test_a_row_with_any_cell_builds_or_is_invalid_input(data: st.DataObject) -> None:
    """The API's bodies go through the same parsers and row rules (parse_like_import)."""
    kind = data.draw(st.sampled_from(sorted(VALID_ROWS)))
    row = dict(VALID_ROWS[kind])
    row[data.draw(st.sampled_from(sorted(row)))] = data.draw(cells)
    try:
        built = parse_like_import(kind, row)
    except InvalidInput as error:
        assert error.problems
        return
    assert all(abs(v) <= MAX_MINOR for k, v in built.items() if k.endswith("_minor") and v is not None)
