"""The collections worklist the nightly batch keeps: its overdue items, ranked, filtered and paged
in SQL.

At a million customers the book has millions of overdue items; ranking them by expected loss
from the whole ledger in each request (service/collections.py ``open_worklist``) takes the web
process minutes and gigabytes. With the batch on, each run's items (the same ``overdue_items``,
computed bucket by bucket) are kept in ``kept_worklist``, the newest run's only, each sort
indexed; a page reads one window of them joined with what moves during the day: the customer's
name and segment, its dunning level and its open promise. A page asks what the in-memory listing
(web/listing.py) would: the same filters and search, the same sorts, each ending in the
worklist's own order, and rows without a promise last when sorted by it.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Select,
    delete,
    func,
    not_,
    or_,
    select,
    union_all,
)

from creditdesk.adapters.db import tables as t
from creditdesk.adapters.db.many_rows import insert_each
from creditdesk.service.collections import ITEM_COLUMNS, Position

if TYPE_CHECKING:  # the pages read the kept items without Arrow; loading a run writes them with it
    import pyarrow as pa

CHUNK = 5_000
#: The sorts a page may ask for, as the page's listing names them.
SORTS = ("loss", "days", "amount", "due", "level", "name", "promised")


@dataclass(frozen=True)
class KeptRun:
    """The run whose worklist is kept: its day, when it was loaded, and the worklist's size and
    overdue totals per currency (currency, overdue in minor units, customers)."""

    run_id: str
    as_of: date
    loaded_at: datetime
    items: int
    totals: list[tuple[str, int, int]]
    fresh_at: str | None = None  # the receivables' data version the run is of (None: moved before its load)


@dataclass(frozen=True)
class WorklistQuery:
    """One window of the kept worklist: a sort of ``SORTS`` either way, the listing's filters
    (None: not filtered) and a search of the customer's id and name and the invoice's id."""

    sort: str = "loss"
    descending: bool = True
    offset: int = 0
    limit: int = 50
    q: str = ""
    level: int | None = None
    disputed: bool | None = None
    promised: bool | None = None
    segment: str | None = None
    currency: str | None = None


def summary(items: pa.Table) -> dict[str, Any]:
    """A run's worklist in figures, kept with the run's record: its items and, per currency, the
    overdue amount and how many customers owe it."""
    grouped = items.group_by("currency").aggregate([("open_minor", "sum"), ("customer_id", "count_distinct")])
    totals = sorted(
        (row["currency"], int(row["open_minor_sum"]), int(row["customer_id_count_distinct"]))
        for row in grouped.to_pylist()
    )
    return {"items": items.num_rows, "totals": totals}


def keep(conn: Connection, run_id: str, as_of: date, items: pa.Table) -> bool:
    """The run's overdue items in place of those kept, in the caller's transaction, unless a
    later day's are kept already (a run loaded late does not hide a newer worklist)."""
    import pyarrow as pa

    kept = kept_run(conn)
    if kept is not None and kept.as_of > as_of:
        return False
    # SQLite: the indexes built once over the new items, not kept up item by item through a
    # million deletions and insertions (readers see the old ones until the load commits). Not on
    # PostgreSQL: dropping an index there locks the pages' readers out until then.
    rebuilt = list(t.kept_worklist.indexes) if conn.dialect.name == "sqlite" else []
    for index in rebuilt:
        index.drop(conn)
    conn.execute(delete(t.kept_worklist))
    rows = items.append_column("run_id", pa.array([run_id] * items.num_rows, pa.string()))
    for batch in rows.to_batches(CHUNK):  # a batch of Python values at a time, not the whole run's
        columns = [column.to_pylist() for column in batch.columns]
        insert_each(conn, t.kept_worklist, batch.schema.names, list(zip(*columns, strict=True)))
    for index in rebuilt:
        index.create(conn)
    return True


def kept_run(conn: Connection) -> KeptRun | None:
    w, b = t.kept_worklist, t.batch_runs
    found = conn.execute(
        select(b.c.run_id, b.c.as_of, b.c.loaded_at, b.c.counts).where(
            b.c.run_id == select(w.c.run_id).limit(1).scalar_subquery()
        )
    ).first()
    if found is None:
        return None
    counts = json.loads(found.counts)
    worklist = counts.get("worklist", {})
    totals = [(str(c), int(minor), int(n)) for c, minor, n in worklist.get("totals", [])]
    items = int(worklist.get("items", 0))
    return KeptRun(found.run_id, found.as_of, found.loaded_at, items, totals, counts.get("fresh_at"))


