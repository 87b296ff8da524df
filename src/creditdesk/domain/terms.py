"""Credit terms: what an early-payment discount costs, late-payment interest, terms by grade.

A discount of d for paying within k days instead of n is, for the buyer who takes it, a loan
of (1 − d) for n − k days at d / (1 − d): an annual rate of d / (1 − d) × 365 / (n − k), or
(1 + d / (1 − d)) ** (365 / (n − k)) − 1 compounded. For the seller it is the price of getting
the money earlier than the customer really pays (after ``paid_after_days``, not n): worth
offering when that price is below the cost of capital plus the expected loss it avoids.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

from creditdesk.domain.money import Money


@dataclass(frozen=True, slots=True)
class DiscountEconomics:
    discount: Decimal
    discount_days: int
    net_days: int
    paid_after_days: int  # when customers really pay without the discount
    simple_rate: float  # the buyer's annual rate of not taking it (n − k days)
    effective_rate: float
    seller_rate: float  # the seller's annual cost of the cash it brings in earlier
    hurdle: float  # cost of capital plus the expected loss avoided, a year
    worth_offering: bool

    def as_json(self) -> dict[str, object]:
        return {
            "discount": str(self.discount),
            "discount_days": self.discount_days,
            "net_days": self.net_days,
            "paid_after_days": self.paid_after_days,
            "simple_rate": round(self.simple_rate, 6),
            "effective_rate": round(self.effective_rate, 6),
            "seller_rate": round(self.seller_rate, 6),
            "hurdle": round(self.hurdle, 6),
            "worth_offering": self.worth_offering,
        }


def discount_economics(
    discount: Decimal,
    discount_days: int,
    net_days: int,
    cost_of_capital: float,
    paid_after_days: int | None = None,
    annual_loss_rate: float = 0.0,
) -> DiscountEconomics:
    if not Decimal(0) < discount < Decimal(1):
        raise ValueError(f"a discount lies between 0 and 1; got {discount}")
    if not 0 <= discount_days < net_days:
        raise ValueError(f"the discount period must end before the net term; got {discount_days} and {net_days}")
    paid = net_days if paid_after_days is None else paid_after_days
    if paid <= discount_days:
        raise ValueError(f"customers who pay within {paid} days already pay inside the discount period")
    ratio = float(discount / (1 - discount))
    simple = ratio * 365 / (net_days - discount_days)
    effective = (1 + ratio) ** (365 / (net_days - discount_days)) - 1
    seller = ratio * 365 / (paid - discount_days)
    hurdle = cost_of_capital + annual_loss_rate
    return DiscountEconomics(
        discount, discount_days, net_days, paid, simple, effective, seller, hurdle, seller <= hurdle
    )


def late_interest(amount: Money, days_late: int, annual_rate: Decimal, days_in_year: int = 365) -> Money:
    """Simple interest on an overdue amount (e.g. the EU rate: the central bank's reference rate
    plus 8 points), to the minor unit, half to even."""
    if days_late <= 0:
        return Money.zero(amount.currency)
    interest = amount.amount * annual_rate * days_late / days_in_year
    return Money.of(interest.quantize(Money.zero(amount.currency).amount, rounding=ROUND_HALF_EVEN), amount.currency)


@dataclass(frozen=True, slots=True)
class GradeTerms:
    grades: tuple[int, ...]
    net_days: int | None  # None: no credit, cash in advance
    note: str


#: Stronger customers get longer terms; weak ones short terms and security; default, none.
TERMS_BY_GRADE: tuple[GradeTerms, ...] = (
    GradeTerms((1, 2, 3), 60, "up to 60 days; a discount for early payment rarely pays"),
    GradeTerms((4, 5, 6), 45, "45 days; 2/10 net 45 where customers pay late"),
    GradeTerms((7, 8), 30, "30 days, dunning from the first day overdue"),
    GradeTerms((9,), 15, "15 days with a guarantee, insurance or a letter of credit"),
    GradeTerms((10,), None, "cash in advance"),
)


def terms_for(grade: int | None) -> GradeTerms:
    wanted = 9 if grade is None else grade  # unscored: the weakest live grade, as the limits treat it
    return next(terms for terms in TERMS_BY_GRADE if wanted in terms.grades)
