"""Credit terms by hand: 2/10 net 30, late-payment interest, terms by grade."""

from __future__ import annotations

from decimal import Decimal

import pytest

from creditdesk.domain.money import Money
from creditdesk.domain.terms import discount_economics, late_interest, terms_for


def test_two_ten_net_thirty_by_hand() -> None:
    found = discount_economics(Decimal("0.02"), 10, 30, cost_of_capital=0.08)
    assert found.simple_rate == pytest.approx(0.02 / 0.98 * 365 / 20)  # 37.24 %
    assert found.effective_rate == pytest.approx((1 + 0.02 / 0.98) ** (365 / 20) - 1)  # 44.59 %
    assert not found.worth_offering  # 37 % a year for cash 20 days early: far above 8 %
    # Customers who really pay after 120 days: the discount buys 110 days for 2 %: 6.77 % a year.
    late_payers = discount_economics(Decimal("0.02"), 10, 30, cost_of_capital=0.08, paid_after_days=120)
    assert late_payers.seller_rate == pytest.approx(0.02 / 0.98 * 365 / 110)
    assert late_payers.worth_offering
    # The expected loss it avoids raises the hurdle.
    assert discount_economics(Decimal("0.02"), 10, 30, 0.08, paid_after_days=60, annual_loss_rate=0.1).worth_offering
    with pytest.raises(ValueError):
        discount_economics(Decimal("0.02"), 30, 30, 0.08)
    with pytest.raises(ValueError):
        discount_economics(Decimal("0.02"), 10, 30, 0.08, paid_after_days=5)


def test_late_interest_is_exact_to_the_minor_unit() -> None:
    assert late_interest(Money.of("10000.00", "EUR"), 30, Decimal("0.12")) == Money.of("98.63", "EUR")
    assert late_interest(Money.of("1000000", "JPY"), 10, Decimal("0.10")) == Money.of("2740", "JPY")
    assert late_interest(Money.of("500.00", "EUR"), 0, Decimal("0.12")) == Money.zero("EUR")
    assert late_interest(Money.of("10000.00", "EUR"), 366, Decimal("0.12"), days_in_year=366) == Money.of(
        "1200.00", "EUR"
    )


def test_terms_shorten_as_grades_weaken() -> None:
    days = [terms_for(grade).net_days for grade in (1, 5, 8, 9)]
    assert days == [60, 45, 30, 15]
    assert terms_for(10).net_days is None and terms_for(None).net_days == 15
