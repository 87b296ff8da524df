"""The validation of a simulated world against the book: both sides measured alike, the band's
verdict, the carried items' payments, the season, the practice and the default calibration."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import numpy as np
import pandas as pd
import pytest

from creditdesk.risk.features.payment import default_dates
from creditdesk.risk.simulation_world import (
    NEVER,
    STALE_DAYS,
    Paths,
    draw_carried,
    draw_paths,
    month_profile,
    order_season,
)
from creditdesk.service.simulation import policies
from creditdesk.service.simulation.engine import (
    APPROVED,
    BLOCKED,
    Ledger,
    Scenario,
    SimPortfolio,
    run_paths,
    seed_paths,
)
from creditdesk.service.simulation.policies import Practice
from creditdesk.service.simulation.portfolio import calibrate_defaults
from creditdesk.service.simulation.practice import observed_practice
from creditdesk.service.simulation.validation import FIGURES, book_months, calendar, compare, simulated_months
from tests.unit.test_simulation import inputs, world

START = date(2026, 1, 1)
D = pd.Timestamp


def test_the_book_and_a_simulated_ledger_of_the_same_items_measure_alike() -> None:
    # Customer 0: an item carried in (invoiced in December, paid on 10 January) and one of
    # January paid on 3 February. Customer 1: an item 40 days past due on the first day, never
    # paid (90 days past due on 18 February: a default), and one of January never paid either.
    book = pd.DataFrame(
        [
            ("I1", "C0", D("2025-12-10"), D("2025-12-25"), 10_000, D("2026-01-10")),
            ("I2", "C0", D("2026-01-05"), D("2026-01-20"), 20_000, D("2026-02-03")),
            ("I3", "C1", D("2025-11-01"), D("2025-11-20"), 7_000, None),
            ("I4", "C1", D("2026-01-15"), D("2026-02-14"), 5_000, None),
            ("I0", "C0", D("2025-11-15"), D("2025-12-15"), 30_000, D("2025-12-20")),  # before: sales of November
        ],
        columns=["invoice_id", "customer_id", "invoice_date", "due_date", "amount_minor", "paid_on"],
    )
    paid = book.dropna(subset=["paid_on"])
    allocations = pd.DataFrame(
        {"invoice_id": paid["invoice_id"], "applied_on": paid["paid_on"], "amount_minor": paid["amount_minor"]}
    ).assign(kind="payment")
    in_major = book.assign(amount=book["amount_minor"] / 100)
    defaults = default_dates(in_major, allocations.assign(amount=allocations["amount_minor"] / 100), date(2026, 2, 28))
    months = calendar(START, 2, [0.0, 300.0])  # November's and December's sales
    orders = pd.DataFrame(
        [("C0", D("2026-01-05"), "invoiced"), ("C1", D("2026-01-20"), "rejected")],
        columns=["customer_id", "order_date", "status"],
    )
    actual = book_months(book, allocations, defaults, orders, months, 100.0)

    # The same book as a run's ledger: day 0 is 1 January; the carried items first.
    ledger = Ledger(
        order_outcome=np.array([APPROVED, APPROVED, BLOCKED], dtype=np.int8),
        invoice_customer=[0, 1, 0, 1],
        invoice_day=[0, 0, 4, 14],
        invoice_amount=[10_000, 7_000, 20_000, 5_000],
        invoice_due=[-7, -42, 19, 44],
        invoice_paid=[9, NEVER, 33, NEVER],
        carried=2,
    )
    paths = Paths(
        customer=np.array([0, 1, 1]),
        day=np.array([4, 14, 19]),
        amount_minor=np.array([20_000, 5_000, 900]),
        pay_after=np.zeros(3, dtype=np.int64),
        release_draw=np.zeros(3),
        wait_days=np.ones(3, dtype=np.int64),
        default_day=np.array([NEVER, NEVER]),
        true_pd=np.zeros(2),
    )
    simulated = simulated_months(ledger, paths, months, 100.0, writes_off=False)
    for name in FIGURES:
        np.testing.assert_allclose(simulated[name], actual[name], err_msg=name)
    assert list(actual["sales"]) == [250.0, 0.0] and list(actual["receivables"]) == [320.0, 120.0]
    assert list(actual["overdue"]) == [270.0, 120.0] and list(actual["defaults"]) == [0.0, 1.0]
    assert list(actual["blocked_orders"]) == [1.0, 0.0]
    assert actual["dso"][1] == pytest.approx(120 * (31 + 31 + 28) / 550)  # December to February

    # Written off on the failure day, the unpaid items leave the receivables then.
    failing = replace(paths, default_day=np.array([NEVER, 40]))
    written = simulated_months(ledger, failing, months, 100.0, writes_off=True)
    assert list(written["write_offs"]) == [0.0, 120.0] and written["receivables"][1] == 0.0


def runs_of(values: dict[str, list[float]], count: int = 20) -> list[dict[str, np.ndarray]]:
    """``count`` draws spread evenly around each figure's values (±10 %)."""
    spread = np.linspace(0.9, 1.1, count)
    return [{name: np.asarray(v, dtype=float) * s for name, v in values.items()} for s in spread]


