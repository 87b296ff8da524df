"""The exposure ledger: running totals per credit account and the entries that move them.

Orders are two-phase, like pending transfers: a reservation is posted (invoiced) in
whole or part, voided (cancelled) or expired; what is not posted is released.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import StrEnum

from creditdesk.domain.money import MAX_MINOR, MoneyError

# Converts minor units of one currency into another's (a bound exchange rate, see domain.fx).
ConvertMinor = Callable[[int], int]


class EntryKind(StrEnum):
    RESERVE = "reserve"  # an order accepted, or amended upward, or released from a block
    RELEASE = "release"  # an order amended downward, cancelled, or what its invoice did not post
    EXPIRE = "expire"  # an order whose validity passed
    DELIVER = "deliver"  # goods shipped: reserved -> delivered, not yet invoiced
    POST = "post"  # an invoice: consumes the order's reservation, raises receivables
    PAYMENT = "payment"  # cash: lowers receivables; what is not applied stays on account
    OPENING = "opening"  # a group account's opening balance from its members
    IMPORT = "import"  # a customer's documents of one import file, summed
    GROUP_MOVE = "group_move"  # a customer moved between groups: its exposure leaves and enters pools
    REVALUE = "revalue"  # open foreign-currency items revalued at a month-end rate (docs/currencies.md)
    FX_DIFFERENCE = "fx_difference"  # a realised exchange difference: no bucket moves (docs/currencies.md)


class BalanceOutOfRange(MoneyError):
    """A movement that would take a running balance beyond ``MAX_MINOR`` minor units: each
    document is within the bound, but their sum on one account is not."""

    def __init__(self, account: str, bucket: str, balance: int) -> None:
        super().__init__(
            f"{account}: the {bucket} balance would be {balance} minor units, beyond the maximum of "
            f"{MAX_MINOR} for one balance"
        )
        self.account = account
        self.bucket = bucket
        self.balance = balance


@dataclass(frozen=True, slots=True)
class Buckets:
    """The four figures of an account, in integer minor units of its currency: as running
    totals (``Totals``) or as one ledger entry's movement of them (``Delta``)."""

    receivable: int = 0
    reserved: int = 0
    delivered: int = 0
    unapplied: int = 0

    @property
    def exposure(self) -> int:
        # Cash on account is not netted against exposure: it may be refunded or disputed.
        return self.receivable + self.reserved + self.delivered

    def is_zero(self) -> bool:
        return self == Buckets()

    def moved_by(self, delta: Buckets, account: str) -> Buckets:
        """These totals after ``delta``; BalanceOutOfRange when a bucket would pass ``MAX_MINOR``
        either way (the database's CHECK constraints would refuse it)."""
        after = Buckets(
            self.receivable + delta.receivable,
            self.reserved + delta.reserved,
            self.delivered + delta.delivered,
            self.unapplied + delta.unapplied,
        )
        for bucket in ("receivable", "reserved", "delivered", "unapplied"):
            balance: int = getattr(after, bucket)
            if abs(balance) > MAX_MINOR:
                raise BalanceOutOfRange(account, bucket, balance)
        return after

    def scaled(self, convert: ConvertMinor) -> Buckets:
        """The same movement in another account's currency (a group's), bucket by bucket."""
        return replace(
            self,
            receivable=convert(self.receivable),
            reserved=convert(self.reserved),
            delivered=convert(self.delivered),
            unapplied=convert(self.unapplied),
        )


Totals = Buckets
Delta = Buckets
