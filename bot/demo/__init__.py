"""`flowbot demo`: the whole loop on one machine, with nothing to configure.

A GitHub simulator holds a demo repository made from this project's connectors, flow kit and
flows; the app (web server and worker) answers its webhooks; the model is Claude when
ANTHROPIC_API_KEY is set, and otherwise a scripted conversation played through the Messages API
simulator (written to show the loop, not recorded from a model). Three stories are played
through real webhooks, real git and the real sandbox: an intent issue becomes a PR (with one
gate rejection on the way), a `/revise` comment becomes a commit, and a packet that fails in
production becomes a `flow-failure` issue and a repair PR.
"""