def test_the_comparison_counts_the_book_inside_the_band_and_says_why_a_world_fails() -> None:
    months = calendar(START, 2, [100.0, 100.0])
    centre = {name: [100.0, 100.0] for name in FIGURES} | {"write_offs": [0.0, 0.0], "blocked_orders": [0.0, 0.0]}
    inside = compare({name: np.asarray(v) for name, v in centre.items()}, runs_of(centre), months)
    assert inside["passes"] and inside["coverage"] == 1.0 and inside["why"] == []
    assert inside["nil_figures"] == ["blocked_orders", "write_offs"] and inside["coverage_without_nil_figures"] == 1.0

    off = {**centre, "sales": [120.0, 100.0], "dso": [100.0, 150.0]}
    outside = compare({name: np.asarray(v) for name, v in off.items()}, runs_of(centre), months)
    assert not outside["passes"]
    assert outside["figures"]["sales"][0] | {"actual": 120.0, "inside": False} == outside["figures"]["sales"][0]
    assert outside["first_month_error"]["sales"] == pytest.approx(-1 / 6, abs=1e-3)
    assert outside["coverage"] == pytest.approx(12 / 14, abs=1e-4)
    assert any(reason.startswith("sales in the first month") for reason in outside["why"])
    assert outside["coverage_by_figure"]["dso"] == 0.5


def test_carried_items_are_paid_after_the_start_as_their_customers_pay_and_stale_ones_never() -> None:
    w = world(2)
    customer = np.array([0, 0, 1, 1, 1])
    due = np.array([10, 25, -5, -60, -(STALE_DAYS + 1)])  # two not yet due, three past due
    paid = draw_carried(w, customer, due, seed=3)
    assert (paid[:4] >= 0).all() and paid[4] == NEVER
    assert (paid[2:4] >= 0).all()  # a late item is paid after the start, not before it
    assert np.array_equal(paid, draw_carried(w, customer, due, seed=3))
    assert not np.array_equal(paid, draw_carried(w, customer, due, seed=4))

    # Known open on day 60 (a warm-up replaying the book up to its day): paid after it, not in it.
    later = draw_carried(w, customer, due, seed=3, known_open=60)
    assert (later[:4] > 60).all() and later[4] == NEVER

    # Carried items draw from a generator of their own: every order of the seed is unchanged.
    portfolio = SimPortfolio(
        START, (inputs("A", "1000"), inputs("B", "1000")), w, carried=((1, 500, date(2025, 12, 1)),)
    )
    scenario = Scenario(months=2, warmup_months=0)
    with_carried = seed_paths(portfolio, 7, scenario)
    alone = draw_paths(w, 7, START, 2, np.array([100, 100]))
    assert np.array_equal(with_carried.amount_minor, alone.amount_minor) and alone.carried_paid is None
    assert with_carried.carried_paid is not None and len(with_carried.carried_paid) == 1


def test_a_failing_customer_leaves_its_carried_items_unpaid() -> None:
    portfolio = SimPortfolio(START, (inputs("A", "1000"),), world(1), carried=((0, 500, date(2026, 1, 20)),))
    paths = Paths(
        customer=np.zeros(0, dtype=np.int64),
        day=np.zeros(0, dtype=np.int64),
        amount_minor=np.zeros(0, dtype=np.int64),
        pay_after=np.zeros(0, dtype=np.int64),
        release_draw=np.zeros(0),
        wait_days=np.zeros(0, dtype=np.int64),
        default_day=np.array([15]),
        true_pd=np.zeros(1),
        carried_paid=np.array([30]),
    )
    ledger = run_paths(portfolio, policies.open_book(), Scenario(months=2, warmup_months=0), paths)
    assert ledger.invoice_paid == [NEVER]
    paid_first = replace(paths, carried_paid=np.array([10]))
    assert run_paths(portfolio, policies.open_book(), Scenario(months=2, warmup_months=0), paid_first).invoice_paid == [
        10
    ]


