"""The web's reads on SQLite and PostgreSQL: report snapshots and their data version, grade
migration, a customer's payment behaviour and timeline, the group pool, token revocation."""

from __future__ import annotations

import json
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import insert

from creditdesk.adapters.db import customer_views, queries
from creditdesk.adapters.db import tables as t
from creditdesk.adapters.importing.pipeline import import_file
from creditdesk.bootstrap import Services
from creditdesk.domain.money import Money
from creditdesk.domain.roles import Role
from creditdesk.entrypoints.portfolio_views import PortfolioViews, figures_view
from creditdesk.entrypoints.presenters import answer
from creditdesk.service.auth import authenticate_token, create_token, revoke_token
from creditdesk.service.errors import NotFound
from creditdesk.service.orders import SubmitOrder, submit_order
from creditdesk.service.ports import Snapshot
from creditdesk.service.receivables import ageing
from creditdesk.service.snapshots import FIGURES_MAX_AGE, View
from tests.helpers import write_csv

GROUPS = """group_id,name
G1,Hanse Holding
"""
CUSTOMERS = """customer_id,name,currency,segment,group_id,payment_terms_days,credit_limit
C1,Euro Parts,EUR,standard,G1,30,50000.00
C2,Euro Tools,EUR,standard,G1,30,50000.00
"""
INVOICES = """invoice_id,customer_id,invoice_date,due_date,amount,currency
I1,C1,2026-01-05,2026-02-04,1000.00,EUR
I2,C1,2026-01-20,2026-02-19,3000.00,EUR
I3,C1,2026-02-10,2026-03-12,500.00,EUR
"""
# February: I1 paid 6 days late (1000), I2 paid 9 days early (3000): weighted 1.5 days late, 75 % on time.
# March: I3 paid 10 days late in full.
PAYMENTS = """payment_id,customer_id,payment_date,amount,currency,invoice_id
P1,C1,2026-02-10,1000.00,EUR,I1
P2,C1,2026-02-10,3000.00,EUR,I2
P3,C1,2026-03-22,500.00,EUR,I3
"""


@pytest.fixture
def loaded(services: Services, tmp_path: Path) -> Services:
    for kind, text in (
        ("groups", GROUPS),
        ("customers", CUSTOMERS),
        ("invoices", INVOICES),
        ("payments", PAYMENTS),
    ):
        report = import_file(
            kind, write_csv(tmp_path / f"{kind}.csv", text), services.engine, services.clock, role=Role.ADMIN
        )
        assert report.ok, report.errors[:3]
    return services


def test_a_snapshot_is_kept_replaced_and_made_stale_by_a_posting(loaded: Services, tmp_path: Path) -> None:
    store = loaded.snapshot_store()
    before = store.data_version()
    at = datetime(2026, 3, 31, 18, 0, tzinfo=UTC)
    store.put(Snapshot("k", before, at, 1.5, {"rows": [{"amount": "1.00", "name": "货款"}]}))
    store.put(Snapshot("k", before, at, 2.0, {"rows": [{"amount": "2.00", "name": "货款"}]}))
    found = store.get("k")
    assert found is not None and found.body == {"rows": [{"amount": "2.00", "name": "货款"}]} and found.seconds == 2.0
    assert store.data_version() == before  # reading changes nothing
    # A token, a user or an order's reservation changes nothing a report reads.
    create_token("erp", loaded.uow(), loaded.clock, "admin", role=Role.SALES)
    order = SubmitOrder("SO-1", "C2", Money(Decimal("10.00"), "EUR"), actor="erp")
    assert answer(submit_order(order, loaded.uow(), loaded.clock)).body["decision"] == "approved"
    assert store.data_version() == before
    more = "invoice_id,customer_id,invoice_date,due_date,amount,currency\nI9,C2,2026-03-30,2026-04-29,10.00,EUR\n"
    assert import_file(
        "invoices", write_csv(tmp_path / "more.csv", more), loaded.engine, loaded.clock, role=Role.ADMIN
    ).ok
    assert store.data_version() != before


