"""Which deliveries start which jobs."""

from __future__ import annotations

import contextlib
import copy
from typing import Any

import orjson
import pytest

from bot.web.deliveries import read_arrival
from bot.web.routing import Ignored, commands, route
from tests.bot.conftest import examples

APP = "flowbot[bot]"


@pytest.mark.parametrize(("body", "found"), [
    ("/revise use the customer's email as the deal name",
     [("revise", "use the customer's email as the deal name")]),
    ("Thanks!\n\n/retry", [("retry", "")]),
    ("   /retry", [("retry", "")]),  # up to three spaces: still a paragraph
    ("please run `/retry` when you can", []),
    ("> /revise quoted from above\nno", []),
    ("```\n/cancel\n```", []),
    ("/frobnicate now", [("frobnicate", "now")]),
])
def test_a_command_is_the_first_line_of_a_top_level_paragraph(
        body: str, found: list[tuple[str, str]]) -> None:
    assert commands(body) == found


@pytest.mark.parametrize("body", [
    "Thanks!\n/retry",  # a paragraph's second line
    "    /cancel indented code",
    "~~~\n/cancel\n~~~",
    "````\n```\n/cancel\n````",  # a longer backtick run: ``` inside does not close it
    "~~~~\n~~~\n/cancel\n~~~~",
    "<!--\n/revise hidden in a comment\n-->",
    "<!-- /revise -->",
    "> quoted\n/revise lazy continuation of the quote",
    "- /revise in a list",
    "<div>\n/cancel\n</div>",
])
def test_no_command_where_github_shows_code_or_hides_text(body: str) -> None:
    assert commands(body) == []


def _comment(body: str, *, on_app_pull: bool = True, sender_type: str = "User") -> dict[str, Any]:
    payload = copy.deepcopy(next(p for e, p in examples()
                                 if e == "issue_comment" and p["action"] == "created"))
    payload["comment"]["body"] = body
    payload["sender"]["type"] = sender_type
    payload["issue"]["pull_request"] = {"url": "https://api.github.com/x"} if on_app_pull else None
    payload["issue"]["user"]["login"] = APP if on_app_pull else "someone"
    return payload


def test_revise_on_the_apps_pull_request_is_a_revise_job() -> None:
    [job] = route("issue_comment", _comment("/revise use the email"), app_login=APP)  # type: ignore[misc]

    assert (job.kind, job.text) == ("revise", "use the email")
    assert job.trigger.startswith("comment:")


def test_an_unknown_command_gets_the_help() -> None:
    [job] = route("issue_comment", _comment("/frobnicate"), app_login=APP)  # type: ignore[misc]

    assert job.kind == "help"


@pytest.mark.parametrize(("payload", "reason"), [
    (_comment("/revise x", sender_type="Bot"), "bot"),
    (_comment("/revise x", on_app_pull=False), "did not open"),
    (_comment("nice work"), "no command"),
])
def test_what_starts_nothing_says_why(payload: dict[str, Any], reason: str) -> None:
    decision = route("issue_comment", payload, app_login=APP)

    assert isinstance(decision, Ignored)
    assert reason in decision.reason


@pytest.mark.parametrize(("label", "kind"), [("integration-request", "generate"),
                                             ("flow-failure", "repair")])
def test_a_label_starts_its_job(label: str, kind: str) -> None:
    payload = copy.deepcopy(next(p for e, p in examples()
                                 if e == "issues" and p["action"] == "labeled"))
    payload["label"]["name"] = label
    payload["sender"]["type"] = "User"

    [job] = route("issues", payload, app_login=APP)  # type: ignore[misc]

    assert job.kind == kind


ODD_VALUES: tuple[object, ...] = (None, [], "x", 1, {}, True)


def _field_paths(value: object, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every key path of a payload down to three levels."""
    if not isinstance(value, dict) or len(prefix) == 3:
        return []
    return [path for key, inner in value.items()
            for path in [(*prefix, key), *_field_paths(inner, (*prefix, key))]]


def test_a_payload_of_any_odd_shape_is_routed_or_refused_with_its_reason() -> None:
    """The endpoint answers 400 on ValueError; any other exception would be a 500 that GitHub
    redelivers for ever. So every pinned example with any field (to three levels) replaced by
    a value of another type is either routed or refused with ValueError."""
    tried = 0
    for event, example in examples():
        payload = copy.deepcopy(example)  # one copy, each field changed and put back in turn
        for path in _field_paths(payload):
            parent = payload
            for key in path[:-1]:
                parent = parent[key]
            kept = parent[path[-1]]
            for odd in ODD_VALUES:
                parent[path[-1]] = odd
                tried += 1
                with contextlib.suppress(ValueError):
                    read_arrival("delivery-1", event, orjson.dumps(payload),
                                 app_login="flowbot[bot]")
            parent[path[-1]] = kept
    assert tried > 1000