def test_the_month_profile_finds_the_season_and_the_trend_and_needs_fifteen_months() -> None:
    months = np.arange(24)
    season = np.exp(0.2 * np.sin(2 * np.pi * months / 12))
    sales = 100 * 1.01**months * season
    profile = month_profile(sales, 0)
    assert profile.factors is not None
    np.testing.assert_allclose(profile.factors, season[:12] / season[:12].mean(), rtol=1e-6)
    assert profile.level == pytest.approx(100 * 1.01**24 * season[:12].mean(), rel=1e-6)
    assert profile.spread == pytest.approx(0.0, abs=1e-9) and profile.level_sd == pytest.approx(0.0, abs=1e-9)
    # A shuffled series has no cycle to find: the spread shows it, and the level's error with it
    # (a regression forecast's, one month past 24: sqrt(1/24 + 12.5^2 / 1150) of the spread).
    noisy = month_profile(np.random.default_rng(0).permutation(sales), 0)
    assert noisy.spread > 0.05
    assert noisy.level_sd == pytest.approx(noisy.spread * np.sqrt(1 / 24 + 12.5**2 / 1150), rel=1e-9)
    few = month_profile(sales[:14], 0)
    assert few.factors is None and few.level == pytest.approx(sales[:14].mean())


def _stepped_season() -> np.ndarray:
    """The demo's season: a smooth cycle and a step up in October to December (a January 8 %
    under December), on the log scale, averaging 0."""
    from creditdesk.demo.orders import season_factor

    season = np.log(season_factor(np.arange(12)))
    return np.asarray(season - season.mean())


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_many_orders_a_month_keep_each_calendar_month_and_few_keep_the_cycle(seed: int) -> None:
    rng = np.random.default_rng(seed)
    true = _stepped_season()
    months = 18  # July of one year to December of the next: January seen once
    month_no = (6 + np.arange(months)) % 12
    growth = 1.01 ** np.arange(months)
    many = order_season(rng.poisson(3000 * growth * np.exp(true[month_no])).astype(float), 6)
    assert many is not None
    # January against December, as the counts of 3,000 orders a month show it (no smooth cycle
    # of a year and a half draws the step): within 3 points of the truth's -8.5 %.
    assert many[0] - many[11] == pytest.approx(true[0] - true[11], abs=0.03)
    assert np.abs(many - true).max() < 0.04
    # A hundred invoices a month: each month's own factor is mostly noise; the cycle is kept.
    few = order_season(rng.poisson(100 * growth * np.exp(true[month_no])).astype(float), 6)
    assert few is not None and np.abs(few).max() < np.abs(many).max()
    assert order_season(np.full(12, 100.0), 0) is None  # under 13 months
    assert order_season(np.r_[np.full(14, 100.0), 0.0], 0) is None  # a month without an order


def test_the_month_profile_reads_the_season_from_the_orders_and_the_level_from_the_sales() -> None:
    true = _stepped_season()
    month_no = np.arange(18) % 12
    counts = 3000 * np.exp(true[month_no])  # the season, without the noise a Poisson count has
    sales = 5_000 * counts  # the same season in the sales, a flat level of 15 M a month on average
    profile = month_profile(sales, 0, counts)
    assert profile.factors is not None
    # Each month's own factor is shrunk a little towards the cycle (a count of 3,000 could be
    # 2 % off by chance): within 2 points of the truth.
    np.testing.assert_allclose(np.log(profile.factors), true - np.log(np.exp(true).mean()), atol=0.02)
    assert profile.level == pytest.approx(15e6 * np.exp(true).mean(), rel=0.02)
    assert profile.spread < 0.02


