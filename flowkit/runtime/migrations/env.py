"""Alembic's entry point for this history: the migrations run on the connection that
`flowkit.runtime.schema.upgrade` opened and locked."""

from flowkit.runtime.schema import run_migrations

run_migrations()
