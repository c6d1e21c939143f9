"""How fast the app acknowledges GitHub's deliveries, next to an endpoint that only checks the
signature.

A few thousand signed `issues.labeled` deliveries (each an intent issue, so each stores a
delivery and a job and enqueues it) are sent over loopback by concurrent clients to the real
app — SQLite store and SQLite queue in a scratch folder — and, in the same run, to a bare
FastAPI endpoint that verifies the signature and answers. Each server runs in a process of its
own under uvicorn (as `flowbot serve` runs the app), one at a time, so the clients here do not
share an interpreter with the server they measure. Afterwards the store is counted: every
delivery persisted exactly once.

    python -m benchmarks.webhooks [--json] [--deliveries N] [--clients C]
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI, Request, Response
from rich.console import Console
from rich.table import Table
from sqlalchemy import func, select

from bot.settings import load_settings
from bot.store import Delivery, Job, open_app_store
from bot.webhooks import WEBHOOK_PATH, signature_valid

SECRET = "benchmark-webhook-secret"  # noqa: S105 - the benchmark's own


def _payload(number: int) -> bytes:
    return json.dumps({
        "action": "labeled", "label": {"name": "integration-request"},
        "issue": {"number": number, "title": f"Sync {number}", "labels": [
            {"name": "integration-request"}], "user": {"login": "octocat", "type": "User"}},
        "repository": {"full_name": "acme/flows"},
        "sender": {"login": "octocat", "type": "User"}, "installation": {"id": 1}}).encode()


def bare_app() -> FastAPI:
    """The peer: verify the signature, answer; nothing stored."""
    app = FastAPI()
    secret = SECRET.encode()

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.post(WEBHOOK_PATH)
    async def receive(request: Request) -> Response:
        body = await request.body()
        ok = signature_valid(secret, body, request.headers.get("x-hub-signature-256"))
        return Response(status_code=202 if ok else 401)

    return app


async def _send(base_url: str, deliveries: int, clients: int) -> tuple[list[float], float, int]:
    latencies: list[float] = []
    failures = 0
    queue: asyncio.Queue[int] = asyncio.Queue()
    for number in range(1, deliveries + 1):
        queue.put_nowait(number)

    async def client(http: httpx.AsyncClient) -> None:
        nonlocal failures
        while not queue.empty():
            number = queue.get_nowait()
            body = _payload(number)
            digest = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
            headers = {"X-GitHub-Event": "issues", "X-GitHub-Delivery": str(uuid.uuid4()),
                       "X-Hub-Signature-256": f"sha256={digest}",
                       "Content-Type": "application/json"}
            started = time.perf_counter()
            response = await http.post(WEBHOOK_PATH, content=body, headers=headers)
            latencies.append(time.perf_counter() - started)
            failures += response.status_code not in (200, 202)

    limits = httpx.Limits(max_connections=clients)
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=30) as http:
        started = time.perf_counter()
        await asyncio.gather(*(client(http) for _ in range(clients)))
        elapsed = time.perf_counter() - started
    return latencies, elapsed, failures


def _figures(latencies: list[float], elapsed: float) -> dict[str, float]:
    cuts = statistics.quantiles(latencies, n=100)
    return {"p50_ms": round(cuts[49] * 1000, 2), "p99_ms": round(cuts[98] * 1000, 2),
            "per_s": round(len(latencies) / elapsed, 1)}


@contextmanager
def _server(argv: list[str], environment: dict[str, str]) -> Iterator[str]:
    """`argv --port P` in a process of its own; yields its base URL once /healthz answers."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen([*argv, "--port", str(port)],  # noqa: S603 - our own servers
                               env={**os.environ, **environment}, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base_url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                error = process.stderr.read().decode()[-2000:] if process.stderr else ""
                raise RuntimeError(f"{' '.join(argv)} did not start: {error}")
            time.sleep(0.1)
        yield base_url
    finally:
        process.terminate()
        process.wait(timeout=30)


def measure(deliveries: int, clients: int) -> dict[str, Any]:
    """Send the deliveries to the app and to the bare endpoint; the figures and the counts."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()).decode()
    with tempfile.TemporaryDirectory(prefix="flowbot-webhook-bench-") as scratch:
        environment = {"GITHUB_APP_ID": "1", "GITHUB_PRIVATE_KEY": key,
                       "GITHUB_WEBHOOK_SECRET": SECRET,
                       "FLOWBOT_DATA_DIR": str(Path(scratch) / "data"), "LOG_LEVEL": "WARNING"}
        with _server([sys.executable, "-m", "bot.cli", "serve"], environment) as base_url:
            ours, ours_elapsed, ours_failed = asyncio.run(_send(base_url, deliveries, clients))
        with open_app_store(load_settings(environment).database)() as session:
            stored = session.scalar(select(func.count()).select_from(Delivery)) or 0
            distinct = session.scalar(select(func.count(func.distinct(Delivery.id)))) or 0
            jobs = session.scalar(select(func.count()).select_from(Job)) or 0
        bare_server = [sys.executable, "-m", "uvicorn", "--factory",
                       "benchmarks.webhooks:bare_app", "--log-level", "warning"]
        with _server(bare_server, {}) as base_url:
            bare, bare_elapsed, _ = asyncio.run(_send(base_url, deliveries, clients))
    result: dict[str, Any] = {"ours": _figures(ours, ours_elapsed),
                              "bare": _figures(bare, bare_elapsed)}
    result["throughput_ratio"] = round(result["ours"]["per_s"] / result["bare"]["per_s"], 3)
    result["lost"] = deliveries - stored + ours_failed
    result["duplicates"] = stored - distinct
    result["jobs"] = jobs
    return result


def main(argv: list[str] | None = None) -> None:
    """Print a table, or one JSON object with --json."""
    parser = argparse.ArgumentParser(description="Webhook acknowledgement latency/throughput.")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--deliveries", type=int, default=3000)
    parser.add_argument("--clients", type=int, default=16)
    arguments = parser.parse_args(argv)
    result = measure(arguments.deliveries, arguments.clients)
    if arguments.json:
        print(json.dumps(result))
        return
    table = Table(title=f"{arguments.deliveries} signed deliveries, {arguments.clients} "
                        "concurrent clients, loopback",
                  caption=f"throughput ratio {result['throughput_ratio']}; lost "
                          f"{result['lost']}, duplicates {result['duplicates']}")
    for column in ("endpoint", "p50 ms", "p99 ms", "per s"):
        table.add_column(column)
    for name in ("ours", "bare"):
        figures = result[name]
        table.add_row(name, str(figures["p50_ms"]), str(figures["p99_ms"]),
                      str(figures["per_s"]))
    Console().print(table)


if __name__ == "__main__":
    main()
