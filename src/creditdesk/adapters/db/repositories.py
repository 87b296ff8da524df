"""Repositories over SQLAlchemy Core: rows in, domain objects out."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, RowMapping, func, insert, select, text, update

from creditdesk.adapters.db import tables as t
from creditdesk.domain.accounts import AccountStatus, CreditAccount, LimitChange
from creditdesk.domain.audit import GENESIS_HASH, SYSTEM_STREAM, AuditRecord, chain_hash
from creditdesk.domain.customers import Customer, CustomerGroup
from creditdesk.domain.money import Money
from creditdesk.service.ports import Clock

# Any constant; it names the PostgreSQL advisory lock that orders audit appends.
_AUDIT_LOCK_KEY = 0x43_44_41_55


def utc(value: datetime) -> datetime:
    """SQLite hands back naive datetimes; everything we store is UTC."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def customer_from_row(row: Mapping[Any, Any]) -> Customer:
    return Customer(
        customer_id=row["customer_id"],
        name=row["name"],
        currency=row["currency"],
        segment=row["segment"],
        group_id=row["group_id"],
        country=row["country"],
        industry=row["industry"],
        registered_on=row["registered_on"],
        payment_terms_days=row["payment_terms_days"],
    )


def customer_to_row(customer: Customer) -> dict[str, Any]:
    return {
        "customer_id": customer.customer_id,
        "name": customer.name,
        "currency": customer.currency,
        "segment": customer.segment,
        "group_id": customer.group_id,
        "country": customer.country,
        "industry": customer.industry,
        "registered_on": customer.registered_on,
        "payment_terms_days": customer.payment_terms_days,
    }


def account_from_row(row: RowMapping) -> CreditAccount:
    ccy = row["currency"]
    return CreditAccount(
        customer_id=row["customer_id"],
        currency=ccy,
        limit=Money.from_minor(row["limit_minor"], ccy),
        status=AccountStatus(row["status"]),
        receivable=Money.from_minor(row["receivable_minor"], ccy),
        reserved=Money.from_minor(row["reserved_minor"], ccy),
        limit_valid_to=row["limit_valid_to"],
        delivered=Money.from_minor(row["delivered_minor"], ccy),
    )


class SqlCustomers:
    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def get(self, customer_id: str) -> Customer | None:
        row = self._c.execute(select(t.customers).where(t.customers.c.customer_id == customer_id)).mappings().first()
        return customer_from_row(row) if row else None

    def add(self, customer: Customer) -> None:
        self._c.execute(insert(t.customers), [customer_to_row(customer)])


class SqlGroups:
    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def get(self, group_id: str) -> CustomerGroup | None:
        row = (
            self._c.execute(select(t.customer_groups).where(t.customer_groups.c.group_id == group_id))
            .mappings()
            .first()
        )
        return CustomerGroup(row["group_id"], row["name"], row["parent_group_id"]) if row else None

    def add(self, group: CustomerGroup) -> None:
        self._c.execute(
            insert(t.customer_groups),
            [{"group_id": group.group_id, "name": group.name, "parent_group_id": group.parent_group_id}],
        )

    def parent_of(self, group_id: str) -> str | None:
        parent: str | None = self._c.execute(
            select(t.customer_groups.c.parent_group_id).where(t.customer_groups.c.group_id == group_id)
        ).scalar()
        return parent


class SqlAccounts:
    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def get(self, customer_id: str, *, for_update: bool = False) -> CreditAccount | None:
        query = select(t.credit_accounts).where(t.credit_accounts.c.customer_id == customer_id)
        if for_update:
            # PostgreSQL: the row lock serialises writers on this account. SQLite ignores it;
            # there BEGIN IMMEDIATE already serialises every writer.
            query = query.with_for_update()
        row = self._c.execute(query).mappings().first()
        return account_from_row(row) if row else None

    def add(self, account: CreditAccount) -> None:
        self._c.execute(
            insert(t.credit_accounts),
            [
                {
                    "customer_id": account.customer_id,
                    "currency": account.currency,
                    "limit_minor": account.limit.minor,
                    "limit_valid_to": account.limit_valid_to,
                    "status": account.status.value,
                    "receivable_minor": account.receivable.minor,
                    "reserved_minor": account.reserved.minor,
                }
            ],
        )

    def set_limit(self, customer_id: str, limit: Money, valid_to: date | None) -> None:
        self._c.execute(
            update(t.credit_accounts)
            .where(t.credit_accounts.c.customer_id == customer_id)
            .values(limit_minor=limit.minor, limit_valid_to=valid_to)
        )


