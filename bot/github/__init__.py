"""GitHub's side of the app: the API client, issues and pull requests, git, labels, comments."""
