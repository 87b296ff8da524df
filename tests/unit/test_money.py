from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from creditdesk.domain.currencies import UnknownCurrency, minor_unit_exponent
from creditdesk.domain.money import CurrencyMismatch, Money, MoneyError, parse_amount

amounts = st.decimals(
    min_value=Decimal("-1e12"), max_value=Decimal("1e12"), places=2, allow_nan=False, allow_infinity=False
)


def test_refuses_floats() -> None:
    with pytest.raises(MoneyError, match="Decimal or int"):
        Money(1.5, "EUR")  # type: ignore[arg-type]


def test_refuses_mixed_currencies() -> None:
    with pytest.raises(CurrencyMismatch):
        Money.of("1", "EUR") + Money.of("1", "USD")
    with pytest.raises(CurrencyMismatch):
        _ = Money.of("1", "EUR") < Money.of("1", "USD")


def test_refuses_more_decimals_than_the_currency_has() -> None:
    with pytest.raises(MoneyError, match="more than 0 decimals"):
        Money.of("1.5", "JPY")
    assert Money.of("1.234", "KWD").minor == 1234
    assert Money.rounded(Decimal("2.345"), "EUR") == Money.of("2.34", "EUR")  # half-even
    assert Money.rounded(Decimal("2.355"), "EUR") == Money.of("2.36", "EUR")


def test_unknown_currency() -> None:
    with pytest.raises(UnknownCurrency):
        Money.of("1", "XYZ")
    assert minor_unit_exponent("JPY") == 0 and minor_unit_exponent("CNY") == 2


@pytest.mark.parametrize("text", ["1,234.00", "1e5", "NaN", "", " ", "12.", ".5", "1 000", "Infinity", "0x10"])
def test_strict_amount_parser_refuses(text: str) -> None:
    with pytest.raises(MoneyError):
        parse_amount(text)


@given(amounts, amounts)
def test_addition_is_exact_and_commutative(a: Decimal, b: Decimal) -> None:
    x, y = Money(a, "EUR"), Money(b, "EUR")
    assert x + y == y + x
    assert (x + y).amount == a + b
    assert (x + y) - y == x


@given(amounts)
def test_minor_units_round_trip(a: Decimal) -> None:
    money = Money(a, "EUR")
    assert Money.from_minor(money.minor, "EUR") == money
    assert isinstance(money.minor, int)


def test_from_minor_refuses_non_int() -> None:
    with pytest.raises(MoneyError):
        Money.from_minor(1.0, "EUR")  # type: ignore[arg-type]
