"""Exchange rates: exact decimal rates, half-even rounding to the target's minor unit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal

from creditdesk.domain.currencies import minor_unit_exponent
from creditdesk.domain.money import Money


class MissingRate(LookupError):
    def __init__(self, base: str, quote: str, on: date) -> None:
        super().__init__(f"no exchange rate from {base} to {quote} on or before {on}")
        self.base, self.quote, self.on = base, quote, on


@dataclass(frozen=True, slots=True)
class Rate:
    """``rate`` units of ``quote`` per one unit of ``base``, as published on ``rate_date``."""

    base: str
    quote: str
    rate: Decimal
    rate_date: date

    def __post_init__(self) -> None:
        assert self.rate > 0, "an exchange rate is positive"

    def convert(self, amount: Money) -> Money:
        assert amount.currency == self.base, f"rate {self.base}->{self.quote} applied to {amount.currency}"
        # Rounding half-even at the end only: one rounding per converted document.
        return Money.rounded(amount.amount * self.rate, self.quote)

    def __call__(self, minor: int) -> int:
        exact = Decimal(minor).scaleb(minor_unit_exponent(self.quote) - minor_unit_exponent(self.base)) * self.rate
        return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


def identity(currency: str, on: date) -> Rate:
    return Rate(currency, currency, Decimal(1), on)
