"""The runner service: a repository's default-branch flows, run on their triggers, each run in a
child process that holds only its own flow's connector credentials."""
