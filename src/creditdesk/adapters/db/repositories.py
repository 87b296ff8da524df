"""Repositories over SQLAlchemy Core: rows in, domain objects out."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, RowMapping, delete, insert, select, update

from creditdesk.adapters.db import tables as t
from creditdesk.domain.accounts import AccountStatus, CreditAccount, LimitChange
from creditdesk.domain.customers import Customer, CustomerGroup
from creditdesk.domain.money import Money
from creditdesk.service.ports import Clock, Throttle, TokenOwner, UserRecord


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
                    "reason_zh": change.reason_zh,
                    "source": change.source,
                    "changed_by": change.changed_by,
                    "changed_at": change.changed_at,
                    "rule": change.rule,
                    "policy_version": change.policy_version,
                    "request_id": change.request_id,
                    "company_code": change.company_code,
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
                company_code=row["company_code"],
                reason_zh=row["reason_zh"],
            )
            for row in rows
        ]


class SqlTokens:
    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def add(self, name: str, role: str, token_hash: str, created_at: datetime, username: str | None) -> None:
        self._c.execute(
            insert(t.api_tokens),
            [{"name": name, "role": role, "token_hash": token_hash, "created_at": created_at, "username": username}],
        )

    def find(self, token_hash: str) -> TokenOwner | None:
        k = t.api_tokens
        row = self._c.execute(
            select(k.c.name, k.c.role, k.c.username).where(k.c.token_hash == token_hash, k.c.revoked_at.is_(None))
        ).first()
        return TokenOwner(row[0], row[1], row[2]) if row else None

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

    def add(self, username: str, password_hash: str, role: str, language: str, kind: str = "person") -> None:
        self._c.execute(
            insert(t.users),
            [
                {
                    "username": username,
                    "password_hash": password_hash,
                    "role": role,
                    "language": language,
                    "created_at": self._clock.now(),
                    "kind": kind,
                    "session_version": 0,
                }
            ],
        )

    def get(self, username: str) -> UserRecord | None:
        u = t.users
        row = self._c.execute(select(u).where(u.c.username == username)).mappings().first()
        if row is None:
            return None
        return UserRecord(
            row["username"],
            row["password_hash"],
            row["role"],
            row["language"],
            row["kind"],
            int(row["session_version"]),
            row["disabled_at"] is not None,
            row["email"],
            row["notify"],
            tuple(json.loads(row["company_codes"])) if row["company_codes"] is not None else None,
        )

    def change(
        self, username: str, *, role: str | None = None, password_hash: str | None = None, disabled: bool | None = None
    ) -> None:
        values: dict[str, object] = {"session_version": t.users.c.session_version + 1}
        if role is not None:
            values["role"] = role
        if password_hash is not None:
            values["password_hash"] = password_hash
        if disabled is not None:
            values["disabled_at"] = self._clock.now() if disabled else None
        self._c.execute(update(t.users).where(t.users.c.username == username).values(**values))

    def end_sessions(self, username: str) -> None:
        self.change(username)

    def set_company_codes(self, username: str, codes: tuple[str, ...] | None) -> None:
        scope = json.dumps(list(codes)) if codes is not None else None
        self._c.execute(update(t.users).where(t.users.c.username == username).values(company_codes=scope))
        self.end_sessions(username)

    def set_language(self, username: str, language: str) -> None:
        self._c.execute(update(t.users).where(t.users.c.username == username).values(language=language))

    def set_contact(self, username: str, values: dict[str, str | None]) -> None:
        allowed = {k: v for k, v in values.items() if k in ("email", "language", "notify")}
        self._c.execute(update(t.users).where(t.users.c.username == username).values(**allowed))


class SqlLoginThrottle:
    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def get(self, key: str) -> Throttle | None:
        k = t.login_throttle
        row = self._c.execute(select(k).where(k.c.key == key)).mappings().first()
        if row is None:
            return None
        locked = row["locked_until"]
        return Throttle(int(row["failures"]), utc(row["window_start"]), utc(locked) if locked else None)

    def put(self, key: str, throttle: Throttle) -> None:
        k = t.login_throttle
        values = {
            "failures": throttle.failures,
            "window_start": throttle.window_start,
            "locked_until": throttle.locked_until,
        }
        if self._c.execute(update(k).where(k.c.key == key).values(**values)).rowcount == 0:
            self._c.execute(insert(k).values(key=key, **values))

    def clear(self, key: str) -> None:
        self._c.execute(delete(t.login_throttle).where(t.login_throttle.c.key == key))
