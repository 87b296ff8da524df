from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from creditdesk.domain.currencies import UnknownCurrency, minor_unit_exponent
from creditdesk.domain.ledger import BalanceOutOfRange, Delta, Totals
from creditdesk.domain.money import (
    MAX_MINOR,
    AmountTooLarge,
    CurrencyMismatch,
    Money,
    MoneyError,
    bounded_minor,
    largest_amount,
    parse_amount,
)

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


# --- the one maximum amount (docs/money.md) ------------------------------------------------------


def test_the_largest_amount_of_each_currency_and_one_minor_unit_more() -> None:
    assert largest_amount("EUR") == Decimal("10000000000000.00") and largest_amount("JPY") == MAX_MINOR
    assert Money.of("10000000000000.00", "EUR").minor == MAX_MINOR
    assert Money.of("-10000000000000.00", "EUR").minor == -MAX_MINOR
    assert Money.of(MAX_MINOR, "JPY").minor == MAX_MINOR
    for amount, currency in (("10000000000000.01", "EUR"), (MAX_MINOR + 1, "JPY"), ("100000000000.0001", "CLF")):
        with pytest.raises(AmountTooLarge, match=r"\(1000000000000000 minor units\)"):
            Money.of(amount, currency)
    assert bounded_minor(-MAX_MINOR, "EUR") == -MAX_MINOR
    with pytest.raises(AmountTooLarge):
        bounded_minor(MAX_MINOR + 1, "EUR")


def test_parse_amount_refuses_what_no_currency_allows_before_making_a_number() -> None:
    assert parse_amount(str(MAX_MINOR)) == MAX_MINOR
    assert parse_amount("000000000000000000000001.50") == Decimal("1.50")
    for text in ("92233720368547758.07", "1000000000000000.01", "9" * 100_000):
        with pytest.raises(AmountTooLarge):
            parse_amount(text)
    with pytest.raises(MoneyError) as caught:
        parse_amount("x" * 60_000)
    assert len(str(caught.value)) < 120  # the message quotes the start of the text, not all of it


def test_money_beyond_the_decimal_context_is_a_money_error() -> None:
    for amount in (Decimal("1E+40"), Decimal("1E+1000000"), Decimal("NaN")):
        with pytest.raises(MoneyError):
            Money(amount, "EUR")
        with pytest.raises(MoneyError):
            Money.of(amount, "EUR")


def test_a_balance_may_not_be_moved_beyond_the_bound() -> None:
    full = Totals(receivable=MAX_MINOR)
    assert full.moved_by(Delta(receivable=-1), "customer C1") == Totals(receivable=MAX_MINOR - 1)
    with pytest.raises(BalanceOutOfRange) as caught:
        full.moved_by(Delta(receivable=1, reserved=5), "customer C1")
    assert caught.value.bucket == "receivable" and caught.value.balance == MAX_MINOR + 1
    with pytest.raises(BalanceOutOfRange, match="unapplied"):
        Totals().moved_by(Delta(unapplied=-MAX_MINOR - 1), "group G1")


amount_texts = st.one_of(
    st.text(),
    st.text(alphabet="0123456789.-+ ", max_size=60),
    st.from_regex(r"\A[+-]?[0-9]{1,40}(\.[0-9]{1,40})?\Z"),
)


@settings(max_examples=200, deadline=None)
@given(amount_texts)
def test_parse_amount_gives_a_bounded_decimal_or_a_money_error(text: str) -> None:
    try:
        value = parse_amount(text)
    except MoneyError:
        return
    assert value.is_finite() and abs(value) <= MAX_MINOR


@settings(max_examples=200, deadline=None)
@given(
    st.one_of(
        amount_texts, st.decimals(), st.builds(Decimal, st.from_regex(r"\A-?[1-9]E[+-][0-9]{2,9}\Z")), st.integers()
    ),
    st.sampled_from(["EUR", "JPY", "KWD", "CLF"]),
)
def test_money_from_user_input_is_bounded_or_a_money_error(amount: str | Decimal | int, currency: str) -> None:
    try:
        money = Money.of(amount, currency)
    except MoneyError:
        return
    assert abs(money.minor) <= MAX_MINOR
