"""Ports: what the service layer needs from storage, as Protocols the adapters implement."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from types import TracebackType
from typing import TYPE_CHECKING, Any, Protocol, Self

from creditdesk.domain.accounts import AccountStatus, CreditAccount, LimitChange, ManagedAccount
from creditdesk.domain.audit import AuditHead, AuditKeys, AuditRecord
from creditdesk.domain.collections import Promise, PromiseStatus
from creditdesk.domain.company_codes import CompanyCode, CreditSegment
from creditdesk.domain.customers import Customer, CustomerGroup
from creditdesk.domain.documents import Allocation, Invoice, Payment
from creditdesk.domain.fx import Rate
from creditdesk.domain.ledger import Delta, EntryKind, Totals
from creditdesk.domain.limit_policy import LimitInputs, LimitPolicy
from creditdesk.domain.limit_requests import LimitRequest, RequestStatus
from creditdesk.domain.money import Money
from creditdesk.domain.monitoring import AccountFacts
from creditdesk.domain.orders import Order
from creditdesk.domain.rules import CheckPolicy

if TYPE_CHECKING:  # the modelling library's types, without loading pandas and scikit-learn to name them
    import pandas as pd

    from creditdesk.risk.features.customer import SourceTables
    from creditdesk.service.applications import Application
    from creditdesk.service.cover import Claim, CoverRow
    from creditdesk.service.disputes import DisputeCase
    from creditdesk.service.notes import AttachmentRecord, NoteRecord
    from creditdesk.service.policies import PendingActivation


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


@dataclass(frozen=True, slots=True)
class RecordedChange:
    """One change a rule, a review or an approval made to an account, as the change log keeps it."""

    customer_id: str
    effective_on: date
    rule: str
    field: str
    before: str | None
    after: str | None
    inputs: dict[str, str]
    policy_version: int | None
    en: str
    zh: str
    actor: str
    recorded_at: datetime

    def as_json(self) -> dict[str, object]:
        return {
            "effective_on": self.effective_on.isoformat(),
            "rule": self.rule,
            "field": self.field,
            "before": self.before,
            "after": self.after,
            "inputs": self.inputs,
            "policy_version": self.policy_version,
            "explanation": {"en": self.en, "zh": self.zh},
            "actor": self.actor,
            "recorded_at": self.recorded_at.isoformat(),
        }


class LimitManagement(Protocol):
    def limit_policy(self) -> tuple[int | None, LimitPolicy]: ...
    def account(self, customer_id: str, *, lock: bool = False) -> ManagedAccount | None: ...
    def grade(self, customer_id: str) -> int | None: ...
    def set_limit(
        self, customer_id: str, limit: Money, valid_to: date | None, base_limit: Money | None, increased_on: date | None
    ) -> None:
        """The limit in force, its end, the permanent limit under a temporary one; ``increased_on``
        marks a permanent increase (None leaves the last one as it is)."""
        ...

    def set_rule_status(self, customer_id: str, status: AccountStatus, on: date) -> None:
        """A status the monitor's rules set (a person's goes through ``CreditAccounts.set_standing``)."""
        ...

    def set_next_review(self, customer_id: str, on: date) -> None: ...
    def set_increases_frozen(self, customer_id: str, since: date | None) -> None: ...
    def set_in_default(self, customer_id: str, since: date | None) -> None: ...
    def set_dunning(self, customer_id: str, level: int, since: date | None) -> None: ...
    def record(self, change: RecordedChange) -> None: ...
    def changes(self, customer_id: str) -> list[RecordedChange]: ...
    def add_request(self, request: LimitRequest) -> None: ...
    def request(self, request_id: str, *, lock: bool = False) -> LimitRequest | None: ...
    def requests(
        self, *, status: RequestStatus | None = None, customer_id: str | None = None
    ) -> list[LimitRequest]: ...
    def decide(self, request_id: str, status: RequestStatus, by: str, at: datetime, comment: str | None) -> None: ...
    def pending_customers(self) -> set[str]: ...
    def rejections(self) -> dict[str, date]: ...
    def reviews_due(self, on: date) -> list[dict[str, Any]]: ...
    def downgrades_seen(self) -> dict[str, date]: ...


class Collections(Protocol):
    def add_promise(self, promise: Promise) -> None: ...
    def promise(self, promise_id: str) -> Promise | None: ...
    def promises(self, *, status: PromiseStatus | None = None, customer_id: str | None = None) -> list[Promise]: ...
    def resolve_promise(self, promise_id: str, status: PromiseStatus, on: date) -> None: ...
    def cash_received(self, customer_id: str, start: date, end: date) -> int: ...
    def dunning_level(self, customer_id: str) -> int | None: ...
    def dunning_levels(self) -> dict[str, tuple[int, date | None]]: ...


class AuditLog(Protocol):
    def append(
        self,
        actor: str,
        action: str,
        entity: str,
        entity_id: str,
        payload: dict[str, Any],
        *,
        stream: str = "system",
    ) -> AuditRecord:
        """Append to ``stream``'s hash chain; a customer stream's caller holds that account's lock."""
        ...

    def records(self) -> Iterator[AuditRecord]:
        """Every record in the order written."""
        ...

    def records_by_stream(self) -> Iterator[AuditRecord]:
        """Every record, stream after stream, each stream in stream_seq order."""
        ...

    def heads(self) -> dict[str, AuditHead]: ...
    def keys(self, *, create: bool = False) -> AuditKeys:
        """The MAC keys (kept outside the database); Unavailable when missing, unless ``create``."""
        ...

    def begin_snapshot(self) -> None:
        """Read heads and records as of one moment until the transaction ends (call it first)."""
        ...

    def is_empty(self) -> bool: ...