class SqlLimitHistory:
    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def add(self, change: LimitChange) -> None:
        self._c.execute(
            insert(t.limit_changes),
            [
                {
                    "customer_id": change.customer_id,
                    "amount_minor": change.amount.minor,
                    "currency": change.amount.currency,
                    "valid_from": change.valid_from,
                    "valid_to": change.valid_to,
                    "reason": change.reason,
                    "source": change.source,
                    "changed_by": change.changed_by,
                    "changed_at": change.changed_at,
                    "rule": change.rule,
                    "policy_version": change.policy_version,
                    "request_id": change.request_id,
                }
            ],
        )

    def for_customer(self, customer_id: str) -> list[LimitChange]:
        rows = self._c.execute(
            select(t.limit_changes)
            .where(t.limit_changes.c.customer_id == customer_id)
            .order_by(t.limit_changes.c.changed_at.desc(), t.limit_changes.c.id.desc())
        ).mappings()
        return [
            LimitChange(
                customer_id=row["customer_id"],
                amount=Money.from_minor(row["amount_minor"], row["currency"]),
                reason=row["reason"],
                changed_by=row["changed_by"],
                changed_at=utc(row["changed_at"]),
                valid_from=row["valid_from"],
                valid_to=row["valid_to"],
                source=row["source"],
                rule=row["rule"],
                policy_version=row["policy_version"],
                request_id=row["request_id"],
            )
            for row in rows
        ]


class SqlAuditLog:
    def __init__(self, connection: Connection, clock: Clock) -> None:
        self._c = connection
        self._clock = clock

    def append(
        self,
        actor: str,
        action: str,
        entity: str,
        entity_id: str,
        payload: dict[str, Any],
        *,
        stream: str = SYSTEM_STREAM,
    ) -> AuditRecord:
        if stream == SYSTEM_STREAM and self._c.dialect.name == "postgresql":
            # The system stream has no row of its own to lock; the lock lasts until commit.
            # (SQLite: BEGIN IMMEDIATE already serialises writers. A customer stream's writer
            # holds that account's row lock, and the unique (stream, stream_seq) index backs it.)
            self._c.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _AUDIT_LOCK_KEY})
        tail = self._c.execute(
            select(t.audit_log.c.stream_seq, t.audit_log.c.hash)
            .where(t.audit_log.c.stream == stream)
            .order_by(t.audit_log.c.stream_seq.desc())
            .limit(1)
        ).first()
        stream_seq, prev = (tail[0] + 1, tail[1]) if tail else (1, GENESIS_HASH)
        at = self._clock.now().replace(microsecond=0)
        # Round-trip through JSON so the hashed payload is exactly what is stored.
        stored = json.loads(json.dumps(payload, default=str))
        digest = chain_hash(prev, stream_seq, at, actor, action, entity, entity_id, stored, stream)
        seq = self._c.execute(
            insert(t.audit_log).returning(t.audit_log.c.seq),
            {
                "stream": stream,
                "stream_seq": stream_seq,
                "at": at,
                "actor": actor,
                "action": action,
                "entity": entity,
                "entity_id": entity_id,
                "payload": json.dumps(stored, sort_keys=True),
                "prev_hash": prev,
                "hash": digest,
            },
        ).scalar_one()
        return AuditRecord(seq, at, actor, action, entity, entity_id, stored, prev, digest, stream, stream_seq)

    def records(self) -> Iterator[AuditRecord]:
        result = (
            self._c.execution_options(yield_per=1000)
            .execute(select(t.audit_log).order_by(t.audit_log.c.seq))
            .mappings()
        )
        for row in result:
            yield AuditRecord(
                seq=row["seq"],
                at=utc(row["at"]),
                actor=row["actor"],
                action=row["action"],
                entity=row["entity"],
                entity_id=row["entity_id"],
                payload=json.loads(row["payload"]),
                prev_hash=row["prev_hash"],
                hash=row["hash"],
                stream=row["stream"],
                stream_seq=row["stream_seq"],
            )

    def count(self) -> int:
        return int(self._c.execute(select(func.count()).select_from(t.audit_log)).scalar_one())


class SqlTokens:
    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def add(self, name: str, role: str, token_hash: str, created_at: datetime) -> None:
        self._c.execute(
            insert(t.api_tokens),
            [{"name": name, "role": role, "token_hash": token_hash, "created_at": created_at}],
        )

    def find(self, token_hash: str) -> tuple[str, str] | None:
        row = self._c.execute(
            select(t.api_tokens.c.name, t.api_tokens.c.role).where(
                t.api_tokens.c.token_hash == token_hash, t.api_tokens.c.revoked_at.is_(None)
            )
        ).first()
        return (row[0], row[1]) if row else None

    def revoke(self, token_id: int, at: datetime) -> str | None:
        k = t.api_tokens
        name = self._c.execute(select(k.c.name).where(k.c.id == token_id, k.c.revoked_at.is_(None))).scalar()
        if name is None:
            return None
        self._c.execute(update(k).where(k.c.id == token_id).values(revoked_at=at))
        return str(name)


class SqlUsers:
    def __init__(self, connection: Connection, clock: Clock) -> None:
        self._c = connection
        self._clock = clock

    def add(self, username: str, password_hash: str, role: str, language: str) -> None:
        self._c.execute(
            insert(t.users),
            [
                {
                    "username": username,
                    "password_hash": password_hash,
                    "role": role,
                    "language": language,
                    "created_at": self._clock.now(),
                }
            ],
        )

    def get(self, username: str) -> tuple[str, str, str] | None:
        row = self._c.execute(
            select(t.users.c.password_hash, t.users.c.role, t.users.c.language).where(t.users.c.username == username)
        ).first()
        return (row[0], row[1], row[2]) if row else None

    def set_language(self, username: str, language: str) -> None:
        self._c.execute(update(t.users).where(t.users.c.username == username).values(language=language))
