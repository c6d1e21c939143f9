"""Run a throw-away redis-server for the tests, on 127.0.0.1, with persistence off.

mirakuru (the process runner pytest-redis is built on) starts the process, waits until
its port accepts connections (failing fast when the process exits instead), and stops
the whole process group afterwards. We use it directly rather than pytest-redis because
pytest-redis leaves Redis's default snapshotting on and brings its own fixture names.
"""

import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from mirakuru import TCPExecutor
from mirakuru.exceptions import ExecutorError

from .errors import ServerError
from .ports import LOOPBACK, free_loopback_port

_TIMEOUT_S = 30


@contextmanager
def running_redis(executable: Path) -> Iterator[str]:
    """Start a fresh redis-server, yield its URL `redis://127.0.0.1:PORT/0`, then stop it."""
    with tempfile.TemporaryDirectory(prefix="flowbot-redis-") as tmp:
        port, log = free_loopback_port(), Path(tmp) / "redis.log"
        server = TCPExecutor(
            [
                *(str(executable), "--bind", LOOPBACK, "--port", str(port)),
                *("--save", "", "--appendonly", "no", "--daemonize", "no"),
                *("--dir", tmp, "--logfile", str(log)),
            ],
            host=LOOPBACK,
            port=port,
            timeout=_TIMEOUT_S,
            stdout=subprocess.DEVNULL,
        )
        try:
            server.start()
        except ExecutorError as exc:
            server_log = log.read_text(errors="replace")[-4000:] if log.exists() else "(none)"
            raise ServerError(
                f"redis-server did not start: {exc}\n--- log (tail) ---\n{server_log}"
            ) from exc
        try:
            yield f"redis://{LOOPBACK}:{port}/0"
        finally:
            server.stop()
