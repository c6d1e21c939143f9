"""Serving an ASGI app (a simulator) on loopback with uvicorn, in a background thread."""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn
from starlette.types import ASGIApp

from connectors.core.transport import SimulatedDrop

STARTUP_TIMEOUT_S = 10.0


class _HideSimulatedDrops(logging.Filter):
    """uvicorn logs every exception in an app; a drop we injected on purpose is not news."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and isinstance(record.exc_info[1], SimulatedDrop))


logging.getLogger("uvicorn.error").addFilter(_HideSimulatedDrops())


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def serve_on_loopback(app: ASGIApp, *, port: int = 0) -> Iterator[str]:
    """Serve `app` on 127.0.0.1 in a background thread, with its start-up and shut-down
    (lifespan) events; yields its base URL."""
    chosen = port or free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=chosen, log_level="warning",
                            access_log=False, lifespan="auto")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"simulator:{chosen}", daemon=True)
    thread.start()
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"the simulator did not start on 127.0.0.1:{chosen}")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{chosen}"
    finally:
        server.should_exit = True
        thread.join(timeout=STARTUP_TIMEOUT_S)
