"""Conformance suites: each simulator driven by its vendor's official Python SDK."""
