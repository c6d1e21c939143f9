"""The webhook receiver over real HTTP: signatures, limits, storage once, routing, queueing."""

from __future__ import annotations

import copy
import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, text

from bot.service import Service, build_service
from bot.settings import AppSettings, load_settings
from bot.store import Base, Delivery, Job
from bot.web.endpoint import WEBHOOK_PATH, signature_valid
from connectors.core.serving import serve_on_loopback
from tests.bot.conftest import examples, signed


def _counts(service: Service) -> tuple[int, int]:
    with service.sessions() as session:
        return (session.scalar(select(func.count()).select_from(Delivery)) or 0,
                session.scalar(select(func.count()).select_from(Job)) or 0)


def _labeled(label: str = "integration-request") -> dict[str, Any]:
    payload = copy.deepcopy(next(p for e, p in examples()
                                 if e == "issues" and p["action"] == "labeled"))
    payload["label"]["name"] = label
    payload["sender"]["type"] = "User"
    return payload


def test_githubs_documented_signature_vector_verifies() -> None:
    header = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"

    assert signature_valid(b"It's a Secret to Everybody", b"Hello, World!", header)
    assert not signature_valid(b"It's a Secret to Everybody", b"Hello, World?", header)


@pytest.mark.parametrize("tamper", ["forged", "unsigned", "sha1", "malformed", "uppercase"])
def test_a_delivery_without_a_valid_sha256_signature_is_401_and_leaves_nothing(
        tamper: str, http: httpx.Client, service: Service) -> None:
    body, headers = signed(_labeled(), "issues")
    if tamper == "forged":
        body, headers = body, signed(_labeled(), "issues", secret="not-the-secret")[1]
    elif tamper == "unsigned":
        del headers["X-Hub-Signature-256"]
    elif tamper == "sha1":
        headers["X-Hub-Signature-256"] = "sha1=" + "0" * 40
    elif tamper == "malformed":
        headers["X-Hub-Signature-256"] = "sha256=xyz"
    else:
        headers["X-Hub-Signature-256"] = headers["X-Hub-Signature-256"].upper()

    response = http.post(WEBHOOK_PATH, content=body, headers=headers)

    assert response.status_code == 401
    assert _counts(service) == (0, 0)


def test_an_oversized_delivery_is_413_and_leaves_nothing(environment: dict[str, str]) -> None:
    small = build_service(load_settings({**environment, "FLOWBOT_MAX_BODY_BYTES": "1000"}))
    body, headers = signed(_labeled(), "issues")
    with serve_on_loopback(small.app) as base_url:
        response = httpx.post(base_url + WEBHOOK_PATH, content=body, headers=headers)

    assert len(body) > 1000
    assert response.status_code == 413
    assert _counts(small) == (0, 0)


@pytest.mark.parametrize(("body", "event"), [
    (b"{not json", "issues"),
    (b'{"action": "opened"}', "issues"),  # signed, but not an issues payload
])
def test_a_malformed_delivery_is_400_and_leaves_nothing(
        body: bytes, event: str, http: httpx.Client, service: Service) -> None:
    response = http.post(WEBHOOK_PATH, content=body, headers=signed(body, event)[1])

    assert response.status_code == 400
    assert _counts(service) == (0, 0)


@pytest.mark.parametrize("missing", ["every table", "the jobs table"])
def test_a_delivery_the_store_refuses_is_503_and_its_redelivery_is_stored(
        missing: str, http: httpx.Client, service: Service) -> None:
    """Never a 2xx for what was not stored, and never half of it: with only the jobs table
    gone the delivery is not kept either, so its redelivery is stored (not a duplicate)."""
    body, headers = signed(_labeled(), "issues", delivery="d-refused")
    engine = service.sessions.kw["bind"]
    gone = (Base.metadata.sorted_tables if missing == "every table"
            else [Base.metadata.tables[Job.__tablename__]])
    Base.metadata.drop_all(engine, tables=gone)

    refused = http.post(WEBHOOK_PATH, content=body, headers=headers)
    Base.metadata.create_all(engine)
    redelivered = http.post(WEBHOOK_PATH, content=body, headers=headers)

    assert refused.status_code == 503
    assert "not stored" in refused.json()["error"]
    assert redelivered.status_code == 202
    assert _counts(service) == (1, 1)


def test_a_labelled_intent_issue_is_stored_queued_and_a_redelivery_does_nothing(
        http: httpx.Client, service: Service) -> None:
    body, headers = signed(_labeled(), "issues", delivery="d-1")

    first = http.post(WEBHOOK_PATH, content=body, headers=headers)
    again = http.post(WEBHOOK_PATH, content=body, headers=headers)

    assert first.status_code == 202
    assert again.status_code == 200
    assert again.json() == {"duplicate": True}
    assert _counts(service) == (1, 1)
    with service.sessions() as session:
        job = session.scalars(select(Job)).one()
    number = _labeled()["issue"]["number"]
    assert (job.kind, job.state, job.number) == ("generate", "queued", number)
    assert service.queue.huey.pending_count() == 1


