"""`flowbot serve --dev`: the app against the GitHub simulator; a person's labelled issue
reaches it as a webhook, and the answer shows on the simulator's page."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from pathlib import Path

import httpx

from bot.jobs.unconfigured import NOT_CONFIGURED
from tests.bot.cli.conftest import FLOWBOT
from tests.support.ports import free_loopback_port


def test_serve_dev_answers_a_labelled_issue(tmp_path: Path) -> None:
    port = free_loopback_port()
    server = subprocess.Popen(
        [str(FLOWBOT), "serve", "--dev", "--port", str(port), "--workers", "1"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path,
        env={"PATH": os.environ["PATH"], "HOME": str(tmp_path)})
    try:
        assert server.stdout is not None
        first = server.stdout.readline()
        assert first.startswith(f"flowbot (dev) listening on http://127.0.0.1:{port}, "), \
            first + (server.stderr.read() if server.poll() is not None and server.stderr else "")
        github = re.search(r"against the GitHub simulator at (\S+) ", first)
        assert github is not None
        opened = httpx.post(f"{github[1]}/_simulator/repos/acme/integrations/issues",
                            json={"title": "Sync orders", "body": "Shopify to HubSpot",
                                  "labels": ["integration-request"]}, timeout=30)
        assert opened.status_code == 201
        deadline, page = time.monotonic() + 60, ""
        while NOT_CONFIGURED not in page and time.monotonic() < deadline:
            time.sleep(0.5)
            page = httpx.get(f"{github[1]}/", timeout=10).text
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            raise

    assert NOT_CONFIGURED in page
    assert server.returncode == 0
