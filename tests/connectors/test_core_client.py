"""The HTTP client: pagination guards, retries of safe calls only, errors that say what happened."""

from __future__ import annotations

import logging

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import SecretStr

from connectors.core.clock import ManualClock
from connectors.core.errors import (
    AuthError,
    ConfigurationError,
    ProtocolError,
    RateLimited,
    TransientError,
    ValidationFailed,
)
from connectors.core.idempotency import idempotency_key
from connectors.core.serving import free_port, serve_on_loopback
from connectors.core.simulator import FaultPlan
from tests.connectors.toy import TOY_TOKEN, ItemInput, Toy, ToySettings, ToySimulator


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


def test_reads_every_record_once_in_order(clock: ManualClock) -> None:
    sim = ToySimulator(items=53, clock=clock)
    toy = sim.connect()
    ids = [item.id for item in toy.items.list(page_size=10)]
    assert ids == [str(i) for i in range(1, 54)]
    assert sim.stats.requests == 6


def test_works_over_loopback() -> None:
    sim = ToySimulator(items=12, enforce_rate_limit=False)
    with serve_on_loopback(sim.app) as url, sim.connect(url) as toy:
        assert [item.name for item in toy.items.list(page_size=5)][-1] == "item 12"


def test_repeating_cursor_is_a_protocol_error_not_a_hang(clock: ManualClock) -> None:
    sim = ToySimulator(items=100, clock=clock)
    sim.repeat_cursor = True
    with pytest.raises(ProtocolError, match="went in a circle"):
        list(sim.connect().items.list(page_size=10))
    assert sim.stats.requests == 2  # the repeat is caught before it is sent


def test_page_limit_ends_in_an_error_not_success(clock: ManualClock) -> None:
    sim = ToySimulator(items=100, clock=clock)
    toy = sim.connect()
    assert toy.client is not None
    toy.client.max_pages = 3
    with pytest.raises(ProtocolError, match="stopped after 3 pages"):
        list(toy.items.list(page_size=10))


def test_a_missing_records_key_says_what_was_found(clock: ManualClock) -> None:
    sim = ToySimulator(items=5, clock=clock)
    toy = sim.connect()
    assert toy.client is not None
    with pytest.raises(ProtocolError, match=r"expected a list of records at 'results'.*"
                                            r"\['items', 'next'\]"):
        list(toy.client.paginate("/items", paginator=_cursor(), records_path="results"))


def _cursor() -> object:
    from connectors.core.paginators import JsonCursorPaginator
    return JsonCursorPaginator(cursor_path="next", cursor_param="after")


def test_html_error_page_is_retried_then_reported_as_transient(clock: ManualClock) -> None:
    sim = ToySimulator(items=5, clock=clock)
    sim.faults = FaultPlan(html_errors=10)
    with pytest.raises(TransientError) as caught:
        list(sim.connect().items.list())
    assert "502" in str(caught.value)
    assert "<html>" in str(caught.value)
    assert sim.stats.requests == 5  # the policy's five attempts, then a clear error


def test_html_page_with_200_is_a_protocol_error(clock: ManualClock) -> None:
    transport = httpx.MockTransport(lambda request: httpx.Response(
        200, html="<html>login</html>", request=request))
    toy = Toy(ToySettings(base_url="https://toy.example", token=SecretStr(TOY_TOKEN)),
              transport=transport, clock=clock)
    with pytest.raises(ProtocolError, match="expected a JSON body but got text/html"):
        list(toy.items.list())


@pytest.mark.parametrize("base_url", ["not a url", "ftp://toy.example", "https://"])
def test_a_malformed_base_url_is_a_configuration_error(base_url: str) -> None:
    with pytest.raises(ConfigurationError, match="is not an http"):
        Toy(ToySettings(base_url=base_url, token=SecretStr(TOY_TOKEN)))


def test_nothing_listening_is_a_transient_error_naming_the_base_url(clock: ManualClock) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    toy = Toy(ToySettings(base_url=url, token=SecretStr(TOY_TOKEN)), clock=clock)
    with pytest.raises(TransientError, match="check the base URL") as caught:
        list(toy.items.list())
    assert url in str(caught.value)
    assert len(clock.slept) == 4  # retried: a refused connection never reached the vendor


