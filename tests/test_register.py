"""`flowbot register`: the manifest flow's page, made from app.yml."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

from typer.testing import CliRunner

from bot.cli import app


def test_the_page_posts_app_yml_with_the_webhook_url_to_the_organisations_new_app_form(
        tmp_path: Path) -> None:
    page = tmp_path / "register.html"

    result = CliRunner().invoke(app, ["register", "--webhook-url", "https://bot.example/api/github"
                                      "/webhooks", "--org", "acme", "--out", str(page)])

    assert result.exit_code == 0, result.output
    text = page.read_text()
    assert 'action="https://github.com/organizations/acme/settings/apps/new"' in text
    value = re.search(r'name=manifest value="([^"]*)"', text)
    assert value is not None
    manifest = json.loads(html.unescape(value.group(1)))
    assert manifest["hook_attributes"]["url"] == "https://bot.example/api/github/webhooks"
    assert manifest["default_events"] == ["issues", "issue_comment", "pull_request_review",
                                          "pull_request_review_comment"]
    assert manifest["default_permissions"]["contents"] == "write"


def test_a_webhook_url_github_cannot_reach_is_refused() -> None:
    result = CliRunner().invoke(app, ["register", "--webhook-url", "http://localhost:8000"])

    assert result.exit_code == 2
