"""How fast the app acknowledges GitHub's deliveries, next to an endpoint that only checks the
signature.

A few thousand signed `issues.labeled` deliveries (GitHub's own example payload from the pinned
@octokit/webhooks-examples, about 12 KB, each for a new intent issue, so each stores a delivery
and a job and enqueues it) are sent over loopback to the real app, served by `flowbot serve`
with its SQLite store and SQLite queue in a scratch folder ("ours": a writer process of its own
stores the deliveries); to the same app with the simpler design it was measured against
("thread": a thread of the web process stores them, `benchmarks.webhooks_thread_writer`); and,
in the same run, to a bare FastAPI endpoint under the same uvicorn that verifies the signature
and answers. Each server runs in a process of its own, one at a time.

The app's goal (issue 16): a p99 under 50 ms at 16 clients and at least 0.3 of the bare
endpoint's throughput, nothing lost after a 2xx, nothing stored twice; the writer process is
kept only while the thread design does not meet it. Each design's figures and verdict are
reported with each round's range, and each server's CPU per delivery (every process under it
counted) to show what the throughput costs. The machine's load average before and after is
reported too: on a shared machine other work moves every figure.

The clients are wrk (Debian's package), one connection per wrk thread, each sending its share
and waiting for each answer before the next. A Python client on the same two cores spent more
CPU than the server it measured, and its own event loop's delays showed up as the server's
latency. Afterwards the store is counted: every delivery persisted exactly once.

    python -m benchmarks.webhooks [--json] [--deliveries N] [--clients C] [--rounds R]
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import hmac
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import httpx
import psutil
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI, Request, Response
from rich.console import Console
from rich.table import Table
from sqlalchemy import func, select

from bot.settings import load_settings
from bot.store import Delivery, Job, open_app_store
from bot.web.endpoint import WEBHOOK_PATH, signature_valid

SECRET = "benchmark-webhook-secret"  # noqa: S105 - the benchmark's own
EXAMPLES = Path(__file__).resolve().parents[1] / "tests" / "data" / "github" / \
    "webhook-examples.json"
LOAD_SCRIPT = Path(__file__).with_name("webhooks.lua")
LABELS = {"p50_ms": "p50 ms", "p99_ms": "p99 ms", "per_s": "deliveries per s",
          "cpu_ms_per_delivery": "CPU ms per delivery"}
FIGURES = tuple(LABELS)
GOAL_CLIENTS = 16
GOAL_P99_MS = 50.0
GOAL_THROUGHPUT_RATIO = 0.3
APP_DESIGNS = {
    "ours": [sys.executable, "-m", "bot.cli", "serve"],
    "thread": [sys.executable, "-m", "benchmarks.webhooks_thread_writer"],
}
"""The app as `flowbot serve` runs it (a writer process stores the deliveries), and the simpler
design it was measured against (a thread of the web process stores them)."""
SERVERS = (*APP_DESIGNS, "bare")
LOAD_LIMIT_S = 600
"""wrk's duration: an upper bound; it is stopped once every delivery is answered."""


def _labeled_example() -> dict[str, Any]:
    events = json.loads(EXAMPLES.read_text())["events"]
    example: dict[str, Any] = next(
        example for event in events if event["name"] == "issues"
        for example in event["examples"] if example["action"] == "labeled")
    example["label"]["name"] = "integration-request"
    example["sender"]["type"] = "User"
    return example


def _write_deliveries(prefix: Path, count: int, clients: int) -> None:
    """The load script's files, `<prefix>k.tsv` for client k: a line per delivery with its id,
    signature and body; every delivery a new issue, each in one file."""
    example = _labeled_example()
    with ExitStack() as opened:
        files = [opened.enter_context(Path(f"{prefix}{client}.tsv").open("w"))
                 for client in range(1, clients + 1)]
        for number in range(1, count + 1):
            payload = copy.deepcopy(example)
            payload["issue"]["number"] = number
            body = json.dumps(payload, separators=(",", ":"))
            digest = hmac.new(SECRET.encode(), body.encode(), hashlib.sha256).hexdigest()
            files[number % clients].write(f"{uuid.uuid4()}\t{digest}\t{body}\n")


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


