"""The GitHub simulator through the real githubkit and real git, checked against GitHub's
OpenAPI description."""

from __future__ import annotations

import base64
import os
import subprocess
from pathlib import Path

import httpx
import pytest
from githubkit import AppAuthStrategy, GitHub
from githubkit.exception import RequestFailed
from pydantic import SecretStr

from bot.doubles.github import GitHubSimulator
from bot.doubles.github.conformance import Conformance
from bot.doubles.github.state import Pull
from bot.github.client import AppIdentity, installation_client, installation_token
from bot.github.issues import (
    Repo,
    add_labels,
    comment,
    create_check_run,
    open_or_update_pull,
    permission_of,
    react_to_issue,
    remove_label,
    request_reviews,
    upsert_status_comment,
)
from bot.github.status_comment import Phase, Status

ACME = Repo("acme", "flows")


@pytest.fixture
def conformance() -> Conformance:
    return Conformance()


@pytest.fixture
def app(github: GitHubSimulator, app_key: str,
        conformance: Conformance) -> GitHub[AppAuthStrategy]:
    identity = AppIdentity(app_id=github.world.app_id, private_key=SecretStr(app_key),
                           api_url=github.base_url)
    return GitHub(AppAuthStrategy(identity.app_id, app_key), base_url=github.base_url,
                    timeout=10, http_cache=False, event_hooks=conformance.hooks())


def _git(*arguments: str, token: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    basic = base64.b64encode(f"x-access-token:{token}".encode()).decode()
    environment = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_CONFIG_COUNT": "1",
                   "GIT_CONFIG_KEY_0": "http.extraHeader",
                   "GIT_CONFIG_VALUE_0": f"Authorization: Basic {basic}"}
    return subprocess.run(["git", *arguments], cwd=cwd, env=environment, capture_output=True,
                          text=True, check=False, timeout=60)


def test_the_app_works_an_issue_through_githubkit_and_every_exchange_conforms(
        github: GitHubSimulator, app: GitHub[AppAuthStrategy], conformance: Conformance,
        tmp_path: Path) -> None:
    repository = github.world.repositories["acme/flows"]
    issue = github.add_issue(repository, "Sync Stripe customers", "please", author="maintainer",
                             labels=["integration-request"])
    gh = installation_client(app, 1)

    react_to_issue(gh, ACME, issue.number, "eyes")
    first = upsert_status_comment(gh, ACME, Status("generate", issue.number, Phase.QUEUED))
    again = upsert_status_comment(gh, ACME, Status("generate", issue.number, Phase.GATE,
                                                   "gate attempt 1 of 4"))
    add_labels(gh, ACME, issue.number, ["needs-info"])
    remove_label(gh, ACME, issue.number, "needs-info")
    remove_label(gh, ACME, issue.number, "needs-info")  # gone already: fine
    comment(gh, ACME, issue.number, "a question")

    assert first == again  # the status comment was found by its marker and edited
    status = next(iter(repository.comments.values()))
    assert status.body.splitlines()[1] == "⏳ **flowbot generate**: running the gate"
    assert issue.labels == ["integration-request"]
    assert permission_of(gh, ACME, "maintainer") == "write"
    assert permission_of(gh, ACME, "stranger") == "read"
    assert permission_of(gh, ACME, "nobody") == "none"

    token = installation_token(app, 1).get_secret_value()
    clone = tmp_path / "clone"
    cloned = _git("clone", "-q", github.clone_url(repository), str(clone), token=token)
    assert cloned.returncode == 0, cloned.stderr
    (clone / "NOTE.md").write_text("from the app\n")
    _git("-C", str(clone), "checkout", "-q", "-b", "flowbot/1-sync", token=token)
    _git("-C", str(clone), "add", "NOTE.md", token=token)
    _git("-C", str(clone), "-c", "user.name=flowbot[bot]", "-c", "user.email=bot@example",
         "commit", "-q", "-m", "note", token=token)
    pushed = _git("-C", str(clone), "push", "-q", "origin", "flowbot/1-sync", token=token)
    assert pushed.returncode == 0, pushed.stderr

    pull = open_or_update_pull(gh, ACME, branch="flowbot/1-sync", base="main", title="Sync",
                               body="Closes #1", draft=False)
    same = open_or_update_pull(gh, ACME, branch="flowbot/1-sync", base="main", title="Sync 2",
                               body="Closes #1", draft=False)
    assert pull.created
    assert not same.created
    assert same.number == pull.number
    asked = request_reviews(gh, ACME, pull.number, ["maintainer", "flowbot[bot]"])
    assert asked == ["maintainer"]
    check = create_check_run(gh, ACME, head_sha=pull.head_sha, name="flowbot/gate", success=True,
                             title="gate", summary="clean", annotations=[
                                 {"path": "flows/x/flow.py", "start_line": 1, "end_line": 1,
                                  "annotation_level": "failure", "message": "m"}] * 60)
    assert len(repository.checks[check].output["annotations"]) == 60  # type: ignore[arg-type]
    review = github.review(repository, pull.number, "Almost.", author="maintainer",
                           comments=[("flows/x/flow.py", 3, "rename this")])
    [listed] = gh.rest.pulls.list_reviews("acme", "flows", pull.number).parsed_data
    assert (listed.id, listed.state, listed.body) == (review.id, "CHANGES_REQUESTED", "Almost.")
    assert listed.submitted_at
    assert listed.user
    assert listed.user.login == "maintainer"
    assert conformance.problems == [], "\n".join(conformance.problems)
    assert conformance.checked >= 15


