"""The nightly batch (`creditdesk batch run`) on the scored demo: the local engine and Spark
`local[2]` give the online path's answers, customer for customer, and a run loads once."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from creditdesk.adapters.batch.drift import read_drift
from creditdesk.adapters.batch.local_engine import read_bucket
from creditdesk.adapters.batch.pipeline import read_output
from creditdesk.adapters.batch.reports import read_reports
from creditdesk.adapters.batch.stages import _limit_frame, proposal_frame
from creditdesk.adapters.db.risk_data import load_source_tables, shape_source_tables
from creditdesk.bootstrap import Services, bootstrap
from creditdesk.risk.features.customer import customer_features
from creditdesk.service import scoring
from creditdesk.service.limit_recommendation import recommend_limits
from creditdesk.service.monitor import account_facts, proposals
from tests.e2e.conftest import SCORED_CUSTOMERS, cli, demo_copy

pytestmark = pytest.mark.e2e

# Three weeks after the demo's day: the monitor has things to propose, the scores are new.
LATER = timedelta(days=21)
JAVA_FOR_A_SHORT_JOB = "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC"


class Book:
    def __init__(self, cwd: Path, db: str, as_of: date, summary: dict[str, object]) -> None:
        self.cwd, self.db, self.as_of, self.summary = cwd, db, as_of, summary

    def services(self) -> Services:
        services = bootstrap(self.db)
        services.settings.var_dir = self.cwd / "var"
        return services


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> Book:
    cwd = tmp_path_factory.mktemp("batch")
    db, summary = demo_copy(tmp_path_factory, SCORED_CUSTOMERS, 24, cwd)
    return Book(cwd, db, date.fromisoformat(str(summary["as_of"])) + LATER, summary)


@pytest.fixture(scope="module")
def online(book: Book) -> dict[str, Any]:
    """What the online path computes on the day: features, scores, limits and the monitor's proposals."""
    services = book.services()
    store = services.scoring_store()
    scoring.score_portfolio(
        store, services.uow(), services.settings.var_dir / "models", book.as_of, actor="t", clock=services.clock
    )
    with services.engine.connect() as conn:
        tables = load_source_tables(conn)
    _version, policy = services.limit_inputs().active_limit_policy()
    _, recommendations = recommend_limits(services.limit_inputs(), book.as_of, policy)
    facts = account_facts(services.monitor_facts(), services.limit_inputs(), book.as_of, policy)
    found = {
        "features": customer_features(tables, book.as_of),
        "scores": store.score_frame("champion"),
        "history": pd.DataFrame(
            [row for cid in tables.customers["customer_id"][:50] for row in store.score_history(cid)[:1]]
        ),
        "limits": _limit_frame(recommendations).set_index("customer_id").sort_index(),
        "proposals": proposal_frame(proposals(facts, policy)).set_index("customer_id").sort_index(),
    }
    services.engine.dispose()
    return found


@pytest.fixture(scope="module")
def local_run(book: Book, online: dict[str, Any]) -> Path:
    folder = book.cwd / "run-local"
    args = ("batch", "run", "--as-of", book.as_of.isoformat(), "--engine", "local", "--buckets", "3")
    done = cli(book.cwd, *args, "--dir", str(folder), "--no-load", "--json", db=book.db)
    assert done.returncode == 0, done.stderr
    return folder


@pytest.fixture(scope="module")
def spark_run(book: Book, local_run: Path) -> Path:
    folder = book.cwd / "run-spark"
    args = ("batch", "run", "--as-of", book.as_of.isoformat(), "--engine", "spark", "--master", "local[2]")
    with pytest.MonkeyPatch.context() as env:
        # A short job: the JVM's quick compiler only and one GC thread take a quarter off its CPU.
        env.setenv("JAVA_TOOL_OPTIONS", JAVA_FOR_A_SHORT_JOB)
        done = cli(
            book.cwd,
            *args,
            "--buckets",
            "2",
            "--inputs",
            str(local_run / "inputs"),
            "--dir",
            str(folder),
            "--no-load",
            "--no-cash",  # the forecast runs in the driver, after either engine: the local run's has it
            db=book.db,
        )
    assert done.returncode == 0, done.stderr
    return folder


