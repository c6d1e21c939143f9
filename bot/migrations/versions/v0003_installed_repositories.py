"""The repositories the app is installed on, kept in step by installation events."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    """flowbot_installed_repositories."""
    op.create_table(
        "flowbot_installed_repositories",
        sa.Column("repository", sa.String(200), primary_key=True),
        sa.Column("installation_id", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False))
    op.create_index("ix_flowbot_installed_repositories_installation_id",
                    "flowbot_installed_repositories", ["installation_id"])
