"""Job leases in flowbot_job_leases, not flowbot_leases: that name is the runtime store's."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"


def upgrade() -> None:
    """flowbot_job_leases. The 2026-12-05 release's `flowbot_leases` (key, owner, expires_at)
    is dropped with the leases in it, which expire within FLOWBOT_LEASE_TTL_S anyway (stop
    that release's workers before starting this one); a runtime store's table of that name
    (flow, owner, expires_at) is left alone."""
    op.create_table(
        "flowbot_job_leases",
        sa.Column("key", sa.String(300), primary_key=True),
        sa.Column("owner", sa.String(200), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False))
    found = sa.inspect(op.get_bind())
    if found.has_table("flowbot_leases") and "key" in {
            column["name"] for column in found.get_columns("flowbot_leases")}:
        op.drop_table("flowbot_leases")
