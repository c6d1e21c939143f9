"""Installation events keep the app's list of repositories in step (GitHub's example payloads
over real HTTP), and that list is where the reconciler looks."""

from __future__ import annotations

import copy
from typing import Any

import httpx

from bot.jobs.reconciler import _repositories
from bot.service import Service
from bot.store import Delivery
from bot.web.endpoint import WEBHOOK_PATH
from bot.web.installations import active_repositories, inactive_repositories
from tests.bot.conftest import examples, signed


def example(event: str, action: str) -> dict[str, Any]:
    return copy.deepcopy(next(p for e, p in examples() if e == event and p["action"] == action))


def deliver(http: httpx.Client, event: str, payload: dict[str, Any]) -> None:
    body, headers = signed(payload, event)
    assert http.post(WEBHOOK_PATH, content=body, headers=headers).status_code == 202


def test_installing_adding_removing_and_suspending_are_followed(
        http: httpx.Client, service: Service) -> None:
    created = example("installation", "created")
    installation = created["installation"]["id"]

    deliver(http, "installation", created)
    deliver(http, "installation_repositories", example("installation_repositories", "added"))
    with service.sessions() as session:
        assert active_repositories(session) == {"Codertocat/Hello-World": installation,
                                                "Codertocat/Space": installation}

    removed = example("installation_repositories", "removed")
    removed["installation"]["id"] = installation
    removed["repositories_removed"][0]["full_name"] = "Codertocat/Space"
    deliver(http, "installation_repositories", removed)
    with service.sessions() as session:
        assert active_repositories(session) == {"Codertocat/Hello-World": installation}
        assert inactive_repositories(session) == {"Codertocat/Space"}

    suspended = example("installation", "suspend")
    suspended["installation"]["id"] = installation
    deliver(http, "installation", suspended)
    with service.sessions() as session:
        assert active_repositories(session) == {}
        decisions = [d.decision for d in session.query(Delivery).order_by(Delivery.received_at)]
    assert decisions[-1] == f"installation {installation} suspend"

    unsuspended = example("installation", "unsuspend")
    unsuspended["installation"]["id"] = installation
    deliver(http, "installation", unsuspended)
    with service.sessions() as session:
        assert set(active_repositories(session)) == {"Codertocat/Hello-World",
                                                     "Codertocat/Space"}


def test_the_reconciler_looks_where_the_app_is_installed_and_not_where_it_was_removed(
        http: httpx.Client, service: Service) -> None:
    deliver(http, "installation", example("installation", "created"))
    issue = example("issues", "opened")
    issue["sender"]["type"] = "User"
    issue["repository"]["full_name"] = "Codertocat/Older"
    issue["installation"] = {"id": 77, "node_id": "MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uNzc="}
    deliver(http, "issues", issue)  # installed before the app kept installation events
    assert set(_repositories(service.queue)) == {"Codertocat/Hello-World", "Codertocat/Older"}

    removed = example("installation_repositories", "removed")
    removed["repositories_removed"][0]["full_name"] = "Codertocat/Older"
    deliver(http, "installation_repositories", removed)

    assert set(_repositories(service.queue)) == {"Codertocat/Hello-World"}
