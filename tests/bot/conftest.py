"""The app's settings, store and queue for tests, a signed delivery helper, and a new database
for each test of the app's store (SQLite and PostgreSQL)."""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.service import Service, build_service
from bot.settings import AppSettings, load_settings
from connectors.core.serving import serve_on_loopback

SECRET = "flowbot-webhook-test-secret-7c1f"
EXAMPLES = Path(__file__).resolve().parents[1] / "data" / "github" / "webhook-examples.json"


@pytest.fixture
def environment(tmp_path: Path, app_key: str) -> dict[str, str]:
    """A complete environment for the app, with its data in a scratch folder."""
    return {"GITHUB_APP_ID": "4242", "GITHUB_PRIVATE_KEY": app_key,
            "GITHUB_WEBHOOK_SECRET": SECRET, "FLOWBOT_DATA_DIR": str(tmp_path / "data")}


@pytest.fixture
def settings(environment: dict[str, str]) -> AppSettings:
    """Settings loaded the way `flowbot serve` loads them."""
    return load_settings(environment)


@pytest.fixture
def service(settings: AppSettings) -> Service:
    """The app's service: store, queue, web app (no worker)."""
    return build_service(settings)


@pytest.fixture
def http(service: Service) -> Iterator[httpx.Client]:
    """A client of the app, served on loopback."""
    with serve_on_loopback(service.app) as base_url, httpx.Client(base_url=base_url) as client:
        yield client


def signed(payload: dict[str, Any] | bytes, event: str, *, delivery: str | None = None,
           secret: str = SECRET) -> tuple[bytes, dict[str, str]]:
    """A delivery as GitHub sends it: body and headers, signed with the secret."""
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return body, {"X-GitHub-Event": event, "X-GitHub-Delivery": delivery or str(uuid.uuid4()),
                  "X-Hub-Signature-256": f"sha256={digest}",
                  "Content-Type": "application/json", "User-Agent": "GitHub-Hookshot/test"}


def examples() -> list[tuple[str, dict[str, Any]]]:
    """Every pinned example payload of @octokit/webhooks-examples, with its event name."""
    data = json.loads(EXAMPLES.read_text())
    return [(event["name"], example) for event in data["events"]
            for example in event["examples"]]