def _same_features(expected: pd.DataFrame, folder: Path) -> None:
    found = read_output(folder, "features").set_index("customer_id").loc[expected.index, expected.columns]
    a, b = expected.to_numpy(float), found.to_numpy(float)
    close = np.isclose(a, b, rtol=1e-9, atol=0, equal_nan=True)
    assert close.all(), [(expected.index[r], expected.columns[c], a[r, c], b[r, c]) for r, c in np.argwhere(~close)[:5]]


def _same_scores(book: Book, online: dict[str, Any], folder: Path) -> None:
    found = read_output(folder, "scores").set_index("customer_id").sort_index()
    assert len(found) == len(online["features"])
    history = online["history"].set_index("customer_id")
    theirs = found.loc[history.index]
    assert (theirs["grade"].to_numpy() == history["grade"].to_numpy()).all()
    assert np.allclose(theirs["pd"].to_numpy(), history["pd"].to_numpy(), rtol=1e-9, atol=0)
    assert [json.loads(text) for text in theirs["reasons"]] == list(history["reasons"])
    assert [json.loads(text) for text in theirs["bureau"]] == list(history["bureau"])
    everyone = online["scores"]
    everyone = everyone.loc[pd.to_datetime(everyone["as_of"]) == pd.Timestamp(book.as_of)].set_index("customer_id")
    assert np.allclose(found.loc[everyone.index, "pd"].to_numpy(), everyone["risk"].to_numpy(), rtol=1e-9, atol=0)


def _without_pd(working: str) -> dict[str, Any]:
    """The working but for what a PD's last bits move: the PD itself (equal within 1e-9, checked
    with the scores) and the risk-budget method's cent (margin / PD, floored to the cent, flips
    when a PD moves by 1e-17 from the model's sums over another set of rows), checked apart."""
    body: dict[str, Any] = json.loads(working)
    body.pop("pd")
    budget = body["methods"].pop("risk_budget", None)
    body["risk_budget"] = None if budget is None or budget["amount"] is None else round(float(budget["amount"]), 1)
    if body["final"]["formula"] and "risk_budget" in body["final"]["formula"]:
        body["final"] = body["final"]["amount"]
    return body


def _paths(a: Any, b: Any, at: str = "") -> list[str]:
    """Where two JSON bodies differ."""
    if isinstance(a, dict) and isinstance(b, dict):
        return [p for key in sorted(set(a) | set(b)) for p in _paths(a.get(key), b.get(key), f"{at}.{key}")]
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [p for k, (x, y) in enumerate(zip(a, b, strict=True)) for p in _paths(x, y, f"{at}[{k}]")]
    return [] if a == b else [f"{at}: {a!r} != {b!r}"]


def _same_limits_and_proposals(online: dict[str, Any], folder: Path) -> None:
    limits = read_output(folder, "limits").set_index("customer_id").sort_index()
    expected = online["limits"]
    assert list(limits.index) == list(expected.index)
    assert (
        limits["recommended_minor"]
        .fillna(-1)
        .astype("int64")
        .equals(expected["recommended_minor"].fillna(-1).astype("int64"))
    )
    differ = [
        _paths(_without_pd(a), _without_pd(b))
        for a, b in zip(limits["working"], expected["working"], strict=True)
        if _without_pd(a) != _without_pd(b)
    ]
    assert not differ, differ[:3]
    found = read_output(folder, "proposals").set_index("customer_id").sort_index()
    assert len(online["proposals"]) > 10, "the day should call for changes: nothing compared otherwise"
    columns = ["status", "limit_minor", "changes"]
    assert found[columns].astype(str).equals(online["proposals"][columns].astype(str))