class SealLog(Protocol):
    """The append-only file of audit seals, outside the database."""

    def append(self, line: str) -> None: ...
    def latest(self) -> str | None: ...


@dataclass(frozen=True, slots=True)
class TokenOwner:
    """A live token: its name, the role it was made with, and the user it acts as (None: a
    token made before tokens had owners)."""

    name: str
    role: str
    username: str | None


class TokenRepository(Protocol):
    def add(self, name: str, role: str, token_hash: str, created_at: datetime, username: str | None) -> None: ...
    def find(self, token_hash: str) -> TokenOwner | None:
        """The live token with that hash."""
        ...

    def revoke(self, token_id: int, at: datetime) -> str | None:
        """Revoke a live token; its name (None: no live token with that id)."""
        ...


@dataclass(frozen=True, slots=True)
class UserRecord:
    username: str  # the identity: the primary key, never renamed
    password_hash: str
    role: str
    language: str
    kind: str  # person (signs in, decides) or service (a system: submits, never approves)
    session_version: int
    disabled: bool
    email: str | None = None  # where notification mail goes (docs/notifications.md)
    notify: str = "each"  # each (a mail per notification), digest (one a day) or off (the bell only)
    company_codes: tuple[str, ...] | None = None  # the company codes the user acts for; None: all


class UserRepository(Protocol):
    def add(self, username: str, password_hash: str, role: str, language: str, kind: str = "person") -> None: ...
    def get(self, username: str) -> UserRecord | None: ...
    def set_language(self, username: str, language: str) -> None: ...
    def set_contact(self, username: str, values: dict[str, str | None]) -> None:
        """Set the e-mail address, language or notify mode given; sessions go on."""
        ...

    def change(
        self, username: str, *, role: str | None = None, password_hash: str | None = None, disabled: bool | None = None
    ) -> None:
        """Change what is given and end every session of the user (the session version moves)."""
        ...

    def end_sessions(self, username: str) -> None: ...
    def set_company_codes(self, username: str, codes: tuple[str, ...] | None) -> None:
        """Scope the user to company codes (None: all); every session ends (its authority changed)."""
        ...


@dataclass(frozen=True, slots=True)
class Throttle:
    failures: int
    window_start: datetime
    locked_until: datetime | None


class LoginThrottle(Protocol):
    def get(self, key: str) -> Throttle | None: ...
    def put(self, key: str, throttle: Throttle) -> None: ...
    def clear(self, key: str) -> None: ...


class PasswordHasher(Protocol):
    def hash(self, password: str) -> str: ...
    def verify(self, password_hash: str, password: str) -> bool: ...


