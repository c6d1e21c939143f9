"""`flowbot eval`: how well the agent turns integration requests into flows that really work.

Each task is an issue text plus acceptance tests the model never sees (`tasks/<id>/`). The
harness files the issue in a local world (the GitHub simulator, the app, the worker), lets the
generate job answer it with the configured model, then runs the task's acceptance tests against
the flow in the pull request — inside the sandbox, since the flow is model-written code.
"""
