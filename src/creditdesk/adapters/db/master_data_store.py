"""Customer versions, changes, deactivation and merges.

Single-customer methods serve the service layer (``service/master_data.py``); the ``*_many``
methods write a batch of changes with a few statements each, for imports.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, and_, bindparam, func, insert, or_, select, update

from creditdesk.adapters.db import tables as t
from creditdesk.adapters.db.credit_store import ledger_rows
from creditdesk.domain.ledger import Totals
from creditdesk.service.ports import Clock, Posting

FIELDS = (
    "name",
    "currency",
    "segment",
    "group_id",
    "country",
    "industry",
    "registered_on",
    "payment_terms_days",
)
BUCKETS = ("receivable", "reserved", "delivered", "unapplied")
# Limits the credit team set: an import never overwrites them (docs/master-data.md).
TEAM_SOURCES = ("manual", "request", "rule")
# Group postings whose ref_id is the customer itself (opening balance, group move, import).
_OWN_REF_KINDS = ("opening", "group_move", "import")


def _chunks(values: Sequence[Any], size: int = 500) -> list[Sequence[Any]]:
    return [values[i : i + size] for i in range(0, len(values), size)]


def jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


class SqlMasterData:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    # reads -------------------------------------------------------------------------------
    def customer(self, customer_id: str) -> dict[str, Any] | None:
        row = self._conn.execute(select(t.customers).where(t.customers.c.customer_id == customer_id)).mappings().first()
        return dict(row) if row is not None else None

    def customers(self, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        found: dict[str, dict[str, Any]] = {}
        for chunk in _chunks(list(ids)):
            for row in self._conn.execute(select(t.customers).where(t.customers.c.customer_id.in_(chunk))).mappings():
                found[row["customer_id"]] = dict(row)
        return found

    def latest_versions(self, ids: Sequence[str]) -> dict[str, tuple[int, date]]:
        """Each customer's newest version number and its valid_from."""
        v = t.customer_versions
        found: dict[str, tuple[int, date]] = {}
        for chunk in _chunks(list(ids)):
            newest = (
                select(v.c.customer_id, func.max(v.c.version).label("version"))
                .where(v.c.customer_id.in_(chunk))
                .group_by(v.c.customer_id)
                .subquery()
            )
            rows = self._conn.execute(
                select(v.c.customer_id, v.c.version, v.c.valid_from).join(
                    newest, and_(newest.c.customer_id == v.c.customer_id, newest.c.version == v.c.version)
                )
            )
            found.update({cid: (version, valid_from) for cid, version, valid_from in rows})
        return found

    def history(self, customer_id: str) -> list[dict[str, Any]]:
        v = t.customer_versions
        rows = self._conn.execute(select(v).where(v.c.customer_id == customer_id).order_by(v.c.version)).mappings()
        return [{**dict(row), "changes": json.loads(row["changes"])} for row in rows]

    def team_limits(self, ids: Sequence[str]) -> set[str]:
        """The customers whose limit in force was last set by the credit team."""
        lc = t.limit_changes
        found: set[str] = set()
        for chunk in _chunks(list(ids)):
            newest = (
                select(func.max(lc.c.id))
                .where(lc.c.customer_id.in_(chunk), lc.c.company_code.is_(None))
                .group_by(lc.c.customer_id)
            )
            rows = self._conn.execute(
                select(lc.c.customer_id).where(lc.c.id.in_(newest), lc.c.source.in_(TEAM_SOURCES))
            )
            found.update(rows.scalars())
        return found

    def contributions(self, pairs: Sequence[tuple[str, str]]) -> dict[tuple[str, str], Totals]:
        """What each customer's own postings put into each group's pool (group currency), for
        many (customer, group) pairs: the group's entries with the ref_id and kind of one of the
        customer's entries, or with the customer's own id as ref_id (opening balance, group moves,
        imports). A few statements per 500 customers."""
        le = t.ledger_entries
        wanted = set(pairs)
        found: dict[tuple[str, str], Totals] = {}
        sums = [func.sum(le.c[f"{b}_delta"]) for b in BUCKETS]

        def add(rows: Any) -> None:
            for cid, gid, *values in rows:
                if (cid, gid) in wanted:
                    previous = found.get((cid, gid), Totals())
                    found[(cid, gid)] = Totals(*(a + int(b or 0) for a, b in zip(
                        (previous.receivable, previous.reserved, previous.delivered, previous.unapplied),
                        values, strict=True,
                    )))  # fmt: skip

        customers = sorted({cid for cid, _ in wanted})
        groups = sorted({gid for _, gid in wanted})
        for chunk in _chunks(customers):
            add(
                self._conn.execute(
                    select(le.c.ref_id, le.c.account_id, *sums)
                    .where(
                        le.c.account_kind == "group",
                        le.c.account_id.in_(groups),
                        le.c.kind.in_(_OWN_REF_KINDS),
                        le.c.ref_id.in_(chunk),
                    )
                    .group_by(le.c.ref_id, le.c.account_id)
                )
            )
            own = (
                select(le.c.account_id, le.c.ref_id, le.c.kind)
                .where(le.c.account_kind == "customer", le.c.account_id.in_(chunk))
                .distinct()
                .subquery()
            )
            g = le.alias("g")
            add(
                self._conn.execute(
                    select(own.c.account_id, g.c.account_id, *[func.sum(g.c[f"{b}_delta"]) for b in BUCKETS])
                    .select_from(g.join(own, and_(own.c.ref_id == g.c.ref_id, own.c.kind == g.c.kind)))
                    .where(g.c.account_kind == "group", g.c.account_id.in_(groups))
                    .group_by(own.c.account_id, g.c.account_id)
                )
            )
        return found

    def lock_accounts(self, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """The customers' accounts (currency, totals, limit), locked in customer id order as the
        credit engine locks one (PostgreSQL: row locks; SQLite: the write transaction)."""
        a = t.credit_accounts
        found: dict[str, dict[str, Any]] = {}
        for chunk in _chunks(sorted(ids)):
            query = (
                select(a.c.customer_id, a.c.currency, a.c.limit_minor, *[a.c[f"{b}_minor"] for b in BUCKETS])
                .where(a.c.customer_id.in_(chunk))
                .order_by(a.c.customer_id)
            )
            if self._conn.dialect.name == "postgresql":
                query = query.with_for_update()
            for cid, currency, limit, *values in self._conn.execute(query):
                found[cid] = {"currency": currency, "limit_minor": int(limit), "totals": Totals(*map(int, values))}
        return found

    def post_group_moves(self, postings: Sequence[Posting], at: datetime) -> None:
        """Group postings of moves: the ledger entries, and each pool's totals moved once."""
        if not postings:
            return
        self._conn.execute(insert(t.ledger_entries), ledger_rows(postings, at))
        moved: dict[str, list[int]] = {}
        for p in postings:
            assert p.account_kind == "group"
            total = moved.setdefault(p.account_id, [0, 0, 0, 0])
            for i, bucket in enumerate(BUCKETS):
                total[i] += getattr(p.delta, bucket)
        g = t.group_accounts
        self._conn.execute(
            update(g)
            .where(g.c.group_id == bindparam("gid"))
            .values({f"{b}_minor": g.c[f"{b}_minor"] + bindparam(f"d_{b}") for b in BUCKETS}),
            [
                {"gid": gid, **{f"d_{b}": d for b, d in zip(BUCKETS, deltas, strict=True)}}
                for gid, deltas in moved.items()
            ],
        )

    def lock_groups(self, group_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """The pooled group accounts among ``group_ids``, locked in group_id order (after the
        customer's account row, as the engine locks them)."""
        if not group_ids:
            return {}
        g = t.group_accounts
        query = select(g).where(g.c.group_id.in_(list(group_ids))).order_by(g.c.group_id)
        if self._conn.dialect.name == "postgresql":
            query = query.with_for_update()
        return {row["group_id"]: dict(row) for row in self._conn.execute(query).mappings()}

    def chain(self, group_id: str | None) -> list[str]:
        """The group and its parents, nearest first (cycles cut)."""
        chain: list[str] = []
        current = group_id
        while current is not None and current not in chain:
            chain.append(current)
            current = self._conn.execute(
                select(t.customer_groups.c.parent_group_id).where(t.customer_groups.c.group_id == current)
            ).scalar()
        return chain

    def ensure_groups(self, group_ids: Sequence[str]) -> None:
        """ERP exports carry group codes without a group master; the code creates the group."""
        for chunk in _chunks(sorted(set(group_ids))):
            stored = set(
                self._conn.execute(
                    select(t.customer_groups.c.group_id).where(t.customer_groups.c.group_id.in_(chunk))
                ).scalars()
            )
            new = [g for g in chunk if g not in stored]
            if new:
                self._conn.execute(
                    insert(t.customer_groups), [{"group_id": g, "name": g, "parent_group_id": None} for g in new]
                )

    # writes ------------------------------------------------------------------------------
    def write_versions(self, rows: list[dict[str, Any]], latest: dict[str, tuple[int, date]]) -> None:
        """Close each customer's newest version at the new one's valid_from and add the new one.
        ``rows``: the customer's full row after the change, with ``valid_from``, ``changes``,
        ``source``, ``changed_by`` and ``recorded_at``."""
        v = t.customer_versions
        closing = [
            {"cid": row["customer_id"], "ver": latest[row["customer_id"]][0], "to": row["valid_from"]}
            for row in rows
            if row["customer_id"] in latest
        ]
        if closing:
            self._conn.execute(
                update(v)
                .where(v.c.customer_id == bindparam("cid"), v.c.version == bindparam("ver"))
                .values(valid_to=bindparam("to")),
                closing,
            )
        self._conn.execute(
            insert(v),
            [
                {
                    "customer_id": row["customer_id"],
                    "version": latest[row["customer_id"]][0] + 1 if row["customer_id"] in latest else 1,
                    "valid_from": row["valid_from"],
                    "valid_to": None,
                    **{name: row[name] for name in FIELDS},
                    "status": row.get("status") or "active",
                    "changes": json.dumps(
                        {k: [jsonable(b), jsonable(a)] for k, (b, a) in row["changes"].items()}, sort_keys=True
                    ),
                    "source": row["source"][:200],
                    "changed_by": row["changed_by"][:100],
                    "recorded_at": row["recorded_at"],
                }
                for row in rows
            ],
        )

    def first_versions(self, rows: list[dict[str, Any]], source: str, actor: str, at: datetime) -> None:
        """Version 1 of newly registered customers (valid from registered_on, or the day)."""
        if not rows:
            return
        self.write_versions(
            [
                {
                    **row,
                    "valid_from": row.get("registered_on") or at.date(),
                    "changes": {},
                    "source": source,
                    "changed_by": actor,
                    "recorded_at": at,
                }
                for row in rows
            ],
            {},
        )

    def update_customers(self, rows: list[dict[str, Any]]) -> None:
        c = t.customers
        self._conn.execute(
            update(c)
            .where(c.c.customer_id == bindparam("cid"))
            .values({name: bindparam(f"v_{name}") for name in (*FIELDS, "status", "merged_into")}),
            [
                {"cid": row["customer_id"], **{f"v_{name}": row.get(name) for name in (*FIELDS, "merged_into")}}
                | {"v_status": row.get("status") or "active"}
                for row in rows
            ],
        )

    def set_account_currency(self, customer_id: str, currency: str) -> None:
        a = t.credit_accounts
        self._conn.execute(update(a).where(a.c.customer_id == customer_id).values(currency=currency))

    def emit_many(self, events: list[tuple[str, str, dict[str, Any]]], at: datetime) -> None:
        """One outbox event per (stream, type, payload), each stream's sequence moved by one
        (at most one event per stream in a call)."""
        if not events:
            return
        a = t.credit_accounts
        streams = [stream for stream, _, _ in events]
        self._conn.execute(
            update(a).where(a.c.customer_id == bindparam("cid")).values(event_seq=a.c.event_seq + 1),
            [{"cid": s} for s in streams],
        )
        seqs: dict[str, int] = {}
        for chunk in _chunks(streams):
            rows = self._conn.execute(select(a.c.customer_id, a.c.event_seq).where(a.c.customer_id.in_(chunk)))
            seqs.update({cid: int(seq) for cid, seq in rows})
        self._conn.execute(
            insert(t.outbox),
            [
                {
                    "stream": stream,
                    "stream_seq": seqs[stream],
                    "type": kind,
                    "payload": json.dumps(payload, sort_keys=True, default=str),
                    "at": at,
                }
                for stream, kind, payload in events
            ],
        )

    # list and search ---------------------------------------------------------------------
    def search(
        self,
        *,
        q: str | None,
        segment: str | None,
        grade: int | None,
        status: str | None,
        company_code: str | None,
        limit: int,
        offset: int,
    ) -> tuple[int, list[dict[str, Any]]]:
        c, a, s = t.customers, t.credit_accounts, t.customer_scores
        newest = (
            select(s.c.customer_id, func.max(s.c.id).label("id"))
            .where(s.c.role == "champion")
            .group_by(s.c.customer_id)
            .subquery()
        )
        grades = select(s.c.customer_id, s.c.grade).join(newest, newest.c.id == s.c.id).subquery()
        conditions = []
        if q:
            pattern = f"%{q.lower()}%"
            conditions.append(or_(func.lower(c.c.customer_id).like(pattern), func.lower(c.c.name).like(pattern)))
        if segment:
            conditions.append(c.c.segment == segment)
        if status:
            conditions.append(c.c.status == status)
        if grade is not None:
            conditions.append(grades.c.grade == grade)
        if company_code:
            sa = t.segment_accounts
            conditions.append(c.c.customer_id.in_(select(sa.c.customer_id).where(sa.c.company_code == company_code)))
        base = (
            select(
                c,
                grades.c.grade,
                a.c.limit_minor,
                a.c.receivable_minor,
                a.c.reserved_minor,
                a.c.delivered_minor,
            )
            .select_from(c.outerjoin(a, a.c.customer_id == c.c.customer_id))
            .outerjoin(grades, grades.c.customer_id == c.c.customer_id)
            .where(*conditions)
        )
        total = self._conn.execute(select(func.count()).select_from(base.subquery())).scalar_one()
        rows = self._conn.execute(base.order_by(c.c.customer_id).limit(limit).offset(offset)).mappings()
        return int(total), [dict(row) for row in rows]


class ConnectionUnit:
    """The ports a master-data change uses, over a connection whose transaction the caller
    (an import) owns: the service's ``apply_change`` runs inside it unchanged."""

    def __init__(self, conn: Connection, clock: Clock) -> None:
        from creditdesk.adapters.db.audit_log import SqlAuditLog
        from creditdesk.adapters.db.credit_store import SqlCreditStore

        self.connection = conn
        store = SqlCreditStore(conn, clock)
        self.credit_accounts = self.group_accounts = self.ledger = self.reference = store
        self.master_data = SqlMasterData(conn)
        self.audit = SqlAuditLog(conn, clock)