def test_a_wrong_token_or_jwt_is_refused(github: GitHubSimulator, tmp_path: Path) -> None:
    repository = github.world.repositories["acme/flows"]
    bad = GitHub("ghs_not_a_real_token", base_url=github.base_url, timeout=10, http_cache=False)

    with pytest.raises(RequestFailed) as refused:
        bad.rest.issues.get("acme", "flows", 1)
    clone = _git("clone", "-q", github.clone_url(repository), str(tmp_path / "c"),
                 token="ghs_wrong")

    assert refused.value.response.status_code == 401
    assert clone.returncode != 0


def test_the_validating_wrapper_catches_a_request_outside_githubs_description(
        tmp_path: Path, app_key: str) -> None:
    github = GitHubSimulator(tmp_path / "gh", private_key_pem=app_key, webhook_secret="s",
                             validate=True)
    with github.serve():
        repository = github.create_repository("acme", "flows")
        github.add_issue(repository, "t", "b", author="maintainer")
        token = github.world.mint_token()[0]
        answer = httpx.post(f"{github.base_url}/repos/acme/flows/issues/1/comments",
                            json={"text": "no body field"},
                            headers={"Authorization": f"token {token}"})

    assert answer.status_code == 422
    assert github.conformance is not None
    assert len(github.conformance.problems) == 1
    assert "POST /repos/acme/flows/issues/1/comments" in github.conformance.problems[0]


def test_edits_follow_github_a_check_run_patch_and_a_comment_without_a_body(
        github: GitHubSimulator, app: GitHub[AppAuthStrategy], conformance: Conformance) -> None:
    repository = github.world.repositories["acme/flows"]
    github.add_issue(repository, "Sync", "please", author="maintainer")
    gh = installation_client(app, 1)
    note = {"path": "flows/x/flow.py", "start_line": 1, "end_line": 1,
            "annotation_level": "warning", "message": "m"}
    created = gh.rest.checks.create("acme", "flows", name="flowbot/gate", head_sha="a" * 40,
                                    status="completed", conclusion="success",
                                    output={"title": "gate", "summary": "…",
                                            "annotations": [note]})

    updated = gh.rest.checks.update("acme", "flows", created.parsed_data.id,
                                    conclusion="failure",
                                    output={"title": "gate", "summary": "2 findings",
                                            "annotations": [note]}).parsed_data
    posted = comment(gh, ACME, 1, "first words")
    refused = httpx.patch(f"{github.base_url}/repos/acme/flows/issues/comments/{posted}",
                          json={"text": "no body field"}, headers={
                              "Authorization": f"token {github.world.mint_token()[0]}"})

    assert (updated.status, updated.conclusion) == ("completed", "failure")
    assert updated.output.summary == "2 findings"
    assert len(repository.checks[updated.id].output["annotations"]) == 2  # type: ignore[arg-type]
    assert refused.status_code == 422
    assert repository.comments[posted].body == "first words"


def _branch_with_file(repository: Path, clone: Path, branch: str, name: str) -> None:
    """Push a commit adding `name` on `branch` (made from main) straight to the bare repository."""
    git = ["git", "-c", "user.name=maintainer", "-c", "user.email=m@example.com"]
    if not clone.exists():
        subprocess.run([*git, "clone", "-q", str(repository), str(clone)], check=True)
    subprocess.run([*git, "-C", str(clone), "checkout", "-q", "-B", branch, "origin/main"],
                   check=True)
    (clone / name).write_text(f"{name}\n")
    subprocess.run([*git, "-C", str(clone), "add", name], check=True)
    subprocess.run([*git, "-C", str(clone), "commit", "-q", "-m", name], check=True)
    subprocess.run([*git, "-C", str(clone), "push", "-q", "origin", branch], check=True)


def test_merging_a_pull_request_moves_its_base_and_closes_the_issue_it_fixes(
        github: GitHubSimulator, app: GitHub[AppAuthStrategy], conformance: Conformance,
        tmp_path: Path) -> None:
    repository = github.world.repositories["acme/flows"]
    fixed = github.add_issue(repository, "a flow failed", "details", author="maintainer")
    other = github.add_issue(repository, "another", "details", author="maintainer")
    clone = tmp_path / "clone"
    _branch_with_file(repository.path, clone, "fix", "FIX.md")
    _branch_with_file(repository.path, clone, "later", "LATER.md")
    first = github.add_issue(repository, "Fix it", f"Fixes #{fixed.number}\n\nMentions "
                             f"#{other.number}.", author="flowbot[bot]",
                             pull=Pull(head="fix", base="main"))
    second = github.add_issue(repository, "Later", "", author="maintainer",
                              pull=Pull(head="later", base="main"))

    forwarded = github.merge(repository, first.number)  # main had not moved: a fast-forward
    merged = github.merge(repository, second.number)  # main moved: a merge commit

    assert forwarded == repository.sha("fix")
    assert merged == repository.sha("main")
    parents = subprocess.run(["git", "--git-dir", str(repository.path), "rev-list",
                              "--parents", "-n", "1", merged], capture_output=True, text=True,
                             check=True).stdout.split()[1:]
    assert parents == [forwarded, repository.sha("later")]
    assert (fixed.state, other.state) == ("closed", "open")
    gh = installation_client(app, 1)
    shown = gh.rest.pulls.get("acme", "flows", first.number).parsed_data
    assert (shown.state, shown.merged) == ("closed", True)
    assert shown.merged_at is not None
    with pytest.raises(ValueError, match="not an open pull request"):
        github.merge(repository, first.number)
    assert conformance.problems == [], "\n".join(conformance.problems)