def test_the_local_engine_gives_the_online_answers(book: Book, online: dict[str, Any], local_run: Path) -> None:
    _same_features(online["features"], local_run)
    _same_scores(book, online, local_run)
    _same_limits_and_proposals(online, local_run)
    record = json.loads((local_run / "run.json").read_text())
    assert record["buckets"] == 3 and record["customers"] == SCORED_CUSTOMERS and record["workers"] >= 1
    stages = {"partition", "features", "pd", "scores", "limits", "proposals", "receivables", "views", "reports"}
    assert {s["name"] for s in record["stages"]} >= stages
    assert record["peak_rss_mib"] > 0


def test_spark_gives_the_online_answers(book: Book, online: dict[str, Any], spark_run: Path, local_run: Path) -> None:
    _same_features(online["features"], spark_run)
    _same_scores(book, online, spark_run)
    _same_limits_and_proposals(online, spark_run)
    # The reports equal the local engine's (which equal the pages', below), to the cent.
    receivables = [view for view in read_reports(local_run) if view["name"] != "cash"]
    assert read_reports(spark_run) == receivables and len(receivables) == 16
    _same_drift(read_drift(spark_run), read_drift(local_run))
    by_customer = [
        read_output(run, "defaults").sort_values("customer_id", ignore_index=True) for run in (spark_run, local_run)
    ]
    pd.testing.assert_frame_equal(*by_customer)


def test_a_bucket_ranked_only_among_itself_would_differ(book: Book, online: dict[str, Any], local_run: Path) -> None:
    """The negative control: without the whole portfolio's bureau scores, a bucket's customers are
    ranked among themselves and their features move: the comparison above would catch it."""
    frames = read_bucket(local_run / "inputs", local_run / "work" / "parts", 0)
    alone = customer_features(shape_source_tables(frames), book.as_of)
    expected = online["features"].loc[alone.index, "bureau_score_rank"]
    assert not np.allclose(alone["bureau_score_rank"], expected, rtol=1e-9, equal_nan=True)


def test_a_run_loads_once_and_its_proposals_go_through_the_service(book: Book, local_run: Path) -> None:
    from creditdesk.adapters.batch.loading import load

    services = book.services()
    try:
        with services.engine.connect() as conn:
            before = conn.exec_driver_sql("SELECT count(*) FROM customer_scores").scalar_one()
            changes_before = conn.exec_driver_sql("SELECT count(*) FROM account_changes").scalar_one()
        first = load(local_run, services.uow, services.clock)
        again = load(local_run, services.uow, services.clock)
        with services.engine.connect() as conn:
            after = conn.exec_driver_sql("SELECT count(*) FROM customer_scores").scalar_one()
            changes_after = conn.exec_driver_sql("SELECT count(*) FROM account_changes").scalar_one()
            limits = conn.exec_driver_sql("SELECT count(*) FROM batch_limits").scalar_one()
            audited = conn.exec_driver_sql(
                "SELECT count(*) FROM audit_log WHERE action = 'portfolio.batch_loaded'"
            ).scalar_one()
    finally:
        services.engine.dispose()
    assert not first.already and again.already
    assert after - before == SCORED_CUSTOMERS and limits == SCORED_CUSTOMERS and audited == 1
    assert first.monitor is not None and len(first.monitor.changes) > 0
    assert changes_after - changes_before == len(first.monitor.changes)
    _same_reports_as_online(book, local_run)
    _same_dunning_positions_as_online(book, first.run_id)


def _same_dunning_positions_as_online(book: Book, run_id: str) -> None:
    """The dunning run's positions are the run's (its proposals moved limits, not what they read)
    and what the ledger gives, customer for customer."""
    from creditdesk.entrypoints.kept_lines import dunning_positions
    from creditdesk.service.collections import positions

    services = book.services()
    try:
        found, source = dunning_positions(services, book.as_of)
        expected = positions(services.receivables().frames(book.as_of), book.as_of)
    finally:
        services.engine.dispose()
    assert source == run_id and found == expected and len(expected) > 100


