"""Exact money: a Decimal amount in one ISO 4217 currency.

Immutable, refuses floats and mixed currencies (in the spirit of py-moneyed).
Amounts are kept at the currency's minor-unit precision; arithmetic that could
create sub-minor fractions (multiplying by a rate) rounds explicitly.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import Self

from creditdesk.domain.currencies import minor_unit_exponent

_AMOUNT_RE = re.compile(r"^[+-]?(\d+)(\.\d+)?$")


class MoneyError(ValueError):
    """An amount that cannot be represented exactly, or an operation across currencies."""


class CurrencyMismatch(MoneyError):
    def __init__(self, left: str, right: str) -> None:
        super().__init__(f"cannot combine {left} with {right}")
        self.left = left
        self.right = right


def parse_amount(text: str) -> Decimal:
    """The one strict parser for amounts: digits, an optional '.' and decimals.

    No thousands separators, no exponent, no comma decimal point, no NaN/Infinity:
    what an ERP export means by "1,234" is ambiguous, so it is refused.
    """
    stripped = text.strip()
    if not _AMOUNT_RE.match(stripped):
        raise MoneyError(f"expected a decimal amount such as 1234.56, found {text!r}")
    try:
        return Decimal(stripped)
    except InvalidOperation:  # pragma: no cover - the regex already guards this
        raise MoneyError(f"expected a decimal amount such as 1234.56, found {text!r}") from None


@dataclass(frozen=True, slots=True)
class Money:
    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        if isinstance(self.amount, float) or not isinstance(self.amount, Decimal | int):
            raise MoneyError(f"Money needs a Decimal or int amount, got {type(self.amount).__name__}")
        if not self.amount.is_finite() if isinstance(self.amount, Decimal) else False:
            raise MoneyError(f"Money needs a finite amount, got {self.amount}")
        exponent = minor_unit_exponent(self.currency)
        quantum = Decimal(1).scaleb(-exponent)
        amount = Decimal(self.amount)
        if amount != amount.quantize(quantum):
            raise MoneyError(
                f"{amount} {self.currency} has more than {exponent} decimals; round it explicitly with Money.rounded"
            )
        object.__setattr__(self, "amount", amount.quantize(quantum))

    # construction -----------------------------------------------------------------
    @classmethod
    def of(cls, amount: str | int | Decimal, currency: str) -> Self:
        if isinstance(amount, str):
            amount = parse_amount(amount)
        return cls(Decimal(amount), currency)

    @classmethod
    def rounded(cls, amount: Decimal, currency: str) -> Self:
        """Round half-even (banker's rounding, no drift over many entries) to the minor unit."""
        quantum = Decimal(1).scaleb(-minor_unit_exponent(currency))
        return cls(amount.quantize(quantum, rounding=ROUND_HALF_EVEN), currency)

    @classmethod
    def zero(cls, currency: str) -> Self:
        return cls(Decimal(0), currency)

    @classmethod
    def from_minor(cls, minor: int, currency: str) -> Self:
        if not isinstance(minor, int) or isinstance(minor, bool):
            raise MoneyError(f"minor units must be an int, got {type(minor).__name__}")
        return cls._exact(Decimal(minor).scaleb(-minor_unit_exponent(currency)), currency)

    @classmethod
    def minor_maker(cls, currency: str) -> Callable[[int], Money]:
        """``from_minor`` for many amounts of one currency, its exponent looked up once (the
        credit check builds several amounts on every order)."""
        exponent = -minor_unit_exponent(currency)
        exact = cls._exact

        def make(minor: int) -> Money:
            return exact(Decimal(minor).scaleb(exponent), currency)

        return make

    @classmethod
    def _exact(cls, amount: Decimal, currency: str) -> Self:
        """An amount already at the currency's exponent (scaled minor units, or the sum of two
        such): the checks of __post_init__ are skipped on this hot path of every check."""
        money = object.__new__(cls)
        object.__setattr__(money, "amount", amount)
        object.__setattr__(money, "currency", currency)
        return money

    # conversion -------------------------------------------------------------------
    @property
    def minor(self) -> int:
        """The amount in integer minor units, as stored in the database."""
        return int(self.amount.scaleb(minor_unit_exponent(self.currency)))

    # arithmetic -------------------------------------------------------------------
    def _same(self, other: Money) -> None:
        if not isinstance(other, Money):
            raise TypeError(f"cannot combine Money with {type(other).__name__}")
        if other.currency != self.currency:
            raise CurrencyMismatch(self.currency, other.currency)

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money._exact(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money._exact(self.amount - other.amount, self.currency)

    def __neg__(self) -> Money:
        return Money._exact(-self.amount, self.currency)

    def __lt__(self, other: Money) -> bool:
        self._same(other)
        return self.amount < other.amount

    def __le__(self, other: Money) -> bool:
        self._same(other)
        return self.amount <= other.amount

    def __gt__(self, other: Money) -> bool:
        self._same(other)
        return self.amount > other.amount

    def __ge__(self, other: Money) -> bool:
        self._same(other)
        return self.amount >= other.amount

    def is_zero(self) -> bool:
        return self.amount == 0

    def is_negative(self) -> bool:
        return self.amount < 0

    def max_zero(self) -> Money:
        return self if self.amount >= 0 else Money.zero(self.currency)

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"

    def to_json(self) -> str:
        """Decimal string as the API carries amounts."""
        return str(self.amount)
