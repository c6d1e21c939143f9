"""Jobs keep their work record: model, prompt version, gate attempts, tokens and cost."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    """flowbot_jobs.work, empty for the jobs already there."""
    with op.batch_alter_table("flowbot_jobs") as jobs:
        jobs.add_column(sa.Column("work", sa.JSON(), nullable=True))
