"""A batch run's results into the database, on SQLite and PostgreSQL (COPY there): the rows as its
Parquet outputs give them, types and missing values included; once per run id; whole or not at all."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq
import pytest
from sqlalchemy import inspect, select

from creditdesk.adapters.batch.loading import load
from creditdesk.adapters.batch.stages import OUTPUTS, as_arrow
from creditdesk.adapters.db import tables as t
from creditdesk.bootstrap import Services
from creditdesk.service.snapshots import RECEIVABLES, View
from tests.helpers import write_csv
from tests.support.model_rows import register_model_row

AS_OF = date(2026, 3, 31)
MODEL = "pd-20260331-test"
SCORED_AT = datetime(2026, 3, 31, 22, 15, 30, 123456, tzinfo=UTC)
CUSTOMERS = ["K00", "K01", "K02"]


@pytest.fixture
def book(services: Services, tmp_path: Path) -> Services:
    from creditdesk.adapters.importing.pipeline import import_file

    lines = "".join(f"{cid},Customer {cid},EUR,100000\n" for cid in CUSTOMERS)
    path = write_csv(tmp_path / "customers.csv", "customer_id,name,currency,credit_limit\n" + lines)
    assert import_file("customers", path, services.engine, services.clock).ok
    register_model_row(services.engine, MODEL, AS_OF, SCORED_AT)
    return services


def _scores(ids: list[str]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": ids,
            "as_of": [AS_OF] * len(ids),
            "model_version": [MODEL] * len(ids),
            "role": ["champion"] * len(ids),
            "pd": [0.012345678901234567, 1.0, 0.5][: len(ids)],
            "score": [712, 300, 555][: len(ids)],
            "grade": [3, 10, 6][: len(ids)],
            "segment": ["established", "new", "established"][: len(ids)],
            "reasons": ['[{"code": "late", "points": -12.5}]', "[]", '[{"code": "逾期", "points": 3}]'][: len(ids)],
            "bureau": ["[]", '[{"provider": "A", "flag": true}]', "[]"][: len(ids)],
            "review_flag": [False, True, False][: len(ids)],
            "scored_at": [SCORED_AT] * len(ids),
        }
    )


def _limits(ids: list[str]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": ids,
            "currency": ["EUR"] * len(ids),
            "grade": [3, None, 6][: len(ids)],
            "pd": [0.012345678901234567, None, 0.5][: len(ids)],
            "segment": [None, "probation", None][: len(ids)],
            "current_limit_minor": [10_000_000, 0, 999_999_999_999_999][: len(ids)],
            "recommended_minor": [12_000_000, None, 1][: len(ids)],
            "formula": ["min(capacity, budget)", None, "x, with a comma\tand a tab"][: len(ids)],
            "working": ['{"final": "120000.00"}', "{}", '{"note": "a \\\\ backslash\\nand a line"}'][: len(ids)],
        }
    )


def run_folder(
    folder: Path,
    run_id: str,
    scores: pd.DataFrame,
    limits: pd.DataFrame,
    worklist: pd.DataFrame | None = None,
    as_of: date = AS_OF,
) -> Path:
    """A run's folder as a batch leaves it: run.json and its outputs (no proposals)."""
    frames = {"scores": scores, "limits": limits, "proposals": pd.DataFrame(columns=OUTPUTS["proposals"].names)}
    if worklist is not None:
        frames["worklist"] = worklist
    for name, frame in frames.items():
        (folder / "outputs" / name).mkdir(parents=True)
        pq.write_table(as_arrow(name, frame), folder / "outputs" / name / "part-00000-a.parquet")
    record = {"run_id": run_id, "as_of": as_of.isoformat(), "engine": "local", "stages": [], "grades": {}}
    (folder / "run.json").write_text(json.dumps(record), encoding="utf-8")
    return folder


def stored(services: Services, table: Any) -> list[dict[str, Any]]:
    with services.engine.connect() as conn:
        rows = conn.execute(select(table).order_by(table.c.customer_id)).mappings().all()
    return [dict(row) for row in rows]


