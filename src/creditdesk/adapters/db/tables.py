"""The schema. Money is stored as integer minor units (BigInteger) beside its currency."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Identity,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    func,
    text,
)

from creditdesk.domain.money import MAX_MINOR

# Stable constraint names so Alembic migrations are the same on SQLite and PostgreSQL.
metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

ID = 64  # length of caller-given ids

customer_groups = Table(
    "customer_groups",
    metadata,
    Column("group_id", String(ID), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("parent_group_id", String(ID), ForeignKey("customer_groups.group_id"), nullable=True),
)

customers = Table(
    "customers",
    metadata,
    Column("customer_id", String(ID), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("segment", String(32), nullable=False),
    Column("group_id", String(ID), ForeignKey("customer_groups.group_id"), nullable=True, index=True),
    Column("country", String(2), nullable=True),
    Column("industry", String(64), nullable=True),
    Column("registered_on", Date, nullable=True),
    Column("payment_terms_days", Integer, nullable=False),
    # Master data with history (migration 0013): active, inactive (no new orders) or merged.
    Column("status", String(16), nullable=False, server_default="active"),
    Column("merged_into", String(ID), nullable=True),
)
#: A customer's name as the pages sort it; indexed (migration 0021) so that a sort by name walks it.
CUSTOMER_NAME_KEY = func.lower(customers.c.name)
Index("ix_customers_name_key", CUSTOMER_NAME_KEY, customers.c.customer_id)

credit_accounts = Table(
    "credit_accounts",
    metadata,
    Column("customer_id", String(ID), ForeignKey("customers.customer_id"), primary_key=True),
    Column("currency", String(3), nullable=False),
    Column("limit_minor", BigInteger, nullable=False),
    Column("limit_valid_to", Date, nullable=True),
    Column("status", String(16), nullable=False),
    Column("receivable_minor", BigInteger, nullable=False),
    Column("reserved_minor", BigInteger, nullable=False),
    # Exposure buckets beyond receivables and reservations (migration 0002).
    Column("delivered_minor", BigInteger, nullable=False, server_default="0"),
    Column("unapplied_minor", BigInteger, nullable=False, server_default="0"),
    # Overdue open items counted up to (not including) ``overdue_through``; a check only adds
    # the items that fell due since, so its cost does not grow with the customer's history.
    Column("overdue_minor", BigInteger, nullable=False, server_default="0"),
    Column("overdue_through", Date, nullable=True),
    Column("next_review_on", Date, nullable=True),
    Column("risk_class", String(16), nullable=True),
    # The earliest validity end of an open order (may be stale-early): when it has passed, the
    # reservation path sweeps expired orders first.
    Column("next_expiry", Date, nullable=True),
    Column("event_seq", BigInteger, nullable=False, server_default="0"),
    # Limit management (migration 0004): the permanent limit under a temporary one (which lapses
    # back to it after ``limit_valid_to``), who set the status (a monitor rule or a person, so a
    # rule only lifts what a rule set), frozen increases, the last increase and the default date.
    Column("base_limit_minor", BigInteger, nullable=True),
    Column("status_source", String(16), nullable=True),
    Column("status_changed_on", Date, nullable=True),
    Column("increases_frozen_since", Date, nullable=True),
    Column("last_increase_on", Date, nullable=True),
    Column("in_default_since", Date, nullable=True),
    # Collections (migration 0006): 0 nothing overdue, 1 reminder ... 4 handed over.
    Column("dunning_level", Integer, nullable=False, server_default="0"),
    Column("dunning_since", Date, nullable=True),
    CheckConstraint("limit_minor >= 0", name="limit_not_negative"),
    CheckConstraint("reserved_minor >= 0", name="reserved_not_negative"),
)

#: An account's exposure as the customer list sorts by it; indexed (migration 0018) so that the
#: largest exposures of a million accounts are read from the index, not sorted in each request.
EXPOSURE = credit_accounts.c.receivable_minor + credit_accounts.c.reserved_minor + credit_accounts.c.delivered_minor
Index("ix_credit_accounts_exposure", EXPOSURE)

# A pooled limit over a group (parent and subsidiaries); totals in the group's currency.
group_accounts = Table(
    "group_accounts",
    metadata,
    Column("group_id", String(ID), ForeignKey("customer_groups.group_id"), primary_key=True),
    Column("currency", String(3), nullable=False),
    Column("limit_minor", BigInteger, nullable=False),
    Column("receivable_minor", BigInteger, nullable=False),
    Column("reserved_minor", BigInteger, nullable=False),
    Column("delivered_minor", BigInteger, nullable=False),
    Column("unapplied_minor", BigInteger, nullable=False),
    CheckConstraint("limit_minor >= 0", name="limit_not_negative"),
)

# Append-only: every change of an account's running totals, with the rate used when the
# document was in another currency. ``creditdesk ledger reconcile`` re-sums it.
ledger_entries = Table(
    "ledger_entries",
    metadata,
    Column("entry_id", Integer, primary_key=True, autoincrement=True),
    Column("account_kind", String(8), nullable=False),  # customer | group
    Column("account_id", String(140), nullable=False),  # a segment's is CUSTOMER@COMPANY_CODE
    Column("kind", String(24), nullable=False),
    Column("ref_id", String(ID), nullable=False),
    Column("reserved_delta", BigInteger, nullable=False),
    Column("delivered_delta", BigInteger, nullable=False),
    Column("receivable_delta", BigInteger, nullable=False),
    Column("unapplied_delta", BigInteger, nullable=False),
    Column("source_minor", BigInteger, nullable=True),
    Column("source_currency", String(3), nullable=True),
    Column("fx_rate", String(40), nullable=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Index("ix_ledger_entries_account", "account_id", "account_kind", "entry_id"),  # the id first: see 0019
)

# Outbound events, written in the decision's transaction and published later (outbox).
outbox = Table(
    "outbox",
    metadata,
    Column("event_id", Integer, primary_key=True, autoincrement=True),
    Column("stream", String(ID), nullable=False),
    Column("stream_seq", BigInteger, nullable=False),
    Column("type", String(40), nullable=False),
    Column("payload", Text, nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("published_at", DateTime(timezone=True), nullable=True),
    # The event's place in the published feed (migration 0012): given by the one relay, in the
    # order events became visible, so a reader resuming after a position never misses an event
    # that committed late with a lower event_id.
    Column("position", BigInteger, nullable=True),
    Index("ux_outbox_stream_seq", "stream", "stream_seq", unique=True),
    Index("ux_outbox_position", "position", unique=True),
)

# Idempotency: every write command's id with its request fingerprint and stored outcome.
command_log = Table(
    "command_log",
    metadata,
    Column("command_id", String(120), primary_key=True),
    Column("request_hash", String(64), nullable=False),
    Column("status", Integer, nullable=False),
    Column("response", Text, nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
)

fx_rates = Table(
    "fx_rates",
    metadata,
    Column("base_currency", String(3), primary_key=True),
    Column("quote_currency", String(3), primary_key=True),
    Column("rate_date", Date, primary_key=True),
    Column("rate", String(40), nullable=False),  # exact decimal text: quote units per base unit
)

check_policies = Table(
    "check_policies",
    metadata,
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("name", String(100), nullable=False),
    Column("body", Text, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("activated_at", DateTime(timezone=True), nullable=False),
    Column("activated_by", String(100), nullable=False),
)

limit_changes = Table(
    "limit_changes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("customer_id", String(ID), ForeignKey("customers.customer_id"), nullable=False, index=True),
    Column("amount_minor", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("valid_from", Date, nullable=False),
    Column("valid_to", Date, nullable=True),
    Column("reason", Text, nullable=False),
    Column("reason_zh", Text, nullable=True),  # the system's reason in Chinese; a person's: None (migration 0016)
    Column("source", String(32), nullable=False),
    Column("changed_by", String(100), nullable=False),
    Column("changed_at", DateTime(timezone=True), nullable=False),
    Column("rule", String(32), nullable=True),  # the monitor rule that made it (migration 0004)
    Column("policy_version", Integer, nullable=True),
    Column("request_id", String(ID), nullable=True),  # the approved request it carries out
    Column("company_code", String(16), nullable=True),  # a credit segment's limit (migration 0013)
)

# Every change the monitor's rules or an approval made to an account (limit, status, frozen
# increases, review date), with the rule, its inputs, the policy version and the explanation.
account_changes = Table(
    "account_changes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("customer_id", String(ID), ForeignKey("customers.customer_id"), nullable=False, index=True),
    Column("effective_on", Date, nullable=False),
    Column("rule", String(32), nullable=False),
    Column("field", String(16), nullable=False),
    Column("before", Text, nullable=True),
    Column("after", Text, nullable=True),
    Column("inputs", Text, nullable=False),  # JSON
    Column("policy_version", Integer, nullable=True),
    Column("explanation_en", Text, nullable=False),
    Column("explanation_zh", Text, nullable=False),
    Column("actor", String(100), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
)

# What backs a customer's credit beyond its own standing: a credit insurer's buyer limit (of which
# the insurer bears ``cover_share`` of a loss), a guarantee or a letter of credit.
credit_support = Table(
    "credit_support",
    metadata,
    Column("support_id", String(ID), primary_key=True),
    Column("customer_id", String(ID), ForeignKey("customers.customer_id"), nullable=False, index=True),
    Column("kind", String(24), nullable=False),  # insurance, guarantee or letter_of_credit
    Column("provider", String(ID), nullable=False),
    Column("amount_minor", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("cover_share", String(12), nullable=True),  # a decimal from 0 to 1; insurance only
    Column("valid_from", Date, nullable=False),
    Column("valid_to", Date, nullable=True),
    Column("policy_number", String(64), nullable=True),  # migration 0013
    Column("recorded_by", String(100), nullable=True),
    CheckConstraint("amount_minor >= 0", name="support_not_negative"),
)

# Promises to pay, recorded by collectors (migration 0006); kept or broken by the dunning run.
payment_promises = Table(
    "payment_promises",
    metadata,
    Column("promise_id", String(ID), primary_key=True),
    Column("customer_id", String(ID), ForeignKey("customers.customer_id"), nullable=False, index=True),
    Column("invoice_id", String(ID), nullable=True),
    Column("amount_minor", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("promised_on", Date, nullable=False),
    Column("made_on", Date, nullable=False),
    Column("note", Text, nullable=False),
    Column("recorded_by", String(100), nullable=False),
    Column("status", String(8), nullable=False),
    Column("resolved_on", Date, nullable=True),
)

# Requests to change a limit, from sales, reviews or rules, waiting for someone with authority.
limit_requests = Table(
    "limit_requests",
    metadata,
    Column("request_id", String(ID), primary_key=True),
    Column("customer_id", String(ID), ForeignKey("customers.customer_id"), nullable=False, index=True),
    Column("amount_minor", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("expires_on", Date, nullable=True),  # a temporary limit
    Column("reason", Text, nullable=False),
    Column("reason_zh", Text, nullable=True),  # the system's reason in Chinese; a person's: None (migration 0016)
    Column("origin", String(16), nullable=False),  # sales, review or rule
    Column("grade", Integer, nullable=True),
    Column("required_role", String(16), nullable=False),
    Column("status", String(16), nullable=False, index=True),  # pending, approved, rejected
    Column("requested_by", String(100), nullable=False),
    Column("requested_on", Date, nullable=False),
    Column("requested_at", DateTime(timezone=True), nullable=False),
    Column("decided_by", String(100), nullable=True),
    Column("decided_at", DateTime(timezone=True), nullable=True),
    Column("comment", Text, nullable=True),
    Column("policy_version", Integer, nullable=True),
    Column("company_code", String(16), nullable=True),  # a credit segment's limit (migration 0013)
    CheckConstraint("amount_minor >= 0", name="request_not_negative"),
)

orders = Table(
    "orders",
    metadata,
    Column("order_id", String(ID), primary_key=True),
    Column("customer_id", String(ID), ForeignKey("customers.customer_id"), nullable=False, index=True),
    Column("order_date", Date, nullable=False),
    Column("amount_minor", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("status", String(16), nullable=False, index=True),  # the held-orders worklist (migration 0007)
    # The credit engine's view (migration 0002): the amount in the account currency, what is
    # still reserved or delivered-not-invoiced, and the decision that admitted or held it.
    Column("account_minor", BigInteger, nullable=True),
    Column("fx_rate", String(40), nullable=True),
    Column("reserved_minor", BigInteger, nullable=False, server_default="0"),
    Column("delivered_minor", BigInteger, nullable=False, server_default="0"),
    Column("delivery_date", Date, nullable=True),
    Column("valid_until", Date, nullable=True),
    Column("decision", Text, nullable=True),
    Column("policy_version", Integer, nullable=True),
    Column("submitted_by", String(100), nullable=True),
    Column("resolution", Text, nullable=True),
    Column("company_code", String(16), nullable=True),  # the selling entity; NULL: the one company
    CheckConstraint("reserved_minor >= 0", name="order_reserved_not_negative"),
    CheckConstraint("delivered_minor >= 0", name="order_delivered_not_negative"),
    Index(
        "ix_orders_open_delivery",
        "customer_id",
        "delivery_date",
        sqlite_where=text("status = 'open'"),
        postgresql_where=text("status = 'open'"),
    ),
)

invoices = Table(
    "invoices",
    metadata,
    Column("invoice_id", String(ID), primary_key=True),
    Column("customer_id", String(ID), ForeignKey("customers.customer_id"), nullable=False),
    Column("invoice_date", Date, nullable=False),
    Column("due_date", Date, nullable=False),
    Column("amount_minor", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("order_id", String(ID), nullable=True),
    Column("disputed", Boolean, nullable=False),
    # What is still unpaid; maintained with every allocation so open items need no re-sum.
    Column("open_minor", BigInteger, nullable=False),
    # Migration 0013: the selling entity; the document as issued when its currency is not the
    # account's (amount_minor is then the account-currency amount at fx_rate, rounded once), what
    # is still open in the document currency (for revaluation), and the part under dispute.
    Column("company_code", String(16), nullable=True),
    Column("doc_amount_minor", BigInteger, nullable=True),
    Column("doc_currency", String(3), nullable=True),
    Column("fx_rate", String(40), nullable=True),
    Column("doc_open_minor", BigInteger, nullable=True),
    Column("disputed_minor", BigInteger, nullable=False, server_default="0"),
    CheckConstraint("open_minor >= 0", name="open_not_negative"),
    CheckConstraint("disputed_minor >= 0", name="disputed_not_negative"),
    Index("ix_invoices_customer_due", "customer_id", "due_date"),
    # Only undisputed open items: the oldest one and newly overdue sums are index range reads.
    Index(
        "ix_invoices_open_due",
        "customer_id",
        "due_date",
        sqlite_where=text("open_minor > 0 AND disputed = false"),
        postgresql_where=text("open_minor > 0 AND disputed = false"),
    ),
)

payments = Table(
    "payments",
    metadata,
    Column("payment_id", String(ID), primary_key=True),
    Column("customer_id", String(ID), ForeignKey("customers.customer_id"), nullable=False, index=True),
    Column("payment_date", Date, nullable=False),
    Column("amount_minor", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("invoice_id", String(ID), nullable=True),
    Column("unapplied_minor", BigInteger, nullable=False),
    # payment (cash), credit_note or write_off (migration 0005): all lower the receivable.
    Column("kind", String(16), nullable=False, server_default="payment"),
    # Migration 0013: the selling entity, and the payment as made when not in the account currency.
    Column("company_code", String(16), nullable=True),
    Column("doc_amount_minor", BigInteger, nullable=True),
    Column("doc_currency", String(3), nullable=True),
    Column("fx_rate", String(40), nullable=True),
)

payment_allocations = Table(
    "payment_allocations",
    metadata,
    Column("payment_id", String(ID), ForeignKey("payments.payment_id"), primary_key=True),
    Column("invoice_id", String(ID), ForeignKey("invoices.invoice_id"), primary_key=True, index=True),
    Column("amount_minor", BigInteger, nullable=False),
    Column("applied_on", Date, nullable=False),
)

_STATEMENT_MONEY = [
    "revenue",
    "total_assets",
    "total_liabilities",
    "current_assets",
    "current_liabilities",
    "equity",
    "net_income",
    "ebit",
    "retained_earnings",
]
STATEMENT_OPTIONAL_MONEY = ["cash", "inventory", "receivables", "payables", "operating_cash_flow"]
STATEMENT_REQUIRED_MONEY = _STATEMENT_MONEY

financial_statements = Table(
    "financial_statements",
    metadata,
    Column("customer_id", String(ID), ForeignKey("customers.customer_id"), primary_key=True),
    Column("period_end", Date, primary_key=True),
    Column("currency", String(3), nullable=False),
    *[Column(f"{name}_minor", BigInteger, nullable=False) for name in _STATEMENT_MONEY],
    *[Column(f"{name}_minor", BigInteger, nullable=True) for name in STATEMENT_OPTIONAL_MONEY],
)

bureau_reports = Table(
    "bureau_reports",
    metadata,
    Column("customer_id", String(ID), ForeignKey("customers.customer_id"), primary_key=True),
    Column("provider", String(64), primary_key=True),
    Column("report_date", Date, primary_key=True),
    Column("score", Integer, nullable=False),
    Column("rating", String(16), nullable=True),
    Column("pd", Float, nullable=True),  # a model output, not money
    Column("recommended_limit_minor", BigInteger, nullable=True),
    Column("currency", String(3), nullable=True),
    Column("events", Text, nullable=True),
)

# Scoring (migration 0003): fitted portfolio models, and every customer's scores over time.
model_versions = Table(
    "model_versions",
    metadata,
    Column("version", String(64), primary_key=True),
    Column("kind", String(32), nullable=False),
    Column("role", String(16), nullable=False),  # champion, challenger or retired
    Column("artefact_path", Text, nullable=False),
    Column("model_sha256", String(64), nullable=False),
    Column("trained_as_of", Date, nullable=False),
    Column("metrics", Text, nullable=False),  # JSON: the held-out validation figures
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("created_by", String(100), nullable=False),
)

customer_scores = Table(
    "customer_scores",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("customer_id", String(ID), ForeignKey("customers.customer_id"), nullable=False),
    Column("as_of", Date, nullable=False),
    Column("model_version", String(64), ForeignKey("model_versions.version"), nullable=False),
    Column("role", String(16), nullable=False),  # champion scores decide; challenger scores are watched
    Column("pd", Float, nullable=False),  # a model output, not money
    Column("score", Integer, nullable=False),
    Column("grade", Integer, nullable=False),
    Column("segment", String(16), nullable=False),
    Column("reasons", Text, nullable=False),  # JSON list of {code, points}
    Column("bureau", Text, nullable=False),  # JSON list of each bureau's view beside ours
    Column("review_flag", Boolean, nullable=False),
    Column("scored_at", DateTime(timezone=True), nullable=False),
    Index("ix_customer_scores_customer", "customer_id", "role", "as_of"),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(100), nullable=False),
    Column("role", String(16), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True), nullable=True),
    # The user the token acts as; NULL only for tokens made before tokens had owners.
    Column("username", String(100), ForeignKey("users.username"), nullable=True),
)

users = Table(
    "users",
    metadata,
    Column("username", String(100), primary_key=True),
    Column("password_hash", String(200), nullable=False),
    Column("role", String(16), nullable=False),
    Column("language", String(5), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    # person: signs in and decides; service: a system (the ERP) that submits and never approves
    Column("kind", String(16), nullable=False, server_default="person"),
    # Bumped by log-out, password, role and status changes: every older session ends at once.
    Column("session_version", Integer, nullable=False, server_default="0"),
    Column("disabled_at", DateTime(timezone=True), nullable=True),
    # Notifications (migration 0012): where mail goes, and how: each (one mail per notification),
    # digest (one mail a day) or off (the web app's bell only).
    Column("email", String(320), nullable=True),
    Column("notify", String(16), nullable=False, server_default="each"),
    # Migration 0013: the company codes the user may act for (JSON list); NULL: all of them.
    Column("company_codes", Text, nullable=True),
)

login_throttle = Table(
    "login_throttle",
    metadata,
    Column("key", String(200), primary_key=True),  # user:NAME or address:IP
    Column("failures", Integer, nullable=False),
    Column("window_start", DateTime(timezone=True), nullable=False),
    Column("locked_until", DateTime(timezone=True), nullable=True),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("seq", Integer, Identity(), primary_key=True),
    # Each stream (a customer's account, or "system") is its own hash chain, so appends
    # serialise on the account row already locked rather than on one global lock.
    Column("stream", String(ID), nullable=False, server_default="system"),
    Column("stream_seq", Integer, nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("actor", String(100), nullable=False),
    Column("action", String(64), nullable=False),
    Column("entity", String(64), nullable=False),
    Column("entity_id", String(ID), nullable=False),
    Column("payload", Text, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    # Which key made the record's HMAC (migration 0009); NULL: a legacy record, plain SHA-256.
    Column("key_id", String(16)),
    Index("ux_audit_log_stream_seq", "stream", "stream_seq", unique=True),
)

# Each stream's head (migration 0009): its length and last hash under a MAC, rewritten with every
# append, so a deleted tail or a rewritten chain no longer matches. The first legacy_length
# records of the stream were written before keyed MACs and keep their plain SHA-256 chain.
audit_heads = Table(
    "audit_heads",
    metadata,
    Column("stream", String(ID), primary_key=True),
    Column("length", Integer, nullable=False),
    Column("last_hash", String(64), nullable=False),
    Column("legacy_length", Integer, nullable=False),
    Column("key_id", String(16), nullable=False),
    Column("mac", String(64), nullable=False),
)

# Report snapshots (migration 0008): computed report rows as JSON, with the data version they were
# computed from, so a page reads them in milliseconds and a newer ledger makes them stale.
report_snapshots = Table(
    "report_snapshots",
    metadata,
    Column("key", String(400), primary_key=True),
    Column("data_version", String(100), nullable=False),
    Column("computed_at", DateTime(timezone=True), nullable=False),
    Column("seconds", Float, nullable=False),
    Column("body", Text, nullable=False),
)


# The daily cycle (migration 0012) ---------------------------------------------------------------
# Every run of a scheduled job for a business day: a day's job is done once it has succeeded.
job_runs = Table(
    "job_runs",
    metadata,
    Column("run_id", Integer, primary_key=True, autoincrement=True),
    Column("job", String(40), nullable=False),
    Column("as_of", Date, nullable=False),
    Column("status", String(16), nullable=False),  # running, succeeded, failed
    Column("worker", String(200), nullable=False),  # host:pid of the process that ran it
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True), nullable=True),
    Column("counts", Text, nullable=False, server_default="{}"),  # JSON: what the run did
    Column("error", Text, nullable=True),
    Index("ix_job_runs_job", "job", "as_of"),
)

# Leases: one holder at a time across processes and machines (the worker's cycle, the relay).
leases = Table(
    "leases",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("holder", String(200), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
)

# How far each consumer of the published feed has read (notifications, each webhook's fan-out).
event_cursors = Table(
    "event_cursors",
    metadata,
    Column("consumer", String(64), primary_key=True),
    Column("position", BigInteger, nullable=False),
)

webhook_subscriptions = Table(
    "webhook_subscriptions",
    metadata,
    Column("subscription_id", Integer, primary_key=True, autoincrement=True),
    Column("url", String(2000), nullable=False),
    Column("events", Text, nullable=False),  # JSON list of event types or patterns ("order.*")
    Column("secret", String(200), nullable=False),  # signs deliveries; shown once, never listed
    Column("created_by", String(100), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("disabled_at", DateTime(timezone=True), nullable=True),
)

# One row per event per subscriber: delivered once, retried with backoff, given up after a bound.
webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("delivery_id", Integer, primary_key=True, autoincrement=True),
    Column(
        "subscription_id",
        Integer,
        ForeignKey("webhook_subscriptions.subscription_id"),
        nullable=False,
    ),
    Column("event_id", Integer, ForeignKey("outbox.event_id"), nullable=False),
    Column("stream", String(ID), nullable=False),
    Column("position", BigInteger, nullable=False),
    Column("status", String(16), nullable=False),  # pending, delivered, failed
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("next_attempt_at", DateTime(timezone=True), nullable=False),
    Column("last_status", Integer, nullable=True),
    Column("last_error", Text, nullable=True),
    Column("delivered_at", DateTime(timezone=True), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("ux_webhook_deliveries_event", "subscription_id", "event_id", unique=True),
    Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
)

# What a user is told, in their language; `key` makes telling idempotent (one per event or fact).
notifications = Table(
    "notifications",
    metadata,
    Column("notification_id", Integer, primary_key=True, autoincrement=True),
    Column("username", String(100), ForeignKey("users.username"), nullable=False),
    Column("key", String(200), nullable=False),
    Column("kind", String(40), nullable=False),
    Column("customer_id", String(ID), nullable=True),
    Column("subject", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("link", String(400), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("read_at", DateTime(timezone=True), nullable=True),
    Column("mailed_at", DateTime(timezone=True), nullable=True),
    # Its values as data and codes (JSON, migration 0015): the web page renders it in its reader's language.
    Column("text_values", Text, nullable=True),
    Index("ux_notifications_key", "username", "key", unique=True),
    Index("ix_notifications_unread", "username", "read_at"),
)


# Master data, selling companies, currencies, applications, disputes, notes (migration 0013) ------
# Every version of a customer's master data: valid from a business date up to (not including) the
# next version's; the customers row is the newest version, kept for every read that wants "now".
customer_versions = Table(
    "customer_versions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("customer_id", String(ID), ForeignKey("customers.customer_id"), nullable=False),
    Column("version", Integer, nullable=False),
    Column("valid_from", Date, nullable=False),
    Column("valid_to", Date, nullable=True),
    Column("name", String(200), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("segment", String(32), nullable=False),
    Column("group_id", String(ID), nullable=True),
    Column("country", String(2), nullable=True),
    Column("industry", String(64), nullable=True),
    Column("registered_on", Date, nullable=True),
    Column("payment_terms_days", Integer, nullable=False),
    Column("status", String(16), nullable=False),
    Column("changes", Text, nullable=False),  # JSON {field: [before, after]}; {} for the first
    Column("source", String(200), nullable=False),  # api, web, import:FILE, merge, migration
    Column("changed_by", String(100), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Index("ux_customer_versions_version", "customer_id", "version", unique=True),
)

# The selling entities (SAP's company codes); a document names one, or none for the one company.
company_codes = Table(
    "company_codes",
    metadata,
    Column("code", String(16), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("country", String(2), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

# A customer's credit segment in one company code: its own limit, currency and running totals,
# beside the customer's account (the main segment: the total across company codes).
segment_accounts = Table(
    "segment_accounts",
    metadata,
    Column("customer_id", String(ID), ForeignKey("customers.customer_id"), primary_key=True),
    Column("company_code", String(16), ForeignKey("company_codes.code"), primary_key=True),
    Column("currency", String(3), nullable=False),
    Column("limit_minor", BigInteger, nullable=False),
    Column("receivable_minor", BigInteger, nullable=False, server_default="0"),
    Column("reserved_minor", BigInteger, nullable=False, server_default="0"),
    Column("delivered_minor", BigInteger, nullable=False, server_default="0"),
    Column("unapplied_minor", BigInteger, nullable=False, server_default="0"),
    CheckConstraint("limit_minor >= 0", name="segment_limit_not_negative"),
)

# New customers' way in: what they asked for, what the system proposed and why, who decided.
credit_applications = Table(
    "credit_applications",
    metadata,
    Column("application_id", String(ID), primary_key=True),
    Column("customer_id", String(ID), nullable=False),  # the id the customer gets when approved
    Column("name", String(200), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("segment", String(32), nullable=False),
    Column("group_id", String(ID), nullable=True),
    Column("country", String(2), nullable=True),
    Column("industry", String(64), nullable=True),
    Column("registered_on", Date, nullable=True),
    Column("company_code", String(16), nullable=True),
    Column("requested_limit_minor", BigInteger, nullable=False),
    Column("requested_terms_days", Integer, nullable=False),
    Column("financials", Text, nullable=False, server_default="[]"),  # JSON statements
    Column("bureau", Text, nullable=False, server_default="[]"),  # JSON bureau reports
    Column("status", String(16), nullable=False, index=True),  # pending, approved, rejected, withdrawn
    Column("submitted_by", String(100), nullable=False),
    Column("submitted_at", DateTime(timezone=True), nullable=False),
    Column("submitted_on", Date, nullable=False),
    Column("pd", Float, nullable=True),  # a model output, not money
    Column("grade", Integer, nullable=True),
    Column("proposed_limit_minor", BigInteger, nullable=True),
    Column("proposed_terms_days", Integer, nullable=True),
    Column("working", Text, nullable=False, server_default="{}"),  # JSON: how the proposal came about
    Column("required_role", String(16), nullable=False),
    Column("approvals", Text, nullable=False, server_default="[]"),  # JSON: who approved, in order
    Column("decided_by", String(100), nullable=True),
    Column("decided_at", DateTime(timezone=True), nullable=True),
    Column("decided_limit_minor", BigInteger, nullable=True),
    Column("decided_terms_days", Integer, nullable=True),
    Column("review_on", Date, nullable=True),
    Column("reason", Text, nullable=True),
    CheckConstraint("requested_limit_minor >= 0", name="requested_not_negative"),
)

# A dispute on (part of) an invoice: the disputed part leaves the overdue rules and dunning.
disputes = Table(
    "disputes",
    metadata,
    Column("dispute_id", String(ID), primary_key=True),
    Column("invoice_id", String(ID), ForeignKey("invoices.invoice_id"), nullable=False, index=True),
    Column("customer_id", String(ID), ForeignKey("customers.customer_id"), nullable=False, index=True),
    Column("reason_code", String(32), nullable=False),
    Column("amount_minor", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("owner", String(100), nullable=False),
    Column("status", String(24), nullable=False, index=True),  # open, in_review, resolved_credited, ...
    Column("opened_on", Date, nullable=False),
    Column("due_on", Date, nullable=False),
    Column("opened_by", String(100), nullable=False),
    Column("opened_at", DateTime(timezone=True), nullable=False),
    Column("resolved_on", Date, nullable=True),
    Column("resolved_by", String(100), nullable=True),
    Column("resolution", Text, nullable=True),
    Column("credit_note_id", String(ID), nullable=True),
    CheckConstraint("amount_minor > 0", name="dispute_positive"),
)

# Claims on credit insurance for defaulted insured customers.
insurance_claims = Table(
    "insurance_claims",
    metadata,
    Column("claim_id", String(ID), primary_key=True),
    Column("support_id", String(ID), ForeignKey("credit_support.support_id"), nullable=False, index=True),
    Column("customer_id", String(ID), ForeignKey("customers.customer_id"), nullable=False, index=True),
    Column("amount_minor", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("filed_on", Date, nullable=False),
    Column("status", String(16), nullable=False),  # filed, accepted, paid, rejected
    Column("paid_minor", BigInteger, nullable=True),
    Column("decided_on", Date, nullable=True),
    Column("filed_by", String(100), nullable=False),
    Column("note", Text, nullable=False, server_default=""),
)

# Notes on a customer, application, dispute or limit request: in the timeline, searchable.
notes = Table(
    "notes",
    metadata,
    Column("note_id", Integer, primary_key=True, autoincrement=True),
    Column("subject_kind", String(16), nullable=False),  # customer, application, dispute, request
    Column("subject_id", String(ID), nullable=False),
    Column("customer_id", String(ID), nullable=True, index=True),  # whose timeline it is in
    Column("body", Text, nullable=False),
    Column("author", String(100), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("ix_notes_subject", "subject_kind", "subject_id"),
)

# Uploaded files: the bytes on disk (or object storage) under their content hash, the facts here.
attachments = Table(
    "attachments",
    metadata,
    Column("attachment_id", String(ID), primary_key=True),
    Column("subject_kind", String(16), nullable=False),
    Column("subject_id", String(ID), nullable=False),
    Column("customer_id", String(ID), nullable=True, index=True),
    Column("filename", String(255), nullable=False),
    Column("content_type", String(100), nullable=False),
    Column("size_bytes", Integer, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("uploaded_by", String(100), nullable=False),
    Column("uploaded_at", DateTime(timezone=True), nullable=False),
    Index("ix_attachments_subject", "subject_kind", "subject_id"),
)


# A policy activation that loosens authority waits here for a second person (service/policies.py).
policy_activations = Table(
    "policy_activations",
    metadata,
    Column("activation_id", String(32), primary_key=True),
    Column("name", String(100), nullable=False),
    Column("body", Text, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("loosened", Text, nullable=False),  # JSON: what the policy widens, one text a change
    Column("verdict", Text, nullable=True),  # the what-if's verdict the requester confirmed
    Column("requested_by", String(100), nullable=False),
    Column("requested_at", DateTime(timezone=True), nullable=False),
    Column("status", String(16), nullable=False),  # pending, confirmed, withdrawn
    Column("decided_by", String(100), nullable=True),
    Column("decided_at", DateTime(timezone=True), nullable=True),
    Column("version", Integer, nullable=True),  # the check policy version it became
    Index("ix_policy_activations_status", "status"),
)


# The nightly batch (migration 0017) --------------------------------------------------------------
# A batch run's results loaded back: once per run id, in one transaction (docs/scale.md).
batch_runs = Table(
    "batch_runs",
    metadata,
    Column("run_id", String(64), primary_key=True),
    Column("as_of", Date, nullable=False),
    Column("engine", String(16), nullable=False),
    Column("loaded_at", DateTime(timezone=True), nullable=False),
    Column("counts", Text, nullable=False),  # JSON: rows loaded, stage times, peak memory
)

# Every customer's recommended limit of a batch run, with every method's working.
batch_limits = Table(
    "batch_limits",
    metadata,
    Column("run_id", String(64), ForeignKey("batch_runs.run_id"), primary_key=True),
    Column("customer_id", String(ID), primary_key=True),
    Column("currency", String(3), nullable=False),
    Column("grade", Integer, nullable=True),
    Column("pd", Float, nullable=True),
    Column("segment", String(40), nullable=True),
    Column("current_limit_minor", BigInteger, nullable=False),
    Column("recommended_minor", BigInteger, nullable=True),
    Column("formula", Text, nullable=True),
    Column("working", Text, nullable=False),
)


# The collections worklist's overdue items of the newest batch run loaded (migration 0020): at a
# million customers the page ranks, filters and pages them here, in indexed SQL, and never
# computes them from the whole ledger in the web process (adapters/db/kept_worklist.py).
kept_worklist = Table(
    "kept_worklist",
    metadata,
    Column("run_id", String(64), ForeignKey("batch_runs.run_id"), nullable=False),
    Column("invoice_id", String(ID), primary_key=True),
    Column("customer_id", String(ID), nullable=False, index=True),
    Column("currency", String(3), nullable=False),
    Column("due_date", Date, nullable=False),
    Column("days_past_due", Integer, nullable=False),
    Column("open_minor", BigInteger, nullable=False),
    Column("disputed", Boolean, nullable=False),
    Column("pd", Float, nullable=False),
    Column("expected_loss", Float, nullable=False),
    # What of the open amount is not under dispute (dunning's; migration 0022: null before it).
    Column("undisputed_minor", BigInteger, nullable=True),
    # Each sort's index (the other sorts join the customers or their accounts).
    Index("ix_kept_worklist_days", "days_past_due"),
    Index("ix_kept_worklist_amount", "open_minor"),
    Index("ix_kept_worklist_due", "due_date", "invoice_id"),
)
#: The worklist's own order: highest expected loss first, then the largest, then by id.
WORKLIST_ORDER = (
    kept_worklist.c.expected_loss.desc(),
    kept_worklist.c.open_minor.desc(),
    kept_worklist.c.invoice_id,
)
Index("ix_kept_worklist_loss", *WORKLIST_ORDER)
Index("ix_kept_worklist_disputed", kept_worklist.c.disputed, *WORKLIST_ORDER)  # the dispute filter, ranked


def _bound_money_columns() -> None:
    """Every money column (integer minor units: ``*_minor``, and the ledger's ``*_delta``) stays
    within ``MAX_MINOR`` either way (docs/money.md, migration 0010). The domain refuses such
    amounts and balances first; this keeps a missed case from becoming a 64-bit overflow or, on
    SQLite, a float."""
    for table in metadata.tables.values():
        for column in table.columns:
            if column.name.endswith(("_minor", "_delta")):
                bound = f"{column.name} BETWEEN -{MAX_MINOR} AND {MAX_MINOR}"
                table.append_constraint(CheckConstraint(bound, name=f"{column.name}_bounded"))


_bound_money_columns()