def positions(conn: Connection) -> dict[str, Position] | None:
    """Each customer's dunning position from the kept items, as ``service.collections.positions``
    finds it in the ledger on the run's day: its undisputed overdue items' oldest days past due
    and their sum (a customer late in two currencies: the last by code, as there). None when the
    kept run predates the undisputed amounts (migration 0022)."""
    w = t.kept_worklist
    if conn.execute(select(w.c.invoice_id).where(w.c.undisputed_minor.is_(None)).limit(1)).first() is not None:
        return None
    rows = conn.execute(
        select(w.c.customer_id, w.c.currency, func.max(w.c.days_past_due), func.sum(w.c.undisputed_minor))
        .where(w.c.undisputed_minor > 0)
        .group_by(w.c.customer_id, w.c.currency)
        .order_by(w.c.customer_id, w.c.currency)
    )
    return {cid: Position(cid, currency, int(days), int(overdue)) for cid, currency, days, overdue in rows}


def page(conn: Connection, query: WorklistQuery, promised: Mapping[str, date]) -> tuple[int, list[dict[str, Any]]]:
    """How many kept items the query's filters leave, and its window of them: the items' columns
    (service/collections.py ``ITEM_COLUMNS``) with the customer's name and segment and its
    dunning level and since when. ``promised``: the customers with an open promise, and the day
    they promised to pay by."""
    search, few = _search(conn, query.q)
    where = [*_filters(query, promised, per_item=few), *search]
    total = int(conn.execute(select(func.count()).select_from(t.kept_worklist).where(*where)).scalar_one())
    if not few and _reached_in_order(conn, query, total):
        where = [*_filters(query, promised, per_item=True), *search]
    if query.sort == "promised":
        return total, _promised_first(conn, query, promised, where)
    if query.sort == "level":
        return total, _by_level(conn, query, where)
    if query.sort == "name" and not query.q and total > _SORTED_WHOLE:  # else a few lines: sorted whole
        # A run of customers at a time: their items are few, each one's customer looked up.
        return total, _by_name(conn, query, _filters(query, promised, per_item=True))
    return total, _window(conn, query, where)


def _window(conn: Connection, query: WorklistQuery, where: list[ColumnElement[bool]]) -> list[dict[str, Any]]:
    """The window's lines. Ordered by the kept items' own columns (an index), its ids are found
    from them alone and only its lines are joined: a far page skips its rows in the index, not
    in a join. Ordered by the customer's name (a few customers' items), the join is sorted."""
    w, order = t.kept_worklist, _order(query)
    if query.sort == "name":
        return _rows(conn, _select().where(*where).order_by(*order).offset(query.offset).limit(query.limit))
    ids = select(w.c.invoice_id).where(*where).order_by(*order).offset(query.offset).limit(query.limit)
    return _rows(conn, _select().where(w.c.invoice_id.in_(ids)).order_by(*order))


def _select() -> Select[Any]:
    """The lines: the kept items with their customer's name, segment and dunning level, and
    whether the invoice is disputed now (a dispute opened since the night shows at once)."""
    w, c, a, i = t.kept_worklist, t.customers, t.credit_accounts, t.invoices
    level = func.coalesce(a.c.dunning_level, 0).label("dunning_level")
    disputed = func.coalesce(i.c.disputed, w.c.disputed).label("disputed")
    columns = [disputed if name == "disputed" else w.c[name] for name in ITEM_COLUMNS]
    joined = (
        w.join(c, c.c.customer_id == w.c.customer_id)
        .outerjoin(a, a.c.customer_id == w.c.customer_id)
        .outerjoin(i, i.c.invoice_id == w.c.invoice_id)
    )
    return select(*columns, c.c.name, c.c.segment, level, a.c.dunning_since).select_from(joined)


