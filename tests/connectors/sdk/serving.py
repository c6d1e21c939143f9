"""Serving a simulator on loopback for an SDK, and steering its faults over HTTP as another
process would."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx

from connectors.core.serving import serve_on_loopback
from connectors.core.simulator import Simulator


@contextmanager
def served(sim: Simulator[Any]) -> Iterator[str]:
    """`sim` on 127.0.0.1; yields its base URL."""
    with serve_on_loopback(sim.app) as base_url:
        yield base_url


def inject(base_url: str, **plan: Any) -> None:
    """Switch faults on through the simulator's own endpoint, `PUT /_simulator/faults`."""
    answer = httpx.put(f"{base_url}/_simulator/faults", json=plan, timeout=5)
    answer.raise_for_status()


def stats(base_url: str) -> dict[str, Any]:
    """What the simulator counted (`GET /_simulator/stats`)."""
    answer = httpx.get(f"{base_url}/_simulator/stats", timeout=5)
    answer.raise_for_status()
    result: dict[str, Any] = answer.json()
    return result
