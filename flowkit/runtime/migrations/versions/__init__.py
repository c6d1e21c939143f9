"""The runtime store's migrations, one per schema change, oldest first."""