def _filters(query: WorklistQuery, promised: Collection[str], *, per_item: bool = False) -> list[ColumnElement[bool]]:
    """The query's filters but its search. ``per_item``: a customer's level or segment is looked
    up for each item read, not every customer at that level or in that segment gathered first:
    for few items (those a search found, named by id), or a window reached after few items read
    in the list's order (see :func:`_reached_in_order`)."""
    w, c, a = t.kept_worklist, t.customers, t.credit_accounts
    where: list[ColumnElement[bool]] = []
    if query.level is not None:
        # No account: level 0.
        dunned = _customer_among(
            select(a.c.customer_id).where(a.c.dunning_level == query.level if query.level else a.c.dunning_level > 0),
            a.c.customer_id,
            per_item,
        )
        where.append(dunned if query.level else not_(dunned))
    if query.disputed is not None:
        where.append(w.c.disputed.is_(query.disputed))
    if query.promised is not None:
        with_promise = w.c.customer_id.in_(list(promised))
        where.append(with_promise if query.promised else not_(with_promise))
    if query.segment is not None:
        in_segment = select(c.c.customer_id).where(c.c.segment == query.segment)
        where.append(_customer_among(in_segment, c.c.customer_id, per_item))
    if query.currency is not None:
        where.append(w.c.currency == query.currency)
    return where


def _customer_among(chosen: Select[Any], key: ColumnElement[str], per_item: bool) -> ColumnElement[bool]:
    """The kept item's customer is one of ``chosen`` (a select of ``key``): looked up for each
    item, or gathered as a set once."""
    w = t.kept_worklist
    # Correlated with the kept item only: the statement may join the same table for its own columns.
    return chosen.where(key == w.c.customer_id).correlate(w).exists() if per_item else w.c.customer_id.in_(chosen)


def _reached_in_order(conn: Connection, query: WorklistQuery, total: int) -> bool:
    """Whether the window is best found by reading the list in its order (an index) and looking
    up each item's customer, rather than gathering the customers filtered for and sorting all
    their items: when the items read to reach the window's end, about (offset + limit) times
    the kept items over those the filters leave, are fewer than those items. SQLite's planner
    cannot tell: it gathered the 739,000 customers of the largest segment and sorted their
    million items to show 50 (2.4 s)."""
    if (query.level is None and query.segment is None) or query.sort not in ("loss", "days", "amount", "due"):
        return False
    kept = kept_run(conn)
    read = (query.offset + query.limit) * (kept.items if kept else 0) / max(total, 1)
    return read < total


#: Up to how many items a search finds are named by their ids; more (a search of a few letters
#: that most ids hold) and the search stays a condition each kept item is read against.
_FOUND_BY_ID = 5_000


def _search(conn: Connection, q: str) -> tuple[list[ColumnElement[bool]], bool]:
    """A search of the customer's id and name and the invoice's id, and whether the items it
    finds are few. Those are found once (the customers by id or name in one pass over them, then
    their items by index; the invoice ids in one pass over the items) and named by their ids:
    the count and the window then read those items, not every kept item once more each."""
    if not q:
        return [], False
    w, c = t.kept_worklist, t.customers
    customers = select(c.c.customer_id).where(or_(_contains(conn, c.c.customer_id, q), _contains(conn, c.c.name, q)))
    by_customer = select(w.c.invoice_id).where(w.c.customer_id.in_(customers))
    by_invoice = select(w.c.invoice_id).where(_contains(conn, w.c.invoice_id, q))
    # UNION ALL, not UNION, to stop at the limit rather than find them all first; an item found
    # both ways comes twice, so twice the cap is read: more than the cap of them once each.
    found = union_all(by_customer, by_invoice).subquery()
    ids = set(conn.execute(select(found.c.invoice_id).limit(2 * _FOUND_BY_ID + 1)).scalars())
    if len(ids) > _FOUND_BY_ID:
        return [or_(w.c.customer_id.in_(customers), _contains(conn, w.c.invoice_id, q))], False
    return [w.c.invoice_id.in_(sorted(ids))], True


def _contains(conn: Connection, column: ColumnElement[str], q: str) -> ColumnElement[bool]:
    """``q`` anywhere in ``column``, case aside; autoescape: a % or _ in it is that character,
    not a wildcard. SQLite's LIKE folds the case of ASCII letters as its lower() does (and no
    others), and reads a column three times faster without lower() around it."""
    if conn.dialect.name == "sqlite":
        return column.contains(q, autoescape=True)
    return column.icontains(q, autoescape=True)


def _order(query: WorklistQuery) -> list[Any]:
    """The sort, then the worklist's own order: what a stable sort of the ranked list gives."""
    w = t.kept_worklist
    if query.sort == "loss":  # the worklist's own order, or that upside down
        return (
            list(t.WORKLIST_ORDER) if query.descending else [w.c.expected_loss, w.c.open_minor, w.c.invoice_id.desc()]
        )
    keys: dict[str, list[Any]] = {
        "days": [w.c.days_past_due],
        "amount": [w.c.open_minor],
        "due": [w.c.due_date, w.c.invoice_id],
        "name": [t.CUSTOMER_NAME_KEY],
    }
    chosen = keys.get(query.sort, [])
    return [key.desc() if query.descending else key.asc() for key in chosen] + list(t.WORKLIST_ORDER)


