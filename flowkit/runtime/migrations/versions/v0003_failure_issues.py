"""The flow-failure issue of each flow and failure signature, with its occurrence count."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    """flowbot_failure_issues."""
    op.create_table(
        "flowbot_failure_issues",
        sa.Column("flow", sa.String(120), primary_key=True),
        sa.Column("signature", sa.String(64), primary_key=True),
        sa.Column("issue_number", sa.Integer(), nullable=False),
        sa.Column("issue_url", sa.String(500), nullable=False),
        sa.Column("occurrences", sa.Integer(), nullable=False),
        sa.Column("comment_id", sa.BigInteger(), nullable=True),
        sa.Column("filed_at", sa.DateTime(timezone=True), nullable=False))