def test_a_limit_change_moves_every_reports_version_but_the_receivables_reports(loaded: Services) -> None:
    """The receivables reports read no limit (the working-capital report does): a limit change,
    the monitor's every night included, leaves their snapshots fresh and the others stale."""
    from creditdesk.service.limits import SetCreditLimit, set_credit_limit
    from creditdesk.service.snapshots import RECEIVABLES

    store = loaded.snapshot_store()
    every, receivables = store.data_version(), store.data_version(RECEIVABLES)
    change = SetCreditLimit("C2", Money(Decimal("40000.00"), "EUR"), "smaller order book", "ann", Role.ADMIN)
    assert set_credit_limit(change, loaded.uow(), loaded.clock).applied
    assert store.data_version() != every and store.data_version(RECEIVABLES) == receivables
    assert View("aging", date(2026, 3, 31)).scope == RECEIVABLES and View("wcr", date(2026, 3, 31)).scope is None
    more = "invoice_id,customer_id,invoice_date,due_date,amount,currency\nI9,C2,2026-03-30,2026-04-29,10.00,EUR\n"
    assert import_file(
        "invoices", write_csv(loaded.settings.var_dir / "more.csv", more), loaded.engine, loaded.clock
    ).ok
    assert store.data_version(RECEIVABLES) != receivables  # a posting moves both


def _settled(views: PortfolioViews) -> None:
    while not views.refresher.idle():  # wait on the condition: the background computation's end
        time.sleep(0.05)


def test_the_views_compute_the_reports_rows_and_read_them_back_fresh(loaded: Services) -> None:
    views = PortfolioViews(loaded)
    view = View("aging", date(2026, 3, 31))
    views.refresh(view)
    reading = views.read(view)
    frames = loaded.receivables().frames(date(2026, 3, 31))
    assert reading.state == "fresh" and reading.body == ageing(frames, date(2026, 3, 31))
    # Another day, or another grouping, is another snapshot: not computed yet.
    assert views.read(View("aging", date(2026, 3, 30))).state == "pending"
    assert views.read(View("aging", date(2026, 3, 31), "segment")).state == "pending"


def test_with_the_nightly_batch_on_the_web_never_computes_a_view(loaded: Services) -> None:
    """A book that needs the batch is too large for a view to be computed in the web process: a
    stale one is shown as the night left it, a missing one waits for the night, and neither is
    queued (the receivables reports are the batch's, the others the daily refresh's). The
    control: with the batch off, the same reads queue them."""
    from creditdesk.entrypoints.worker.daily import snapshots

    day = date(2026, 3, 31)
    for engine, queued, by in (("local", False, "segment"), ("off", True, "grade")):
        loaded.settings.batch_engine = engine  # type: ignore[assignment]
        views = PortfolioViews(loaded)
        for view in (View("aging", day), View("wcr", day)):
            views.store.put(Snapshot(view.key, "an older ledger", datetime(2026, 3, 30, tzinfo=UTC), 1.0, {"rows": []}))
            stale, missing = views.read(view), views.read(View(view.name, day, by))
            assert (stale.state, missing.state) == ("stale", "pending")
            assert stale.nightly is missing.nightly is not queued
            assert views.refresher.idle_for(view.key) is not queued
        _settled(views)  # the queued computations end before the next round
    loaded.settings.batch_engine = "local"  # type: ignore[assignment]
    done = snapshots(loaded, day)  # the worker's refresh: every view but the batch's, and the figures
    # 16 reports, the drift, the power and the cash forecast
    assert done["by_the_batch"] == 19 and int(done["computed"]) > 0
    assert views.store.get(figures_view(day).key) is not None


