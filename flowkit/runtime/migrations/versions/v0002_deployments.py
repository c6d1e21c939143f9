"""The runner service's deployments: each default-branch commit checked, and its verdict."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    """flowbot_deployments."""
    op.create_table(
        "flowbot_deployments",
        sa.Column("commit", sa.String(64), primary_key=True),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("findings", sa.Text(), nullable=False),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False))
