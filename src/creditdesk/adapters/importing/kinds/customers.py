"""Customers: master data, and an initial credit limit within the importer's authority (beyond it, a request)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

from sqlalchemy import Connection, insert, select, update

from creditdesk.adapters.db import tables as t
from creditdesk.adapters.db.audit_log import SqlAuditLog
from creditdesk.adapters.db.limit_management import SqlLimitManagement
from creditdesk.adapters.db.master_data_store import ConnectionUnit, SqlMasterData
from creditdesk.domain.customers import Customer, Segment
from creditdesk.domain.money import Money
from creditdesk.domain.roles import Permission, may
from creditdesk.service import master_data as md
from creditdesk.service.customers import initial_limit_request, initial_request_id, may_set_initial_limit
from creditdesk.service.errors import ServiceError
from creditdesk.service.ports import UnitOfWork

from .. import fields as f
from ..problems import Code, FieldError
from .base import BuildError, ChangePlan, ChangeRefused, ChangingKind, Field, ImportState, RowIssue, in_chunks, minor_of


class Customers(ChangingKind):
    name = "customers"
    table = t.customers
    key = ("customer_id",)
    fields = (
        Field("customer_id", f.identifier, required=True),
        Field("name", f.bounded_text(200), required=True),
        Field("currency", f.currency, required=True),
        Field("segment", f.one_of(*(segment.value for segment in Segment))),
        Field("group_id", f.identifier),
        Field("country", f.country_code),
        Field("industry", f.bounded_text(64)),
        Field("registered_on", f.iso_date),
        Field("payment_terms_days", f.integer),
        Field("credit_limit", f.decimal_amount),
    )

    def build(self, values: dict[str, Any]) -> dict[str, Any]:
        terms = values.get("payment_terms_days")
        if terms is not None and not 0 <= terms <= 365:
            raise BuildError(
                "payment_terms_days", FieldError(Code.OUT_OF_RANGE, f"expected 0 to 365 days, found {terms}")
            )
        limit = minor_of(values, "credit_limit", values["currency"], non_negative=True)
        return {
            "customer_id": values["customer_id"],
            "name": values["name"],
            "currency": values["currency"],
            "segment": values.get("segment") or "standard",
            "group_id": values.get("group_id"),
            "country": values.get("country"),
            "industry": values.get("industry"),
            "registered_on": values.get("registered_on"),
            "payment_terms_days": 30 if terms is None else terms,
            "limit_minor": limit,
        }

    def existing(self, conn: Connection, keys: list[tuple[Any, ...]]) -> dict[tuple[Any, ...], dict[str, Any]]:
        found = super().existing(conn, keys)
        for chunk in in_chunks([k[0] for k in found]):
            for cid, limit in conn.execute(
                select(t.credit_accounts.c.customer_id, t.credit_accounts.c.limit_minor).where(
                    t.credit_accounts.c.customer_id.in_(chunk)
                )
            ):
                found[(cid,)]["limit_minor"] = limit
            # A limit proposed by an earlier import (waiting for approval) is the same content.
            proposals = {initial_request_id(cid): cid for cid in chunk}
            r = t.limit_requests
            for request_id, amount in conn.execute(
                select(r.c.request_id, r.c.amount_minor).where(r.c.request_id.in_(list(proposals)))
            ):
                if not found[(proposals[request_id],)]["limit_minor"]:
                    found[(proposals[request_id],)]["limit_minor"] = amount
        return found

    def compare(self, row: dict[str, Any], stored: dict[str, Any]) -> bool:
        same = all(stored.get(k) == v for k, v in row.items() if k != "limit_minor")
        return same and (row["limit_minor"] is None or row["limit_minor"] == stored.get("limit_minor"))

    def plan_changes(
        self, conn: Connection, items: list[tuple[dict[str, Any], dict[str, Any], set[str]]], state: ImportState
    ) -> ChangePlan:
        """Field by field: what the file changes (only the columns it has), limits it may not
        overwrite (protected), and what it may not change (the currency under exposure; anything
        without the importing user's permission)."""
        plan = ChangePlan()
        allowed = state.role is not None and may(state.role, Permission.WRITE_DOCUMENTS)
        team = SqlMasterData(conn).team_limits(
            [row["customer_id"] for row, stored, _ in items if _limit_differs(row, stored)]
        )
        for index, (row, stored, present) in enumerate(items):
            cid = row["customer_id"]
            if _limit_differs(row, stored):
                ccy = stored["currency"]
                kept = Money.from_minor(stored["limit_minor"] or 0, ccy).to_json()
                given = Money.from_minor(row["limit_minor"], ccy).to_json()
                why = (
                    "credit_limit (set by the credit team)"
                    if cid in team
                    else "credit_limit (limits change by request)"
                )
                plan.protected.append((cid, why, kept, given))
            values = {name: row[name] for name in md.FIELDS if name in present or name == "currency"}
            changes = md.diff(stored, values)
            if not changes:
                plan.unchanged += 1
                continue
            if not allowed:
                plan.issues.append(
                    RowIssue(
                        index,
                        "customer_id",
                        Code.FORBIDDEN,
                        f"{cid} is stored with other master data ({', '.join(sorted(changes))}); changing it "
                        f"needs --user with the {Permission.WRITE_DOCUMENTS.value} permission (analyst or above)",
                    )
                )
                continue
            if "currency" in changes and (problem := _currency_problem(conn, cid)):
                plan.issues.append(RowIssue(index, "currency", Code.CONFLICT, problem))
                continue
            plan.apply.append(
                {"customer_id": cid, "before": stored, "values": values, "changes": changes, "index": index}
            )
            plan.changes.extend((cid, name, before, after) for name, (before, after) in sorted(changes.items()))
        return plan

    def apply_changes(self, conn: Connection, plan: ChangePlan, state: ImportState) -> None:
        """The batch's changes through the service's rules (``apply_changes``), a few statements
        for the whole batch: versions, customers, group moves with their ledger postings, one
        event per customer and one audit record for the batch."""
        clock = state.booker.clock
        source = f"import:{Path(state.source).name}"
        unit = cast(UnitOfWork, ConnectionUnit(conn, clock))
        cmds = [
            md.ChangeCustomer(
                p["customer_id"],
                {name: after for name, (_, after) in p["changes"].items()},
                state.actor,
                state.role,
                source,
            )
            for p in plan.apply
        ]
        try:
            md.apply_changes(unit, cmds, clock, audit_as=source)
        except ServiceError as error:
            position = next((i for i, p in enumerate(plan.apply) if repr(p["customer_id"]) in error.detail), 0)
            raise ChangeRefused(position, Code.CONFLICT, error.detail) from None

    def write(self, conn: Connection, rows: list[dict[str, Any]], state: ImportState) -> None:
        groups = sorted(
            {row["group_id"] for row in rows if row["group_id"]} - {g for g, ok in state.groups.items() if ok}
        )
        for chunk in in_chunks(groups):
            stored = set(
                conn.execute(
                    select(t.customer_groups.c.group_id).where(t.customer_groups.c.group_id.in_(chunk))
                ).scalars()
            )
            new = [g for g in chunk if g not in stored]
            if new:
                # ERP exports carry group codes without a group master; the code creates the group.
                conn.execute(
                    insert(t.customer_groups), [{"group_id": g, "name": g, "parent_group_id": None} for g in new]
                )
            state.groups.update(dict.fromkeys(chunk, True))
        conn.execute(insert(t.customers), [{k: v for k, v in row.items() if k != "limit_minor"} for row in rows])
        SqlMasterData(conn).first_versions(rows, f"import:{state.source}", state.actor, state.now)
        conn.execute(
            insert(t.credit_accounts),
            [
                {
                    "customer_id": row["customer_id"],
                    "currency": row["currency"],
                    "limit_minor": row["limit_minor"] or 0,
                    "limit_valid_to": None,
                    "status": "active",
                    "receivable_minor": 0,
                    "reserved_minor": 0,
                }
                for row in rows
            ],
        )
        limited = [row for row in rows if row["limit_minor"] is not None]
        limited = _propose_beyond_authority(conn, limited, state)
        if limited:
            now = state.now
            conn.execute(
                insert(t.limit_changes),
                [
                    {
                        "customer_id": row["customer_id"],
                        "amount_minor": row["limit_minor"],
                        "currency": row["currency"],
                        "valid_from": now.date(),
                        "valid_to": None,
                        "reason": "imported limit",
                        "reason_zh": "导入的额度",
                        "source": "import",
                        "changed_by": state.actor,
                        "changed_at": now,
                    }
                    for row in limited
                ],
            )


def _limit_differs(row: dict[str, Any], stored: dict[str, Any]) -> bool:
    return row["limit_minor"] is not None and row["limit_minor"] != stored.get("limit_minor")


def _currency_problem(conn: Connection, customer_id: str) -> str | None:
    a = t.credit_accounts
    found = conn.execute(
        select(
            a.c.receivable_minor, a.c.reserved_minor, a.c.delivered_minor, a.c.unapplied_minor, a.c.limit_minor
        ).where(a.c.customer_id == customer_id)
    ).first()
    if found is None:
        return None
    if any(found[:4]):
        return (
            f"{customer_id}: expected the stored currency while the account has exposure or cash on account "
            "(settle it first); its currency may not change"
        )
    if found[4]:
        return f"{customer_id}: expected the stored currency while the account has a credit limit (set it to 0 first)"
    return None


def _propose_beyond_authority(
    conn: Connection, limited: list[dict[str, Any]], state: ImportState
) -> list[dict[str, Any]]:
    """The rows whose limit the importer may set alone (kept); every other one's account stays at
    zero and its limit waits as a request for someone who may decide it (audited)."""
    if not limited:
        return limited
    management = SqlLimitManagement(conn)
    version, policy = management.limit_policy()
    kept = []
    for row in limited:
        limit = Money.from_minor(row["limit_minor"], row["currency"])
        if not limit.amount or may_set_initial_limit(policy, state.role, limit, row["segment"]):
            kept.append(row)
            continue
        conn.execute(
            update(t.credit_accounts).where(t.credit_accounts.c.customer_id == row["customer_id"]).values(limit_minor=0)
        )
        customer = Customer(row["customer_id"], row["name"], row["currency"], segment=row["segment"])
        request = initial_limit_request(policy, version, customer, limit, state.actor, state.booker.clock)
        management.add_request(request)
        audit = SqlAuditLog(conn, state.booker.clock)
        audit.append(
            state.actor, "limit.requested", "customer", row["customer_id"], request.as_json(), stream=row["customer_id"]
        )
    return kept