def _promised_first(
    conn: Connection, query: WorklistQuery, promised: Mapping[str, date], where: list[ColumnElement[bool]]
) -> list[dict[str, Any]]:
    """Sorted by the day promised: the items of customers with a promise (few) sorted here, then
    the others in the worklist's order."""
    ids = list(promised)
    with_promise = _rows(
        conn, _select().where(*where, t.kept_worklist.c.customer_id.in_(ids)).order_by(*t.WORKLIST_ORDER)
    )
    with_promise.sort(key=lambda row: promised[row["customer_id"]], reverse=query.descending)
    window = with_promise[query.offset : query.offset + query.limit]
    rest = query.limit - len(window)
    if rest > 0:
        skip = max(0, query.offset - len(with_promise))
        others = WorklistQuery(sort="loss", descending=True, offset=skip, limit=rest)
        window += _window(conn, others, [*where, not_(t.kept_worklist.c.customer_id.in_(ids))])
    return window


def _by_level(conn: Connection, query: WorklistQuery, where: list[ColumnElement[bool]]) -> list[dict[str, Any]]:
    """Sorted by dunning level: one level after another (there are five), each in the
    worklist's order, read as the level filter reads it; not the join of every item sorted."""
    w, a = t.kept_worklist, t.credit_accounts
    level = func.coalesce(a.c.dunning_level, 0)
    joined = w.outerjoin(a, a.c.customer_id == w.c.customer_id)
    found_counts = conn.execute(select(level, func.count()).select_from(joined).where(*where).group_by(level))
    counts = {int(at): int(n) for at, n in found_counts}
    window: list[dict[str, Any]] = []
    skip = query.offset
    for found in sorted(counts, reverse=query.descending):
        if skip >= counts[found]:
            skip -= counts[found]
            continue
        at_level = WorklistQuery(level=found, offset=skip, limit=query.limit - len(window))
        window += _window(conn, at_level, [*where, *_filters(at_level, ())])
        skip = 0
        if len(window) == query.limit:
            break
    return window


#: Up to how many lines a sort by name sorts whole (the walk would read every customer's for few).
_SORTED_WHOLE = 10_000
#: How many customers a sort by name reads first; doubled each time their items fall short.
_FIRST_NAMES = 500
_MOST_NAMES = 64_000


def _by_name(conn: Connection, query: WorklistQuery, where: list[ColumnElement[bool]]) -> list[dict[str, Any]]:
    """Sorted by the customer's name: the customers walked in that order (an index), a run of
    them at a time, each run's items counted and skipped or sorted; not the join of every item
    sorted. A run never splits a name: the items of customers named alike sort together."""
    w, c, key = t.kept_worklist, t.customers, t.CUSTOMER_NAME_KEY

    def after(name: str) -> ColumnElement[bool]:
        return key < name if query.descending else key > name

    def up_to(name: str) -> ColumnElement[bool]:
        return key >= name if query.descending else key <= name

    names = select(key).order_by(key.desc() if query.descending else key)
    window: list[dict[str, Any]] = []
    skip, size, last = query.offset, _FIRST_NAMES, None
    while len(window) < query.limit:
        start = names if last is None else names.where(after(last))
        bound = conn.execute(start.offset(size - 1).limit(1)).scalar()
        run = select(c.c.customer_id).where(*([] if last is None else [after(last)]))
        run = run.where(up_to(bound)) if bound is not None else run
        in_run = [*where, w.c.customer_id.in_(run)]
        found = int(conn.execute(select(func.count()).select_from(t.kept_worklist).where(*in_run)).scalar_one())
        if skip >= found:
            skip -= found
        else:
            at = WorklistQuery(sort="name", descending=query.descending, offset=skip, limit=query.limit - len(window))
            window += _window(conn, at, in_run)
            skip = 0
        if bound is None:
            break
        last, size = bound, min(2 * size, _MOST_NAMES)
    return window


def _rows(conn: Connection, query: Select[Any]) -> list[dict[str, Any]]:
    return [dict(row) for row in conn.execute(query).mappings()]
