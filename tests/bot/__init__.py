"""Tests of the GitHub App (bot/)."""