class Clock(Protocol):
    def now(self) -> datetime: ...
    def today(self) -> date: ...


class Segments(Protocol):
    """Company codes and the customers' credit segments in them (service/segments.py)."""

    def add_company_code(self, company: CompanyCode, at: datetime) -> None: ...
    def company_codes(self) -> list[CompanyCode]: ...
    def open_segment_account(self, customer_id: str, company_code: str, currency: str, limit: int) -> None: ...
    def set_segment_limit(self, customer_id: str, company_code: str, limit: int) -> None: ...
    def segments_of(self, customer_id: str) -> list[CreditSegment]: ...
    def document_totals(self, customer_id: str, company_code: str) -> Totals:
        """What the company code's documents of the customer carry, in the account currency."""
        ...


# Issue 20's ports: each is filled in by the work that owns it (docs in the class).
class MasterData(Protocol):
    """Customer versions, changes, deactivation and merges (service/master_data.py)."""

    def customer(self, customer_id: str) -> dict[str, Any] | None: ...
    def latest_versions(self, ids: Sequence[str]) -> dict[str, tuple[int, date]]: ...
    def history(self, customer_id: str) -> list[dict[str, Any]]: ...
    def customers(self, ids: Sequence[str]) -> dict[str, dict[str, Any]]: ...
    def contributions(self, pairs: Sequence[tuple[str, str]]) -> dict[tuple[str, str], Totals]: ...
    def lock_accounts(self, ids: Sequence[str]) -> dict[str, dict[str, Any]]: ...
    def post_group_moves(self, postings: Sequence[Posting], at: datetime) -> None: ...
    def emit_many(self, events: list[tuple[str, str, dict[str, Any]]], at: datetime) -> None: ...
    def lock_groups(self, group_ids: Sequence[str]) -> dict[str, dict[str, Any]]: ...
    def chain(self, group_id: str | None) -> list[str]: ...
    def ensure_groups(self, group_ids: Sequence[str]) -> None: ...
    def write_versions(self, rows: list[dict[str, Any]], latest: dict[str, tuple[int, date]]) -> None: ...
    def first_versions(self, rows: list[dict[str, Any]], source: str, actor: str, at: datetime) -> None: ...
    def update_customers(self, rows: list[dict[str, Any]]) -> None: ...
    def set_account_currency(self, customer_id: str, currency: str) -> None: ...


class Applications(Protocol):
    """Credit applications (service/applications.py)."""

    def add(self, app: Application) -> None: ...
    def save(self, app: Application) -> None: ...
    def get(self, application_id: str, *, lock: bool = False) -> Application | None: ...
    def pending_for(self, customer_id: str) -> Application | None: ...
    def find(
        self, status: str | None = None, submitted_by: str | None = None, limit: int = 500
    ) -> list[Application]: ...
    def copy_documents(self, app: Application) -> None: ...
    def emit(self, application_id: str, event_type: str, payload: dict[str, Any], at: datetime) -> None: ...


class Notes(Protocol):
    """Notes and attachments on customers, applications, disputes and requests (service/notes.py)."""

    def add_note(
        self, subject_kind: str, subject_id: str, customer_id: str | None, body: str, author: str, at: datetime
    ) -> NoteRecord: ...
    def notes(
        self,
        subject_kind: str | None = None,
        subject_id: str | None = None,
        customer_id: str | None = None,
        query: str | None = None,
        limit: int = 200,
    ) -> list[NoteRecord]: ...
    def add_attachment(self, record: AttachmentRecord) -> None: ...
    def attachment(self, attachment_id: str) -> AttachmentRecord | None: ...
    def attachments(
        self, subject_kind: str | None = None, subject_id: str | None = None, customer_id: str | None = None
    ) -> list[AttachmentRecord]: ...
    def assign_customer(self, subject_kind: str, subject_id: str, customer_id: str) -> None: ...
    def subject(self, subject_kind: str, subject_id: str) -> tuple[str | None, str | None] | None: ...


