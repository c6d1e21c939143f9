"""What an attacker's deliveries cost: unsigned requests never grow the metrics, a signed but
oddly shaped payload is a 400 of its own and never fails the deliveries stored beside it, and
the app's SQLite files are readable by their owner only."""

from __future__ import annotations

import copy
import stat
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from bot.service import Service
from bot.settings import AppSettings
from bot.store import Delivery, Job
from bot.web.endpoint import WEBHOOK_PATH
from tests.bot.conftest import examples, signed


def _labeled(number: int = 7) -> dict[str, Any]:
    payload = copy.deepcopy(next(p for e, p in examples()
                                 if e == "issues" and p["action"] == "labeled"))
    payload["label"]["name"] = "integration-request"
    payload["sender"]["type"] = "User"
    payload["issue"]["number"] = number
    return payload


def test_unsigned_requests_with_invented_event_names_never_grow_the_metrics(
        http: httpx.Client) -> None:
    before = len(http.get("/metrics").text)
    for index in range(50):
        http.post(WEBHOOK_PATH, content=b"{}", headers={
            "X-GitHub-Event": f"{index:04d}" + "x" * 2000,
            "X-GitHub-Delivery": str(uuid.uuid4())})

    metrics = http.get("/metrics").text

    assert len(metrics) < before + 1000
    assert "x" * 100 not in metrics
    assert 'flowbot_deliveries_total{event="unverified",outcome="unauthorized"} 50.0' in metrics


def test_a_signed_delivery_of_an_unknown_event_is_counted_as_other(http: httpx.Client) -> None:
    body, headers = signed({"action": "created", "zen": "x"}, "made_up_event")

    http.post(WEBHOOK_PATH, content=body, headers=headers)

    assert 'event="other"' in http.get("/metrics").text
    assert "made_up_event" not in http.get("/metrics").text


def _odd(kind: str) -> dict[str, Any]:
    payload = _labeled(900)
    if kind == "label-string":
        payload["label"] = "integration-request"
    elif kind == "labels-number":
        payload["issue"]["labels"] = 5
    elif kind == "installation-overflow":
        payload["installation"] = {"id": 2 ** 63}
    elif kind == "label-name-number":
        payload["label"] = {"name": 5}
    return payload


@pytest.mark.parametrize("kind", ["label-string", "labels-number", "installation-overflow",
                                  "label-name-number"])
def test_a_signed_but_oddly_shaped_payload_is_400(kind: str, http: httpx.Client,
                                                   service: Service) -> None:
    body, headers = signed(_odd(kind), "issues")

    response = http.post(WEBHOOK_PATH, content=body, headers=headers)

    assert response.status_code == 400, response.text
    assert "not a valid issues payload" in response.json()["error"]


def test_one_odd_delivery_never_fails_the_others_stored_in_its_batch(
        http: httpx.Client, service: Service) -> None:
    deliveries = [(signed(_labeled(2000 + n), "issues") if n % 8 else
                   signed(_odd(["label-string", "labels-number", "installation-overflow",
                                "label-name-number"][n // 8 % 4]), "issues"))
                  for n in range(160)]

    def post(delivery: tuple[bytes, dict[str, str]]) -> int:
        return http.post(WEBHOOK_PATH, content=delivery[0], headers=delivery[1]).status_code

    with ThreadPoolExecutor(max_workers=16) as clients:
        statuses = list(clients.map(post, deliveries))

    assert statuses.count(202) == 140
    assert statuses.count(400) == 20
    with service.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Delivery)) == 140
        assert session.scalar(select(func.count()).select_from(Job)) == 140


def test_the_apps_sqlite_files_are_readable_by_their_owner_only(
        http: httpx.Client, settings: AppSettings) -> None:
    body, headers = signed(_labeled(), "issues")
    assert http.post(WEBHOOK_PATH, content=body, headers=headers).status_code == 202

    files = sorted(Path(settings.data_dir).glob("*.sqlite3*"))

    assert {f.name for f in files} >= {"app.sqlite3", "queue.sqlite3"}
    assert {f.name: oct(stat.S_IMODE(f.stat().st_mode)) for f in files} == {
        f.name: "0o600" for f in files}