def test_with_the_nightly_batch_on_the_dashboards_figures_are_a_snapshot_minutes_old(loaded: Services) -> None:
    """On a book that needs the batch, the portfolio's totals, breakdowns and counts take
    seconds to add up: they are read from a snapshot at most FIGURES_MAX_AGE old, computed in
    the background, and read back equal to what the live queries give. The control: with the
    batch off they are added up in the request, and see an invoice at once."""
    day = loaded.clock.today()
    live, no_snapshot = PortfolioViews(loaded).figures(day, None)
    assert no_snapshot is None and live is not None and live.totals[0].customers == 2
    loaded.settings.batch_engine = "local"  # type: ignore[assignment]
    views = PortfolioViews(loaded)
    first, reading = views.figures(day, None)
    assert first is None and reading is not None and reading.state == "pending"
    _settled(views)
    kept, reading = views.figures(day, None)
    assert reading is not None and reading.state == "fresh" and kept == live  # the same objects, through JSON
    more = "invoice_id,customer_id,invoice_date,due_date,amount,currency\nI9,C2,2026-03-30,2026-04-29,10.00,EUR\n"
    assert import_file(
        "invoices", write_csv(loaded.settings.var_dir / "more.csv", more), loaded.engine, loaded.clock
    ).ok
    loaded.clock.at += FIGURES_MAX_AGE  # type: ignore[attr-defined]
    kept, reading = views.figures(day, None)
    assert reading is not None and reading.state == "fresh" and kept == live  # not older than the bound yet
    loaded.clock.at += timedelta(seconds=1)  # type: ignore[attr-defined]
    kept, reading = views.figures(day, None)
    assert reading is not None and reading.state == "stale" and kept == live
    _settled(views)
    moved, reading = views.figures(day, None)
    assert reading is not None and reading.state == "fresh" and moved is not None
    added = Money(Decimal("10.00"), "EUR")
    assert moved.totals[0].receivables == live.totals[0].receivables + added  # type: ignore[operator]
    loaded.settings.batch_engine = "off"  # type: ignore[assignment]
    now, _ = PortfolioViews(loaded).figures(day, None)
    assert now == moved


def test_payment_behaviour_month_by_month(loaded: Services) -> None:
    with loaded.engine.connect() as conn:
        months = customer_views.payment_behaviour(conn, "C1", "EUR", date(2026, 3, 31), months=3)
    assert [m.month for m in months] == ["2026-01", "2026-02", "2026-03"]
    january, february, march = months
    assert (january.invoiced.amount, january.paid.amount, january.days_late) == (
        Decimal("4000.00"),
        Decimal("0.00"),
        None,
    )
    assert (february.invoiced.amount, february.paid.amount) == (Decimal("500.00"), Decimal("4000.00"))
    assert february.days_late == 1.5 and february.on_time == 0.75
    assert (march.days_late, march.on_time) == (10.0, 0.0)


def test_the_timeline_is_newest_first_and_the_group_is_shown(loaded: Services) -> None:
    with loaded.engine.connect() as conn:
        events = customer_views.timeline(conn, "C1")
        pool = customer_views.group_pool(conn, "G1")
    kinds = [e.kind for e in events]
    assert kinds.count("invoice") == 3 and kinds.count("payment") == 3
    days = [e.day for e in events]
    assert days == sorted(days, reverse=True)
    assert (events[0].kind, events[0].day) == ("limit", date(2026, 3, 31))  # set by the import, today
    assert "50,000.00" in events[0].text_en
    documents = [e for e in events if e.kind in ("invoice", "payment")]
    assert (documents[0].kind, documents[0].day, documents[0].text_en) == (
        "payment",
        date(2026, 3, 22),
        "payment P3 of 500.00",
    )
    assert pool is not None and (pool.name, pool.members, pool.limit) == ("Hanse Holding", 2, None)


def _score(conn: object, customer: str, as_of: date, grade: int) -> None:
    conn.execute(  # type: ignore[attr-defined]
        insert(t.customer_scores).values(
            customer_id=customer, as_of=as_of, model_version="m1", role="champion", pd=0.01 * grade,
            score=600 - grade, grade=grade, segment="established", reasons="[]", bureau="[]",
            review_flag=False, scored_at=datetime(2026, 3, 31, tzinfo=UTC),
        )
    )  # fmt: skip


