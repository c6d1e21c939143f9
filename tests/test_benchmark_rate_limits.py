"""The rate-limit benchmark's yardstick: the ideal client it compares against."""

from __future__ import annotations

import pytest

from benchmarks.rate_limits import NOT_MEASURED, WORKLOADS, ideal_seconds, run
from connectors.core.ratelimit import LeakyBucket, SlidingWindow


@pytest.mark.parametrize(("limit", "requests", "seconds"), [
    (LeakyBucket(40, 2.0), 40, 0.0),    # the bucket's capacity goes at once
    (LeakyBucket(40, 2.0), 56, 8.0),    # then one every half second
    (LeakyBucket(25, 25.0), 175, 6.0),
    (SlidingWindow(100, 10.0), 100, 0.0),
    (SlidingWindow(100, 10.0), 150, 10.0),  # the 101st waits for the first to leave the window
    (SlidingWindow(1, 1.0), 10, 9.0),
])
def test_the_ideal_client_needs_exactly_what_the_limit_allows(
        limit: LeakyBucket | SlidingWindow, requests: int, seconds: float) -> None:
    assert ideal_seconds(limit, requests) == pytest.approx(seconds)


def test_every_http_connector_is_measured_or_says_why_not() -> None:
    measured = {workload.name for workload in WORKLOADS}

    assert measured | set(NOT_MEASURED) == {"shopify", "hubspot", "salesforce", "stripe", "slack"}
    assert run(["salesforce"]) == {"salesforce": {"workload": NOT_MEASURED["salesforce"],
                                                  "ours": None, "peer": None}}
