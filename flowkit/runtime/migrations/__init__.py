"""The runtime store's migration history (Alembic scripts, run by `flowkit.runtime.schema`)."""
