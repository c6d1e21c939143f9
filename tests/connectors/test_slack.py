"""The Slack connector against its simulator: mapping, requests, errors, limits, faults."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import SecretStr

from connectors.core.catalog import connector_spec
from connectors.core.clock import ManualClock
from connectors.core.errors import (
    AuthError,
    ConfigurationError,
    Conflict,
    ConnectorError,
    FieldError,
    NotFound,
    PermissionDenied,
    ProtocolError,
    RateLimited,
    TransientError,
    ValidationFailed,
)
from connectors.core.ratelimit import CLIENT_JITTER_ALLOWANCE_S
from connectors.core.retry import RetryPolicy
from connectors.core.serving import free_port, serve_on_loopback
from connectors.core.simulator import FaultPlan, RecordedRequest
from connectors.core.transport import IN_PROCESS_BASE_URL, InProcessTransport
from connectors.registry import connector_class, simulator_class
from connectors.slack import Slack, SlackSettings, escape_mrkdwn, unescape_mrkdwn
from connectors.slack.records import datetime_to_ts, ts_to_datetime
from connectors.slack.simulator import SIMULATOR_TOKEN, SlackSimulator
from connectors.slack.throttle import SlackLimits

WRONG_TOKEN = "xoxb-1111111111-wrong-token-for-flowbot-tests"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


def _empty(clock: ManualClock, **options: Any) -> SlackSimulator:
    """A simulator with only the bot: tests add exactly the channels and people they need."""
    return SlackSimulator(clock=clock, users=0, channels=0, messages_per_channel=0, **options)


def _calls(sim: SlackSimulator, method: str) -> list[RecordedRequest]:
    return [r for r in sim.requests if r.path == f"/api/{method}"]


def _query(request: RecordedRequest) -> dict[str, str]:
    return dict(parse_qsl(request.query))


def _patient(slack: Slack) -> Slack:
    """Enough attempts to outlast any fault rate the property tests draw."""
    assert slack.client is not None
    slack.client.retry = RetryPolicy(max_attempts=60)
    return slack


def _mocked(clock: ManualClock, answer: Callable[[httpx.Request], httpx.Response]) -> Slack:
    """A connector whose every call gets `answer` (for pages no honest simulator sends)."""
    settings_ = SlackSettings(base_url="https://slack.example/api",
                              token=SecretStr(SIMULATOR_TOKEN))
    return Slack(settings_, transport=httpx.MockTransport(answer), clock=clock)


# -- the registry and the catalog --------------------------------------------------------------


def test_registry_and_catalog_describe_the_connector() -> None:
    assert connector_class("slack") is Slack
    assert simulator_class("slack") is SlackSimulator
    spec = connector_spec(Slack)
    paths = {op.path: op for resource in spec.resources for op in resource.operations}
    assert set(paths) == {"chat.post_message", "conversations.list", "conversations.history",
                          "users.lookup_by_email", "users.list"}
    post = paths["chat.post_message"]
    assert post.writes
    assert post.idempotency == "none"
    assert any("ledger" in quirk for quirk in post.quirks)
    assert [p.name for p in post.parameters if p.kind == "positional"] == ["channel", "text"]
    assert paths["conversations.history"].record == "Message"
    assert paths["conversations.list"].many
    message_fields = {f.name for f in spec.records["Message"].fields}
    assert {"ts", "posted_at", "channel", "text"} <= message_fields
    assert [s.name for s in spec.settings if s.secret] == ["token"]


# -- operations: mapping and requests ----------------------------------------------------------


def test_channels_are_listed_with_the_documented_parameters(clock: ManualClock) -> None:
    sim = _empty(clock)
    general = sim.add_channel("general")
    deals = sim.add_channel("deals", is_private=True)
    sim.add_channel("board", is_private=True, bot_is_member=False)  # invisible to the bot
    sim.add_channel("old-news", is_archived=True)
    lurk = sim.add_channel("lurk", bot_is_member=False)
    slack = sim.connect()

    channels = list(slack.conversations.list(page_size=2))

    assert [(c.id, c.name) for c in channels] == [(general, "general"), (deals, "deals"),
                                                  (lurk, "lurk")]
    assert [(c.is_private, c.is_member) for c in channels] == [(False, True), (True, True),
                                                               (False, False)]
    assert all(c.created.tzinfo is UTC and c.created.year < 2025 for c in channels)
    calls = _calls(sim, "conversations.list")
    assert [_query(c).get("cursor") is None for c in calls] == [True, False]  # 4 visible
    assert _query(calls[0]) == {"types": "public_channel,private_channel",
                                "exclude_archived": "true", "limit": "2"}
    assert calls[0].headers["authorization"] == f"Bearer {SIMULATOR_TOKEN}"
    assert calls[0].method == "GET"


@pytest.mark.parametrize(("options", "expected"), [
    ({"exclude_archived": False}, ["general", "deals", "old-news"]),
    ({"types": ("private_channel",)}, ["deals"]),
    ({"types": ("public_channel",), "exclude_archived": False}, ["general", "old-news"]),
])
def test_channel_filters(clock: ManualClock, options: dict[str, Any],
                         expected: list[str]) -> None:
    sim = _empty(clock)
    sim.add_channel("general")
    sim.add_channel("deals", is_private=True)
    sim.add_channel("old-news", is_archived=True)
    assert [c.name for c in sim.connect().conversations.list(**options)] == expected


def test_empty_pages_before_the_end_do_not_end_the_listing(clock: ManualClock) -> None:
    sim = _empty(clock)
    sim.add_channel("first")
    for i in range(3):
        sim.add_channel(f"archived-{i}", is_archived=True)
    sim.add_channel("last")
    names = [c.name for c in sim.connect().conversations.list(page_size=1)]
    assert names == ["first", "last"]
    assert len(_calls(sim, "conversations.list")) == 5  # three empty pages were followed


def test_history_is_newest_first_with_exact_ts_and_posted_at(clock: ManualClock) -> None:
    sim = _empty(clock)
    channel = sim.add_channel("sales")
    sent = []
    for text in ["Deal A & B", "<https://example.com|link>", "third", "fourth", "fifth"]:
        sent.append((sim.add_message(channel, escape_mrkdwn(text)), text))
        clock.advance(90.5)
    messages = list(sim.connect().conversations.history(channel, page_size=2))
    assert [m.ts for m in messages] == [ts for ts, _ in reversed(sent)]
    assert [unescape_mrkdwn(m.text) for m in messages] == [text for _, text in reversed(sent)]
    assert all(m.channel == channel and m.posted_at == ts_to_datetime(m.ts) for m in messages)
    assert messages[0].posted_at - messages[-1].posted_at == timedelta(seconds=4 * 90.5)
    queries = [_query(c) for c in _calls(sim, "conversations.history")]
    assert len(queries) == 3
    assert all(q["channel"] == channel and q["limit"] == "2"
                                     for q in queries)


def test_history_after_oldest_is_exclusive_and_takes_a_datetime(clock: ManualClock) -> None:
    sim = _empty(clock)
    channel = sim.add_channel("support")
    stamps = []
    for i in range(5):
        stamps.append(sim.add_message(channel, f"message {i}"))
        clock.advance(60)
    slack = sim.connect()
    by_ts = [m.ts for m in slack.conversations.history(channel, oldest=stamps[1])]
    by_time = [m.ts for m in slack.conversations.history(channel,
                                                         oldest=ts_to_datetime(stamps[1]))]
    assert by_ts == by_time == list(reversed(stamps[2:]))
    requests_before = sim.stats.requests
    with pytest.raises(ValidationFailed, match="oldest") as caught:
        slack.conversations.history(channel, oldest=datetime(2024, 3, 1))
    assert caught.value.field_errors[0].field == "oldest"
    assert sim.stats.requests == requests_before  # refused before anything was sent


def test_plain_text_is_escaped_and_posted_as_utf8_json(
        clock: ManualClock, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    sim = _empty(clock)
    channel = sim.add_channel("alerts")
    message = sim.connect().chat.post_message(channel, "<!channel> Q&A > now")
    stored = sim.posted(channel)
    assert [m["text"] for m in stored] == ["&lt;!channel&gt; Q&amp;A &gt; now"]
    assert (message.ts, message.channel, message.text) == (stored[0]["ts"], channel,
                                                          stored[0]["text"])
    assert message.posted_at == ts_to_datetime(message.ts)
    request = _calls(sim, "chat.postMessage")[0]
    assert request.method == "POST"
    assert request.headers["content-type"] == "application/json; charset=utf-8"
    assert json.loads(request.body) == {"channel": channel, "text": stored[0]["text"],
                                        "mrkdwn": False, "unfurl_links": False,
                                        "unfurl_media": True}
    assert "missing_charset" not in caplog.text
    assert sim.stats.writes[f"{channel}:{stored[0]['text']}"] == 1


def test_mrkdwn_is_sent_unchanged_and_replies_land_in_the_thread(clock: ManualClock) -> None:
    sim = _empty(clock)
    channel = sim.add_channel("deals")
    parent = sim.add_message(channel, "New deal: Acme")
    slack = sim.connect()
    reply = slack.chat.post_message(channel, "<@U012AB3CDE> *closed* :tada:", markup="mrkdwn",
                                    thread_ts=parent)
    assert reply.text == "<@U012AB3CDE> *closed* :tada:"
    assert reply.thread_ts == parent
    assert json.loads(_calls(sim, "chat.postMessage")[0].body)["mrkdwn"] is True
    history = {m.ts: m for m in slack.conversations.history(channel)}
    assert history[parent].reply_count == 1


def test_blocks_are_posted_and_bad_blocks_name_the_field(clock: ManualClock) -> None:
    sim = _empty(clock)
    channel = sim.add_channel("deals")
    slack = sim.connect()
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*Deal* closed"}}]
    message = slack.chat.post_message(channel, "Deal closed", blocks=blocks)
    assert message.blocks == blocks
    with pytest.raises(ValidationFailed, match="invalid_blocks") as caught:
        slack.chat.post_message(channel, "fallback", blocks=[{"text": "no type"}])
    assert caught.value.field_errors == [FieldError("blocks.0", "missing required field: type")]


def test_lookup_by_email_finds_the_member_regardless_of_case(clock: ManualClock) -> None:
    sim = _empty(clock)
    user_id = sim.add_user("Ines Haddad", "ines.haddad@example.com")
    slack = sim.connect()
    user = slack.users.lookup_by_email("Ines.Haddad@Example.com")
    assert (user.id, user.real_name, user.profile.email) == (
        user_id, "Ines Haddad", "ines.haddad@example.com")
    request = _calls(sim, "users.lookupByEmail")[0]
    assert (request.method, request.query) == ("POST", "")  # the address stays out of URLs
    assert dict(parse_qsl(request.body.decode())) == {"email": "Ines.Haddad@Example.com"}
    with pytest.raises(NotFound, match="users_not_found") as caught:
        slack.users.lookup_by_email("nobody@example.com")
    assert "nobody@example.com" not in str(caught.value)


def test_users_list_keeps_bots_and_deactivated_members(clock: ManualClock) -> None:
    sim = _empty(clock)
    sim.add_user("Sven Novak", "sven@example.com", deleted=True)
    sim.add_user("Deploy Bot", "deploy@example.com", is_bot=True)
    users = list(sim.connect().users.list(page_size=2))
    assert [(u.name, u.deleted, u.is_bot) for u in users] == [
        ("flowbot", False, True), ("sven.novak", True, False), ("deploy.bot", False, True)]
    sim.scopes.discard("users:read.email")
    assert [u.profile.email for u in sim.connect().users.list()] == [None, None, None]


# -- Slack's failures, mapped -------------------------------------------------------------------


def _post_to(channel: str, text: str = "hello") -> Callable[[Slack], object]:
    return lambda slack: slack.chat.post_message(channel, text)


@pytest.mark.parametrize(("setup", "call", "error", "says"), [
    (lambda sim, c: sim.delete_channel(c), lambda c: lambda s: list(s.conversations.history(c)),
     NotFound, "'channel_not_found': the channel does not exist"),
    (lambda sim, c: sim.remove_bot_from(c), lambda c: _post_to(c),
     PermissionDenied, "'not_in_channel': the bot is not a member"),
    (lambda sim, c: sim.remove_bot_from(c), lambda c: lambda s: list(s.conversations.history(c)),
     PermissionDenied, "not_in_channel"),
    (lambda sim, c: None, lambda c: _post_to("C0NOSUCHCHAN"), NotFound, "channel_not_found"),
    (lambda sim, c: None, lambda c: _post_to(c, ""), ValidationFailed, "no_text"),
    (lambda sim, c: None, lambda c: _post_to(c, "x" * 40_001), ValidationFailed, "msg_too_long"),
    (lambda sim, c: sim.scopes.discard("users:read.email"),
     lambda c: lambda s: s.users.lookup_by_email("ada@example.com"), PermissionDenied,
     "needed scope: users:read.email; the token has: channels:history"),
    (lambda sim, c: sim.scopes.discard("channels:history"),
     lambda c: lambda s: list(s.conversations.history(c)), PermissionDenied,
     "needed scope: channels:history"),
    (lambda sim, c: sim.fail_next.append("brand_new_error"), lambda c: _post_to(c),
     ValidationFailed, "'brand_new_error': an error code this connector does not classify; "
                       "see the method's documentation at "
                       "https://api.slack.com/methods/chat.postMessage#errors"),
])
def test_slack_errors_become_taxonomy_errors_that_say_what_to_do(
        clock: ManualClock, setup: Callable[[SlackSimulator, str], object],
        call: Callable[[str], Callable[[Slack], object]], error: type[ConnectorError],
        says: str) -> None:
    sim = _empty(clock)
    channel = sim.add_channel("ops")
    setup(sim, channel)
    with pytest.raises(error) as caught:
        call(channel)(sim.connect())
    assert says in str(caught.value)
    assert caught.value.status == 200
    assert sim.stats.requests == 1  # none of these is worth repeating


def test_an_archived_channel_is_a_conflict(clock: ManualClock) -> None:
    sim = _empty(clock)
    channel = sim.add_channel("old", is_archived=True)
    with pytest.raises(Conflict, match="is_archived"):
        sim.connect().chat.post_message(channel, "anyone?")
    assert sim.stats.writes.total() == 0


@pytest.mark.parametrize(("token", "arrange", "says"), [
    (WRONG_TOKEN, None, "invalid_auth"),
    ("", None, "not_authed"),
    (SIMULATOR_TOKEN, SlackSimulator.revoke_token, "token_revoked"),
])
def test_bad_credentials_are_auth_errors_that_never_show_the_token(
        clock: ManualClock, caplog: pytest.LogCaptureFixture, token: str,
        arrange: Callable[[SlackSimulator], None] | None, says: str) -> None:
    caplog.set_level(logging.DEBUG)
    sim = _empty(clock)
    if arrange is not None:
        arrange(sim)
    slack = Slack(SlackSettings(base_url=f"{IN_PROCESS_BASE_URL}/api", token=SecretStr(token)),
                  transport=InProcessTransport(sim.app), clock=clock)
    with pytest.raises(AuthError, match=says) as caught:
        list(slack.conversations.list())
    shown = f"{caught.value} {caught.value!r} {caught.value.context} {caplog.text} {slack!r}"
    for secret in (WRONG_TOKEN, SIMULATOR_TOKEN):
        assert secret not in shown
    assert sim.stats.requests == 1


# -- malformed answers and unreachable vendors --------------------------------------------------


def _answer(body: Any, *, content_type: str = "application/json") -> Callable[
        [httpx.Request], httpx.Response]:
    text = body if isinstance(body, str) else json.dumps(body)
    return lambda request: httpx.Response(200, text=text, request=request,
                                          headers={"Content-Type": content_type})


@pytest.mark.parametrize(("body", "call", "says"), [
    ({"ok": True}, lambda s: list(s.conversations.list()),
     "expected a list of records at 'channels'"),
    ({"ok": True, "channels": [{"name": "x", "created": 1}], "response_metadata": {
        "next_cursor": ""}}, lambda s: list(s.conversations.list()), "id: Field required"),
    ({"channels": []}, lambda s: list(s.conversations.list()), "without its 'ok' flag"),
    ({"ok": False}, lambda s: list(s.conversations.list()), "ok=false without an error code"),
    ({"ok": True, "messages": [], "has_more": True}, lambda s: list(s.conversations.history("C1")),
     "'has_more' is true but there is no cursor"),
    ({"ok": True, "messages": [{"ts": 1712345678.0002, "text": "hi"}], "has_more": False},
     lambda s: list(s.conversations.history("C1")), "ts: Input should be a valid string"),
    ({"ok": True}, lambda s: s.users.lookup_by_email("a@example.com"), "without 'user'"),
    ({"ok": True, "channel": "C1"}, lambda s: s.chat.post_message("C1", "hi"), "without 'ts'"),
    ("<html><body>Sign in to Slack</body></html>", lambda s: list(s.conversations.list()),
     "expected a JSON body but got text/html"),
])
def test_malformed_answers_are_protocol_errors_that_say_what_is_wrong(
        clock: ManualClock, body: Any, call: Callable[[Slack], object], says: str) -> None:
    html = isinstance(body, str)
    slack = _mocked(clock, _answer(body, content_type="text/html" if html else
                                   "application/json"))
    with pytest.raises(ProtocolError) as caught:
        call(slack)
    assert says in str(caught.value)


@pytest.mark.parametrize("call", [
    lambda s, c: list(s.conversations.list(page_size=5)),
    lambda s, c: list(s.users.list(page_size=5)),
    lambda s, c: list(s.conversations.history(c, page_size=5)),
])
def test_a_repeating_cursor_is_a_protocol_error_not_a_hang(
        clock: ManualClock, call: Callable[[Slack, str], object]) -> None:
    sim = SlackSimulator(clock=clock, users=30, channels=0, messages_per_channel=0)
    channel = sim.add_channel("busy")
    for i in range(30):
        sim.add_message(channel, f"message {i}")
        sim.add_channel(f"channel-{i}")
    sim.repeat_cursor = True
    slack = sim.connect()
    with pytest.raises(ProtocolError, match="went in a circle"):
        call(slack, channel)
    assert sim.stats.requests <= 3


def test_html_502_is_retried_for_reads_and_never_for_posts(clock: ManualClock) -> None:
    sim = _empty(clock)
    channel = sim.add_channel("ops")
    slack = sim.connect()
    sim.faults = FaultPlan(html_errors=2)
    assert [c.id for c in slack.conversations.list()] == [channel]
    sim.faults = FaultPlan(html_errors=1)
    with pytest.raises(TransientError, match="502"):
        slack.chat.post_message(channel, "once")
    assert len(_calls(sim, "chat.postMessage")) == 1
    assert sim.stats.writes.total() == 0


@pytest.mark.parametrize("base_url", ["not a url", "ftp://slack.com/api", "https://"])
def test_a_malformed_base_url_is_a_configuration_error(base_url: str) -> None:
    with pytest.raises(ConfigurationError, match="is not an http"):
        Slack(SlackSettings(base_url=base_url, token=SecretStr(SIMULATOR_TOKEN)))


def test_nothing_listening_is_a_transient_error_naming_the_url(clock: ManualClock) -> None:
    url = f"http://127.0.0.1:{free_port()}/api"
    slack = Slack(SlackSettings(base_url=url, token=SecretStr(SIMULATOR_TOKEN)), clock=clock)
    with pytest.raises(TransientError, match="check the base URL") as caught:
        slack.users.lookup_by_email("ada@example.com")
    assert url in str(caught.value)
    assert SIMULATOR_TOKEN not in str(caught.value)


def test_bad_arguments_are_refused_before_calling_slack(clock: ManualClock) -> None:
    sim = _empty(clock)
    slack = sim.connect()
    for refused in (lambda: slack.conversations.list(page_size=1001),
                    lambda: slack.conversations.list(types="public_channel"),  # type: ignore[arg-type]
                    lambda: slack.conversations.history("C1", page_size=0),
                    lambda: slack.users.lookup_by_email("not-an-address")):
        with pytest.raises(ValidationFailed, match="refused before calling Slack"):
            refused()
    assert sim.stats.requests == 0


# -- what is retried, and what is not -----------------------------------------------------------


def test_a_hidden_internal_error_is_retried_for_reads_only(clock: ManualClock) -> None:
    sim = _empty(clock)
    channel = sim.add_channel("ops")
    slack = sim.connect()
    sim.fail_next.append("internal_error")
    assert [c.id for c in slack.conversations.list()] == [channel]
    assert len(_calls(sim, "conversations.list")) == 2
    sim.add_user("Ada Okafor", "ada@example.com")
    sim.fail_next.append("service_unavailable")  # a lookup is a read, though sent as a POST
    assert slack.users.lookup_by_email("ada@example.com").name == "ada.okafor"
    assert len(_calls(sim, "users.lookupByEmail")) == 2
    sim.fail_next.append("internal_error")
    with pytest.raises(TransientError, match="internal_error"):
        slack.chat.post_message(channel, "once")
    assert len(_calls(sim, "chat.postMessage")) == 1


def test_fatal_error_on_a_post_warns_that_it_may_have_happened(clock: ManualClock) -> None:
    sim = _empty(clock)
    channel = sim.add_channel("ops")
    sim.fail_next.append("fatal_error")
    with pytest.raises(TransientError, match="part of the call may have taken effect"):
        sim.connect().chat.post_message(channel, "once")
    assert sim.stats.requests == 1


def test_a_429_post_is_retried_after_retry_after_and_written_once(clock: ManualClock) -> None:
    sim = _empty(clock)
    channel = sim.add_channel("ops")
    sim.faults = FaultPlan(rate_limit_bursts=1, retry_after="3")
    message = sim.connect().chat.post_message(channel, "once")
    assert sim.stats.writes[f"{channel}:once"] == 1
    assert len(_calls(sim, "chat.postMessage")) == 2
    assert 3.0 in clock.slept
    assert [m["ts"] for m in sim.posted(channel)] == [message.ts]


def test_a_post_whose_answer_is_lost_is_not_repeated(clock: ManualClock) -> None:
    sim = _empty(clock)
    channel = sim.add_channel("ops")
    sim.faults = FaultPlan(drops_after_processing=1)
    with pytest.raises(TransientError, match="RemoteProtocolError"):
        sim.connect().chat.post_message(channel, "once")
    assert sim.stats.writes[f"{channel}:once"] == 1
    assert sim.stats.requests == 1


def test_a_retry_after_beyond_the_clients_patience_is_rate_limited(clock: ManualClock) -> None:
    sim = _empty(clock)
    sim.faults = FaultPlan(rate_limit_bursts=1, retry_after="3600")
    with pytest.raises(RateLimited, match="asked to wait 3600 s") as caught:
        list(sim.connect().users.list())
    assert caught.value.retry_after == 3600
    assert "ratelimited" in str(caught.value)


# -- proactive throttling -----------------------------------------------------------------------


def test_the_simulator_really_enforces_tier_2(clock: ManualClock) -> None:
    """Without the connector's throttle, the 21st call within a minute gets Slack's 429."""
    sim = _empty(clock)
    transport = InProcessTransport(sim.app)
    headers = {"Authorization": f"Bearer {SIMULATOR_TOKEN}"}
    with httpx.Client(transport=transport, base_url=IN_PROCESS_BASE_URL) as raw:
        statuses = [raw.get("/api/conversations.list", headers=headers).status_code
                    for _ in range(21)]
        refusal = raw.get("/api/conversations.list", headers=headers)
    assert statuses == [200] * 20 + [429]
    assert refusal.json() == {"ok": False, "error": "ratelimited"}
    assert refusal.headers["Retry-After"] == "60"


def _channels(sim: SlackSimulator, count: int) -> Callable[[Slack], list[Any]]:
    for i in range(count):
        sim.add_channel(f"channel-{i}")
    return lambda slack: list(slack.conversations.list(page_size=1))


def _members(sim: SlackSimulator, count: int) -> Callable[[Slack], list[Any]]:
    for i in range(count - 1):  # the bot is a member too
        sim.add_user(f"Person {i}", f"person{i}@example.com")
    return lambda slack: list(slack.users.list(page_size=1))


def _history(sim: SlackSimulator, count: int) -> Callable[[Slack], list[Any]]:
    channel = sim.add_channel("busy")
    for i in range(count):
        sim.add_message(channel, f"message {i}")
    return lambda slack: list(slack.conversations.history(channel, page_size=1))


@pytest.mark.parametrize(("arrange", "pages", "minimum_s"), [
    (_channels, 45, 120.0),  # Tier 2, 20 a minute: pages 21 and 41 wait for the window
    (_members, 20, 0.0),     # 20 pages fit in the first minute
    (_history, 120, 120.0),  # Tier 3, 50 a minute: pages 51 and 101 wait
])
def test_paging_stays_under_the_tier_in_the_least_time_it_allows(
        clock: ManualClock, arrange: Callable[[SlackSimulator, int], Callable[[Slack], list[Any]]],
        pages: int, minimum_s: float) -> None:
    sim = _empty(clock)
    read_all = arrange(sim, pages)
    start = clock.now()
    assert len(read_all(sim.connect())) == pages
    assert sim.stats.requests == pages
    assert sim.stats.rate_limited == 0
    waits = int(minimum_s // 60)  # each full window is waited out, plus the client's margin
    assert clock.now() - start == pytest.approx(minimum_s + waits * CLIENT_JITTER_ALLOWANCE_S)


def test_posts_wait_one_second_per_channel_not_per_workspace(clock: ManualClock) -> None:
    sim = _empty(clock)
    first, second = sim.add_channel("a"), sim.add_channel("b")
    slack = sim.connect()
    start = clock.now()
    for i in range(5):
        slack.chat.post_message(first, f"a{i}")
        slack.chat.post_message(second, f"b{i}")
    # one second per channel (plus the client's margin), the two channels in parallel
    per_channel = 4 * (1.0 + CLIENT_JITTER_ALLOWANCE_S)
    assert clock.now() - start == pytest.approx(per_channel)
    for _ in range(20):  # other methods have budgets of their own: no wait at all
        list(slack.users.list())
    assert clock.now() - start == pytest.approx(per_channel)
    assert sim.stats.rate_limited == 0
    assert slack.throttle.stats().waits == 4  # only the first channel's posts ever wait


def test_non_marketplace_history_limit_is_honoured_from_settings(clock: ManualClock) -> None:
    limits = SlackLimits(method_overrides={"conversations.history": 1})
    sim = _empty(clock, limits=limits)
    channel = sim.add_channel("busy")
    for i in range(45):
        sim.add_message(channel, f"message {i}")
    slack = sim.connect()
    start = clock.now()
    assert len(list(slack.conversations.history(channel, page_size=15))) == 45
    assert clock.now() - start == pytest.approx(120.0 + 2 * CLIENT_JITTER_ALLOWANCE_S)
    assert sim.stats.rate_limited == 0


# -- properties under injected faults -----------------------------------------------------------

FAULTS = st.tuples(st.floats(0, 0.3), st.floats(0, 0.3), st.floats(0, 0.3))


@settings(max_examples=30, deadline=None)
@given(flags=st.lists(st.tuples(st.booleans(), st.booleans(), st.booleans()), max_size=40),
       page_size=st.integers(1, 15), faults=FAULTS, seed=st.integers(0, 1000))
def test_property_every_channel_is_read_once_in_order_despite_faults(
        flags: list[tuple[bool, bool, bool]], page_size: int,
        faults: tuple[float, float, float], seed: int) -> None:
    clock = ManualClock()
    sim = SlackSimulator(seed=seed, clock=clock, users=0, channels=0, messages_per_channel=0)
    expected = []
    for i, (private, archived, member) in enumerate(flags):
        channel_id = sim.add_channel(f"c{i}", is_private=private, is_archived=archived,
                                     bot_is_member=member)
        if (member or not private) and not archived:
            expected.append(channel_id)
    sim.faults = FaultPlan(p_rate_limit=faults[0], p_server_error=faults[1], p_drop=faults[2],
                           retry_after="1")
    slack = _patient(sim.connect())
    assert [c.id for c in slack.conversations.list(page_size=page_size)] == expected


@settings(max_examples=30, deadline=None)
@given(count=st.integers(0, 60), page_size=st.integers(1, 15), faults=FAULTS,
       seed=st.integers(0, 1000))
def test_property_every_message_is_read_once_newest_first_despite_faults(
        count: int, page_size: int, faults: tuple[float, float, float], seed: int) -> None:
    clock = ManualClock()
    sim = SlackSimulator(seed=seed, clock=clock, users=1, channels=0, messages_per_channel=0)
    channel = sim.add_channel("history")
    stamps = [sim.add_message(channel, f"message {i}") for i in range(count)]
    sim.faults = FaultPlan(p_rate_limit=faults[0], p_server_error=faults[1], p_drop=faults[2],
                           retry_after="1")
    slack = _patient(sim.connect())
    assert [m.ts for m in slack.conversations.history(channel, page_size=page_size)] == (
        list(reversed(stamps)))


@settings(max_examples=30, deadline=None)
@given(posts=st.integers(1, 10), faults=FAULTS, seed=st.integers(0, 1000))
def test_property_a_post_never_lands_twice_despite_faults(
        posts: int, faults: tuple[float, float, float], seed: int) -> None:
    clock = ManualClock()
    sim = SlackSimulator(seed=seed, clock=clock, users=0, channels=0, messages_per_channel=0)
    channel = sim.add_channel("alerts")
    sim.faults = FaultPlan(p_rate_limit=faults[0], p_server_error=faults[1], p_drop=faults[2],
                           retry_after="1")
    slack = _patient(sim.connect())
    delivered = []
    for i in range(posts):
        try:
            delivered.append(slack.chat.post_message(channel, f"order {i}"))
        except TransientError:
            continue  # the answer was lost or Slack failed: a flow's ledger decides, not us
    writes = sim.stats.writes
    assert all(count == 1 for count in writes.values())
    assert all(writes[f"{channel}:{m.text}"] == 1 for m in delivered)
    assert [m["ts"] for m in sim.posted(channel)] == sorted(m["ts"] for m in sim.posted(channel))


# -- text and timestamps ------------------------------------------------------------------------


@settings(max_examples=50, deadline=None)
@given(text=st.text())
def test_escaping_round_trips_and_leaves_no_control_characters(text: str) -> None:
    escaped = escape_mrkdwn(text)
    assert "<" not in escaped
    assert ">" not in escaped
    assert unescape_mrkdwn(escaped) == text


@settings(max_examples=50, deadline=None)
@given(when=st.datetimes(min_value=datetime(2001, 1, 1), max_value=datetime(2100, 1, 1),
                         timezones=st.just(UTC)))
def test_timestamps_round_trip_to_the_microsecond(when: datetime) -> None:
    assert ts_to_datetime(datetime_to_ts(when)) == when


# -- over a real socket -------------------------------------------------------------------------


def test_works_over_loopback() -> None:
    sim = SlackSimulator(users=3, channels=4, messages_per_channel=5)
    general = sim.channel_id("general")
    with serve_on_loopback(sim.app) as url, sim.connect(url) as slack:
        assert "general" in {c.name for c in slack.conversations.list()}
        posted = slack.chat.post_message(general, "over loopback & back")
        latest = next(iter(slack.conversations.history(general, page_size=1)))
    assert latest.ts == posted.ts
    assert latest.text == "over loopback &amp; back"
    assert sim.requests[0].headers["host"].startswith("127.0.0.1")