def test_a_run_loads_its_rows_as_they_are_once(book: Services, tmp_path: Path) -> None:
    folder = run_folder(tmp_path / "run", "batch-20260331-a", _scores(CUSTOMERS), _limits(CUSTOMERS))
    first = load(folder, book.uow, book.clock, apply=False)
    again = load(folder, book.uow, book.clock, apply=False)
    assert (first.already, first.scores, first.limits) == (False, 3, 3)
    assert (again.already, again.scores, again.limits) == (True, 0, 0)

    scores = stored(book, t.customer_scores)
    assert len(scores) == 3  # the second load wrote nothing
    for row, expected in zip(scores, _scores(CUSTOMERS).to_dict("records"), strict=True):
        row.pop("id")
        scored_at = row.pop("scored_at")  # SQLite keeps no zone: compare the instant in UTC
        assert (scored_at if scored_at.tzinfo else scored_at.replace(tzinfo=UTC)) == expected.pop("scored_at")
        assert row == expected
    limits = stored(book, t.batch_limits)
    expected_limits = _limits(CUSTOMERS).astype(object).where(_limits(CUSTOMERS).notna(), None)
    assert limits == [{**row, "run_id": "batch-20260331-a"} for row in expected_limits.to_dict("records")]


def test_a_run_that_cannot_load_writes_nothing_and_loads_once_put_right(book: Services, tmp_path: Path) -> None:
    """A score of a customer the database does not know: the foreign key refuses it, at the end
    of the scores (COPY checks as it goes; SQLite at the statement), and the run's record, its
    limits and its other scores go with it."""
    ids = [*CUSTOMERS[:2], "NOBODY"]
    broken = run_folder(tmp_path / "broken", "batch-20260331-b", _scores(ids), _limits(ids))
    _with_reports(broken, book.snapshot_store().data_version())
    with pytest.raises(Exception, match=r"(?i)foreign key"):
        load(broken, book.uow, book.clock, apply=False)
    assert stored(book, t.customer_scores) == [] and stored(book, t.batch_limits) == []
    assert book.snapshot_store().headers() == []  # the reports went with the rest
    with book.engine.connect() as conn:
        assert conn.execute(select(t.batch_runs)).all() == []

    mended = run_folder(tmp_path / "mended", "batch-20260331-b", _scores(CUSTOMERS), _limits(CUSTOMERS))
    assert load(mended, book.uow, book.clock, apply=False).scores == 3
    assert len(stored(book, t.customer_scores)) == 3


_AGEING = [{"currency": "EUR", "scope": "portfolio", "current": "10.00", "total": "10.00", "overdue": "0.00"}]


def _with_reports(folder: Path, exported: str | None) -> list[View]:
    """The run's inputs exported at the data version ``exported``, and one report it computed."""
    from creditdesk.adapters.batch.exchange import Manifest
    from creditdesk.adapters.batch.reports import REPORTS_FILE

    (folder / "inputs").mkdir(parents=True)
    Manifest(AS_OF, None, None, MODEL, "models/x", {}, exported).write(folder / "inputs")
    views = [{"name": "aging", "day": AS_OF.isoformat(), "by": None, "rows": _AGEING}]
    (folder / "outputs" / REPORTS_FILE).write_text(json.dumps(views), encoding="utf-8")
    return [View("aging", AS_OF)]


def test_the_runs_reports_are_fresh_pages_when_nothing_moved_since_the_export(book: Services, tmp_path: Path) -> None:
    folder = run_folder(tmp_path / "run", "batch-20260331-r", _scores(CUSTOMERS), _limits(CUSTOMERS))
    [view] = _with_reports(folder, book.snapshot_store().data_version())
    load(folder, book.uow, book.clock, apply=False)
    snapshot = book.snapshot_store().get(view.key)
    assert snapshot is not None and snapshot.body == {"rows": _AGEING}
    # Of the data as it stands after the load (its scores and audit record included): fresh.
    assert snapshot.data_version == book.snapshot_store().data_version()


def test_the_runs_reports_are_stale_when_the_ledger_moved_after_the_export(book: Services, tmp_path: Path) -> None:
    from creditdesk.adapters.importing.pipeline import import_file

    exported = book.snapshot_store().data_version()
    invoice = "invoice_id,customer_id,invoice_date,due_date,amount,currency\nI-1,K00,2026-03-01,2026-03-31,10.00,EUR\n"
    assert import_file("invoices", write_csv(tmp_path / "i.csv", invoice), book.engine, book.clock).ok
    folder = run_folder(tmp_path / "run", "batch-20260331-s", _scores(CUSTOMERS), _limits(CUSTOMERS))
    [view] = _with_reports(folder, exported)
    load(folder, book.uow, book.clock, apply=False)
    snapshot = book.snapshot_store().get(view.key)
    assert snapshot is not None and snapshot.body == {"rows": _AGEING}
    assert snapshot.data_version != book.snapshot_store().data_version()  # a page shows it stale
    assert exported in snapshot.data_version


