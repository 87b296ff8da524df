"""The kept worklist sorted by the customer's name, read a run of customers at a time (as a page
at a million customers reads it), gives every window of the whole list sorted at once: on SQLite
and PostgreSQL, both ways, runs of one customer and more, customers named alike side by side."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from creditdesk.adapters.batch.loading import load
from creditdesk.adapters.db import kept_worklist
from creditdesk.adapters.db.kept_worklist import WorklistQuery
from creditdesk.bootstrap import Services
from tests.helpers import write_csv
from tests.integration.test_batch_loading import AS_OF, MODEL, SCORED_AT, _limits, _scores, run_folder
from tests.support.model_rows import register_model_row

# Names alike but for their case (one name key), one customer without items, letters only (the
# databases' collations agree on them).
NAMES = {"K1": "Delta", "K2": "acme", "K3": "Acme", "K4": "Beta", "K5": "zulu", "K6": "Cobalt", "K7": "ACME"}
WITHOUT_ITEMS = "K6"


@pytest.fixture
def kept(services: Services, tmp_path: Path) -> Services:
    from creditdesk.adapters.importing.pipeline import import_file

    lines = "".join(f"{cid},{name},EUR,100000\n" for cid, name in NAMES.items())
    path = write_csv(tmp_path / "customers.csv", "customer_id,name,currency,credit_limit\n" + lines)
    assert import_file("customers", path, services.engine, services.clock).ok
    register_model_row(services.engine, MODEL, AS_OF, SCORED_AT)
    owing = [cid for cid in NAMES if cid != WITHOUT_ITEMS]
    n = 40
    # Expected losses that interleave the items of the customers named alike (K2, K3, K7).
    items = pd.DataFrame(
        {
            "customer_id": [owing[i % len(owing)] for i in range(n)],
            "invoice_id": [f"I-{i:02d}" for i in range(n)],
            "currency": ["EUR"] * n,
            "due_date": [date(2026, 3, 1)] * n,
            "days_past_due": [30] * n,
            "open_minor": [(i * 7_919) % 1_000 * 100 for i in range(n)],
            "disputed": [i % 5 == 0 for i in range(n)],
            "pd": [0.1] * n,
            "expected_loss": [float((i * 37) % 11) for i in range(n)],
        }
    )
    items["undisputed_minor"] = items["open_minor"].where(~items["disputed"], 0)
    folder = run_folder(tmp_path / "run", "batch-names", _scores(["K1"]), _limits(["K1"]), items)
    load(folder, services.uow, services.clock, apply=False)
    return services


def _sorted_at_once(services: Services, query: WorklistQuery) -> list[str]:
    """The whole kept list joined and sorted in one statement (what the walk must equal)."""
    from sqlalchemy import select

    from creditdesk.adapters.db import tables as t

    where = kept_worklist._filters(query, ())
    key = t.CUSTOMER_NAME_KEY
    order = [key.desc() if query.descending else key, *t.WORKLIST_ORDER]
    statement = (
        select(t.kept_worklist.c.invoice_id)
        .select_from(t.kept_worklist.join(t.customers, t.customers.c.customer_id == t.kept_worklist.c.customer_id))
        .where(*where)
        .order_by(*order)
    )
    with services.engine.connect() as conn:
        return list(conn.execute(statement).scalars())


@pytest.mark.parametrize(("first_names", "sorted_whole"), [(1, 0), (2, 0), (500, 0), (500, 10_000)])
def test_every_window_by_name_is_the_whole_list_sorted_at_once(
    kept: Services, first_names: int, sorted_whole: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Walked (a list longer than ``sorted_whole``: 0 here), a run of one customer, two, or
    every one at a time; and sorted whole (a list as short as this one, by default)."""
    monkeypatch.setattr(kept_worklist, "_FIRST_NAMES", first_names)
    monkeypatch.setattr(kept_worklist, "_SORTED_WHOLE", sorted_whole)
    for descending in (False, True):
        for disputed in (None, False):
            whole = _sorted_at_once(kept, WorklistQuery(sort="name", descending=descending, disputed=disputed))
            assert len(whole) == (40 if disputed is None else 32)
            for offset in range(0, len(whole) + 2, 3):
                for limit in (1, 4, 50):
                    query = WorklistQuery(
                        sort="name", descending=descending, offset=offset, limit=limit, disputed=disputed
                    )
                    with kept.engine.connect() as conn:
                        total, rows = kept_worklist.page(conn, query, {})
                    assert total == len(whole)
                    assert [r["invoice_id"] for r in rows] == whole[offset : offset + limit], (query, first_names)


def test_the_customers_named_alike_interleave_which_a_walk_by_customer_would_not(kept: Services) -> None:
    """The negative control of the walk's one subtlety: the items of K2, K3 and K7 (one name in
    three cases) interleave in the list, so a run that split them, or a walk one customer at a
    time, would give another order than the one the test above asks for."""
    whole = _sorted_at_once(kept, WorklistQuery(sort="name", descending=False))
    owing = [cid for cid in NAMES if cid != WITHOUT_ITEMS]
    owners = {f"I-{i:02d}": owing[i % len(owing)] for i in range(40)}
    alike = [owners[i] for i in whole if owners[i] in {"K2", "K3", "K7"}]
    grouped = sorted(alike, key=alike.index)
    assert alike != grouped  # not one customer's items, then the next's