def test_grade_migration_counts_each_customer_once_by_its_latest_scores(loaded: Services) -> None:
    with loaded.engine.begin() as conn:
        assert queries.grade_migration(conn) is None
        conn.execute(
            insert(t.model_versions).values(
                version="m1", kind="segmented", role="champion", artefact_path="x", model_sha256="0" * 64,
                trained_as_of=date(2026, 1, 1), metrics=json.dumps({}), created_at=datetime(2026, 1, 1, tzinfo=UTC),
                created_by="test",
            )
        )  # fmt: skip
        _score(conn, "C1", date(2025, 12, 31), 4)
        _score(conn, "C2", date(2025, 12, 31), 6)
        _score(conn, "C1", date(2026, 3, 1), 7)  # too close to the last scoring to count as "before"
        _score(conn, "C1", date(2026, 3, 31), 5)  # C1: 4 → 5, worse
        _score(conn, "C2", date(2026, 3, 31), 6)  # C2: stays 6
        _score(conn, "C2", date(2026, 3, 31), 3)  # a second run of the same day wins: 6 → 3, better
    with loaded.engine.connect() as conn:
        migration = queries.grade_migration(conn)
    assert migration is not None
    assert (migration.since, migration.until) == (date(2025, 12, 31), date(2026, 3, 31))
    assert migration.counts == {4: {5: 1}, 6: {3: 1}}
    assert (migration.share("up"), migration.share("down"), migration.share("same")) == (0.5, 0.5, 0.0)


def test_a_revoked_token_no_longer_signs_in(loaded: Services) -> None:
    token = create_token("erp", loaded.uow(), loaded.clock, "admin", role=Role.SALES)
    assert authenticate_token(token, loaded.read_uow()) is not None
    with loaded.engine.connect() as conn:
        _, tokens = queries.users_and_tokens(conn)
    assert revoke_token(tokens[0]["id"], loaded.uow(), loaded.clock, "admin") == "erp"
    assert authenticate_token(token, loaded.read_uow()) is None
    with pytest.raises(NotFound):
        revoke_token(tokens[0]["id"], loaded.uow(), loaded.clock, "admin")


def test_the_api_reads_the_reports_the_pages_keep_and_with_the_batch_on_computes_none(
    loaded: Services, tmp_path: Path
) -> None:
    """A report asked with its defaults is the pages' kept one (the same figures, with when they
    were computed); asked otherwise, it is computed for the request. With the nightly batch on,
    the night's is served and said to be stale once the data has moved, and a day not computed
    yet is a 503 that says how to compute it: the web process computes no view."""
    from creditdesk.service.snapshots import RECEIVABLES
    from tests.helpers import app_client

    day = date(2026, 3, 31)
    with app_client(loaded, Role.VIEWER) as api:
        views = api.app.state.web.views
        live = api.get("/api/v1/reports/dso").json()
        assert live.get("computed_at") is None  # nothing kept yet: computed for the request
        views.refresh(View("dso", day))
        kept = api.get("/api/v1/reports/dso").json()
        assert kept["computed_at"] and kept["stale"] is False
        assert kept["rows"] == live["rows"]  # the kept figures are the computed ones
        # The control: what the API answers is what is kept (a changed copy comes back changed) ...
        marked = [{**row, "dso": 123.0} for row in kept["rows"]]
        store = loaded.snapshot_store()
        at = datetime(2026, 3, 31, 8, 0, tzinfo=UTC)
        store.put(Snapshot(View("dso", day).key, store.data_version(RECEIVABLES), at, 1.0, {"rows": marked}))
        assert [row["dso"] for row in api.get("/api/v1/reports/dso").json()["rows"]] == [123.0] * len(marked)
        # ... and another option is computed for the request.
        other = api.get("/api/v1/reports/dso", params={"period_days": 60}).json()
        assert other.get("computed_at") is None and all(row["dso"] != 123.0 for row in other["rows"])

        loaded.settings.batch_engine = "local"  # type: ignore[assignment]
        missing = api.get("/api/v1/forecast/cash")
        assert missing.status_code == 503 and missing.headers["content-type"] == "application/problem+json"
        assert "report refresh --as-of 2026-03-31" in missing.json()["detail"]
        more = "invoice_id,customer_id,invoice_date,due_date,amount,currency\nI9,C2,2026-03-30,2026-04-29,10.00,EUR\n"
        assert import_file("invoices", write_csv(tmp_path / "more.csv", more), loaded.engine, loaded.clock).ok
        night = api.get("/api/v1/reports/dso").json()
        assert night["stale"] is True and night["computed_at"].startswith("2026-03-31T08:00")
        assert [row["dso"] for row in night["rows"]] == [123.0] * len(marked)  # the night's, not computed


