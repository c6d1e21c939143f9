"""`flowbot serve` under slow and half-open connections, with a bounded number of raw sockets on
loopback: unfinished headers and bodies are answered 408 and closed, bodies held at once stay
within a byte budget (503 past it), and `/healthz` keeps answering while 1,100 half-open
connections press on a 1,024-file limit — with one log line per kind of refusal, no traceback."""

from __future__ import annotations

import os
import resource
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from connectors.core.serving import free_port

PROJECT = Path(__file__).resolve().parents[3]
FILE_LIMIT = 1024


class Server:
    """`flowbot serve` in a process of its own, with a 1,024-file limit."""

    def __init__(self, environment: dict[str, str], log: Path) -> None:
        self.port = free_port()
        self.log = log
        self.output = log.open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "serve", "--port", str(self.port)], cwd=PROJECT,
            env={**os.environ, **environment, "PYTHONPATH": str(PROJECT),
                 "GITHUB_API_URL": "http://127.0.0.1:9"},  # unreachable: the reconcile warns
            stdout=self.output, stderr=subprocess.STDOUT,
            preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_NOFILE,
                                                  (FILE_LIMIT, FILE_LIMIT)))
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.url("/healthz"), timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.2)
        raise AssertionError("flowbot serve did not start: " + log.read_text()[-2000:])

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def connect(self, sent: bytes) -> socket.socket:
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=10)
        sock.sendall(sent)
        return sock

    def stop(self) -> str:
        self.process.terminate()
        self.process.wait(timeout=30)
        self.output.close()
        return self.log.read_text()


def _server(environment: dict[str, str], tmp_path: Path, **limits: str) -> Iterator[Server]:
    server = Server({**environment, **limits}, tmp_path / "serve.log")
    yield server
    server.stop()


@pytest.fixture
def quick(environment: dict[str, str], tmp_path: Path) -> Iterator[Server]:
    """Short deadlines and a 1 MiB budget for bodies in flight."""
    yield from _server(environment, tmp_path, FLOWBOT_HEADER_TIMEOUT_S="1",
                       FLOWBOT_BODY_TIMEOUT_S="1", FLOWBOT_MAX_INFLIGHT_BYTES=str(1 << 20))


@pytest.fixture
def patient(environment: dict[str, str], tmp_path: Path) -> Iterator[Server]:
    """Deadlines longer than the test: only the connection limit can keep it answering."""
    yield from _server(environment, tmp_path, FLOWBOT_HEADER_TIMEOUT_S="120",
                       FLOWBOT_BODY_TIMEOUT_S="120")


def _answer(sock: socket.socket) -> bytes:
    """What the server wrote before it closed the connection."""
    received = b""
    while chunk := sock.recv(65536):
        received += chunk
    return received


HEADERS = (b"POST /api/github/webhooks HTTP/1.1\r\nHost: x\r\nX-GitHub-Event: issues\r\n"
           b"Content-Type: application/json\r\n")


@pytest.mark.parametrize("sent", [HEADERS, HEADERS + b"Content-Length: 5000\r\n\r\n{\"a\": "],
                         ids=["unfinished-headers", "unfinished-body"])
def test_an_unfinished_request_is_answered_408_and_closed(quick: Server, sent: bytes) -> None:
    sockets = [quick.connect(sent) for _ in range(50)]
    started = time.monotonic()

    answers = [_answer(sock) for sock in sockets]

    assert time.monotonic() - started < 10
    assert all(answer.startswith(b"HTTP/1.1 408 ") for answer in answers)
    for sock in sockets:
        sock.close()
    log = quick.stop()
    assert "Traceback" not in log
    assert log.count("intake.") <= 2  # one line per kind of refusal, not one per connection


def test_bodies_in_flight_stay_within_their_budget(quick: Server) -> None:
    big = HEADERS + b"Content-Length: 4000000\r\n\r\n"
    holding = [quick.connect(big + b"x" * 300_000) for _ in range(3)]
    time.sleep(0.3)
    over = quick.connect(big + b"x" * 400_000)

    assert _answer(over).startswith(b"HTTP/1.1 503 ")
    assert httpx.get(quick.url("/healthz"), timeout=5).status_code == 200
    for sock in holding:
        sock.close()


def test_healthz_answers_under_1100_half_open_connections(patient: Server) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < 1300:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 4096), hard))
    sockets: list[socket.socket] = []
    try:
        for _ in range(1100):
            sockets.append(patient.connect(b"GET /healthz HTTP/1.1\r\nHost: x\r\n"))
        time.sleep(0.5)
        answers = [httpx.get(patient.url("/healthz"), timeout=5) for _ in range(5)]
    finally:
        for sock in sockets:
            sock.close()

    assert [answer.status_code for answer in answers] == [200] * 5
    log = patient.stop()
    assert "Traceback" not in log
    assert log.count("intake.") <= 3
