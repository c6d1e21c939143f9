"""Test support: find, start and stop the real servers the test suite talks to.

One module per job: `binaries` finds the server programs, `ports` picks a free loopback
port, `postgres_server` and `redis_server` run one throw-away server each, and
`availability` decides whether a missing program skips a test or fails it.
`tests/conftest.py` turns these into session-scoped fixtures.
"""
