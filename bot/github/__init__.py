"""Talking to GitHub: the API client, issue and pull request operations, git."""