def test_the_practice_is_what_the_team_refused_of_what_it_decided() -> None:
    as_of = date(2026, 6, 30)
    rows = [
        ("C1", "2026-06-01", "invoiced"),
        ("C1", "2026-05-01", "invoiced"),
        ("C2", "2026-04-01", "cancelled"),  # the customer's choice: not counted
        ("C2", "2026-03-01", "rejected"),
        ("C3", "2026-05-10", "blocked"),  # held for 51 days: refused
        ("C3", "2026-06-25", "review"),  # held for 5 days: still to decide, not refused
        ("C4", "2025-05-01", "rejected"),  # before the year measured
        ("C4", "2026-02-01", "expired"),
    ]
    orders = pd.DataFrame(rows, columns=["customer_id", "order_date", "status"])
    practice = observed_practice(orders, written_off=0, as_of=as_of)
    assert practice.orders == 6 and practice.refused_share == pytest.approx(3 / 6)
    assert not practice.writes_off and practice.since == "2025-06-30"
    assert observed_practice(orders.iloc[0:0], written_off=2, as_of=as_of) == Practice(
        0.0, 0, "2025-06-30", "2026-06-30", writes_off=True
    )


def test_the_as_is_baseline_refuses_at_the_practice_rate_and_never_runs_the_check() -> None:
    zero_limits = SimPortfolio(START, (inputs("A", "0"),), world(1))
    paths = Paths(
        customer=np.zeros(4, dtype=np.int64),
        day=np.array([1, 2, 3, 4]),
        amount_minor=np.full(4, 10_000),
        pay_after=np.full(4, 30),
        release_draw=np.array([0.1, 0.5, 0.2, 0.9]),
        wait_days=np.ones(4, dtype=np.int64),
        default_day=np.array([NEVER]),
        true_pd=np.zeros(1),
    )
    scenario = Scenario(months=1, warmup_months=0)
    as_is = policies.as_is(Practice(0.25, 100, "2025-01-01", "2025-12-31"))
    assert list(run_paths(zero_limits, as_is, scenario, paths).order_outcome) == [BLOCKED, APPROVED, BLOCKED, APPROVED]
    # The same orders under limits enforced strictly: a limit of 0 blocks them all.
    assert set(run_paths(zero_limits, policies.legacy(), scenario, paths).order_outcome) == {BLOCKED}


def test_the_default_rate_is_the_books_blended_with_the_models() -> None:
    w = replace(world(10), annual_pd=np.full(10, 0.1))
    portfolio = SimPortfolio(START, tuple(inputs(f"C{k}", "1000") for k in range(10)), w)
    ids = [f"C{k}" for k in range(10)]
    none_seen = calibrate_defaults(portfolio, pd.Series(dtype="datetime64[ns]"), date(2025, 12, 31))
    np.testing.assert_allclose(none_seen.world.annual_pd, 0.1 * 5 / 6)
    # Three defaults in the year (one of them a customer defaulted before it: not exposed).
    seen = pd.Series(pd.to_datetime(["2025-03-01", "2025-06-01", "2025-09-01", "2024-01-01"]), index=ids[:4])
    three = calibrate_defaults(portfolio, seen, date(2025, 12, 31))
    np.testing.assert_allclose(three.world.annual_pd, 0.1 * (3 + 5) / (0.9 + 5))


def test_an_effect_within_the_validation_error_is_not_distinguishable() -> None:
    from creditdesk.service.simulation.validation import label_effects

    def policy(sales: float, dso: float, margin: float) -> dict[str, object]:
        return {
            "sales": {"mean": sales},
            "dso": {"mean": dso},
            "gross_margin": {"mean": margin},
            "blocked_orders": {"mean": 0.0},
        }

    base = policy(1000.0, 40.0, 150.0)
    other = {
        **policy(1030.0, 38.0, 154.5),
        "difference": {
            "sales": {"mean": 30.0},
            "dso": {"mean": -2.0},
            "blocked_orders": {"mean": 5.0},
            "net_profit": {"mean": 12.0},
        },
    }
    document = {"policies": [base, other]}
    errors = {"sales": 0.05, "dso": 0.02, "blocked_orders": 0.0}
    label_effects(document, {"mean_abs_error": errors, "nil_figures": ["blocked_orders"]})
    labelled = other["difference"]
    assert labelled["sales"] == {"mean": 30.0, "validation_error": 50.0, "distinguishable": False}
    assert labelled["dso"] == {"mean": -2.0, "validation_error": 0.8, "distinguishable": True}
    assert labelled["net_profit"] == {"mean": 12.0, "validation_error": 7.5, "distinguishable": True}
    assert labelled["blocked_orders"]["distinguishable"] is None  # nil in the book and the world: no verdict


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_what_if_says_whether_its_world_passed_its_check_in_the_pages_language(lang: str) -> None:
    from creditdesk.entrypoints.web import i18n
    from creditdesk.entrypoints.web.what_if_verdict import validation_note

    def tr(key: str, **values: object) -> str:
        return i18n.translate(key, lang, **values)

    failed = {
        "from": "2025-12-31",
        "months": 6,
        "coverage": 0.71,
        "passes": False,
        "first_month_error": {"sales": 0.083, "receivables": 0.067, "dso": -0.011},
    }
    note = validation_note(failed, lang, tr)
    assert note is not None and note["state"] == "fails"
    assert "71 %" in note["text"] and "+8.3 %" in note["text"] and "2025-12-31" in note["text"]
    assert validation_note({**failed, "passes": True}, lang, tr)["state"] == "passes"  # type: ignore[index]
    skipped = validation_note({"from": "2025-12-31", "months": 6, "skipped": "no year"}, lang, tr)
    assert skipped is not None and skipped["state"] == "skipped"
    assert validation_note(None, lang, tr) is None
    if lang == "zh":  # one language: no English word but the DSO acronym
        import re

        assert not re.search(r"[A-Za-z]{3,}", note["text"].replace("DSO", ""))