def test_the_payload_is_stored_as_github_sent_it(http: httpx.Client, service: Service) -> None:
    body = json.dumps(_labeled(), indent=1, ensure_ascii=False).encode()
    delivery = "exact-1"

    response = http.post(WEBHOOK_PATH, content=body, headers=signed(body, "issues",
                                                                    delivery=delivery)[1])

    assert response.status_code == 202
    with service.sessions() as session:
        stored = session.scalar(text("SELECT payload FROM flowbot_deliveries WHERE id = :id"),
                                {"id": delivery})
        parsed = session.get(Delivery, delivery)
    assert stored == body.decode()
    assert parsed is not None
    assert parsed.payload == json.loads(body)


def test_an_issue_opened_with_its_label_makes_one_job_and_keeps_both_deliveries(
        http: httpx.Client, service: Service) -> None:
    opened = copy.deepcopy(next(p for e, p in examples()
                                if e == "issues" and p["action"] == "opened"))
    opened["sender"]["type"] = "User"
    opened["issue"]["labels"] = [{"name": "integration-request"}]
    labeled = _labeled()
    labeled["issue"]["number"] = opened["issue"]["number"]
    labeled["repository"] = opened["repository"]

    first = http.post(WEBHOOK_PATH, content=signed(opened, "issues", delivery="o-1")[0],
                      headers=signed(opened, "issues", delivery="o-1")[1])
    second = http.post(WEBHOOK_PATH, content=signed(labeled, "issues", delivery="l-1")[0],
                       headers=signed(labeled, "issues", delivery="l-1")[1])

    assert (first.status_code, second.status_code) == (202, 202)
    assert len(first.json()["jobs"]) == 1
    assert second.json()["jobs"] == []
    assert _counts(service) == (2, 1)


def test_deliveries_arriving_at_once_are_each_stored_once_with_one_job_per_request(
        http: httpx.Client, service: Service) -> None:
    """Sixteen clients at once, so deliveries are stored in batches; among them redeliveries
    racing each other and `opened`+`labeled` pairs for the same issue."""
    deliveries: list[tuple[str, dict[str, Any]]] = []
    for number in range(1000, 1040):
        payload = _labeled()
        payload["issue"]["number"] = number
        deliveries.append((f"labeled-{number}", payload))
        if number % 4 == 0:
            deliveries.append((f"labeled-{number}", payload))  # redelivered at once
        if number % 5 == 0:
            again = copy.deepcopy(payload)
            again["action"] = "opened"
            again["issue"]["labels"] = [{"name": "integration-request"}]
            deliveries.append((f"opened-{number}", again))

    def post(delivery: tuple[str, dict[str, Any]]) -> int:
        body, headers = signed(delivery[1], "issues", delivery=delivery[0])
        return http.post(WEBHOOK_PATH, content=body, headers=headers).status_code

    with ThreadPoolExecutor(max_workers=16) as clients:
        statuses = list(clients.map(post, deliveries))

    assert statuses.count(202) == len({delivery for delivery, _ in deliveries})
    assert statuses.count(200) == 10  # the ten redeliveries, whichever of a pair came second
    assert _counts(service) == (len({delivery for delivery, _ in deliveries}), 40)
    with service.sessions() as session:
        assert sorted(session.scalars(select(Job.number))) == list(range(1000, 1040))


def test_ping_is_answered(http: httpx.Client) -> None:
    ping = next(p for e, p in examples() if e == "ping")

    response = http.post(WEBHOOK_PATH, content=signed(ping, "ping")[0],
                         headers=signed(ping, "ping")[1])

    assert response.status_code == 200


@pytest.mark.parametrize(("event", "payload"), examples(),
                         ids=[f"{e}-{p.get('action', '')}-{i}"
                              for i, (e, p) in enumerate(examples())])
def test_every_example_payload_is_accepted_and_stored_once(
        event: str, payload: dict[str, Any], http: httpx.Client, service: Service) -> None:
    body, headers = signed(payload, event)

    response = http.post(WEBHOOK_PATH, content=body, headers=headers)
    again = http.post(WEBHOOK_PATH, content=body, headers=headers)

    assert response.status_code in (200, 202), response.text
    deliveries, jobs = _counts(service)
    if event == "ping":
        assert (deliveries, jobs) == (0, 0)
        return
    assert again.json() == {"duplicate": True}
    assert deliveries == 1
    assert jobs == 0  # no example carries flowbot's labels or commands, or is on its PRs


def test_the_apps_own_comment_starts_nothing(http: httpx.Client, service: Service,
                                             settings: AppSettings) -> None:
    payload = copy.deepcopy(next(p for e, p in examples()
                                 if e == "issue_comment" and p["action"] == "created"))
    payload["comment"]["body"] = "/revise use the email"
    payload["sender"] = {**payload["sender"], "login": settings.bot_login, "type": "Bot"}

    response = http.post(WEBHOOK_PATH, content=signed(payload, "issue_comment")[0],
                         headers=signed(payload, "issue_comment")[1])

    assert response.status_code == 202
    assert _counts(service) == (1, 0)


def test_operators_endpoints(http: httpx.Client) -> None:
    assert http.get("/healthz").json() == {"status": "ok"}
    ready = http.get("/readyz")
    assert ready.status_code == 200, ready.text
    body, headers = signed(_labeled(), "issues")
    http.post(WEBHOOK_PATH, content=body, headers=headers)
    metrics = http.get("/metrics").text
    assert 'flowbot_deliveries_total{event="issues",outcome="accepted"} 1.0' in metrics
    assert 'flowbot_jobs_enqueued_total{kind="generate"} 1.0' in metrics
