"""identities and sessions: tokens belong to users, service users, session versions, log-in throttling

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        # person: signs in and decides; service: a system (the ERP) that submits and never approves
        batch.add_column(sa.Column("kind", sa.String(16), nullable=False, server_default="person"))
        # Bumped by log-out, password, role and status changes: every older session ends at once.
        batch.add_column(sa.Column("session_version", sa.Integer, nullable=False, server_default="0"))
        batch.add_column(sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("api_tokens") as batch:
        # The user the token acts as; NULL only for tokens made before tokens had owners.
        batch.add_column(sa.Column("username", sa.String(100), nullable=True))
        batch.create_foreign_key("fk_api_tokens_username_users", "users", ["username"], ["username"])
    op.create_table(
        "login_throttle",
        sa.Column("key", sa.String(200), primary_key=True),  # user:NAME or address:IP
        sa.Column("failures", sa.Integer, nullable=False),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("login_throttle")
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_constraint("fk_api_tokens_username_users", type_="foreignkey")
        batch.drop_column("username")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("disabled_at")
        batch.drop_column("session_version")
        batch.drop_column("kind")