def test_unapplied_cash_leaves_the_old_items_it_covers_open_for_good_and_measures_the_short_share() -> None:
    from creditdesk.service.receivables import LedgerFrames
    from creditdesk.service.simulation.portfolio import calibrate_to_book

    rows = [  # C0 paid A without saying so (its unapplied cash covers it); C1 owes C
        ("P", "C0", D("2025-04-01"), D("2025-05-01"), 10_000),
        ("A", "C0", D("2025-06-01"), D("2025-06-30"), 300),  # 184 days past due on 31 December
        ("B", "C0", D("2025-11-15"), D("2025-12-15"), 500),  # 16 days past due: may yet be paid
        ("C", "C1", D("2025-07-01"), D("2025-08-01"), 200),
    ]
    invoices = pd.DataFrame(rows, columns=["invoice_id", "customer_id", "invoice_date", "due_date", "amount_minor"])
    frames = LedgerFrames(
        invoices=invoices.assign(currency="CNY", disputed=False),
        allocations=pd.DataFrame(
            {"invoice_id": ["P"], "applied_on": [D("2025-05-01")], "amount_minor": [10_000], "kind": ["payment"]}
        ),
        customers=pd.DataFrame({"customer_id": ["C0", "C1"]}),
    )
    portfolio = SimPortfolio(START, (inputs("C0", "1000"), inputs("C1", "1000")), world(2))
    as_of = date(2025, 12, 31)
    plain = calibrate_to_book(portfolio, frames, as_of, warmup_months=0)
    assert sorted(amount for _, amount, _ in plain.carried) == [200, 300, 500] and plain.residue == ()
    assert plain.world.short_share is None and plain.unapplied is None

    cash = pd.Series({"C0": 400})  # covers A (the oldest) and 100 of B; B is too recent to be left for good
    started = calibrate_to_book(portfolio, frames, as_of, warmup_months=0, unapplied=cash)
    assert started.residue == ((0, 300, date(2025, 6, 30)),)
    assert sorted(started.carried) == [(0, 500, date(2025, 12, 15)), (1, 200, date(2025, 8, 1))]
    assert started.unapplied is not None and list(started.unapplied) == [400, 0]
    # Due in the year to 90 days back: C0 left 300 of 10,300; C1 nothing of 200. Shrunk to the
    # portfolio's 300 of 10,500 by the typical customer's 5,250.
    share = started.world.short_share
    assert share is not None
    assert share[0] == pytest.approx((300 + 5_250 * 300 / 10_500) / (10_300 + 5_250))
    assert share[1] == pytest.approx((0 + 5_250 * 300 / 10_500) / (200 + 5_250))