def _same_reports_as_online(book: Book, run: Path) -> None:
    """Every report the run stored is what the pages compute on the loaded book, to the cent, and
    the pages read it fresh."""
    from creditdesk.entrypoints.portfolio_views import compute_view
    from creditdesk.service.snapshots import View

    services = book.services()
    try:
        store, frames = services.snapshot_store(), services.receivables().frames(book.as_of)
        views = [View(name, book.as_of, by) for name in ("aging", "dso", "cei", "trends", "wcr") for by in BY] + [
            View("ecl", book.as_of)
        ]
        cash = View("cash", book.as_of)
        online_cash = json.loads(json.dumps(compute_view(services, lambda _day: frames, cash), default=str))
        for view in [*views, *(View("cash", book.as_of, by) for by in BY)]:
            stored = store.get(view.key)
            # Fresh: nothing they read moved since the export; the proposals applied moved limits only.
            assert stored is not None and stored.data_version == store.data_version(view.scope), view
            if view.name == "cash":  # the forecast is the book's whatever the grouping: computed once
                online = online_cash
            else:
                online = json.loads(json.dumps(compute_view(services, lambda _day: frames, view), default=str))
            assert stored.body["rows"] == online, (view, _paths(stored.body["rows"], online)[:3])
    finally:
        services.engine.dispose()
    assert any(float(row["1-30"]) > 0 for row in store.get(views[0].key).body["rows"])  # something to compare


BY = (None, "segment", "grade")


def test_a_sampled_cash_forecast_is_scaled_to_the_whole_book(book: Book, local_run: Path) -> None:
    """Beyond its bound the run forecasts about half the customers (by a hash of their id) and
    scales them to the book: the open receivables come back to the whole's, the weekly inflows
    within a few per cent of the whole's forecast (1.8 % here, measured)."""
    from creditdesk.adapters.batch.cash import cash_views

    whole = next(view for view in read_reports(local_run) if view["name"] == "cash")["rows"]
    sampled = cash_views(local_run, book.as_of, most=35_000)
    assert [view["by"] for view in sampled] == list(BY) and all(view["rows"] == sampled[0]["rows"] for view in sampled)
    for part, full in zip(sampled[0]["rows"], whole, strict=True):
        sample = part["sample"]
        assert 0.3 * SCORED_CUSTOMERS < sample["customers"] < 0.7 * SCORED_CUSTOMERS
        assert sample["of_customers"] == SCORED_CUSTOMERS and "sample" not in full
        # Unscaled, the sample's open receivables would be about half the book's: scaled, the whole's.
        assert sample["open_ratio"] > 1.4
        assert float(part["open_receivables"]) == pytest.approx(float(full["open_receivables"]), rel=0.005)
        weekly = [(float(a["expected"]), float(b["expected"])) for a, b in zip(part["rows"], full["rows"], strict=True)]
        assert sum(abs(a - b) for a, b in weekly) / sum(b for _, b in weekly) < 0.06
        new_sales = float(part["expected_from_new_sales"]), float(full["expected_from_new_sales"])
        assert new_sales[0] == pytest.approx(new_sales[1], rel=0.05)


def test_a_forecast_without_enough_history_is_kept_as_the_services_refusal(book: Book, local_run: Path) -> None:
    """On a day the ledger had too few paid invoices to learn from, the run's cash views are the
    service's refusal, with its code for the page's words (the loading keeps it as the snapshot)."""
    from creditdesk.adapters.batch.cash import cash_views
    from creditdesk.adapters.batch.reports import snapshot_body

    first_day = date.fromisoformat(str(book.summary["as_of"])) - timedelta(days=730)
    refused = cash_views(local_run, first_day)
    assert [view["by"] for view in refused] == list(BY) and all("rows" not in view for view in refused)
    body = snapshot_body(refused[0])
    assert body["code"] == "too_few_paid_invoices" and body["values"]["day"] == first_day.isoformat()
    assert body["error"].startswith(f"the ledger on {first_day} holds")


