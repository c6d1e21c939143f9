"""Fixtures of the end-to-end tests."""

from tests.app.conftest import private_key_pem

__all__ = ["private_key_pem"]