def _load(base_url: str, deliveries: Path, clients: int) -> dict[str, Any]:
    """Send every delivery in the files once, `clients` at a time, with wrk; what wrk saw.

    wrk runs for a set duration, so it is stopped (SIGINT, as Ctrl-C) as soon as every one of
    its threads has written that it finished."""
    wrk = shutil.which("wrk")
    if wrk is None:
        raise SystemExit("wrk is not installed: `make services` installs it (Debian's wrk)")
    process = subprocess.Popen(  # noqa: S603 - wrk, our script, our files
        [wrk, "-t", str(clients), "-c", str(clients), "-d", f"{LOAD_LIMIT_S}s",
         "--timeout", "30s", "-s", str(LOAD_SCRIPT), base_url, "--", str(deliveries)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert process.stderr is not None  # asked for above
    finished = 0
    for line in process.stderr:
        finished += line.strip() == "finished"
        if finished == clients:
            process.send_signal(signal.SIGINT)
            break
    output, errors = process.communicate(timeout=60)
    if finished < clients:
        raise RuntimeError(f"wrk stopped before its clients finished: {errors[-2000:]}")
    seen: dict[str, Any] = json.loads(output.strip().splitlines()[-1])
    return seen


def _cpu_s(server: psutil.Process) -> float:
    """The CPU time the server and every process under it have spent so far."""
    processes = [server, *server.children(recursive=True)]
    return sum(times.user + times.system for times in (p.cpu_times() for p in processes))


def _measured_load(server: psutil.Process, base_url: str, deliveries: Path,
                   clients: int) -> dict[str, float]:
    """Latency, throughput and CPU per delivery of one server under the load."""
    cpu_before = _cpu_s(server)
    seen = _load(base_url, deliveries, clients)
    return {"p50_ms": round(seen["p50_us"] / 1000, 2), "p99_ms": round(seen["p99_us"] / 1000, 2),
            "per_s": round(seen["answers"] / (seen["duration_us"] / 1e6), 1),
            "cpu_ms_per_delivery": round((_cpu_s(server) - cpu_before) * 1000
                                         / seen["answers"], 3),
            "answered_202": seen["statuses"].get("202", 0)}


@contextmanager
def _server(argv: list[str],
            environment: dict[str, str]) -> Iterator[tuple[psutil.Process, str]]:
    """`argv --port P` in a process of its own; yields it and its base URL once /healthz
    answers."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    log = tempfile.TemporaryFile()  # noqa: SIM115 - closed below; a pipe could fill and block
    process = subprocess.Popen([*argv, "--port", str(port)],  # noqa: S603 - our own servers
                               env={**os.environ, **environment}, stdout=subprocess.DEVNULL,
                               stderr=log)
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
                log.seek(0)
                raise RuntimeError(f"{' '.join(argv)} did not start: "
                                   f"{log.read().decode()[-2000:]}")
            time.sleep(0.1)
        yield psutil.Process(process.pid), base_url
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def _app_load(argv: list[str], load: Path, deliveries: int, clients: int,
              environment: dict[str, str]) -> dict[str, Any]:
    """One of the app's designs on a new store under the load: its figures, and what the store
    holds afterwards (deliveries lost after a 2xx, stored twice; jobs)."""
    with _server(argv, environment) as (server, base_url):
        seen = _measured_load(server, base_url, load, clients)
    with open_app_store(load_settings(environment).database)() as session:
        stored = session.scalar(select(func.count()).select_from(Delivery)) or 0
        distinct = session.scalar(select(func.count(func.distinct(Delivery.id)))) or 0
        jobs = session.scalar(select(func.count()).select_from(Job)) or 0
    return {"figures": {key: seen[key] for key in FIGURES},
            "lost": deliveries - min(stored, int(seen["answered_202"])),
            "duplicates": stored - distinct, "jobs": jobs}


def _round(load: Path, deliveries: int, clients: int, environment: dict[str, str],
           scratch: Path) -> dict[str, Any]:
    """One round: the app as `flowbot serve` runs it, the thread design, then the bare endpoint,
    each on a new store; figures and counts."""
    designs = {design: _app_load(argv, load, deliveries, clients,
                                 {**environment, "FLOWBOT_DATA_DIR": str(scratch / design)})
               for design, argv in APP_DESIGNS.items()}
    bare_server = [sys.executable, "-m", "uvicorn", "--factory",
                   "benchmarks.webhooks:bare_app", "--log-level", "warning"]
    with _server(bare_server, {}) as (server, base_url):
        bare = _measured_load(server, base_url, load, clients)
    result: dict[str, Any] = {"bare": {key: bare[key] for key in FIGURES},
                              "bare_refused": deliveries - int(bare["answered_202"])}
    for design, measured in designs.items():
        result[design] = measured["figures"]
        result[f"{design}_throughput_ratio"] = round(
            measured["figures"]["per_s"] / bare["per_s"], 3)
        for count in ("lost", "duplicates", "jobs"):
            result[f"{design}_{count}"] = measured[count]
    return result


def measure(deliveries: int, clients: int, rounds: int = 1,
            progress: Callable[[str], None] = lambda _: None) -> dict[str, Any]:
    """Send the deliveries to the app and to the bare endpoint, alternately, `rounds` times.

    The figures are medians over the rounds (the throughput ratio the median of each round's,
    whose two servers ran one after the other), so one noisy moment on a shared machine does
    not decide them; every round is kept under "rounds". Counts are totals."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()).decode()
    environment = {"GITHUB_APP_ID": "1", "GITHUB_PRIVATE_KEY": key,
                   "GITHUB_WEBHOOK_SECRET": SECRET}
    done: list[dict[str, Any]] = []
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="flowbot-webhook-bench-") as scratch:
        load = Path(scratch) / "deliveries-"
        _write_deliveries(load, deliveries, clients)
        for number in range(1, rounds + 1):
            done.append(_round(load, deliveries, clients, environment,
                               Path(scratch) / f"data-{number}"))
            progress(f"round {number} of {rounds}: " + ", ".join(
                f"{server} {done[-1][server]['per_s']}/s" for server in SERVERS))
    result = _summary(done, deliveries, clients)
    result["load_average"] = {"before": [round(x, 2) for x in load_before],
                              "after": [round(x, 2) for x in os.getloadavg()],
                              "cores": os.cpu_count()}
    return result


def _summary(done: list[dict[str, Any]], deliveries: int, clients: int) -> dict[str, Any]:
    """The rounds' medians and ranges, counts summed, and whether each of the app's designs met
    the goal (None when not measured at the goal's 16 clients)."""
    def spread(values: list[float]) -> list[float]:
        return [min(values), max(values)]

    result: dict[str, Any] = {
        server: {figure: round(statistics.median(run[server][figure] for run in done), 3)
                 for figure in FIGURES} for server in SERVERS}
    result["range"] = {server: {figure: spread([run[server][figure] for run in done])
                                for figure in FIGURES} for server in SERVERS}
    result["bare_refused"] = sum(run["bare_refused"] for run in done)
    met: dict[str, bool | None] = {}
    for design in APP_DESIGNS:
        ratios = [run[f"{design}_throughput_ratio"] for run in done]
        result[f"{design}_throughput_ratio"] = round(statistics.median(ratios), 3)
        result["range"][f"{design}_throughput_ratio"] = spread(ratios)
        for count in ("lost", "duplicates", "jobs"):
            result[f"{design}_{count}"] = sum(run[f"{design}_{count}"] for run in done)
        meets = (result[design]["p99_ms"] < GOAL_P99_MS
                 and result[f"{design}_throughput_ratio"] >= GOAL_THROUGHPUT_RATIO
                 and result[f"{design}_lost"] == result[f"{design}_duplicates"] == 0)
        met[design] = meets if clients == GOAL_CLIENTS else None
    result["goal"] = {"clients": GOAL_CLIENTS, "p99_ms_below": GOAL_P99_MS,
                      "throughput_ratio_at_least": GOAL_THROUGHPUT_RATIO, "met": met}
    result["deliveries_per_round"] = deliveries
    result["rounds"] = done
    return result


def main(argv: list[str] | None = None) -> None:
    """Print a table, or one JSON object with --json (progress goes to stderr)."""
    parser = argparse.ArgumentParser(description="Webhook acknowledgement latency/throughput.")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--deliveries", type=int, default=5000, help="deliveries per round")
    parser.add_argument("--clients", type=int, default=16, help="concurrent clients")
    parser.add_argument("--rounds", type=int, default=3,
                        help="rounds of the three servers; the figures are medians")
    arguments = parser.parse_args(argv)
    errors = Console(stderr=True)
    result = measure(arguments.deliveries, arguments.clients, arguments.rounds,
                     progress=errors.print)
    if arguments.json:
        print(json.dumps(result))
        return
    Console().print(_table(result, arguments.deliveries, arguments.clients, arguments.rounds))


_VERDICT = {True: "met", False: "NOT met", None: "not measured (other client count)"}


def _table(result: dict[str, Any], deliveries: int, clients: int, rounds: int) -> Table:
    goal = result["goal"]
    load = result["load_average"]
    verdicts = "; ".join(
        f"{design}: ratio {result[f'{design}_throughput_ratio']}, lost "
        f"{result[f'{design}_lost']}, stored twice {result[f'{design}_duplicates']}, goal "
        f"{_VERDICT[goal['met'][design]]}" for design in APP_DESIGNS)
    table = Table(title=f"{deliveries} signed deliveries, {clients} concurrent clients, "
                        f"loopback; medians of {rounds} rounds and their range",
                  caption=f"ours: flowbot serve (a writer process stores the deliveries); "
                          f"thread: the same app storing them on a thread of its own. "
                          f"{verdicts}. Goal at {goal['clients']} clients: p99 < "
                          f"{goal['p99_ms_below']:g} ms, ratio to bare >= "
                          f"{goal['throughput_ratio_at_least']:g}, nothing lost or stored "
                          f"twice. Load average (1 min) {load['before'][0]} before, "
                          f"{load['after'][0]} after, on {load['cores']} cores.")
    table.add_column("")
    for server in SERVERS:
        table.add_column(server)
        table.add_column(f"{server}, range")
    for figure, label in LABELS.items():
        cells = []
        for server in SERVERS:
            least, most = result["range"][server][figure]
            cells += [str(result[server][figure]), f"{least}-{most}"]
        table.add_row(label, *cells)
    ratios = []
    for design in APP_DESIGNS:
        least, most = result["range"][f"{design}_throughput_ratio"]
        ratios += [str(result[f"{design}_throughput_ratio"]), f"{least}-{most}"]
    table.add_row("ratio to bare", *ratios, "1", "")
    return table


if __name__ == "__main__":
    main()