def test_a_kept_ageing_and_ecl_answer_as_the_computed_ones_reporting_totals_and_all(loaded: Services) -> None:
    from tests.helpers import app_client

    with app_client(loaded, Role.VIEWER) as api:
        for name in ("aging", "ecl", "trends", "cei"):
            live = api.get(f"/api/v1/reports/{name}").json()
            api.app.state.web.views.refresh(View(name, date(2026, 3, 31)))
            kept = api.get(f"/api/v1/reports/{name}").json()
            assert kept.pop("computed_at") and kept.pop("stale") is False
            assert kept == live, name


def test_a_ledger_beyond_the_in_process_bound_is_refused_before_it_is_read(loaded: Services, tmp_path: Path) -> None:
    """A report computed in one process reads at most ``in_process_invoices`` (a million-customer
    ledger exhausted 14 GB while being read for the cash forecast): beyond, it is refused at once
    with what to use instead; with the batch on the worker's refresh reads no ledger, without it
    the refresh keeps the refusal for the page to say, in either language; the command says so without a traceback. The control: a bound the ledger
    meets reads it whole."""
    import contextlib

    from typer.testing import CliRunner

    from creditdesk.entrypoints.cli.main import app
    from creditdesk.entrypoints.web.i18n import refusal_text
    from creditdesk.entrypoints.worker.daily import snapshots
    from creditdesk.service.errors import TooLarge
    from tests.helpers import app_client

    day = date(2026, 3, 31)
    loaded.settings.in_process_invoices = 3  # the three invoices of the book
    assert len(loaded.receivables().frames(day).invoices) == 3
    loaded.settings.in_process_invoices = 2
    with pytest.raises(
        TooLarge, match=r"more than 2 invoices.*CREDITDESK_IN_PROCESS_INVOICES.*CREDITDESK_BATCH_ENGINE"
    ):
        loaded.receivables().frames(day)
    loaded.settings.batch_engine = "local"  # type: ignore[assignment]
    done = snapshots(loaded, day)  # every view that reads the ledger is the batch's: none is refused
    assert int(done["computed"]) == 1 and done["by_the_batch"] == 19  # the figures only
    assert PortfolioViews(loaded).read(View("cash", day)).state == "pending"  # it waits for the night
    loaded.settings.batch_engine = "off"  # type: ignore[assignment]
    snapshots(loaded, day)  # without the batch, the refresh keeps each view's refusal for its page
    views = PortfolioViews(loaded)
    kept = views.read(View("cash", day))
    assert kept.error is not None and "more than 2 invoices" in str(kept.error)
    assert '超过 <span translate="no">2</span> 张' in refusal_text(kept.error, "zh")
    assert "more than 2 invoices" in refusal_text(kept.error, "en")
    assert views.store.get(figures_view(day).key) is not None
    reader = app_client(loaded, Role.ANALYST)
    reader.get("/lang/zh?next=/")
    page = reader.get("/reports/cash", params={"as_of": day.isoformat()}).text
    assert 'id="report-error"' in page and '超过 <span translate="no">2</span> 张' in page
    assert "the ledger holds" not in page  # one language on the page

    url = loaded.engine.url.render_as_string(hide_password=False)
    for bound, refused in (("2", True), ("3", False)):
        env = {"CI": "true", "CREDITDESK_DATABASE_URL": url, "CREDITDESK_IN_PROCESS_INVOICES": bound}
        with contextlib.chdir(tmp_path):
            shown = CliRunner().invoke(app, ["forecast", "cash", "--as-of", day.isoformat(), "--json"], env=env)
        assert "Traceback" not in shown.output and ("more than 2 invoices" in shown.output) is refused
        assert (shown.exit_code == 69) is refused, shown.output


