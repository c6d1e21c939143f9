"""`uvicorn --factory bot.app:create_app` serves the app; a bad setting stops it with words."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import httpx


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def test_uvicorn_serves_the_app_from_the_factory(environment: dict[str, str]) -> None:
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--factory", "bot.app:create_app", "--port",
         str(port), "--log-level", "warning"], env={**os.environ, **environment},
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline, answer = time.monotonic() + 60, None
        while answer is None and time.monotonic() < deadline:
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1)
            except httpx.TransportError:
                time.sleep(0.2)
        assert answer is not None
        assert answer.json() == {"status": "ready", "problems": []}
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_a_bad_setting_stops_the_factory_with_the_problem_named(
        environment: dict[str, str]) -> None:
    broken = {**environment, "GITHUB_APP_ID": "not-a-number"}

    completed = subprocess.run(
        [sys.executable, "-m", "uvicorn", "--factory", "bot.app:create_app", "--port",
         str(_free_port())], env={**os.environ, **broken}, capture_output=True, text=True,
        timeout=60, check=False)

    assert completed.returncode == 2
    assert "flowbot cannot start:" in completed.stderr
    assert "GITHUB_APP_ID: Input should be a valid integer" in completed.stderr
    assert "Traceback" not in completed.stderr