class Disputes(Protocol):
    """Dispute cases (service/disputes.py)."""

    def add(self, case: DisputeCase) -> None: ...
    def save(self, case: DisputeCase) -> None: ...
    def get(self, dispute_id: str) -> DisputeCase | None: ...
    def active_for_invoice(self, invoice_id: str) -> list[DisputeCase]: ...
    def cases(self, statuses: tuple[str, ...], customer_id: str | None, sort: str, limit: int) -> list[DisputeCase]: ...


class Cover(Protocol):
    """Credit insurance, guarantees, letters of credit and insurance claims (service/cover.py)."""

    def add(self, row: CoverRow) -> None: ...
    def get(self, support_id: str) -> CoverRow | None: ...
    def set_valid_to(self, support_id: str, valid_to: date) -> None: ...
    def rows(self, customer_id: str | None) -> list[CoverRow]: ...
    def expiring(self, as_of: date, days: int) -> list[dict[str, Any]]: ...
    def defaulted_without_claim(self, as_of: date) -> list[dict[str, Any]]: ...
    def add_claim(self, claim: Claim) -> None: ...
    def claim(self, claim_id: str) -> Claim | None: ...
    def save_claim(self, claim: Claim) -> None: ...
    def claims(self, customer_id: str | None, status: str | None) -> list[Claim]: ...


class Policies(Protocol):
    """The check policies as their activation sees them (service/policies.py)."""

    def parse(self, body: str) -> tuple[CheckPolicy, LimitPolicy]:
        """The policies a body describes; a ValueError when it is not valid."""
        ...

    def active(self) -> tuple[int | None, CheckPolicy, LimitPolicy]: ...
    def add_pending(self, activation: PendingActivation) -> None: ...
    def activation(self, activation_id: str, *, lock: bool = False) -> PendingActivation | None: ...
    def pending(self) -> list[PendingActivation]: ...
    def decide(self, activation_id: str, status: str, actor: str, at: datetime, version: int | None) -> None: ...


class UnitOfWork(Protocol):
    # Read-only members, so an adapter may hold more specific repository types.
    @property
    def customers(self) -> CustomerRepository: ...
    @property
    def groups(self) -> GroupRepository: ...
    @property
    def accounts(self) -> AccountRepository: ...
    @property
    def limits(self) -> LimitHistory: ...
    @property
    def audit(self) -> AuditLog: ...
    @property
    def tokens(self) -> TokenRepository: ...
    @property
    def users(self) -> UserRepository: ...
    @property
    def throttle(self) -> LoginThrottle: ...
    @property
    def commands(self) -> CommandLog: ...
    @property
    def credit_accounts(self) -> CreditAccounts: ...
    @property
    def group_accounts(self) -> GroupAccounts: ...
    @property
    def reference(self) -> ReferenceData: ...
    @property
    def orders(self) -> OrderBook: ...
    @property
    def receivables(self) -> Receivables: ...
    @property
    def ledger(self) -> Ledger: ...
    @property
    def management(self) -> LimitManagement: ...
    @property
    def collections(self) -> Collections: ...
    @property
    def segments(self) -> Segments: ...
    @property
    def master_data(self) -> MasterData: ...
    @property
    def applications(self) -> Applications: ...
    @property
    def notes(self) -> Notes: ...
    @property
    def disputes(self) -> Disputes: ...
    @property
    def cover(self) -> Cover: ...
    @property
    def policies(self) -> Policies: ...

    def __enter__(self) -> Self: ...
    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...
    def commit(self) -> None: ...
    def rollback(self) -> None: ...


@dataclass(frozen=True, slots=True)
class AccountState:
    """A credit account as the engine reads it, with the figures its rules need."""

    customer_id: str
    currency: str
    segment: str | None
    group_id: str | None
    risk_class: str | None
    status: AccountStatus
    limit: int
    totals: Totals
    limit_valid_to: date | None
    next_review_on: date | None
    next_expiry: date | None
    oldest_open_due: date | None
    overdue: int  # as of the ``today`` it was read for
    overdue_is_stored: bool  # False: the stored watermark must be moved to today
    dunning_level: int = 0
    dunning_since: date | None = None
    customer_status: str = "active"  # customers.status: inactive or merged take no new orders
    merged_into: str | None = None


