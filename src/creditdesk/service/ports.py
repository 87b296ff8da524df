"""Ports: what the service layer needs from storage, as Protocols the adapters implement."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from types import TracebackType
from typing import Any, Protocol, Self

from creditdesk.domain.accounts import CreditAccount, LimitChange
from creditdesk.domain.audit import AuditRecord
from creditdesk.domain.customers import Customer, CustomerGroup
from creditdesk.domain.money import Money


class CustomerRepository(Protocol):
    def get(self, customer_id: str) -> Customer | None: ...
    def add(self, customer: Customer) -> None: ...


class GroupRepository(Protocol):
    def get(self, group_id: str) -> CustomerGroup | None: ...
    def add(self, group: CustomerGroup) -> None: ...
    def parent_of(self, group_id: str) -> str | None: ...


class AccountRepository(Protocol):
    def get(self, customer_id: str, *, for_update: bool = False) -> CreditAccount | None: ...
    def add(self, account: CreditAccount) -> None: ...
    def set_limit(self, customer_id: str, limit: Money, valid_to: date | None) -> None: ...


class LimitHistory(Protocol):
    def add(self, change: LimitChange) -> None: ...
    def for_customer(self, customer_id: str) -> list[LimitChange]: ...


class AuditLog(Protocol):
    def append(
        self, actor: str, action: str, entity: str, entity_id: str, payload: dict[str, Any]
    ) -> AuditRecord: ...
    def records(self) -> Iterator[AuditRecord]: ...


class TokenRepository(Protocol):
    def add(self, name: str, role: str, token_hash: str, created_at: datetime) -> None: ...
    def find(self, token_hash: str) -> tuple[str, str] | None:
        """(name, role) of a live token with that hash."""
        ...


class UserRepository(Protocol):
    def add(self, username: str, password_hash: str, role: str, language: str) -> None: ...
    def get(self, username: str) -> tuple[str, str, str] | None:
        """(password_hash, role, language) of the user."""
        ...
    def set_language(self, username: str, language: str) -> None: ...
    def set_password_hash(self, username: str, password_hash: str) -> None: ...


class PasswordHasher(Protocol):
    def hash(self, password: str) -> str: ...
    def verify(self, password_hash: str, password: str) -> bool: ...


class Clock(Protocol):
    def now(self) -> datetime: ...
    def today(self) -> date: ...


class UnitOfWork(Protocol):
    customers: CustomerRepository
    groups: GroupRepository
    accounts: AccountRepository
    limits: LimitHistory
    audit: AuditLog
    tokens: TokenRepository
    users: UserRepository

    def __enter__(self) -> Self: ...
    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...
    def commit(self) -> None: ...
    def rollback(self) -> None: ...
