"""Tests of bot/github."""