@dataclass(frozen=True, slots=True)
class GroupAccountState:
    """A pool checked beside the customer's own account: a group's pooled limit, or the
    customer's credit segment in one company code (``kind`` "segment", id CUSTOMER@CODE)."""

    group_id: str
    currency: str
    limit: int
    totals: Totals
    kind: str = "group"


@dataclass(frozen=True, slots=True)
class OpenItemRow:
    invoice_id: str
    due_date: date
    open_minor: int
    disputed: bool
    disputed_minor: int = 0  # the sum of the open dispute cases on it (service/disputes.py)
    # An item issued in another currency: that currency and what is open in it (docs/currencies.md).
    doc_currency: str | None = None
    doc_open_minor: int | None = None

    @property
    def undisputed(self) -> int:
        """What of the open amount the overdue rules and dunning see."""
        return 0 if self.disputed else max(0, self.open_minor - self.disputed_minor)


@dataclass(frozen=True, slots=True)
class StoredOutcome:
    request_hash: str
    body: dict[str, Any]  # the command's receipt (``service.receipts``)


@dataclass(frozen=True, slots=True)
class Posting:
    """One movement of an account's totals, recorded in the ledger with its source document."""

    account_kind: str  # "customer" | "group"
    account_id: str
    kind: EntryKind
    ref_id: str
    delta: Delta
    source: Money | None = None
    fx_rate: str | None = None


# --- the credit engine's ports: one narrow Protocol per kind of record it keeps ---------------
# Writers hold the account's lock (``CreditAccounts.account(..., lock=True)``) for all of them.


class CommandLog(Protocol):
    """Idempotency: the outcome of each command id, stored in the command's transaction."""

    def outcome(self, command_id: str) -> StoredOutcome | None: ...
    def save_outcome(self, command_id: str, request_hash: str, receipt: dict[str, Any]) -> None: ...


@dataclass(frozen=True, slots=True)
class StandingChange:
    """What a person changes of an account's standing; None leaves a field as it is."""

    on: date
    status: AccountStatus | None = None  # a person's status: the monitor's rules respect it for a respite
    risk_class: str | None = None
    next_review_on: date | None = None

    def is_empty(self) -> bool:
        return self.status is None and self.risk_class is None and self.next_review_on is None


class CreditAccounts(Protocol):
    """The customers' credit-account rows: figures, overdue watermark, expiry mark, standing."""

    def account(self, customer_id: str, today: date, *, lock: bool) -> AccountState | None: ...
    def store_overdue(self, customer_id: str, overdue: int, through: date) -> None: ...
    def set_next_expiry(self, customer_id: str, on: date | None) -> None:
        """``None``: recompute from the open orders."""
        ...

    def customers_with_expired_orders(self, today: date) -> list[str]: ...
    def set_standing(self, customer_id: str, change: StandingChange) -> None: ...


class GroupAccounts(Protocol):
    """The pooled-limit accounts of customer groups."""

    def groups_over(self, group_id: str, *, lock: bool) -> list[GroupAccountState]: ...
    def lock_group_members(self, group_id: str, today: date) -> list[AccountState]:
        """The accounts of the customers in the group or any group below it, locked."""
        ...

    def open_group_account(self, group_id: str, currency: str, limit: int) -> None: ...
    def set_group_limit(self, group_id: str, limit: int) -> None: ...
    def segment_account(self, customer_id: str, company_code: str, *, lock: bool) -> GroupAccountState | None:
        """The customer's credit segment in the company code, if it has one."""
        ...


class ReferenceData(Protocol):
    """Exchange rates and the versioned check policy."""

    def rate(self, base: str, quote: str, on: date) -> Rate: ...
    def check_policy(self) -> CheckPolicy: ...
    def company_code(self, code: str) -> CompanyCode | None: ...
    def add_check_policy(self, name: str, body: str, actor: str, at: datetime) -> int: ...


class OrderBook(Protocol):
    """The order aggregates."""

    def order(self, order_id: str) -> Order | None: ...
    def add_order(self, order: Order) -> None: ...
    def save_order(self, order: Order) -> None:
        """Write what a transition changes: status, amounts, validity, decision and resolution."""
        ...

    def expiring_orders(self, customer_id: str, today: date) -> list[Order]: ...
    def blocked_orders(self, *, limit: int = 200) -> list[Order]: ...
    def reserved_beyond(self, customer_id: str, after: date) -> int:
        """What the customer's open orders reserve for deliveries after ``after``."""
        ...


