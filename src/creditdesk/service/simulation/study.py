"""A policy study: the policies compared over many seeds, and the frontier as the risk appetite
moves, in one document (what ``creditdesk simulate`` prints and reports)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any

from creditdesk.service.simulation.engine import Scenario, SimPortfolio
from creditdesk.service.simulation.policies import SimPolicy, with_appetite
from creditdesk.service.simulation.runner import Progress, simulate
from creditdesk.service.simulation.summary import frontier, policy_summary

APPETITES = tuple(Decimal(scale) for scale in ("0.5", "0.75", "1", "1.5", "2", "3"))


@dataclass(frozen=True)
class Study:
    """``policies[0]`` is the baseline every other policy is measured against, seed by seed.
    ``frontier_of``: the policy whose risk appetite is scaled by each of ``appetites`` (None: no
    frontier)."""

    policies: Sequence[SimPolicy]
    seeds: int = 20
    scenario: Scenario = field(default_factory=Scenario)
    frontier_of: SimPolicy | None = None
    appetites: Sequence[Decimal] = APPETITES
    frontier_seeds: int = 5


def run_study(
    portfolio: SimPortfolio,
    study: Study,
    *,
    workers: int | None = None,
    progress: Progress | None = None,
    left_out: int = 0,
) -> dict[str, Any]:
    seeds = list(range(1, study.seeds + 1))
    plan: list[tuple[SimPolicy, Sequence[int]]] = [(policy, seeds) for policy in study.policies]
    if study.frontier_of is not None:
        frontier_seeds = seeds[: study.frontier_seeds]
        plan += [(with_appetite(study.frontier_of, share), frontier_seeds) for share in study.appetites]
    runs = simulate(portfolio, plan, study.scenario, workers=workers, progress=progress)
    compared, moved = runs[: len(study.policies)], runs[len(study.policies) :]
    ids = [i.customer_id for i in portfolio.inputs]
    scenario = asdict(study.scenario)
    return {
        "start": portfolio.start.isoformat(),
        "months": study.scenario.months,
        "seeds": study.seeds,
        "customers": len(portfolio.inputs),
        "customers_left_out": left_out,
        "currency": portfolio.inputs[0].currency if portfolio.inputs else None,
        "scenario": scenario,
        "baseline": compared[0].policy.name,
        "policies": [policy_summary(run, compared[0], ids) for run in compared],
        "frontier": {
            "policy": study.frontier_of.name if study.frontier_of else None,
            "points": frontier(list(zip([str(a) for a in study.appetites], moved, strict=True))) if moved else [],
        },
    }
