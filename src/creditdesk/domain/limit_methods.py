"""Credit limit methods, each an amount with its working: inputs, formula and result.

A credit manager must be able to redo every limit by hand, so each method returns a
:class:`Working` that names its inputs and shows the formula with the figures put in. A method
that cannot apply (no statements, no bureau limit) says why instead of guessing. Amounts are
exact decimals in the account currency; probabilities and rates are plain floats (model
outputs), and a method's result is rounded down to the currency's cent.

- need: what the customer's trade needs: average monthly sales × (terms + grace) / 30 × peak;
- capacity: what its balance sheet carries: the smaller of a share of tangible net worth and a
  share of working capital (shares set by grade in the policy);
- bureau: the bureau's recommended limit;
- risk budget: the largest limit whose expected loss PD × LGD × limit × CCF stays within a share
  of the expected annual margin;
- profit-optimal: the limit with the highest expected margin − expected loss − financing cost,
  with the curve behind it (monthly demand is uncertain, so more limit captures less and less).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, Decimal
from statistics import NormalDist

CENT = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class Working:
    method: str
    amount: Decimal | None  # None: the method does not apply, ``note`` says why
    inputs: dict[str, str]
    formula: str
    note: str = ""
    curve: list[tuple[Decimal, float]] = field(default_factory=list)  # profit-optimal: (limit, profit)
    # The formula and the note as codes with their figures, for a reader in another language
    # (``formula`` and ``note`` stay the English the API and the CLI show).
    steps: tuple[Step, ...] = ()
    why: Step | None = None


#: One part of a working: a code and its figures (a method name, an amount, a share...).
Step = tuple[str, dict[str, object]]


def steps_json(step: Step) -> dict[str, object]:
    """A step as JSON: its code and its figures as text (terms as [method, amount] pairs)."""
    code, values = step
    shown: dict[str, object] = {"code": code}
    for key, value in values.items():
        if isinstance(value, list):
            shown[key] = [[str(name), str(amount)] for name, amount in value]
        else:
            shown[key] = None if value is None else str(value)
    return shown


def _floor(value: Decimal | float, unit: Decimal = CENT) -> Decimal:
    amount = Decimal(str(value)) if isinstance(value, float) else value
    return ((amount / unit).to_integral_value(rounding=ROUND_FLOOR) * unit).quantize(CENT)


def need_limit(avg_monthly_sales: Decimal, terms_days: int, grace_days: int, peak_factor: Decimal) -> Working:
    inputs = {
        "avg_monthly_sales": str(avg_monthly_sales),
        "terms_days": str(terms_days),
        "grace_days": str(grace_days),
        "peak_factor": str(peak_factor),
    }
    if avg_monthly_sales <= 0:
        return Working("need", None, inputs, "", "no sales to the customer yet", why=("no_sales", {}))
    amount = _floor(avg_monthly_sales * Decimal(terms_days + grace_days) / Decimal(30) * peak_factor)
    formula = f"{avg_monthly_sales} × ({terms_days} + {grace_days}) / 30 × {peak_factor} = {amount}"
    step = ("need", {"sales": avg_monthly_sales, "terms": terms_days, "grace": grace_days, "peak": peak_factor,
                     "amount": amount})  # fmt: skip
    return Working("need", amount, inputs, formula, steps=(step,))


def capacity_limit(
    tangible_net_worth: Decimal | None, working_capital: Decimal | None, tnw_share: Decimal, wc_share: Decimal
) -> Working:
    inputs = {
        "tangible_net_worth": str(tangible_net_worth),
        "working_capital": str(working_capital),
        "tnw_share": str(tnw_share),
        "wc_share": str(wc_share),
    }
    if tangible_net_worth is None and working_capital is None:
        return Working("capacity", None, inputs, "", "no financial statements", why=("no_statements", {}))
    parts = []
    if tangible_net_worth is not None:
        parts.append(("tangible net worth", max(tangible_net_worth, Decimal(0)) * tnw_share))
    if working_capital is not None:
        parts.append(("working capital", max(working_capital, Decimal(0)) * wc_share))
    amount = _floor(min(value for _, value in parts))
    shown = ", ".join(f"{name} share {_floor(value)}" for name, value in parts)
    formula = f"min({shown}) = {amount}" if len(parts) > 1 else f"{shown} = {amount}"
    note = "negative net worth or working capital carries no credit" if amount == 0 else ""
    short = {"tangible net worth": "tnw", "working capital": "wc"}
    step: Step = (
        "capacity_" + "_".join(short[name] for name, _ in parts),
        {**{short[name]: _floor(value) for name, value in parts}, "amount": amount},
    )
    why: Step | None = ("no_net_worth", {}) if note else None
    return Working("capacity", amount, inputs, formula, note, steps=(step,), why=why)


def bureau_limit(recommended: Decimal | None, provider: str | None = None) -> Working:
    inputs = {"recommended_limit": str(recommended), "provider": str(provider)}
    if recommended is None:
        return Working("bureau", None, inputs, "", "no bureau recommends a limit", why=("no_bureau", {}))
    amount = _floor(max(recommended, Decimal(0)))
    step: Step = ("bureau", {"provider": provider or "bureau", "amount": amount})
    return Working("bureau", amount, inputs, f"{provider or 'bureau'} recommends {amount}", steps=(step,))


def risk_budget_limit(
    pd: float, lgd: float, annual_margin: Decimal, budget_share: Decimal, ccf: float = 1.0
) -> Working:
    inputs = {
        "pd": f"{pd:.6f}",
        "lgd": f"{lgd:.4f}",
        "annual_margin": str(annual_margin),
        "budget_share": str(budget_share),
        "ccf": f"{ccf:.4f}",
    }
    loss_rate = pd * lgd * ccf
    if annual_margin <= 0:
        no_margin: Step = ("no_margin", {})
        return Working("risk_budget", Decimal(0), inputs, "no margin: no loss can be afforded", steps=(no_margin,))
    if loss_rate <= 0:
        why: Step = ("no_expected_loss", {})
        return Working("risk_budget", None, inputs, "", "no expected loss: the budget sets no bound", why=why)
    amount = _floor(float(annual_margin * budget_share) / loss_rate)
    formula = f"{annual_margin} × {budget_share} / ({pd:.2%} × {lgd:.0%} × {ccf:.0%}) = {amount}"
    step: Step = ("risk_budget", {"margin": annual_margin, "share": budget_share, "pd": f"{pd:.2%}",
                                  "lgd": f"{lgd:.0%}", "ccf": f"{ccf:.0%}", "amount": amount})  # fmt: skip
    return Working("risk_budget", amount, inputs, formula, steps=(step,))


@dataclass(frozen=True, slots=True)
class ProfitInputs:
    pd: float  # annual probability of default
    lgd: float  # share of the exposure lost at default
    margin_rate: float  # gross margin on sales
    avg_monthly_sales: float  # expected monthly demand
    demand_cv: float  # its coefficient of variation (how uncertain one month's orders are)
    terms_days: int
    grace_days: int
    cost_of_capital: float  # annual cost of financing receivables
    ccf: float = 0.75  # share of the unused limit drawn before a default


def _normal_cdf(x: float) -> float:
    return 0.5 * (1 + math.erf(x / math.sqrt(2)))


def expected_capped_demand(mean: float, cv: float, cap: float) -> float:
    """E[min(D, cap)] for lognormal monthly demand D with this mean and coefficient of variation."""
    if cap <= 0 or mean <= 0:
        return 0.0
    if cv <= 0:
        return min(mean, cap)
    s = math.sqrt(math.log(1 + cv * cv))
    m = math.log(mean) - s * s / 2
    z = (math.log(cap) - m) / s
    return mean * _normal_cdf(z - s) + cap * (1 - _normal_cdf(z))


def _sales_and_receivables(limit: float, p: ProfitInputs) -> tuple[float, float]:
    """Expected monthly sales a limit lets through, and the receivables they leave outstanding."""
    days = p.terms_days + p.grace_days
    monthly_cap = limit * 30 / days if days else limit
    monthly_sales = expected_capped_demand(p.avg_monthly_sales, p.demand_cv, monthly_cap)
    return monthly_sales, monthly_sales * days / 30


def expected_loss(limit: float, p: ProfitInputs) -> float:
    """PD × LGD × exposure at default: the receivables plus the drawn share of the unused limit."""
    _, receivables = _sales_and_receivables(limit, p)
    return p.pd * p.lgd * (receivables + p.ccf * max(limit - receivables, 0.0))


def expected_profit(limit: float, p: ProfitInputs) -> float:
    """Expected annual profit of a limit: margin on the sales it lets through (for half a year
    fewer when the customer defaults, at a random time in the year), less the expected loss on
    the exposure at default, less the cost of financing the average receivables."""
    monthly_sales, receivables = _sales_and_receivables(limit, p)
    return (
        12 * (1 - p.pd / 2) * monthly_sales * p.margin_rate - expected_loss(limit, p) - p.cost_of_capital * receivables
    )


def optimal_cover(p: ProfitInputs) -> float:
    """The share of months whose demand the profit-optimal limit covers (0 when no limit pays).

    Setting the derivative of :func:`expected_profit` to zero gives a newsvendor rule: one more
    unit of limit earns the margin net of financing and of loss-given-default on the drawn part,
    but only in months when demand exceeds the cap (probability P(D > cap)); it always costs
    PD × LGD × CCF of expected loss on the undrawn part. The optimum is where
    P(D > cap) = PD × LGD × CCF / (net margin per unit of cap).
    """
    days = p.terms_days + p.grace_days
    net_per_sale = 12 * (1 - p.pd / 2) * p.margin_rate - (p.pd * p.lgd * (1 - p.ccf) + p.cost_of_capital) * days / 30
    benefit = net_per_sale * 30 / days  # per unit of limit, when the cap binds
    cost = p.pd * p.lgd * p.ccf
    if benefit <= 0 or cost >= benefit:
        return 0.0
    return 1 - cost / benefit


def profit_optimal_limit(p: ProfitInputs, *, with_curve: bool = False, unit: Decimal = CENT) -> Working:
    """The closed form of :func:`optimal_cover` (fast enough for a whole portfolio); with
    ``with_curve`` also the expected profit over a grid of limits, for the reader."""
    inputs = {name: str(getattr(p, name)) for name in ProfitInputs.__slots__}
    days = p.terms_days + p.grace_days
    if p.avg_monthly_sales <= 0 or days <= 0:
        return Working("profit_optimal", None, inputs, "", "no expected sales", why=("no_expected_sales", {}))
    cover = optimal_cover(p)
    if cover <= 0:
        cap = 0.0
    elif p.demand_cv <= 0:
        cap = p.avg_monthly_sales
    else:
        s = math.sqrt(math.log(1 + p.demand_cv**2))
        cap = math.exp(math.log(p.avg_monthly_sales) - s * s / 2 + s * NormalDist().inv_cdf(cover))
    limit = cap * days / 30
    best = _floor(limit, unit)
    curve: list[tuple[Decimal, float]] = []
    if with_curve:
        top = max(2 * limit, p.avg_monthly_sales * days / 30 * 2)
        curve = [(_floor(top * k / 60, unit), expected_profit(top * k / 60, p)) for k in range(61)]
    formula = (
        f"the limit that covers monthly demand in {cover:.1%} of months: where the margin of one more unit"
        f" of limit ({p.margin_rate:.1%} on sales, less financing at {p.cost_of_capital:.1%}) in the months it"
        f" is used equals its expected loss ({p.pd:.2%} × {p.lgd:.0%} × {p.ccf:.0%}) = {best}"
        f" (expected profit {expected_profit(limit, p):,.2f} a year)"
    )
    step: Step = (
        "profit_optimal",
        {"cover": f"{cover:.1%}", "margin_rate": f"{p.margin_rate:.1%}", "cost_of_capital": f"{p.cost_of_capital:.1%}",
         "pd": f"{p.pd:.2%}", "lgd": f"{p.lgd:.0%}", "ccf": f"{p.ccf:.0%}", "amount": best,
         "profit": f"{expected_profit(limit, p):,.2f}"},
    )  # fmt: skip
    return Working("profit_optimal", best, inputs, formula, curve=curve, steps=(step,))


@dataclass(frozen=True, slots=True)
class Combination:
    """How a policy turns the methods into one limit."""

    methods: Sequence[str] = ("need", "capacity", "risk_budget")
    unit: Decimal = Decimal(1000)
    floor: Decimal = Decimal(0)
    ceiling: Decimal | None = None


def combine(workings: Sequence[Working], rule: Combination) -> Working:
    """The smallest of the chosen methods that apply, rounded down to the unit, within the grade's
    floor and ceiling. No applicable method means no limit (zero): credit needs a reason."""
    chosen = [w for w in workings if w.method in rule.methods and w.amount is not None]
    inputs = {w.method: str(w.amount) for w in chosen}
    inputs.update(unit=str(rule.unit), floor=str(rule.floor), ceiling=str(rule.ceiling))
    if not chosen:
        why: Step = ("no_method", {})
        return Working("final", Decimal(0), inputs, "", "no method applies: no credit without a reason", why=why)
    smallest = min(chosen, key=lambda w: w.amount or Decimal(0))
    assert smallest.amount is not None
    amount = _floor(smallest.amount, rule.unit)
    bounded = max(amount, rule.floor)
    if rule.ceiling is not None:
        bounded = min(bounded, rule.ceiling)
    formula = f"min({', '.join(f'{w.method} {w.amount}' for w in chosen)}) = {smallest.amount} ({smallest.method})"
    formula += f"; rounded down to {rule.unit}: {amount}"
    steps: list[Step] = [
        ("smallest", {"terms": [(w.method, w.amount) for w in chosen], "amount": smallest.amount,
                      "method": smallest.method}),
        ("rounded", {"unit": rule.unit, "amount": amount}),
    ]  # fmt: skip
    if bounded != amount:
        formula += f"; within floor {rule.floor} and ceiling {rule.ceiling}: {bounded}"
        steps.append(("bounded", {"floor": rule.floor, "ceiling": rule.ceiling, "amount": bounded}))
    why = ("bound_by", {"method": smallest.method})
    return Working("final", bounded, inputs, formula, note=f"bound by {smallest.method}", steps=tuple(steps), why=why)


def supported(own: Working, need: Working, insured: Working | None, secured: Working | None, unit: Decimal) -> Working:
    """The own-risk limit plus what an insurer bears and what guarantees or letters of credit
    cover, never beyond the need: support lets a limit reach what the customer needs when its
    own standing would not carry it, not beyond."""
    parts = [w for w in (insured, secured) if w is not None and w.amount]
    if not parts or own.amount is None or need.amount is None or own.amount >= _floor(need.amount, unit):
        return own  # nothing to support: no measured need, or the own-risk limit already covers it
    total = own.amount + sum((w.amount or Decimal(0) for w in parts), Decimal(0))
    amount = max(_floor(min(total, need.amount), unit), own.amount)
    terms = " + ".join([f"own {own.amount}", *(f"{w.method} {w.amount}" for w in parts)])
    formula = f"{terms} = {total}"
    if total > need.amount:
        formula += f"; at most the need {need.amount}"
    formula += f"; rounded down to {unit}: {amount}"
    inputs = {"own": str(own.amount), **{w.method: str(w.amount) for w in parts}, "need": str(need.amount)}
    terms_shown = [("own", own.amount), *((w.method, w.amount) for w in parts)]
    steps: list[Step] = [*own.steps, ("with_support", {"terms": terms_shown, "amount": total})]
    if total > need.amount:
        steps.append(("at_most_need", {"amount": need.amount}))
    steps.append(("rounded", {"unit": unit, "amount": amount}))
    formula = f"{own.formula}; with support: {formula}"
    return Working("final", amount, inputs, formula, note=own.note, steps=tuple(steps), why=own.why)


def insured_part(insurer: str, insured_limit: Decimal, cover_share: Decimal) -> Working:
    amount = _floor(insured_limit * cover_share)
    inputs = {"insurer": insurer, "insured_limit": str(insured_limit), "cover_share": str(cover_share)}
    formula = f"{insurer}'s buyer limit {insured_limit} × cover share {cover_share} = {amount}"
    step: Step = ("insured", {"insurer": insurer, "limit": insured_limit, "share": cover_share, "amount": amount})
    note = "the part of a loss the insurer bears"
    return Working("insured", amount, inputs, formula, note=note, steps=(step,), why=("insurer_bears", {}))


def secured_part(security: Decimal) -> Working:
    formula = f"guarantees and letters of credit in force: {security}"
    step: Step = ("secured", {"amount": security})
    return Working("secured", _floor(security), {"security": str(security)}, formula, steps=(step,))