def test_wrong_token_is_an_auth_error_without_the_token(
        clock: ManualClock, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    sim = ToySimulator(clock=clock)
    sim.echo_token_in_errors = True
    toy = Toy(ToySettings(base_url="http://simulator.invalid", token=SecretStr("wrong-token-999")),
              transport=sim.connect().client._http._transport, clock=clock)  # type: ignore[union-attr]
    with pytest.raises(AuthError) as caught:
        list(toy.items.list())
    shown = f"{caught.value} {caught.value!r} {caught.value.context} {caplog.text} {toy!r}"
    assert "wrong-token-999" not in shown
    assert "***" in str(caught.value)


def test_vendor_field_errors_reach_the_error(clock: ManualClock) -> None:
    sim = ToySimulator(clock=clock)
    with pytest.raises(ValidationFailed, match="invalid item — name: required") as caught:
        sim.connect().items.create(ItemInput(name=""), idempotency_key="k")
    assert caught.value.field_errors[0].field == "name"
    assert sim.stats.requests == 1  # a validation error is not retried


def test_retry_after_longer_than_the_client_waits_is_rate_limited_at_once(
        clock: ManualClock) -> None:
    sim = ToySimulator(clock=clock)
    sim.faults = FaultPlan(rate_limit_bursts=1, retry_after="3600")
    with pytest.raises(RateLimited, match="asked to wait 3600 s") as caught:
        list(sim.connect().items.list())
    assert caught.value.retry_after == 3600
    assert sim.stats.requests == 1


@pytest.mark.parametrize("retry_after", ["0", "-5", "soon", None])
def test_unusable_retry_after_means_back_off_not_hammer(
        clock: ManualClock, retry_after: str | None) -> None:
    sim = ToySimulator(items=3, clock=clock)
    sim.faults = FaultPlan(rate_limit_bursts=2, retry_after=retry_after)
    assert len(list(sim.connect().items.list())) == 3
    # The throttle may split a wait into pieces; in all, each of the two retries waited.
    assert sum(clock.slept) >= 2 * 0.25


def test_retry_after_is_honoured(clock: ManualClock) -> None:
    sim = ToySimulator(items=3, clock=clock)
    sim.faults = FaultPlan(rate_limit_bursts=1, retry_after="7")
    assert len(list(sim.connect().items.list())) == 3
    assert 7 in clock.slept


def test_non_idempotent_write_is_not_retried_after_a_drop(clock: ManualClock) -> None:
    sim = ToySimulator(clock=clock)
    toy = sim.connect()
    assert toy.client is not None
    sim.faults = FaultPlan(drops_after_processing=1)
    with pytest.raises(TransientError, match="RemoteProtocolError"):
        toy.client.request("POST", "/items", json={"name": "once"})
    assert sim.stats.writes["anonymous"] == 1
    assert sim.stats.requests == 1


def test_non_idempotent_write_is_retried_after_a_429(clock: ManualClock) -> None:
    sim = ToySimulator(clock=clock)
    toy = sim.connect()
    assert toy.client is not None
    sim.faults = FaultPlan(rate_limit_bursts=1, retry_after="1")
    _, body = toy.client.request("POST", "/items", json={"name": "once"})
    assert body["name"] == "once"
    assert sim.stats.writes["anonymous"] == 1
    assert sim.stats.requests == 2


@settings(max_examples=25, deadline=None)
@given(items=st.integers(0, 60), page_size=st.integers(1, 15),
       p_rate_limit=st.floats(0, 0.3), p_server_error=st.floats(0, 0.3),
       p_drop=st.floats(0, 0.3), seed=st.integers(0, 1000))
def test_property_faults_never_lose_or_repeat_records(
        items: int, page_size: int, p_rate_limit: float, p_server_error: float, p_drop: float,
        seed: int) -> None:
    clock = ManualClock()
    sim = ToySimulator(items=items, seed=seed, clock=clock)
    sim.faults = FaultPlan(p_rate_limit=p_rate_limit, p_server_error=p_server_error,
                           p_drop=p_drop, retry_after="0.5")
    toy = sim.connect()
    assert toy.client is not None
    toy.client.retry = toy.client.retry.__class__(max_attempts=50)
    ids = [item.id for item in toy.items.list(page_size=page_size)]
    assert ids == [str(i) for i in range(1, items + 1)]


@settings(max_examples=25, deadline=None)
@given(writes=st.integers(1, 12), p_drop=st.floats(0, 0.5), p_server_error=st.floats(0, 0.3),
       seed=st.integers(0, 1000))
def test_property_retried_keyed_writes_never_write_twice(
        writes: int, p_drop: float, p_server_error: float, seed: int) -> None:
    clock = ManualClock()
    sim = ToySimulator(seed=seed, clock=clock)
    sim.faults = FaultPlan(p_drop=p_drop, p_server_error=p_server_error, retry_after="0.5")
    toy = sim.connect()
    assert toy.client is not None
    toy.client.retry = toy.client.retry.__class__(max_attempts=50)
    for n in range(writes):
        key = idempotency_key("toy-flow:items.create", n)
        toy.items.create(ItemInput(name=f"n{n}"), idempotency_key=key)
        toy.items.create(ItemInput(name=f"n{n}"), idempotency_key=key)  # a re-run
    assert len(sim.stats.writes) == writes
    assert set(sim.stats.writes.values()) == {1}


def test_throttle_keeps_under_the_limit_and_near_the_ceiling(clock: ManualClock) -> None:
    sim = ToySimulator(items=600, clock=clock)
    start = clock.now()
    assert len(list(sim.connect().items.list(page_size=10))) == 600
    elapsed = clock.now() - start
    minimum = (60 - 10) / 5.0  # the bucket's burst, then 5 requests a second
    assert sim.stats.rate_limited == 0
    assert minimum <= elapsed <= minimum * 1.05
