"""Throttle state shared through Redis: one vendor account's limit, kept once for every process.

The states are exercised against the real Redis the tests start; the last tests run real worker
processes against one simulator, as two runners' flows reading one shop or account would.
"""

from __future__ import annotations

import sys

import pytest
from pydantic import SecretStr

from benchmarks.rate_limits import measure_processes
from connectors.core.auth import ApiKeyAuth, BearerAuth
from connectors.core.errors import ConfigurationError, TransientError
from connectors.core.ratelimit import LeakyBucket, LocalState, SlidingWindow, Throttle
from connectors.core.shared_throttle import (
    SHARED_THROTTLE_VARIABLE,
    RedisThrottleStore,
    configured_store,
    throttle_key,
)
from connectors.shopify import Shopify
from connectors.shopify.simulator import ShopifySimulator
from tests.support.ports import free_loopback_port

_keys = iter(range(1_000_000))


@pytest.fixture
def key() -> str:
    """A key no other test has used (the Redis server lives for the whole session)."""
    return f"flowbot:throttle:test:{next(_keys)}"


def _two_processes(redis_url: str, limit: LeakyBucket | SlidingWindow,
                   key: str) -> tuple[Throttle, Throttle]:
    """Two throttles as two processes would hold them: separate stores and connections."""
    throttles = []
    for _ in range(2):
        throttle = Throttle(limit)
        state = RedisThrottleStore(redis_url).state_for(limit, key)
        assert state is not None
        throttle.share(state)
        throttles.append(throttle)
    return throttles[0], throttles[1]


def test_a_shared_bucket_admits_its_capacity_once_between_two_holders(
        redis_url: str, key: str) -> None:
    first, second = _two_processes(redis_url, LeakyBucket(5, 10.0), key)

    admitted = [first.state.admit() for _ in range(3)] + [second.state.admit() for _ in range(2)]
    waits = (first.state.admit(), second.state.admit())

    assert admitted == [0.0] * 5
    assert all(0 < wait <= 0.1 for wait in waits)  # one request leaks out in 1/10 s


def test_a_shared_window_admits_its_limit_once_between_two_holders(
        redis_url: str, key: str) -> None:
    first, second = _two_processes(redis_url, SlidingWindow(3, 10.0, margin_seconds=0.5), key)

    admitted = [first.state.admit(), second.state.admit(), first.state.admit()]
    wait = second.state.admit()

    assert admitted == [0.0] * 3
    assert 10.0 < wait <= 10.5  # the first request leaves the window, plus the margin


@pytest.mark.parametrize("limit", [LeakyBucket(40, 2.0), SlidingWindow(100, 10.0)])
def test_a_vendor_report_seen_by_one_holder_holds_back_the_other(
        redis_url: str, key: str, limit: LeakyBucket | SlidingWindow) -> None:
    first, second = _two_processes(redis_url, limit, key)

    first.state.correct(0.0)  # the vendor says the account has no room left

    assert second.state.admit() > 0


def test_a_429_seen_by_one_holder_holds_back_the_other(redis_url: str, key: str) -> None:
    first, second = _two_processes(redis_url, LeakyBucket(40, 2.0), key)

    first.back_off(5.0)

    assert 4.5 < second.state.admit() <= 5.0


def test_the_key_names_the_account_but_never_holds_its_secret() -> None:
    token = "shpat_0123456789abcdef"
    auth = ApiKeyAuth(SecretStr(token), name="X-Shopify-Access-Token")
    key = throttle_key("shopify", "https://acme.myshopify.com/admin/api/2024-10", "requests",
                       auth)

    assert key.startswith("flowbot:throttle:shopify:acme.myshopify.com:requests:")
    assert token not in key
    assert key != throttle_key("shopify", "https://other.myshopify.com", "requests", auth)
    assert key != throttle_key("shopify", "https://acme.myshopify.com", "requests",
                               BearerAuth(SecretStr("another token")))
    assert key != throttle_key("shopify", "https://acme.myshopify.com", "writes", auth)


def test_without_the_setting_throttles_stay_in_the_process() -> None:
    assert configured_store(environ={}) is None


def test_a_setting_that_is_not_a_redis_url_is_refused_without_echoing_it() -> None:
    with pytest.raises(ConfigurationError, match="must be a Redis URL") as caught:
        configured_store("shopify", {SHARED_THROTTLE_VARIABLE: "postgres://u:pw@db/x"})

    assert "pw" not in str(caught.value)


def test_a_missing_redis_package_is_a_clear_configuration_error(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "redis", None)  # what `import redis` sees when absent

    with pytest.raises(ConfigurationError, match=r"pip install -c constraints.txt '\.\[redis\]'"):
        RedisThrottleStore("redis://127.0.0.1:1/0", connector="shopify")


def test_an_unreachable_redis_stops_a_request_before_it_is_sent_but_not_after() -> None:
    url = f"redis://127.0.0.1:{free_loopback_port()}/0"  # nothing listens there
    state = RedisThrottleStore(url).state_for(LeakyBucket(40, 2.0), "flowbot:throttle:x",
                                              connector="shopify")
    assert state is not None

    with pytest.raises(TransientError, match="not sent: the throttle's shared state in Redis"):
        state.admit()
    state.correct(3.0)  # a request already went out: its correction is only lost
    state.back_off(1.0)


def test_connectors_built_with_the_setting_share_one_shops_bucket(
        redis_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SHARED_THROTTLE_VARIABLE, redis_url)
    settings = ShopifySimulator(bucket_size=5, leak_per_second=1.0).settings(
        "http://127.0.0.1:9")  # nothing is sent: the throttles are asked directly
    first, second = (Shopify(settings) for _ in range(2))
    assert first.client.throttle is not None
    assert second.client.throttle is not None
    assert not isinstance(first.client.throttle.state, LocalState)

    admitted = [first.client.throttle.state.admit() for _ in range(4)]  # 5 less the headroom

    assert admitted == [0.0] * 4
    assert second.client.throttle.state.admit() > 0


# -- Two real processes reading one account ------------------------------------------------------


@pytest.mark.parametrize(("vendor", "per_second"), [
    ("shopify", 20.0),   # leaky bucket, corrected from X-Shopify-Shop-Api-Call-Limit
    ("stripe", 25.0),    # leaky bucket, no headers
    ("hubspot", 10.0),   # sliding window, 100 per 10 s, corrected from its Remaining header
])
def test_two_processes_sharing_state_get_no_429(
        redis_url: str, vendor: str, per_second: float) -> None:
    measured = measure_processes(redis_url, vendor, items=1500, page_size=25,
                                 per_second=per_second)

    assert measured.items == 2 * 1500
    # No 429 is the property; how close to the limit the two get is a measurement
    # (`python -m benchmarks.rate_limits` prints it), not a timed assert.
    assert measured.http_429 == 0, measured


def test_two_processes_each_with_its_own_throttle_overrun_an_account_without_headers() -> None:
    """Stripe reports no remaining budget, so only shared state keeps two processes under it
    (Shopify's header lets per-process throttles correct each other, one answer late)."""
    measured = measure_processes(None, "stripe", items=1500, page_size=25, per_second=25.0)

    assert measured.items == 2 * 1500
    assert measured.http_429 > 0
