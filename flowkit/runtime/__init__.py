"""Running merged flows in production: the ledger, replays, failure filing, the runner."""
