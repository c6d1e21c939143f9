"""Structured logs: one JSON object per line on stderr, with secrets scrubbed from every value."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable, MutableMapping
from typing import Any

import structlog

from connectors.core.redaction import scrub


def configure_logging(level: str = "INFO", *, secrets: Iterable[str] = ()) -> None:
    """JSON lines on stderr at `level` (DEBUG, INFO, WARNING or ERROR); any of `secrets` that a
    value contains is replaced before the line is written."""
    known = tuple(secret for secret in secrets if secret)

    def scrub_values(_logger: Any, _method: str,
                     event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
        for key, value in event.items():
            if isinstance(value, str):
                event[key] = scrub(value, known)
        return event

    structlog.configure(
        processors=[structlog.contextvars.merge_contextvars, structlog.processors.add_log_level,
                    structlog.processors.TimeStamper(fmt="iso", utc=True), scrub_values,
                    structlog.processors.JSONRenderer()],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelNamesMapping()[level]),
        # stderr as it is when each line is written (a test capturing it, a redirected stream),
        # not as it was when logging was configured
        logger_factory=lambda *_: structlog.PrintLogger(sys.stderr),
        cache_logger_on_first_use=False)
