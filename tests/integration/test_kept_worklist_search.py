"""A search and the filters of the kept worklist find the lines of the whole list, in its order,
whose customer's id or name or invoice's id holds the search (case aside) and whose customer,
level, dispute and currency are those asked for: with every sort, whether the items a search finds
are named by id (few) or the search stays a condition (many), and whether a customer's filters are
looked up per item read or its customers gathered first; on SQLite and PostgreSQL."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from sqlalchemy import update

from creditdesk.adapters.db import kept_worklist
from creditdesk.adapters.db import tables as t
from creditdesk.adapters.db.kept_worklist import WorklistQuery
from creditdesk.bootstrap import Services
from tests.integration.test_kept_worklist_by_name import NAMES, kept  # noqa: F401 (the fixture)

SEARCHES = ("acme", "ACM", "k1", "I-0", "i-3", "eta", "%", "_", "zzz")
FILTERS: tuple[dict[str, Any], ...] = (
    {},
    {"segment": "strategic"},
    {"level": 2},
    {"level": 0},
    {"disputed": True},
    {"currency": "EUR", "disputed": False},
)
SORTS = (("loss", True), ("name", False), ("amount", True), ("level", True))


def _found(row: dict[str, Any], q: str) -> bool:
    needle = q.lower()
    return any(needle in str(value).lower() for value in (row["customer_id"], row["name"], row["invoice_id"]))


def _kept(row: dict[str, Any], filters: dict[str, Any]) -> bool:
    """What the filters ask of a line, read from the line itself."""
    columns = {"segment": "segment", "level": "dunning_level", "disputed": "disputed", "currency": "currency"}
    return all(row[columns[name]] == value for name, value in filters.items())


def _pages(services: Services, query: WorklistQuery) -> tuple[int, list[str]]:
    with services.engine.connect() as conn:
        total, rows = kept_worklist.page(conn, query, {})
    return total, [r["invoice_id"] for r in rows]


@pytest.fixture
def marked(kept: Services) -> Services:  # noqa: F811 (the fixture imported above)
    """Two customers in a segment of their own and two at dunning level 2."""
    with kept.engine.begin() as conn:
        conn.execute(update(t.customers).where(t.customers.c.customer_id.in_(["K2", "K5"])).values(segment="strategic"))
        accounts = t.credit_accounts
        conn.execute(update(accounts).where(accounts.c.customer_id.in_(["K3", "K4"])).values(dunning_level=2))
    return kept


@pytest.mark.parametrize(
    ("found_by_id", "in_order"),
    [(5_000, None), (1, True), (1, False)],
    ids=["named-by-id", "a-condition-read-in-order", "a-condition-customers-first"],
)
def test_a_search_and_the_filters_leave_the_whole_lists_lines_that_match(
    marked: Services, found_by_id: int, in_order: bool | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The items a search finds named by id (and looked up per item: they are few), or not (more
    than the cap), and then a customer's filters looked up per item read or its customers
    gathered first."""
    monkeypatch.setattr(kept_worklist, "_FOUND_BY_ID", found_by_id)
    if in_order is not None:
        monkeypatch.setattr(kept_worklist, "_reached_in_order", lambda *_: in_order)
    for sort, descending in SORTS:
        every = WorklistQuery(sort=sort, descending=descending, limit=1_000)
        with marked.engine.connect() as conn:
            _, rows = kept_worklist.page(conn, every, {})
        assert len(rows) == 40
        for filters in FILTERS:
            for q in SEARCHES:
                expected = [r["invoice_id"] for r in rows if _kept(r, filters) and _found(r, q)]
                for offset, limit in ((0, 1_000), (1, 3)):
                    query = WorklistQuery(sort=sort, descending=descending, offset=offset, limit=limit, q=q, **filters)
                    assert _pages(marked, query) == (len(expected), expected[offset : offset + limit]), query


def test_the_searches_find_what_they_should(marked: Services) -> None:
    """The fixture's book holds what the searches above are meant to meet (the negative control
    of a search that finds nothing or everything: both would pass the test above)."""
    total, _ = _pages(marked, WorklistQuery(limit=1))
    counts = {q: _pages(marked, WorklistQuery(q=q, limit=1))[0] for q in SEARCHES}
    owing = [cid for cid in NAMES if cid != "K6"]
    items_of = Counter(owing[i % len(owing)] for i in range(40))
    acme = items_of["K2"] + items_of["K3"] + items_of["K7"]
    assert counts["acme"] == counts["ACM"] == acme  # three customers named Acme in three cases
    assert counts["I-0"] == counts["i-3"] == 10 and counts["k1"] == items_of["K1"]  # I-00..I-09, I-30..I-39; K1's
    assert counts["%"] == counts["_"] == counts["zzz"] == 0  # a % or _ is that character
    assert 0 < counts["eta"] < total  # Beta's items
    assert _pages(marked, WorklistQuery(q="acme", segment="strategic", limit=1))[0] == items_of["K2"]
    assert _pages(marked, WorklistQuery(q="acme", level=2, limit=1))[0] == items_of["K3"]