class Receivables(Protocol):
    """Invoices (open items) and payments with their allocations."""

    def invoice_customer(self, invoice_id: str) -> str | None: ...
    def invoice_company_code(self, invoice_id: str) -> str | None: ...
    def open_item(self, invoice_id: str) -> OpenItemRow | None: ...
    def set_disputed(self, invoice_id: str, disputed: bool) -> None: ...
    def set_disputed_amount(self, invoice_id: str, disputed_minor: int) -> None:
        """The part under dispute; ``disputed`` becomes ``disputed_minor >= open_minor > 0``."""
        ...

    def add_invoice(self, invoice: Invoice) -> None: ...
    def open_items(
        self, customer_id: str, invoice_id: str | None, enough: int, company_code: str | None = None
    ) -> list[OpenItemRow]:
        """Open items of the company code (None: the one company) oldest due first, as many as it
        takes to cover ``enough`` minor units."""
        ...

    def add_payment(self, payment: Payment, allocations: list[Allocation], unapplied: int) -> None: ...
    def payment_exists(self, payment_id: str) -> bool: ...
    # Revaluation (service/revaluation.py, docs/currencies.md).
    def customers_with_foreign_items(self) -> list[str]:
        """Customers with open items issued in a currency other than their account's."""
        ...

    def foreign_open_items(self, customer_id: str) -> list[OpenItemRow]: ...
    def set_open_minor(self, invoice_id: str, open_minor: int) -> None: ...


class Ledger(Protocol):
    """The ledger (postings move the accounts' running totals) and the outbox of events."""

    def post(self, postings: list[Posting], at: datetime) -> None: ...
    def emit(self, stream: str, event_type: str, payload: dict[str, Any], at: datetime) -> None: ...


@dataclass(frozen=True, slots=True)
class ModelVersion:
    """A fitted portfolio model in the registry."""

    version: str
    kind: str
    role: str  # champion, challenger or retired
    artefact_path: str
    model_sha256: str
    trained_as_of: date
    metrics: dict[str, float]
    created_at: datetime
    created_by: str


class ScoringStore(Protocol):
    """The portfolio's raw tables for the scoring library, the model registry and the score history."""

    def source_tables(self) -> SourceTables: ...
    def register_model(self, entry: ModelVersion) -> None: ...
    def models_in_role(self, role: str) -> list[dict[str, Any]]: ...
    def promote(self, version: str) -> bool: ...
    def save_scores(self, rows: list[dict[str, Any]]) -> None: ...
    def score_history(self, customer_id: str, role: str = "champion") -> list[dict[str, Any]]: ...
    def score_frame(self, role: str) -> pd.DataFrame: ...  # customer_id, as_of, risk (the PD)
    # What became of the orders placed in [since, until]: customer_id, order_date, status.
    def order_outcomes(self, since: date, until: date) -> pd.DataFrame: ...


class LimitInputStore(Protocol):
    def limit_inputs(
        self, as_of: date, customer_id: str | None = None, *, customer_ids: Collection[str] | None = None
    ) -> list[LimitInputs]: ...
    def active_limit_policy(self) -> tuple[int | None, LimitPolicy]: ...


class MonitorFactsStore(Protocol):
    def monitor_facts(
        self, as_of: date, grace_days: int, window_months: int, customer_id: str | None = None
    ) -> list[AccountFacts]:
        """Every account's facts on ``as_of``, without method limit and grade (the service adds them)."""
        ...


@dataclass(frozen=True, slots=True)
class Snapshot:
    """A report's computed body (JSON), the data version it was computed from, when and how long."""

    key: str
    data_version: str
    computed_at: datetime
    seconds: float
    body: Any


class SnapshotStore(Protocol):
    def data_version(self, scope: str | None = None) -> str:
        """What the reports (of ``scope``: ``View.scope``) read, in one string that changes
        whenever it does (cheap to ask)."""
        ...

    def get(self, key: str) -> Snapshot | None: ...
    def put(self, snapshot: Snapshot) -> None: ...
