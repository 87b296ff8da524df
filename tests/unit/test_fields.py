from datetime import date, datetime
from decimal import Decimal

import pytest

from creditdesk.adapters.importing import fields as f
from creditdesk.adapters.importing.problems import Code, FieldError


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