def _worklist(invoices: list[str], days: int = 20) -> pd.DataFrame:
    n = len(invoices)
    return pd.DataFrame(
        {
            "customer_id": [CUSTOMERS[i % 2] for i in range(n)],
            "invoice_id": invoices,
            "currency": ["EUR"] * n,
            "due_date": [date(2026, 3, 11)] * n,
            "days_past_due": [days] * n,
            "open_minor": [999_999_999_999_999, 1, 250_00][:n],
            "disputed": [False, True, False][:n],
            "pd": [0.012345678901234567, 1.0, 0.5][:n],
            "expected_loss": [5_555_555_555_555.555, 0.45, 5625.0][:n],
            "undisputed_minor": [999_999_999_999_999, 0, 250_00][:n],  # the disputed one: nothing
        }
    )


def test_a_runs_worklist_is_kept_as_given_and_a_later_days_is_not_replaced_by_an_earlier_one(
    book: Services, tmp_path: Path
) -> None:
    from creditdesk.adapters.db.kept_worklist import kept_run

    first = run_folder(
        tmp_path / "a", "batch-a", _scores(CUSTOMERS), _limits(CUSTOMERS), _worklist(["I-1", "I-2", "I-3"])
    )
    load(first, book.uow, book.clock, apply=False)
    kept = stored(book, t.kept_worklist)
    expected = _worklist(["I-1", "I-2", "I-3"]).sort_values("customer_id", kind="stable").to_dict("records")
    assert sorted(kept, key=lambda r: r["invoice_id"]) == sorted(
        [{**row, "run_id": "batch-a"} for row in expected], key=lambda r: r["invoice_id"]
    )
    with book.engine.connect() as conn:
        found = kept_run(conn)
    assert found is not None and (found.run_id, found.as_of, found.items) == ("batch-a", AS_OF, 3)
    assert found.totals == [("EUR", 999_999_999_999_999 + 1 + 250_00, 2)]

    late = run_folder(
        tmp_path / "b", "batch-b", _scores(CUSTOMERS), _limits(CUSTOMERS), _worklist(["I-9"]), AS_OF - timedelta(days=1)
    )
    load(late, book.uow, book.clock, apply=False)  # an earlier day's run, loaded late
    assert {r["run_id"] for r in stored(book, t.kept_worklist)} == {"batch-a"}
    newer = run_folder(
        tmp_path / "c", "batch-c", _scores(CUSTOMERS), _limits(CUSTOMERS), _worklist(["I-7"]), AS_OF + timedelta(days=1)
    )
    load(newer, book.uow, book.clock, apply=False)
    assert [(r["run_id"], r["invoice_id"]) for r in stored(book, t.kept_worklist)] == [("batch-c", "I-7")]
    # SQLite builds the items' indexes again after the load: each is back, as the schema has it.
    indexes = {index["name"]: index["column_names"] for index in inspect(book.engine).get_indexes("kept_worklist")}
    assert indexes == {index.name: [c.name for c in index.columns] for index in t.kept_worklist.indexes}


def test_the_collections_page_with_the_batch_on_reads_the_kept_worklist_or_says_none_is_kept(
    book: Services, tmp_path: Path
) -> None:
    from creditdesk.domain.roles import Role
    from tests.helpers import app_client

    book.settings.batch_engine = "local"
    client = app_client(book, Role.ANALYST)
    nothing = client.get("/collections")
    assert nothing.status_code == 200 and 'id="coll-kept-missing"' in nothing.text
    assert "creditdesk batch run --as-of" in nothing.text
    refused = client.get("/api/v1/collections/worklist")
    assert refused.status_code == 503 and "creditdesk batch run --as-of" in refused.json()["detail"]

    folder = run_folder(
        tmp_path / "a", "batch-a", _scores(CUSTOMERS), _limits(CUSTOMERS), _worklist(["I-1", "I-2", "I-3"])
    )
    load(folder, book.uow, book.clock, apply=False)
    page = client.get("/collections")
    assert page.status_code == 200 and 'id="coll-kept"' in page.text and "coll-kept-missing" not in page.text
    order = [page.text.index(f'id="coll-{invoice}"') for invoice in ("I-1", "I-3", "I-2")]  # by expected loss
    assert order == sorted(order)
    assert client.get("/collections?q=I-3").text.count('id="coll-I-') == 1
    answer = client.get("/api/v1/collections/worklist").json()
    assert [i["invoice_id"] for i in answer["items"]] == ["I-1", "I-3", "I-2"] and answer["computed_at"]
    assert answer["as_of"] == AS_OF.isoformat() and answer["items"][1]["expected_loss"] == "56.25"
    window = client.get("/api/v1/collections/worklist", params={"limit": 1, "offset": 1}).json()
    assert (window["total"], [i["invoice_id"] for i in window["items"]]) == (3, ["I-3"])
    book.settings.batch_engine = "off"  # the negative control: computed from the ledger, which has no items
    assert 'id="coll-I-1"' not in client.get("/collections").text


