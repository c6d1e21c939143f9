"""Flow leases: which runner runs a flow now, until when."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"


def upgrade() -> None:
    """flowbot_leases."""
    op.create_table(
        "flowbot_leases",
        sa.Column("flow", sa.String(120), primary_key=True),
        sa.Column("owner", sa.String(120), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False))
