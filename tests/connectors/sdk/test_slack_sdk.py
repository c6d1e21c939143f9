"""The Slack simulator driven by slack-sdk's `WebClient`, as an app built on Slack's own SDK (or
Bolt, which calls `auth.test` at start) would drive it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from connectors.slack.simulator import SIMULATOR_TOKEN, SlackSimulator
from tests.connectors.sdk.serving import inject, served, stats


@pytest.fixture
def sim() -> SlackSimulator:
    return SlackSimulator(seed=3, users=7, channels=5, messages_per_channel=9,
                          enforce_rate_limit=False)


@pytest.fixture
def client(sim: SlackSimulator) -> Iterator[WebClient]:
    with served(sim) as base_url:
        yield _client(base_url)


def _client(base_url: str) -> WebClient:
    web = WebClient(token=SIMULATOR_TOKEN, base_url=f"{base_url}/api/", timeout=10)
    web.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=2))
    return web


# -- checks, each a function so that it can be run against a broken simulator too --------------


def check_history_holds_parents_only(client: WebClient, sim: SlackSimulator) -> None:
    channel = sim.channel_id(sim.workspace.channels[0]["name"])
    parent = client.chat_postMessage(channel=channel, text="deploy done?")["ts"]
    replies = [client.chat_postMessage(channel=channel, text=f"yes {n}", thread_ts=parent)["ts"]
               for n in range(3)]
    listed = [m["ts"] for page in client.conversations_history(channel=channel, limit=4)
              for m in page["messages"]]
    assert parent in listed
    assert not set(replies) & set(listed), "thread replies leaked into conversations.history"
    thread = client.conversations_replies(channel=channel, ts=parent)
    assert [m["ts"] for m in thread["messages"]] == [parent, *replies]
    assert thread["messages"][0]["reply_count"] == 3
    assert all(m["thread_ts"] == parent for m in thread["messages"])


# -- the suite ---------------------------------------------------------------------------------


def test_auth_test_names_the_bot(client: WebClient, sim: SlackSimulator) -> None:
    answer = client.auth_test()
    assert answer["ok"] is True
    assert answer["user_id"] == sim.workspace.bot_user_id
    assert answer["team_id"] == sim.workspace.team_id
    assert answer["bot_id"] == sim.workspace.bot_id


def test_every_channel_and_user_is_listed_through_the_sdks_pagination(
        client: WebClient, sim: SlackSimulator) -> None:
    # The SDK's iterator hands back one response object, refilled page by page.
    pages = [[c["id"] for c in page["channels"]]
             for page in client.conversations_list(limit=2, types="public_channel,private_channel")]
    assert len(pages) > 1
    listed = [channel for page in pages for channel in page]
    visible = [c["id"] for c in sim.workspace.channels
               if not c["is_private"] or c["id"] in sim.workspace.bot_channels]
    assert listed == visible
    users = [u["id"] for page in client.users_list(limit=3) for u in page["members"]]
    assert users == [u["id"] for u in sim.workspace.users]


def test_history_holds_parents_only_and_replies_hold_the_thread(
        client: WebClient, sim: SlackSimulator) -> None:
    check_history_holds_parents_only(client, sim)


def test_a_thread_is_paged_through_by_the_sdk(client: WebClient, sim: SlackSimulator) -> None:
    channel = sim.workspace.channels[0]["id"]
    parent = sim.add_message(channel, "a long thread")
    replies = [sim.add_message(channel, f"reply {n}", thread_ts=parent) for n in range(5)]
    pages = [[m["ts"] for m in page["messages"]]
             for page in client.conversations_replies(channel=channel, ts=parent, limit=2)]
    assert [len(page) for page in pages] == [2, 2, 2]
    assert [ts for page in pages for ts in page] == [parent, *replies]


def test_errors_are_the_sdks_typed_exception_with_slacks_code(
        client: WebClient, sim: SlackSimulator) -> None:
    with pytest.raises(SlackApiError) as missing:
        client.conversations_history(channel="C000NOPE")
    assert missing.value.response["error"] == "channel_not_found"
    channel = sim.workspace.channels[0]["id"]
    with pytest.raises(SlackApiError) as no_thread:
        client.conversations_replies(channel=channel, ts="1.000001")
    assert no_thread.value.response["error"] == "thread_not_found"
    with pytest.raises(SlackApiError) as bad_token:
        WebClient(token="xoxb-wrong", base_url=client.base_url).auth_test()
    assert bad_token.value.response["error"] == "invalid_auth"


def test_an_unsimulated_method_says_so_with_501(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as refused:
        client.reactions_add(channel="C1", name="thumbsup", timestamp="1.2")
    assert refused.value.response.status_code == 501
    assert refused.value.response["error"] == "not_simulated"
    assert "POST /api/reactions.add" in refused.value.response["detail"]


def test_a_path_outside_the_web_api_says_so_with_501_in_slacks_shape(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as refused:
        client.api_call("../oauth/v9/nowhere")
    assert refused.value.response.status_code == 501
    assert refused.value.response["error"] == "not_simulated"
    assert "POST /oauth/v9/nowhere" in refused.value.response["detail"]


def test_a_429_is_retried_by_the_sdks_own_rate_limit_handler(client: WebClient) -> None:
    base_url = client.base_url.removesuffix("/api/")
    inject(base_url, rate_limit_bursts=1, retry_after="1")
    assert client.users_list(limit=1)["ok"] is True
    assert stats(base_url)["rate_limited"] == 1


def test_the_per_channel_posting_limit_is_honoured_by_the_sdks_retry() -> None:
    sim = SlackSimulator(seed=1, users=2, channels=1, messages_per_channel=0)
    with served(sim) as base_url:
        client = _client(base_url)
        channel = sim.workspace.channels[0]["id"]
        for n in range(2):
            client.chat_postMessage(channel=channel, text=f"post {n}")
        assert [m["text"] for m in sim.posted(channel)] == ["post 0", "post 1"]
        assert stats(base_url)["rate_limited"] == 1


# -- the checks can fail -----------------------------------------------------------------------


class _HistoryWithReplies(SlackSimulator):
    """The old difference, on purpose: thread replies listed in `conversations.history`."""

    def _conversations_history(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(args)
        newest_first = list(reversed(self.workspace.messages[channel["id"]]))
        return {"messages": [dict(m) for m in newest_first], "has_more": False}


def test_the_history_check_fails_against_a_simulator_that_leaks_replies() -> None:
    broken = _HistoryWithReplies(seed=3, users=3, channels=2, messages_per_channel=2,
                                 enforce_rate_limit=False)
    with served(broken) as base_url, pytest.raises(AssertionError, match="leaked"):
        check_history_holds_parents_only(_client(base_url), broken)
