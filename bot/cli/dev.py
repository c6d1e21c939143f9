"""`flowbot serve --dev`: the app against the GitHub simulator on this machine.

A thin repository scaffolded as `flowbot init` would (acme/integrations) in the simulator, the
app and a worker wired to it, and the model from ANTHROPIC_API_KEY (and ANTHROPIC_BASE_URL) when
set — without it, the app answers as a server without a model does. People act through the
simulator's `/_simulator/…` endpoints; its page at `/` shows what happened.
"""

from __future__ import annotations

import os
import signal
import tempfile
import threading
from pathlib import Path

import typer

from bot.cli.scaffold import write_scaffold
from bot.doubles.github import GitHubSimulator
from bot.doubles.github.keys import new_app_key
from bot.service import build_service
from bot.settings import load_settings
from bot.web.endpoint import WEBHOOK_PATH
from connectors.core.serving import serve_on_loopback

SECRET = "dev-webhook-secret"  # noqa: S105 - the simulator's own, on loopback


def serve_dev(port: int, workers: int, stop: threading.Event | None = None) -> None:
    """Serve until interrupted (or `stop` is set)."""
    with tempfile.TemporaryDirectory(prefix="flowbot-dev-") as folder:
        scratch = Path(folder)
        scratch.chmod(0o755)  # the sandbox runs as nobody
        content = scratch / "integrations"
        write_scaffold(content)
        key = new_app_key()
        github = GitHubSimulator(scratch / "github", private_key_pem=key, webhook_secret=SECRET)
        with github.serve() as github_url:
            github.create_repository("acme", "integrations", content=content,
                                     permissions={"maintainer": "write"})
            model = {name: os.environ[name] for name in ("ANTHROPIC_API_KEY",
                                                        "ANTHROPIC_BASE_URL", "FLOWBOT_MODEL")
                     if os.environ.get(name)}
            service = build_service(load_settings({
                "GITHUB_APP_ID": str(github.world.app_id), "GITHUB_PRIVATE_KEY": key,
                "GITHUB_WEBHOOK_SECRET": SECRET, "GITHUB_API_URL": github_url,
                "FLOWBOT_DATA_DIR": str(scratch / "app"), **model}))
            with serve_on_loopback(service.app, port=port) as app_url:
                github.webhook_url = app_url + WEBHOOK_PATH
                consumer = service.queue.huey.create_consumer(workers=workers,
                                                              worker_type="thread",
                                                              periodic=False)
                consumer.start()
                # Huey's consumer takes SIGINT and SIGTERM for its own run loop, not used here
                signal.signal(signal.SIGINT, signal.default_int_handler)
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                people = f"{github_url}/_simulator/repos/acme/integrations"
                typer.echo(
                    f"flowbot (dev) listening on {app_url}, against the GitHub simulator at "
                    f"{github_url} (its page: {github_url}/)\n"
                    f"model: {'ANTHROPIC_API_KEY' if model.get('ANTHROPIC_API_KEY') else 'none'}"
                    f"\nopen an issue:  curl -X POST {people}/issues -d '{{\"title\": \"…\", "
                    "\"body\": \"…\", \"labels\": [\"integration-request\"]}'\n"
                    f"comment:        curl -X POST {people}/issues/N/comments -d "
                    "'{\"body\": \"/help\"}'\nCtrl-C stops.")
                try:
                    (stop or threading.Event()).wait()
                except KeyboardInterrupt:
                    pass
                finally:
                    consumer.stop(graceful=True)
