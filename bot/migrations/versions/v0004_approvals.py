"""Approvals: issues someone with write access asked for work on."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"


def upgrade() -> None:
    """flowbot_approvals."""
    op.create_table(
        "flowbot_approvals",
        sa.Column("repository", sa.String(200), primary_key=True),
        sa.Column("number", sa.Integer(), primary_key=True),
        sa.Column("approved_by", sa.String(100), nullable=False),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=False))
