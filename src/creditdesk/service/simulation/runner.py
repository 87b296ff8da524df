"""Many seeds of many policies, in parallel processes, with a progress callback.

Each worker receives the portfolio once (the pool's initialiser) and then only (policy, seed)
pairs. Seed ``k`` draws the same paths under every policy, so the policies' results differ by
their decisions alone and their differences are measured pairwise, seed by seed.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass

from creditdesk.risk.simulation_world import Paths
from creditdesk.service.simulation.engine import (
    Scenario,
    SimPortfolio,
    left_open,
    minor_per_unit,
    run_bounds,
    run_paths,
    seed_paths,
)
from creditdesk.service.simulation.policies import SimPolicy
from creditdesk.service.simulation.results import SeedResult, seed_result

Progress = Callable[[int, int], None]

_PORTFOLIO: SimPortfolio | None = None
_SCENARIO: Scenario | None = None


@dataclass(frozen=True)
class PolicyRun:
    policy: SimPolicy
    results: list[SeedResult]  # in seed order


def _set_up(portfolio: SimPortfolio, scenario: Scenario) -> None:
    global _PORTFOLIO, _SCENARIO
    _PORTFOLIO, _SCENARIO = portfolio, scenario


def one_seed(portfolio: SimPortfolio, policy: SimPolicy, seed: int, scenario: Scenario) -> SeedResult:
    return outcome(portfolio, policy, scenario, seed_paths(portfolio, seed, scenario), seed)


def outcome(portfolio: SimPortfolio, policy: SimPolicy, scenario: Scenario, paths: Paths, seed: int = 0) -> SeedResult:
    """The figures of what the policy makes of these paths (drawn, or a real ledger replayed)."""
    ledger = run_paths(portfolio, policy, scenario, paths)
    start, bounds = run_bounds(portfolio, scenario)
    left = left_open(portfolio, ledger, start)
    return seed_result(seed, paths, ledger, scenario, bounds, minor_per_unit(portfolio), left)


def _task(policy: SimPolicy, seed: int) -> SeedResult:
    assert _PORTFOLIO is not None and _SCENARIO is not None, "the worker was set up"
    return one_seed(_PORTFOLIO, policy, seed, _SCENARIO)


def default_workers() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)


def simulate(
    portfolio: SimPortfolio,
    plan: Sequence[tuple[SimPolicy, Sequence[int]]],
    scenario: Scenario,
    *,
    workers: int | None = None,
    progress: Progress | None = None,
) -> list[PolicyRun]:
    """Each policy of ``plan`` on each of its seeds. One worker runs in this process (no pool)."""
    tasks = [(p, seed) for p, (_, seeds) in enumerate(plan) for seed in seeds]
    found: dict[tuple[int, int], SeedResult] = {}
    workers = min(workers or default_workers(), max(1, len(tasks)))
    if workers == 1:
        for p, seed in tasks:
            found[(p, seed)] = one_seed(portfolio, plan[p][0], seed, scenario)
            if progress:
                progress(len(found), len(tasks))
    else:
        with ProcessPoolExecutor(workers, initializer=_set_up, initargs=(portfolio, scenario)) as pool:
            futures = {pool.submit(_task, plan[p][0], seed): (p, seed) for p, seed in tasks}
            for future in as_completed(futures):
                found[futures[future]] = future.result()
                if progress:
                    progress(len(found), len(tasks))
    return [PolicyRun(policy, [found[(p, seed)] for seed in seeds]) for p, (policy, seeds) in enumerate(plan)]
