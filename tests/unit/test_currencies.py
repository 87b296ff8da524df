"""Settling open items with a payment in any currency, and totals in the reporting currency."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from creditdesk.domain.documents import OpenItem, Payment
from creditdesk.domain.fx import MissingRate, Rate, identity
from creditdesk.domain.money import Money
from creditdesk.domain.settlement import settle_payment, share
from creditdesk.service.reporting_currency import in_reporting_currency

DAY = date(2026, 7, 3)
EUR_CNY = Rate("EUR", "CNY", Decimal("7.85"), DAY)


def eur(text: str) -> Money:
    return Money.of(text, "EUR")


def cny(text: str) -> Money:
    return Money.of(text, "CNY")


def test_share_rounds_down_in_integers() -> None:
    assert share(5, 1, 2) == 2 and share(7, 1, 2) == 3 and share(10**15, 2, 3) == 666666666666666
    assert share(1, 2, 3) == 0  # a fen carried for 0.03 EUR: paying 0.02 leaves it carried


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 10**12), st.integers(1, 10**6), st.data())
def test_a_foreign_payment_closes_its_document_exactly(open_minor: int, doc_minor: int, data: st.DataObject) -> None:
    """Paid in parts in the document currency, the item's document and carried amounts both reach 0,
    and every part's difference is the converted part less the carried value it took."""
    carried, doc_open = open_minor, doc_minor
    while doc_open > 0:
        part = data.draw(st.integers(1, doc_open))
        item = OpenItem("I1", DAY, Money.from_minor(carried, "CNY"), Money.from_minor(doc_open, "EUR"))
        paid = Payment("P", "C1", DAY, Money.from_minor(part, "EUR"), "I1")
        converted = EUR_CNY.convert(paid.amount)
        settled = settle_payment(paid, converted, EUR_CNY, [item])
        (allocation,) = settled.allocations
        assert allocation.doc_amount == paid.amount and settled.unapplied.is_zero()
        assert settled.difference.minor == converted.minor - allocation.amount.minor
        carried -= allocation.amount.minor
        doc_open -= part
        assert carried > 0 or doc_open == 0  # both close together
    assert carried == 0


def test_a_foreign_payment_settles_its_own_currency_first_then_the_rest_converted() -> None:
    items = [
        OpenItem("A", date(2026, 6, 1), cny("100.00")),  # oldest, in the account currency
        OpenItem("B", date(2026, 6, 2), cny("780.00"), eur("100.00")),  # a EUR invoice booked at 7.80
    ]
    paid = Payment("P", "C1", DAY, eur("110.00"))
    settled = settle_payment(paid, EUR_CNY.convert(paid.amount), EUR_CNY, items)
    assert [(a.invoice_id, a.amount, a.doc_amount) for a in settled.allocations] == [
        ("B", cny("780.00"), eur("100.00")),
        ("A", cny("78.50"), None),  # EUR 10 at 7.85
    ]
    assert settled.unapplied.is_zero() and settled.difference == cny("5.00")  # 785.00 - 780.00


def test_an_account_currency_payment_on_a_foreign_item_lowers_both_open_amounts() -> None:
    item = OpenItem("B", DAY, cny("780.00"), eur("100.00"))
    paid = Payment("P", "C1", DAY, cny("390.00"))
    settled = settle_payment(paid, paid.amount, identity("CNY", DAY), [item])
    (allocation,) = settled.allocations
    assert allocation.amount == cny("390.00") and allocation.doc_amount == eur("50.00")
    assert settled.difference.is_zero()


def test_reporting_totals_convert_each_currency_once_and_name_a_missing_rate() -> None:
    rates = {("USD", "CNY"): Rate("USD", "CNY", Decimal("7.1234"), DAY)}

    def rate(base: str, quote: str, on: date) -> Rate:
        if (base, quote) not in rates:
            raise MissingRate(base, quote, on)
        return rates[(base, quote)]

    found = in_reporting_currency({"CNY": {"x": cny("1.00")}, "USD": {"x": Money.of("0.05", "USD")}}, "CNY", rate, DAY)
    assert found.totals == {"x": cny("1.36")}  # 0.05 x 7.1234 = 0.35617 -> 0.36
    assert found.rates == {"USD/CNY": "7.1234"} and found.missing == []
    missing = in_reporting_currency({"GBP": {"x": Money.of("1", "GBP")}}, "CNY", rate, DAY)
    assert missing.totals is None and missing.missing == ["no exchange rate from GBP to CNY on or before 2026-07-03"]