def _sampled_forecast(day: date) -> list[dict[str, object]]:
    """A forecast document as the batch keeps one made on a sample of 1,234 of 100,000 customers."""
    weeks = [
        {
            "week": k + 1,
            "week_start": (day + timedelta(days=7 * k + 1)).isoformat(),
            "week_end": (day + timedelta(days=7 * k + 7)).isoformat(),
            **dict.fromkeys(("expected", "p10", "p50", "p90", "due_date", "new_sales", "expected_total"), "100.00"),
        }
        for k in range(13)
    ]
    sample = {"customers": 1234, "of_customers": 100_000, "open_ratio": 81.04, "sales_ratio": 80.5}
    return [
        {
            "currency": "EUR",
            "as_of": day.isoformat(),
            "weeks": 13,
            "open_items": 5000,
            "open_receivables": "1300.00",
            "expected_from_open_items": "1300.00",
            "expected_from_new_sales": "1300.00",
            "due_date_total": "1300.00",
            "sales_run_rate_per_week": "100.00",
            "rows": weeks,
            "sample": sample,
            "band_scale": 1.1,
            "days": [],
        }
    ]


def test_a_forecast_made_on_a_sample_says_so_in_the_pages_language(loaded: Services) -> None:
    """The nightly batch forecasts a book beyond its bound from a sample of customers scaled to
    the whole: the cash page says which, how many of how many, in 中文 or English alone. The
    control: a forecast of the whole book says nothing of a sample."""
    from creditdesk.adapters.db.snapshot_store import data_version_on, put_on
    from tests.helpers import app_client

    day = date(2026, 3, 31)
    loaded.settings.batch_engine = "local"  # type: ignore[assignment]
    reader = app_client(loaded, Role.ANALYST)
    for sampled, expected in ((True, True), (False, False)):
        rows = _sampled_forecast(day)
        if not sampled:
            del rows[0]["sample"]
        with loaded.engine.begin() as conn:
            put_on(
                conn, Snapshot(View("cash", day).key, data_version_on(conn), loaded.clock.now(), 1.0, {"rows": rows})
            )
        reader.get("/lang/zh?next=/")
        zh = reader.get("/reports/cash", params={"as_of": day.isoformat()}).text
        reader.get("/lang/en?next=/")
        en = reader.get("/reports/cash", params={"as_of": day.isoformat()}).text
        assert ('id="cash-sample-EUR"' in zh) is expected and ('id="cash-sample-EUR"' in en) is expected
        assert ("抽取 100,000 家中的 1,234 家客户" in zh) is expected and "customers (chosen" not in zh
        assert ("from 1,234 of 100,000 customers (chosen by their id)" in en) is expected and "抽取" not in en
        assert "×81.04" in zh if expected else "×81.04" not in zh


def test_a_nightly_forecast_refused_for_too_little_history_says_why_in_the_pages_language(loaded: Services) -> None:
    """The nightly batch keeps the forecast's refusal (this book holds too few paid invoices to
    learn from) as the view, as the worker keeps its own: the cash page says why, in 中文 or
    English alone, not that the night has yet to compute it. The control: the same refusal without
    its code shows the server's English on the Chinese page."""
    from creditdesk.adapters.batch.reports import snapshot_body
    from creditdesk.adapters.db.snapshot_store import data_version_on, put_on
    from creditdesk.service.cash_forecast import cash_forecast
    from creditdesk.service.errors import InvalidInput
    from creditdesk.service.snapshots import refusal_body
    from tests.helpers import app_client

    day = date(2026, 3, 31)
    with pytest.raises(InvalidInput) as refused:
        cash_forecast(loaded.receivables().frames(day), day, 13)
    assert refused.value.code == "too_few_paid_invoices"
    loaded.settings.batch_engine = "local"  # type: ignore[assignment]
    reader = app_client(loaded, Role.ANALYST)
    english = f"the ledger on {day} holds"
    for coded in (True, False):
        refusal = refusal_body(refused.value)
        if not coded:
            refusal["code"] = None
        view = {"name": "cash", "day": day.isoformat(), "by": None, "refusal": refusal}
        with loaded.engine.begin() as conn:
            put_on(
                conn,
                Snapshot(View("cash", day).key, data_version_on(conn), loaded.clock.now(), 1.0, snapshot_body(view)),
            )
        reader.get("/lang/zh?next=/")
        zh = reader.get("/reports/cash", params={"as_of": day.isoformat()}).text
        reader.get("/lang/en?next=/")
        en = reader.get("/reports/cash", params={"as_of": day.isoformat()}).text
        assert english in en and "已付清的发票只有" not in en
        assert ("已付清的发票只有" in zh) is coded and (english in zh) is not coded
        assert "has not been computed for this day yet" not in en
