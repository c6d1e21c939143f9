"""Runs, the ledger, cursors, the audit trail and failed messages (the 2026-11-23 release)."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None


def upgrade() -> None:
    """The runtime store as the first release made it."""
    op.create_table(
        "flowbot_runs",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("flow", sa.String(120), nullable=False),
        sa.Column("version", sa.String(64), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False))
    op.create_index("ix_flowbot_runs_flow", "flowbot_runs", ["flow"])
    op.create_table(
        "flowbot_ledger",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("flow", sa.String(120), nullable=False),
        sa.Column("identity", sa.String(300), nullable=False),
        sa.Column("packet_key", sa.String(255), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("run_id", sa.String(40), nullable=False),
        sa.Column("target_ref", sa.String(255), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("flow", "identity", name="uq_flowbot_ledger_packet"))
    op.create_table(
        "flowbot_cursors",
        sa.Column("flow", sa.String(120), primary_key=True),
        sa.Column("value", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False))
    op.create_table(
        "flowbot_audit",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("run_id", sa.String(40), sa.ForeignKey("flowbot_runs.id"), nullable=False),
        sa.Column("flow", sa.String(120), nullable=False),
        sa.Column("version", sa.String(64), nullable=False),
        sa.Column("packet_key", sa.String(255), nullable=False),
        sa.Column("source_ref", sa.String(255), nullable=False),
        sa.Column("target_ref", sa.String(255), nullable=True),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False))
    op.create_index("ix_flowbot_audit_run_id", "flowbot_audit", ["run_id"])
    op.create_table(
        "flowbot_failures",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("flow", sa.String(120), nullable=False),
        sa.Column("version", sa.String(64), nullable=False),
        sa.Column("run_id", sa.String(40), nullable=False),
        sa.Column("packet_key", sa.String(255), nullable=False),
        sa.Column("identity", sa.String(300), nullable=False),
        sa.Column("unit", sa.String(120), nullable=False),
        sa.Column("error_type", sa.String(120), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("traceback", sa.Text(), nullable=False),
        sa.Column("packet", sa.JSON(), nullable=False),
        sa.Column("unit_input", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("issue_url", sa.String(500), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False))
    op.create_index("ix_flowbot_failures_flow", "flowbot_failures", ["flow"])