def test_the_cli_worklist_with_the_batch_on_is_the_kept_one_or_says_none_is_kept(
    book: Services, tmp_path: Path
) -> None:
    import contextlib

    from typer.testing import CliRunner

    from creditdesk.entrypoints.cli.main import app

    url = book.engine.url.render_as_string(hide_password=False)

    def worklist(engine: str) -> Any:
        env = {"CI": "true", "CREDITDESK_DATABASE_URL": url, "CREDITDESK_BATCH_ENGINE": engine}
        with contextlib.chdir(tmp_path):
            return CliRunner().invoke(app, ["collections", "worklist", "--json"], env=env)

    refused = worklist("local")
    assert refused.exit_code != 0 and "creditdesk batch run --as-of" in refused.output
    folder = run_folder(
        tmp_path / "a", "batch-a", _scores(CUSTOMERS), _limits(CUSTOMERS), _worklist(["I-1", "I-2", "I-3"])
    )
    load(folder, book.uow, book.clock, apply=False)
    kept = json.loads(worklist("local").stdout)
    assert [item["invoice_id"] for item in kept] == ["I-1", "I-3", "I-2"]
    assert json.loads(worklist("off").stdout) == []  # the control: the ledger itself has no items


def test_the_dunning_positions_are_the_kept_runs_when_of_the_day_and_unmoved_else_the_ledgers(
    book: Services, tmp_path: Path
) -> None:
    """The dunning run reads each customer's position from the night's run (its undisputed
    overdue items) only when the run is of the day asked and nothing it read has moved since
    its export; otherwise from the ledger. The controls: another day, a ledger moved, a run
    kept before the undisputed amounts were."""
    from creditdesk.adapters.db import kept_worklist
    from creditdesk.adapters.importing.pipeline import import_file
    from creditdesk.entrypoints.kept_lines import dunning_positions
    from creditdesk.service.collections import Position

    folder = run_folder(
        tmp_path / "run", "batch-p", _scores(CUSTOMERS), _limits(CUSTOMERS), _worklist(["I-1", "I-2", "I-3"])
    )
    _with_reports(folder, book.snapshot_store().data_version(RECEIVABLES))  # as an export stamps it
    load(folder, book.uow, book.clock, apply=False)
    # I-1 and I-3 are K00's; K01's only item (I-2) is under dispute, so K01 is not late for dunning.
    night = {"K00": Position("K00", "EUR", 20, 999_999_999_999_999 + 250_00)}
    assert dunning_positions(book, AS_OF) == (night, "batch-p")
    assert dunning_positions(book, AS_OF + timedelta(days=1)) == ({}, "ledger")  # the ledger holds no invoice
    with book.engine.begin() as conn:
        conn.execute(
            t.kept_worklist.update().where(t.kept_worklist.c.invoice_id == "I-3").values(undisputed_minor=None)
        )
        assert kept_worklist.positions(conn) is None  # a run from before: the ledger is read instead
        conn.execute(t.kept_worklist.update().values(undisputed_minor=t.kept_worklist.c.open_minor))
    assert dunning_positions(book, AS_OF)[1] == "batch-p"
    invoice = "invoice_id,customer_id,invoice_date,due_date,amount,currency\nI-8,K02,2026-01-01,2026-02-01,10.00,EUR\n"
    assert import_file("invoices", write_csv(tmp_path / "i.csv", invoice), book.engine, book.clock).ok
    found, source = dunning_positions(book, AS_OF)  # the ledger moved since the export: it is read
    assert source == "ledger" and found == {"K02": Position("K02", "EUR", 58, 10_00)}
