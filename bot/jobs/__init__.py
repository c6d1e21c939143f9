"""The jobs the queue runs: generate (an intent issue becomes a PR), and the others to come."""
