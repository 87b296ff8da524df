"""audit evidence: keyed MACs and stream heads

Records written from now on carry an HMAC-SHA256 under a key kept outside the database (its id
in ``audit_log.key_id``); each stream gets a head row (length, last hash, MAC). The records
already there stay legacy (plain SHA-256): each stream's head records how many there are
(``legacy_length``), under the key's MAC, so they cannot be passed off as keyed records nor
the boundary moved. See docs/audit.md.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from creditdesk.adapters.db.audit_log import audit_key_file, head_to_row
from creditdesk.domain.audit import signed_head

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_log") as batch:
        batch.add_column(sa.Column("key_id", sa.String(16), nullable=True))
    heads = op.create_table(
        "audit_heads",
        sa.Column("stream", sa.String(64), nullable=False),
        sa.Column("length", sa.Integer(), nullable=False),
        sa.Column("last_hash", sa.String(64), nullable=False),
        sa.Column("legacy_length", sa.Integer(), nullable=False),
        sa.Column("key_id", sa.String(16), nullable=False),
        sa.Column("mac", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("stream", name=op.f("pk_audit_heads")),
    )
    _backfill_heads(heads)


def _backfill_heads(heads: sa.Table) -> None:
    """A signed head for every stream already written, all of whose records are legacy."""
    bind = op.get_bind()
    tails = bind.execute(
        sa.text(
            "SELECT a.stream, a.stream_seq, a.hash FROM audit_log a"
            " JOIN (SELECT stream, MAX(stream_seq) AS n FROM audit_log GROUP BY stream) m"
            " ON a.stream = m.stream AND a.stream_seq = m.n"
        )
    ).all()
    if not tails:
        return  # a new database: no key needed yet
    keys = audit_key_file(bind).load(create=True)
    rows = [head_to_row(signed_head(keys, stream, n, last_hash, legacy_length=n)) for stream, n, last_hash in tails]
    op.bulk_insert(heads, rows)


def downgrade() -> None:
    """Records written since are keyed: the code before 0009 cannot verify them."""
    op.drop_table("audit_heads")
    with op.batch_alter_table("audit_log") as batch:
        batch.drop_column("key_id")
