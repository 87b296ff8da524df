"""scoring: model versions (champion and challenger) and the history of customer scores

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "model_versions",
        sa.Column("version", sa.String(64), primary_key=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("artefact_path", sa.Text(), nullable=False),
        sa.Column("model_sha256", sa.String(64), nullable=False),
        sa.Column("trained_as_of", sa.Date(), nullable=False),
        sa.Column("metrics", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(100), nullable=False),
    )
    op.create_table(
        "customer_scores",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("customer_id", sa.String(64), sa.ForeignKey("customers.customer_id"), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("model_version", sa.String(64), sa.ForeignKey("model_versions.version"), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("pd", sa.Float(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("grade", sa.Integer(), nullable=False),
        sa.Column("segment", sa.String(16), nullable=False),
        sa.Column("reasons", sa.Text(), nullable=False),
        sa.Column("bureau", sa.Text(), nullable=False),
        sa.Column("review_flag", sa.Boolean(), nullable=False),
        sa.Column("scored_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_customer_scores_customer", "customer_scores", ["customer_id", "role", "as_of"])


def downgrade() -> None:
    op.drop_index("ix_customer_scores_customer", "customer_scores")
    op.drop_table("customer_scores")
    op.drop_table("model_versions")
