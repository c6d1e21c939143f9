"""Tests of the app (bot/), one folder per room."""
