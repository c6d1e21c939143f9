"""Tests of the doubles (bot/doubles/)."""