def test_the_runs_ranking_power_is_the_models_pages(book: Book, local_run: Path) -> None:
    """The ranking power with the batch's defaults, stored as the models page's snapshot, is
    what the page computes from the whole ledger (each customer's default found there), and
    reads fresh."""
    from creditdesk.adapters.batch.loading import load
    from creditdesk.adapters.batch.power import power_rows, read_defaults
    from creditdesk.entrypoints.portfolio_views import PortfolioViews
    from creditdesk.service.scoring import ranking_power_report
    from creditdesk.service.snapshots import View

    services = book.services()
    try:
        load(local_run, services.uow, services.clock)
        services.settings.batch_engine = "local"
        reading = PortfolioViews(services).read(View("power", book.as_of))  # as the models page reads it
        online = json.loads(json.dumps(ranking_power_report(services.scoring_store(), book.as_of)))
        defaults = read_defaults(local_run)
        assert defaults is not None
        # The negative control: without a third of the defaults (a bucket's), the power is not the page's.
        with services.engine.connect() as conn:
            partial = power_rows(conn, defaults.iloc[len(defaults) // 3 :])
    finally:
        services.engine.dispose()
    assert reading.state == "fresh"
    assert reading.body == online
    assert sum(row["auc"] is not None for row in online) >= 4 and {r["source"] for r in online} >= {"creditdesk"}
    assert json.loads(json.dumps(partial)) != online


def _same_drift(found: dict[str, Any] | None, expected: dict[str, Any]) -> None:
    assert found is not None and found.keys() == expected.keys()
    assert found["psi_features"].keys() == expected["psi_features"].keys() and len(found["psi_features"]) > 5
    assert found["psi_score"] == pytest.approx(expected["psi_score"], rel=1e-9, abs=1e-12)
    for name, value in expected["psi_features"].items():
        assert found["psi_features"][name] == pytest.approx(value, rel=1e-9, abs=1e-12), name
    assert {k: v for k, v in found.items() if not k.startswith("psi")} == {
        k: v for k, v in expected.items() if not k.startswith("psi")
    }


def test_the_runs_drift_is_the_models_pages(book: Book, local_run: Path) -> None:
    """The champion's drift from the batch's features, stored as the models page's snapshot,
    is what the page computes from the whole ledger, and reads fresh."""
    from creditdesk.adapters.batch.loading import load
    from creditdesk.entrypoints.portfolio_views import PortfolioViews
    from creditdesk.service.scoring import champion_drift
    from creditdesk.service.snapshots import View

    services = book.services()
    try:
        load(local_run, services.uow, services.clock)
        services.settings.batch_engine = "local"
        reading = PortfolioViews(services).read(View("drift", book.as_of))  # as the models page reads it
        online = champion_drift(services.scoring_store(), book.as_of)
    finally:
        services.engine.dispose()
    assert reading.state == "fresh"
    _same_drift(reading.body, json.loads(json.dumps(online)))
    assert online["holdout"] and online["psi_score"] > 0
    # The negative control: the drift of all but a tenth of the portfolio is not the page's.
    from creditdesk.adapters.batch.exchange import Manifest
    from creditdesk.risk import artefact
    from creditdesk.risk.validation import stability_report

    folder = Path(Manifest.read(local_run / "inputs").champion_path)
    model, meta = artefact.load(folder)
    reference = artefact.load_reference(folder, meta)
    features = read_output(local_run, "features")
    most = features.iloc[len(features) // 10 :][meta.features]
    partial = {**reading.body, **stability_report(model, reference[meta.features], most)}
    with pytest.raises(AssertionError):
        _same_drift(partial, json.loads(json.dumps(online)))


#: Windows of the worklist a collector asks for: every sort both ways, every filter, a search and
#: later pages.
_WINDOWS: list[dict[str, str]] = [
    {},
    *(
        {"sort": key, "dir": way}
        for key in ("loss", "days", "amount", "due", "level", "name", "promised")
        for way in ("asc", "desc")
    ),
    {"level": "0"},
    {"level": "1", "sort": "days"},
    {"disputed": "yes"},
    {"disputed": "no", "page": "3"},
    {"promise": "yes"},
    {"promise": "no", "sort": "promised", "dir": "desc"},
    {"segment": "strategic"},
    {"currency": "CNY", "sort": "amount", "dir": "desc", "page": "2"},
    {"q": "-00"},
    {"sort": "promised", "page": "2"},
    {"sort": "level", "dir": "desc", "page": "2"},  # across the levels' boundary, and past it
    {"sort": "level", "page": "49"},
    # By name: a list this short is sorted whole (tests/integration/test_kept_worklist_by_name.py
    # walks the customers on both databases); later pages, a filter and a search.
    {"sort": "name", "page": "12"},
    {"sort": "name", "dir": "desc", "level": "0", "page": "9"},
    {"q": "-00", "sort": "name", "dir": "desc"},
]


def test_the_kept_worklist_pages_as_the_online_worklist(book: Book, local_run: Path) -> None:
    """With the batch on, the collections page reads the night's worklist from the database: each
    window a collector asks for (sorts, filters, search, pages) holds the lines, in the order,
    that the page computes from the whole ledger, with the levels and promises as they stand."""
    from sqlalchemy import update
    from starlette.datastructures import QueryParams

    from creditdesk.adapters.batch.loading import load
    from creditdesk.adapters.db import tables as t
    from creditdesk.domain.collections import Promise
    from creditdesk.domain.money import Money
    from creditdesk.entrypoints.web import collection_pages as pages
    from creditdesk.entrypoints.web import listing

    services = book.services()
    try:
        load(local_run, services.uow, services.clock)
        day, frames = book.as_of, services.receivables().frames(book.as_of)
        owing = list(dict.fromkeys(r["customer_id"] for r in pages.online_rows(services, frames, day)))
        with services.uow() as uow:  # promises and levels to sort and filter by
            for n, cid in enumerate(owing[3:60:4]):
                amount = Money.from_minor(100_000, "CNY")
                uow.collections.add_promise(Promise(f"P-{n}", cid, amount, day + timedelta(days=n % 3 + 1), day))
            accounts = t.credit_accounts
            uow.connection.execute(
                update(accounts).where(accounts.c.customer_id.in_(owing[1:80:5])).values(dunning_level=1)
            )
            uow.commit()
        online = pages.online_rows(services, frames, day)
        spec = pages.online_spec(online)
        kept = pages.kept_spec(sorted({r["currency"] for r in online}))
        compared = 0
        for asked in _WINDOWS:
            expected = listing.read(QueryParams(asked), "/collections", spec).apply(spec, online)
            total, rows = pages.kept_window(services, listing.read(QueryParams(asked), "/collections", kept), day)
            assert (total, rows) == (expected.total, expected.rows), (asked, total, expected.total)
            compared += len(rows)
        # A dispute opened since the night shows on its line at once (the filter is the night's).
        from creditdesk.domain.roles import Role
        from creditdesk.service.disputes import REASON_CODES, OpenDispute, open_dispute

        first = next(
            r
            for r in pages.kept_window(services, listing.read(QueryParams({}), "/collections", kept), day)[1]
            if not r["disputed"]
        )
        cmd = OpenDispute(first["invoice_id"], REASON_CODES[0], "t", Role.ANALYST)
        open_dispute(cmd, services.uow(), services.clock)
        shown = pages.kept_window(
            services, listing.read(QueryParams({"q": first["invoice_id"]}), "/collections", kept), day
        )[1]
        assert [(r["invoice_id"], r["disputed"], r["action_en"]) for r in shown] == [
            (first["invoice_id"], True, "resolve the dispute before dunning")
        ]
        # The negative control: the comparison sees an order that is not the page's.
        upside_down = listing.read(QueryParams({"dir": "asc"}), "/collections", kept)
        assert (
            pages.kept_window(services, upside_down, day)[1]
            != listing.read(QueryParams({}), "/collections", spec).apply(spec, online).rows
        )
    finally:
        services.engine.dispose()
    assert compared > 500 and any(r["promise_id"] for r in online) and any(r["dunning_level"] for r in online)


#: What `demo --parquet` writes as the importers and the export would, table by table (the cash
#: applied and the accounts' balances are the ledger's: the importer applies unnamed cash too).
_SAME_AS_EXPORTED = {
    "customers": ["customer_id", "group_id", "segment", "registered_on"],
    "groups": ["group_id", "parent_group_id"],
    "invoices": ["invoice_id", "customer_id", "invoice_date", "due_date", "amount_minor", "currency", "disputed"],
    "payments": ["customer_id", "payment_date", "amount_minor", "currency"],
    "statements": None,
    "reports": None,
    "support": None,
    "cover": None,
}


def test_the_parquet_book_is_what_the_import_and_the_export_make_of_the_same_book(book: Book, local_run: Path) -> None:
    """The generator's straight-to-Parquet path against the demo's own: the same portfolio
    (seed, size, day) imported through the importers, then exported by the batch."""
    from creditdesk.demo import make_portfolio
    from creditdesk.entrypoints.cli.parquet_book import chunk_inputs

    day = date.fromisoformat(str(book.summary["as_of"]))
    portfolio = make_portfolio(
        SCORED_CUSTOMERS, 24, int(str(book.summary["seed"])), as_of=day, lang=str(book.summary["lang"])
    )
    written = chunk_inputs(portfolio)
    for name, columns in _SAME_AS_EXPORTED.items():
        exported = pd.read_parquet(local_run / "inputs" / f"{name}.parquet").drop(columns="_row")
        mine = written[name][list(columns or exported.columns)]
        keep = list(columns or exported.columns)
        a = exported[keep].astype(str).sort_values(keep).reset_index(drop=True)
        b = mine.astype(str).sort_values(keep).reset_index(drop=True)
        if name in ("support", "cover"):  # the export's day is three weeks on: the same cover in force
            a, b = a.drop_duplicates(), b.drop_duplicates()
        pd.testing.assert_frame_equal(a, b, obj=name)


def test_the_worker_runs_the_batch_once_a_day_when_an_engine_is_set(book: Book) -> None:
    """Last in the module: its run applies the day's proposals to the book."""
    from creditdesk.entrypoints.worker import daily

    services = book.services()
    try:
        off = daily.batch(services, book.as_of)
        services.settings.batch_engine = "local"
        first = daily.batch(services, book.as_of)
        again = daily.batch(services, book.as_of)
        dunning = daily.collections(services, book.as_of)  # the next job: the night's positions
        with services.engine.connect() as conn:
            runs = conn.exec_driver_sql("SELECT run_id FROM batch_runs WHERE run_id LIKE '%-nightly'").scalars().all()
    finally:
        services.engine.dispose()
    assert "batch_engine is off" in str(off["skipped"])
    assert first["customers"] == SCORED_CUSTOMERS and first["scores"] == SCORED_CUSTOMERS
    assert again == {"skipped": f"batch-{book.as_of:%Y%m%d}-nightly is loaded already"}
    assert runs == [f"batch-{book.as_of:%Y%m%d}-nightly"]
    assert dunning["positions"] == f"batch-{book.as_of:%Y%m%d}-nightly" and int(dunning["level_changes"]) > 0
