"""Keeping a long-lived server's start-up heap out of the garbage collector's full passes."""

from __future__ import annotations

import gc


def freeze_start_up_heap() -> None:
    """Keep what start-up made (modules, models, the app) out of the garbage collector's full
    passes, which otherwise walk it all while every request waits (it shows in the webhooks' p99,
    `python -m benchmarks.webhooks`). For long-lived servers."""
    gc.collect()
    gc.freeze()
