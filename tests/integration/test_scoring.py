"""Scoring the stored portfolio on a real database: train, score, keep history, champion and challenger."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from creditdesk.adapters.clock import FixedClock
from creditdesk.adapters.db import tables as t
from creditdesk.adapters.importing.pipeline import import_file
from creditdesk.bootstrap import Services, bootstrap
from creditdesk.demo import make_portfolio
from creditdesk.domain.roles import Role
from creditdesk.service.audit import verify_audit_chain
from creditdesk.service.errors import InvalidInput, NotFound
from creditdesk.service.scores import customer_score
from creditdesk.service.scoring import ranking_power_report, score_portfolio, train_model
from tests.conftest import fresh_postgres

AS_OF = date(2026, 3, 31)


def load_portfolio(services: Services, tmp_path: Path, customers: int) -> None:
    portfolio = make_portfolio(customers, 24, seed=5, as_of=AS_OF)
    for kind in ("groups", "customers", "financials", "bureau", "orders", "invoices", "payments"):
        path = tmp_path / f"{kind}.csv"
        getattr(portfolio, kind).to_csv(path, index=False)
        report = import_file(kind, path, services.engine, services.clock, actor="test", role=Role.ADMIN)
        assert report.ok, report.errors[:3]


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def loaded(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    """The 600 customers imported once per database kind (the import is not what these tests are
    about), and the audit key that signed them; each test gets a copy of both (SQLite's file,
    PostgreSQL's template database)."""
    folder = tmp_path_factory.mktemp("loaded")
    if request.param == "sqlite":
        url = f"sqlite:///{folder / 'loaded.db'}"
        shutil.copyfile(request.getfixturevalue("migrated_sqlite"), folder / "loaded.db")
    else:
        url = fresh_postgres(request.getfixturevalue("pg_server"), request.getfixturevalue("migrated_postgres"))
    services = bootstrap(url, clock=FixedClock(datetime(2026, 3, 31, 9, 0, tzinfo=UTC)))
    services.settings.var_dir = folder / "var"
    load_portfolio(services, folder, 600)
    services.engine.dispose()  # a template may have no open connection while it is copied
    return url, folder / "var" / "audit.key"


@pytest.fixture
def services(
    request: pytest.FixtureRequest, loaded: tuple[str, Path], tmp_path: Path, clock: FixedClock
) -> Iterator[Services]:
    template, key = loaded
    url = make_url(template)
    if url.get_backend_name() == "sqlite":
        copy = f"sqlite:///{tmp_path / 'scoring.db'}"
        shutil.copyfile(url.database or "", tmp_path / "scoring.db")
    else:
        copy = fresh_postgres(request.getfixturevalue("pg_server"), url.database)
    (tmp_path / "var").mkdir()
    shutil.copy2(key, tmp_path / "var" / "audit.key")
    services = bootstrap(copy, clock=clock)
    services.settings.var_dir = tmp_path / "var"
    yield services
    services.engine.dispose()


def test_train_score_history_and_champion_challenger(services: Services, tmp_path: Path) -> None:
    if services.engine.dialect.name == "sqlite":
        # SQLite's run of the same: the demo build trains and scores, tests/e2e/test_scoring.py
        # scores a challenger beside the champion and promotes it. The suite's time goes elsewhere.
        pytest.skip("on SQLite the demo build and tests/e2e/test_scoring.py train, score and promote")
    store, models = services.scoring_store(), tmp_path / "models"
    with pytest.raises(InvalidInput, match="too little history"):
        score_portfolio(store, services.uow(), models, AS_OF, actor="t", clock=services.clock, min_defaults=10_000)
    run = score_portfolio(store, services.uow(), models, AS_OF, actor="t", clock=services.clock, min_defaults=5)
    assert run.customers == 600 and run.trained == [run.champion]
    # Once scored, our own model stands in the ranking-power report beside the bureaus.
    assert "creditdesk" in {r["source"] for r in ranking_power_report(store, AS_OF)}
    assert sum(run.grades.values()) == 600 and set(run.grades) <= set(range(1, 11))
    assert 0.001 < run.mean_pd < 0.2

    some = "C000001"
    first = customer_score(store, some)
    assert first["grade"] in range(1, 11) and first["model_version"] == run.champion
    assert all(r["direction"] == "up" and r["message_zh"] for r in first["reasons"])

    challenger = train_model(store, models, AS_OF, role="challenger", actor="t", clock=services.clock, min_defaults=5)
    again = score_portfolio(store, services.uow(), models, AS_OF, actor="t", clock=services.clock)
    assert again.trained == [] and again.challengers == [challenger]
    with services.engine.connect() as conn:
        per_role = dict(
            conn.execute(select(t.customer_scores.c.role, func.count()).group_by(t.customer_scores.c.role)).all()
        )
    assert per_role == {"champion": 1200, "challenger": 600}
    assert len(customer_score(store, some)["history"]) == 2

    assert store.promote(challenger) and not store.promote("no-such-version")
    assert [m["version"] for m in store.models_in_role("champion")] == [challenger]
    assert [m["role"] for m in store.models_in_role("retired")] == ["retired"]
    assert verify_audit_chain(services.uow()) is None
    with pytest.raises(NotFound):
        customer_score(store, "NOBODY")


def test_ranking_power_of_bureaus_and_of_our_model(services: Services) -> None:
    store = services.scoring_store()
    rows = ranking_power_report(store, AS_OF)
    sources = {r["source"] for r in rows}
    assert {"bureau:bureau_a", "bureau:bureau_b"} <= sources and "creditdesk" not in sources  # nothing scored yet
    judged = [r for r in rows if r["auc"] is not None]
    assert judged and all(r["defaults"] > 0 for r in judged)
    # The generated bureaus see the latent risk: they rank later defaults better than chance.
    assert sum(r["auc"] for r in judged) / len(judged) > 0.6  # after scoring: the test above
