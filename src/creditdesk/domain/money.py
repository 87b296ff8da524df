"""Exact money: a Decimal amount in one ISO 4217 currency.

Immutable, refuses floats and mixed currencies (in the spirit of py-moneyed).
Amounts are kept at the currency's minor-unit precision; arithmetic that could
create sub-minor fractions (multiplying by a rate) rounds explicitly.

No amount taken from a user, and no stored balance, may exceed ``MAX_MINOR`` minor units
either way (docs/money.md): ``Money.of`` and ``parse_amount`` refuse more with
``AmountTooLarge``. Figures computed from many amounts (a portfolio's total) are not bounded.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import Self

from creditdesk.domain.currencies import minor_unit_exponent

_AMOUNT_RE = re.compile(r"^[+-]?(\d+)(\.\d+)?$")

MAX_MINOR = 10**15
"""The largest amount, in minor units, of one document, limit or balance (either sign).

10^15 cents is ten trillion euros: far above any real invoice or credit limit, and far below
the 64-bit integers (9.2 x 10^18) the database keeps, so adding a bounded amount to a bounded
balance can never overflow on any engine."""


class MoneyError(ValueError):
    """An amount that cannot be represented exactly, or an operation across currencies."""


class AmountTooLarge(MoneyError):
    """An amount beyond ``MAX_MINOR`` minor units of its currency (or, before the currency is
    known, beyond ``MAX_MINOR`` whole units: more than any currency allows)."""

    def __init__(self, amount: Decimal | str, currency: str | None = None) -> None:
        if currency is None:
            bound = f"{MAX_MINOR} in any currency"
        else:
            bound = f"{largest_amount(currency)} {currency} ({MAX_MINOR} minor units)"
        super().__init__(f"expected an amount of at most {bound}, found {_shortened(str(amount))}")
        self.currency = currency


class CurrencyMismatch(MoneyError):
    def __init__(self, left: str, right: str) -> None:
        super().__init__(f"cannot combine {left} with {right}")
        self.left = left
        self.right = right


def largest_amount(currency: str) -> Decimal:
    """``MAX_MINOR`` minor units of ``currency``: 10000000000000.00 EUR, 1000000000000000 JPY."""
    return Decimal(MAX_MINOR).scaleb(-minor_unit_exponent(currency))


def bounded_minor(minor: int, currency: str) -> int:
    """``minor`` when it is within ``MAX_MINOR`` either way; AmountTooLarge otherwise."""
    if abs(minor) > MAX_MINOR:
        raise AmountTooLarge(Decimal(minor).scaleb(-minor_unit_exponent(currency)), currency)
    return minor


def _shortened(text: str) -> str:
    return text if len(text) <= 40 else f"{text[:37]}..."


_MAX_WHOLE_DIGITS = len(str(MAX_MINOR))


def parse_amount(text: str) -> Decimal:
    """The one strict parser for amounts: digits, an optional '.' and decimals.

    No thousands separators, no exponent, no comma decimal point, no NaN/Infinity:
    what an ERP export means by "1,234" is ambiguous, so it is refused. Nor more than
    ``MAX_MINOR`` whole units (AmountTooLarge), which no currency allows; the exact bound, in
    the currency's minor units, is checked where the currency is known (``Money.of``).
    """
    stripped = text.strip()
    match = _AMOUNT_RE.match(stripped)
    if not match:
        raise MoneyError(f"expected a decimal amount such as 1234.56, found {_shortened(repr(text))}")
    if len(match.group(1).lstrip("0")) > _MAX_WHOLE_DIGITS:  # refused before it becomes a number
        raise AmountTooLarge(stripped)
    try:
        amount = Decimal(stripped)
    except InvalidOperation:  # pragma: no cover - the regex already guards this
        raise MoneyError(f"expected a decimal amount such as 1234.56, found {_shortened(repr(text))}") from None
    if amount.copy_abs() > MAX_MINOR:
        raise AmountTooLarge(stripped)
    return amount


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
        try:
            exact = amount.quantize(quantum)
        except InvalidOperation:  # more digits than the decimal context holds (28)
            raise MoneyError(f"{_shortened(str(amount))} {self.currency} has too many digits") from None
        if amount != exact:
            raise MoneyError(
                f"{amount} {self.currency} has more than {exponent} decimals; round it explicitly with Money.rounded"
            )
        object.__setattr__(self, "amount", exact)

    # construction -----------------------------------------------------------------
    @classmethod
    def of(cls, amount: str | int | Decimal, currency: str) -> Self:
        """An amount a user gave (text is parsed strictly): at most ``MAX_MINOR`` minor units
        either way, else AmountTooLarge."""
        value = parse_amount(amount) if isinstance(amount, str) else Decimal(amount)
        if not value.is_finite():
            raise MoneyError(f"Money needs a finite amount, got {value}")
        if value.copy_abs() > largest_amount(currency):  # copy_abs: exact, never overflows
            raise AmountTooLarge(value, currency)
        return cls(value, currency)

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
