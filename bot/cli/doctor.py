"""`flowbot doctor`: is this server ready to run flowbot? One line per check, exit 0 or 1.

It checks what an operator gets wrong when setting up: the settings, the key, GitHub and the
app's permissions and events (against `app.yml`), the labels in each installed repository, the
database, the queue, the sandbox and the model endpoint — the last without spending tokens (the
Models API answers whether the key and the model are good).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anthropic
import httpx
import typer
import yaml
from cryptography.hazmat.primitives.serialization import load_pem_private_key
from githubkit.exception import RequestError, RequestFailed, RequestTimeout
from sqlalchemy import select, text
from sqlalchemy.exc import OperationalError

from bot.cli.translation import message_of
from bot.github.client import AppIdentity, app_client, installation_client
from bot.github.labels import REPOSITORY_LABELS
from bot.jobs.job_queue import make_huey, queue_reachable
from bot.resources import manifest_path
from bot.settings import AppSettings, SettingsError, load_settings
from bot.store import InstalledRepository, open_app_store
from flowkit.runtime.database_url import DatabaseUrlError
from flowkit.sandbox import SandboxError, run_sandboxed
from flowkit.sandbox.bwrap import SANDBOX_TMP

GITHUB_ERRORS = (RequestFailed, RequestError, RequestTimeout, httpx.TransportError)
SHOWN = {True: "ok  ", False: "FAIL", None: "skip"}


@dataclass(frozen=True)
class Check:
    """One line of the report: passed (True), failed (False) or not applicable (None)."""

    name: str
    passed: bool | None
    detail: str


def _key(settings: AppSettings) -> Check:
    try:
        load_pem_private_key(settings.private_key().get_secret_value().encode(), password=None)
    except (ValueError, TypeError) as error:
        return Check("private key", False, f"not a usable PEM key ({error}); download a new "
                     "one from the app's settings page")
    return Check("private key", True, "a PEM key that loads")


def _app(settings: AppSettings) -> list[Check]:
    wanted = yaml.safe_load(manifest_path().read_text(encoding="utf-8"))
    with app_client(AppIdentity(settings.github_app_id, settings.private_key(),
                                settings.github_api_url), timeout=15) as github:
        try:
            app = github.rest.apps.get_authenticated().parsed_data
        except GITHUB_ERRORS as error:
            return [Check("GitHub", False, message_of(error))]
    checks = [Check("GitHub", True, f"{settings.github_api_url} knows the app {app.slug} "
                                    f"(id {app.id})")]
    if app.slug and app.slug != settings.app_slug:
        checks.append(Check("app slug", False, f"the app is {app.slug}: set "
                            f"FLOWBOT_APP_SLUG={app.slug} (now {settings.app_slug})"))
    granted = app.permissions.model_dump(exclude_none=True) if app.permissions else {}
    levels = {"read": 1, "write": 2, "admin": 3}
    short = [f"{name}: {level} (has {granted.get(name, 'none')})"
             for name, level in wanted["default_permissions"].items()
             if levels.get(str(granted.get(name)), 0) < levels[level]]
    checks.append(Check("app permissions", not short, "; ".join(short) + " — grant them in the "
                        "app's settings, then accept them on each installation" if short
                        else "all that app.yml asks for"))
    missing = sorted(set(wanted["default_events"]) - set(app.events or []))
    checks.append(Check("app events", not missing, f"not subscribed to {', '.join(missing)} — "
                        "tick them in the app's settings" if missing
                        else ", ".join(wanted["default_events"])))
    return checks


def _labels(settings: AppSettings) -> list[Check]:
    sessions = open_app_store(settings.database)
    with sessions() as session:
        installed = list(session.scalars(select(InstalledRepository).where(
            InstalledRepository.active.is_(True)).order_by(InstalledRepository.repository)))
    if not installed:
        return [Check("labels", None, "no installed repository recorded yet (flowbot records "
                      "them from GitHub's installation events)")]
    checks = []
    with app_client(AppIdentity(settings.github_app_id, settings.private_key(),
                                settings.github_api_url), timeout=15) as github:
        for row in installed:
            owner, name = row.repository.split("/", 1)
            try:
                client = installation_client(github, row.installation_id)
                answer = client.rest.issues.list_labels_for_repo(owner, name, per_page=100)
                found: list[dict[str, Any]] = json.loads(answer.content)
                have = {str(label["name"]) for label in found}
            except GITHUB_ERRORS as error:
                checks.append(Check(f"labels in {row.repository}", False, message_of(error)))
                continue
            missing = [label for label, _, _ in REPOSITORY_LABELS if label not in have]
            checks.append(Check(f"labels in {row.repository}", not missing,
                                f"missing {', '.join(missing)}: run `flowbot init --repo "
                                f"{row.repository}`" if missing else "all present"))
    return checks


def _database(settings: AppSettings) -> Check:
    try:
        sessions = open_app_store(settings.database)
        with sessions() as session:
            session.execute(text("SELECT 1"))
    except (OperationalError, DatabaseUrlError) as error:
        return Check("database", False, message_of(error))
    return Check("database", True, sessions.kw["bind"].url.render_as_string(hide_password=True))


def _queue(settings: AppSettings) -> Check:
    problem = queue_reachable(make_huey(settings))
    where = "Redis" if settings.redis_url else "SQLite"
    return Check("queue", problem is None, f"{where}: {problem}" if problem else f"{where} "
                 "answers")


def _sandbox() -> Check:
    try:
        result = run_sandboxed([sys.executable, "-c", "print('sandboxed')"], workdir=SANDBOX_TMP,
                               readonly_paths=[Path(sys.prefix)])
    except SandboxError as error:
        return Check("sandbox", False, str(error).splitlines()[0])
    passed = "sandboxed" in result.stdout
    return Check("sandbox", passed, "bubblewrap runs Python with no network" if passed
                 else f"bubblewrap ran but {result.describe()}")


def _model(settings: AppSettings) -> Check:
    if settings.anthropic_api_key is None:
        return Check("model", False, "ANTHROPIC_API_KEY is not set: flowbot answers /help and "
                     "/cancel but cannot write flows")
    client = anthropic.Anthropic(api_key=settings.anthropic_api_key.get_secret_value(),
                                 base_url=settings.anthropic_base_url, max_retries=0,
                                 timeout=15)
    try:
        client.models.retrieve(settings.model)
    except anthropic.AuthenticationError:
        return Check("model", False, "the endpoint refused ANTHROPIC_API_KEY")
    except anthropic.NotFoundError:
        return Check("model", False, f"no model {settings.model}: set FLOWBOT_MODEL to a "
                     "current one")
    except anthropic.APIError as error:
        return Check("model", False, f"the model endpoint failed: {type(error).__name__}")
    return Check("model", True, f"{settings.model} is available (no tokens spent)")


def _checks(settings: AppSettings) -> list[Callable[[], list[Check]]]:
    return [lambda: [_key(settings)], lambda: _app(settings), lambda: [_database(settings)],
            lambda: _labels(settings), lambda: [_queue(settings)], lambda: [_sandbox()],
            lambda: [_model(settings)]]


def run_checks() -> list[Check]:
    """Every check, in the order an operator fixes things."""
    try:
        settings = load_settings()
    except SettingsError as error:
        return [Check("settings", False, message_of(error)), _sandbox()]
    checks = [Check("settings", True, "every setting is valid")]
    for check in _checks(settings):
        try:
            checks += check()
        except (OperationalError, DatabaseUrlError) as error:  # the store, for the labels
            checks.append(Check("labels", None, f"skipped: {message_of(error)}"))
    return checks


def doctor() -> None:
    """Check this server's set-up: one line per check; exit 1 if any failed."""
    checks = run_checks()
    width = max(len(check.name) for check in checks)
    for check in checks:
        typer.echo(f"{SHOWN[check.passed]}  {check.name.ljust(width)}  {check.detail}")
    raise typer.Exit(1 if any(check.passed is False for check in checks) else 0)
