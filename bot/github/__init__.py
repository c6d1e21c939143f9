"""GitHub's side of the app: the API client, issue and pull request operations, git."""