def test_what_is_left_open_stays_in_the_receivables_and_unapplied_cash_is_no_default() -> None:
    from creditdesk.service.simulation.engine import left_open

    months = calendar(START, 4, [0.0, 0.0])  # January to April
    # Customer 0: an invoice of 5,000 due on day 10, never paid: 90 days past due on day 100
    # (11 April); one of 1,000 paid on day 40, a tenth of it short.
    ledger = Ledger(
        order_outcome=np.array([APPROVED, APPROVED], dtype=np.int8),
        invoice_customer=[0, 0],
        invoice_day=[0, 5],
        invoice_amount=[5_000, 1_000],
        invoice_due=[10, 35],
        invoice_paid=[NEVER, 40],
    )
    paths = Paths(
        customer=np.array([0, 0]),
        day=np.array([0, 5]),
        amount_minor=np.array([5_000, 1_000]),
        pay_after=np.zeros(2, dtype=np.int64),
        release_draw=np.zeros(2),
        wait_days=np.zeros(2, dtype=np.int64),
        default_day=np.array([NEVER]),
        true_pd=np.zeros(1),
    )
    w = replace(world(1), short_share=np.array([0.1]))
    portfolio = SimPortfolio(START, (inputs("C0", "1000"),), w, residue=((0, 700, date(2025, 9, 1)),))
    left = left_open(portfolio, ledger, START)
    assert sorted(zip(left.opened.tolist(), left.amount.tolist(), strict=True)) == [(-1, 700), (40, 100)]

    alone = simulated_months(ledger, paths, months, 100.0, writes_off=False)
    kept = simulated_months(ledger, paths, months, 100.0, writes_off=False, left=left)
    # January: the residue (7.00); from February on, the short part of the paid invoice too (1.00).
    assert list(kept["receivables"] - alone["receivables"]) == [7.0, 8.0, 8.0, 8.0]
    assert list(kept["overdue"] - alone["overdue"]) == [7.0, 8.0, 8.0, 8.0]
    assert list(alone["defaults"]) == [0.0, 0.0, 0.0, 1.0]
    covered = simulated_months(ledger, paths, months, 100.0, writes_off=False, unapplied=np.array([5_000]))
    assert list(covered["defaults"]) == [0.0, 0.0, 0.0, 0.0]  # the book's rule: offset by the cash
    # What stays unpaid after the cash must exceed 1 % of the item (the book's materiality).
    within = simulated_months(ledger, paths, months, 100.0, writes_off=False, unapplied=np.array([4_951]))
    assert list(within["defaults"]) == [0.0, 0.0, 0.0, 0.0]
    short = simulated_months(ledger, paths, months, 100.0, writes_off=False, unapplied=np.array([4_949]))
    assert list(short["defaults"]) == [0.0, 0.0, 0.0, 1.0]
    # The short payment on day 40 leaves 100 unapplied by day 100: with it, 4,851 at the start
    # covers the item as the book's cash would on its default day; without it, it does not.
    grown = simulated_months(ledger, paths, months, 100.0, writes_off=False, left=left, unapplied=np.array([4_851]))
    assert list(grown["defaults"]) == [0.0, 0.0, 0.0, 0.0]
    assert left.cash_by(np.array([0, 0, 0]), np.array([39, 40, 100])).tolist() == [0, 100, 100]
    less = simulated_months(ledger, paths, months, 100.0, writes_off=False, left=left, unapplied=np.array([4_849]))
    assert list(less["defaults"]) == [0.0, 0.0, 0.0, 1.0]


def test_a_runs_receivables_carry_what_is_left_open() -> None:
    from creditdesk.service.simulation.engine import left_open, minor_per_unit, run_bounds
    from creditdesk.service.simulation.results import seed_result

    w = replace(world(3), short_share=np.array([0.0, 0.05, 0.2]))
    portfolio = SimPortfolio(START, tuple(inputs(f"C{k}", "100000") for k in range(3)), w)
    scenario = Scenario(months=3, warmup_months=0)
    paths = seed_paths(portfolio, 5, scenario)
    ledger = run_paths(portfolio, policies.open_book(), scenario, paths)
    start, bounds = run_bounds(portfolio, scenario)
    left = left_open(portfolio, ledger, start)
    assert len(left.amount) and (np.asarray(ledger.invoice_customer)[: len(left.amount)] >= 0).all()
    units = minor_per_unit(portfolio)
    without = seed_result(5, paths, ledger, scenario, bounds, units)
    with_left = seed_result(5, paths, ledger, scenario, bounds, units, left)
    ends = bounds[1:] - 1
    expected = [left.open_on(int(day)) for day in ends]
    np.testing.assert_allclose(
        with_left.monthly["receivables"] - without.monthly["receivables"], [r / 100 for r, _ in expected]
    )
    np.testing.assert_allclose(
        with_left.monthly["overdue"] - without.monthly["overdue"], [o / 100 for _, o in expected]
    )
    assert with_left.monthly["sales"].tolist() == without.monthly["sales"].tolist()  # not sales, not losses
