"""Structured logs: one JSON object per line on stderr, with secrets scrubbed from every value."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterable, MutableMapping
from typing import Any

import orjson
import structlog

from connectors.core.redaction import Scrubber


def configure_logging(level: str = "INFO", *, secrets: Iterable[str] = ()) -> None:
    """JSON lines on stderr at `level` (DEBUG, INFO, WARNING or ERROR); any of `secrets` that a
    value contains is replaced before the line is written."""
    scrub = Scrubber(secrets)

    def scrub_values(_logger: Any, _method: str,
                     event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
        for key, value in event.items():
            if isinstance(value, str):
                event[key] = scrub(value)
        return event

    structlog.configure(
        processors=[structlog.contextvars.merge_contextvars, structlog.processors.add_log_level,
                    structlog.processors.TimeStamper(fmt="iso", utc=True), scrub_values,
                    structlog.processors.JSONRenderer(serializer=_json_line)],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelNamesMapping()[level]),
        # stderr as it is when each line is written (a test capturing it, a redirected stream),
        # not as it was when logging was configured
        logger_factory=lambda *_: structlog.PrintLogger(sys.stderr),
        cache_logger_on_first_use=False)


def _json_line(event: Any, **options: Any) -> str:
    """The event as one line of JSON, by orjson (several times faster than `json` on the
    webhook path); `json` for what orjson refuses, such as integers beyond 64 bits."""
    try:
        return orjson.dumps(event, default=options.get("default")).decode()
    except TypeError:
        return json.dumps(event, **options)
