"""The simulated GitHub's HTTP side: the REST endpoints flowbot uses, and git smart HTTP."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

import jwt
from fastapi import FastAPI, HTTPException, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse

from bot.doubles.github.git_http import basic_password, serve_git
from bot.doubles.github.manifests import add_manifest_routes
from bot.doubles.github.page import render_page
from bot.doubles.github.people import add_people_routes
from bot.doubles.github.render import (
    check_json,
    comment_json,
    issue_json,
    label_json,
    pull_json,
    repo_label_json,
    repository_json,
)
from bot.doubles.github.state import CheckRun, Issue, Pull, RepoLabel, Repository, iso, now
from bot.doubles.github.templates import PERMISSION_EXAMPLE, example, user

if TYPE_CHECKING:
    from bot.doubles.github import GitHubSimulator

DOCS = "https://docs.github.com/rest"
Found = TypeVar("Found")


def _without(data: dict[str, Any], key: str) -> dict[str, Any]:
    """`data` without `key` (a field GitHub omits rather than sends as null)."""
    data.pop(key, None)
    return data


def _one(items: dict[int, Found], key: int) -> Found:
    """`items[key]`, or GitHub's 404."""
    found = items.get(key)
    if found is None:
        raise _fail(404, "Not Found")
    return found


def _comment_text(body: dict[str, Any]) -> str:
    """A comment's `body` field, or GitHub's 422 when it is missing or not text."""
    text = body.get("body")
    if not isinstance(text, str):
        raise _fail(422, "Validation Failed: body is missing")
    return text


def _fail(status: int, message: str) -> HTTPException:
    return HTTPException(status, detail=message)


def build_app(sim: GitHubSimulator) -> FastAPI:
    """The app serving `sim`'s world."""
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    world = sim.world

    @app.exception_handler(HTTPException)
    async def github_error(_request: Request, error: HTTPException) -> JSONResponse:
        return JSONResponse({"message": error.detail, "documentation_url": DOCS},
                            status_code=error.status_code)

    add_manifest_routes(app, sim)
    add_people_routes(app, sim)

    def host(request: Request) -> str:
        return str(request.base_url).rstrip("/")

    def app_jwt(request: Request) -> None:
        header = request.headers.get("authorization", "")
        token = header.removeprefix("Bearer ").strip()
        try:
            claims = jwt.decode(token, sim.public_key, algorithms=["RS256"],
                                options={"require": ["iat", "exp", "iss"]})
        except jwt.PyJWTError:
            raise _fail(401, "A JSON web token could not be decoded") from None
        if str(claims["iss"]) != str(world.app_id):
            raise _fail(401, "'Issuer' claim ('iss') must be the app's id")

    def installation(request: Request) -> None:
        header = request.headers.get("authorization", "")
        token = header.split(" ", 1)[1].strip() if " " in header else ""
        if not world.token_valid(token):
            raise _fail(401, "Bad credentials")

    def repo(owner: str, name: str) -> Repository:
        found = world.repository(owner, name)
        if found is None:
            raise _fail(404, "Not Found")
        return found

    def installed_repo(request: Request, owner: str, name: str) -> Repository:
        """A repository asked for with an installation token; 401 without one, 404 if none."""
        installation(request)
        return repo(owner, name)

    def issue_of(repository: Repository, number: int) -> Issue:
        return _one(repository.issues, number)

    def issue_at(request: Request, owner: str, name: str,
                 number: int) -> tuple[Repository, Issue]:
        """An installation's issue or pull request; 401 without a token, 404 when not there."""
        repository = installed_repo(request, owner, name)
        return repository, issue_of(repository, number)

    def edit(issue: Issue, body: dict[str, Any], fields: tuple[str, ...]) -> None:
        """Set the `fields` the request's body gives; the others stay."""
        with world.lock:
            for field in fields:
                setattr(issue, field, body.get(field, getattr(issue, field)))
            issue.updated = now()

    @app.get("/", response_class=HTMLResponse)
    def page() -> str:
        """A read-only page for people: issues, pull requests, comments, diffs."""
        return render_page(world)

    @app.get("/app")
    def get_app(request: Request) -> dict[str, Any]:
        app_jwt(request)
        owner = world.user("flowbot-dev")
        return example("integration", id=world.app_id, slug=world.app_slug,
                       name=world.app_slug, node_id=f"A_{world.app_id}",
                       owner=user(owner.login, owner.id, host=host(request)),
                       permissions=world.permissions, events=world.events)

    @app.get("/repos/{owner}/{name}/installation")
    def get_installation(owner: str, name: str, request: Request) -> dict[str, Any]:
        app_jwt(request)
        account = world.user(repo(owner, name).owner)
        return example("installation", id=world.installation_id, app_id=world.app_id,
                       app_slug=world.app_slug, target_type="User", target_id=account.id,
                       account=user(account.login, account.id, host=host(request)),
                       access_tokens_url=f"{host(request)}/app/installations/"
                                         f"{world.installation_id}/access_tokens")

    @app.post("/app/installations/{installation_id}/access_tokens", status_code=201)
    def access_token(installation_id: int, request: Request) -> dict[str, Any]:
        app_jwt(request)
        if installation_id != world.installation_id:
            raise _fail(404, "Not Found")
        token, expires = world.mint_token()
        template = example("installation-token")
        return {**template, "token": token, "expires_at": iso(expires),
                "repository_selection": "all", "repositories": []}

    @app.get("/repos/{owner}/{name}")
    def get_repo(owner: str, name: str, request: Request) -> dict[str, Any]:
        installation(request)
        return repository_json(world, repo(owner, name), host(request))

    @app.get("/repos/{owner}/{name}/issues")
    def list_issues(owner: str, name: str, request: Request, state: str = "open",
                    labels: str | None = None) -> list[dict[str, Any]]:
        repository = installed_repo(request, owner, name)
        wanted = set(labels.split(",")) if labels else set()
        return [issue_json(world, repository, issue, host(request))
                for issue in sorted(repository.issues.values(), key=lambda i: -i.number)
                if (state == "all" or issue.state == state) and wanted <= set(issue.labels)]

    @app.post("/repos/{owner}/{name}/issues", status_code=201)
    async def create_issue(owner: str, name: str, request: Request) -> dict[str, Any]:
        repository = installed_repo(request, owner, name)
        body = await request.json()
        if not isinstance(body.get("title"), str) or not body["title"]:
            raise _fail(422, "Validation Failed: title is missing")
        issue = sim.add_issue(repository, body["title"], body.get("body") or "",
                              author=sim.bot_login, labels=list(body.get("labels") or []))
        await run_in_threadpool(sim.announce_issue, repository, issue)
        return issue_json(world, repository, issue, host(request))

    @app.get("/repos/{owner}/{name}/issues/{number}")
    def get_issue(owner: str, name: str, number: int, request: Request) -> dict[str, Any]:
        repository, issue = issue_at(request, owner, name, number)
        return issue_json(world, repository, issue, host(request))

    @app.patch("/repos/{owner}/{name}/issues/{number}")
    async def update_issue(owner: str, name: str, number: int,
                           request: Request) -> dict[str, Any]:
        repository, issue = issue_at(request, owner, name, number)
        edit(issue, await request.json(), ("title", "body", "state"))
        return issue_json(world, repository, issue, host(request))

    @app.get("/repos/{owner}/{name}/issues/{number}/comments")
    def list_comments(owner: str, name: str, number: int, request: Request,
                      per_page: int = 30, page: int = 1) -> list[dict[str, Any]]:
        repository, _ = issue_at(request, owner, name, number)
        comments = [c for c in repository.comments.values() if c.number == number]
        chunk = comments[(page - 1) * per_page: page * per_page]
        return [comment_json(world, repository, c, host(request)) for c in chunk]

    @app.post("/repos/{owner}/{name}/issues/{number}/comments", status_code=201)
    async def create_comment(owner: str, name: str, number: int,
                             request: Request) -> dict[str, Any]:
        repository, _ = issue_at(request, owner, name, number)
        text = _comment_text(await request.json())
        comment = sim.add_comment(repository, number, text, author=sim.bot_login)
        return comment_json(world, repository, comment, host(request))

    @app.get("/repos/{owner}/{name}/issues/comments/{comment_id}")
    def get_comment(owner: str, name: str, comment_id: int, request: Request) -> dict[str, Any]:
        repository = installed_repo(request, owner, name)
        return comment_json(world, repository, _one(repository.comments, comment_id),
                            host(request))

    @app.patch("/repos/{owner}/{name}/issues/comments/{comment_id}")
    async def update_comment(owner: str, name: str, comment_id: int,
                             request: Request) -> dict[str, Any]:
        repository = installed_repo(request, owner, name)
        comment = _one(repository.comments, comment_id)
        text = _comment_text(await request.json())
        with world.lock:
            comment.body, comment.updated = text, now()
        return comment_json(world, repository, comment, host(request))

    @app.get("/repos/{owner}/{name}/labels")
    def list_repo_labels(owner: str, name: str, request: Request) -> list[dict[str, Any]]:
        repository = installed_repo(request, owner, name)
        return [repo_label_json(repository, label, host(request))
                for label in repository.labels.values()]

    @app.post("/repos/{owner}/{name}/labels", status_code=201, response_model=None)
    async def create_repo_label(owner: str, name: str,
                                request: Request) -> dict[str, Any] | JSONResponse:
        repository = installed_repo(request, owner, name)
        body = await request.json()
        label = RepoLabel(str(body["name"]), str(body.get("color") or "ededed").lstrip("#"),
                          body.get("description"))
        with world.lock:
            if label.name in repository.labels:
                return JSONResponse(
                    {"message": "Validation Failed", "documentation_url": DOCS,
                     "errors": [{"resource": "Label", "code": "already_exists",
                                 "field": "name"}]}, status_code=422)
            repository.labels[label.name] = label
        return repo_label_json(repository, label, host(request))

    @app.post("/repos/{owner}/{name}/issues/{number}/labels")
    async def add_labels(owner: str, name: str, number: int,
                         request: Request) -> list[dict[str, Any]]:
        repository, issue = issue_at(request, owner, name, number)
        body = await request.json()
        with world.lock:
            for label in body.get("labels") or []:
                if label not in issue.labels:
                    issue.labels.append(label)
        return [label_json(repository, label, host(request)) for label in issue.labels]

    @app.delete("/repos/{owner}/{name}/issues/{number}/labels/{label}")
    def remove_label(owner: str, name: str, number: int, label: str,
                     request: Request) -> list[dict[str, Any]]:
        repository, issue = issue_at(request, owner, name, number)
        with world.lock:
            if label not in issue.labels:
                raise _fail(404, "Label does not exist")
            issue.labels.remove(label)
        return [label_json(repository, other, host(request)) for other in issue.labels]

    async def react(request: Request, issue: Issue, subject: int) -> JSONResponse:
        content = (await request.json()).get("content")
        allowed = {"+1", "-1", "laugh", "confused", "heart", "hooray", "rocket", "eyes"}
        if content not in allowed:
            raise _fail(422, "Validation Failed: content is not a reaction")
        key = (f"{subject}:{sim.bot_login}", content)
        with world.lock:
            existed = key in issue.reactions
            issue.reactions.add(key)
        bot = world.user(sim.bot_login, bot=True)
        return JSONResponse(example("reaction", id=abs(hash(key)) % 10**8, content=content,
                                    node_id=f"R_{abs(hash(key))}",
                                    user=user(bot.login, bot.id, bot=True, host=host(request))),
                            status_code=200 if existed else 201)

    @app.post("/repos/{owner}/{name}/issues/{number}/reactions")
    async def react_issue(owner: str, name: str, number: int, request: Request) -> Response:
        _, issue = issue_at(request, owner, name, number)
        return await react(request, issue, number)

    @app.post("/repos/{owner}/{name}/issues/comments/{comment_id}/reactions")
    async def react_comment(owner: str, name: str, comment_id: int,
                            request: Request) -> Response:
        repository = installed_repo(request, owner, name)
        comment = _one(repository.comments, comment_id)
        return await react(request, issue_of(repository, comment.number), comment_id)

    @app.get("/repos/{owner}/{name}/collaborators/{login}/permission")
    def permission(owner: str, name: str, login: str, request: Request) -> dict[str, Any]:
        repository = installed_repo(request, owner, name)
        level = "admin" if login == repository.owner else repository.permissions.get(login,
                                                                                       "none")
        person = world.user(login)
        legacy = {"maintain": "write", "triage": "read"}.get(level, level)
        template = example(PERMISSION_EXAMPLE)
        return {**template, "permission": legacy, "role_name": level,
                "user": {**template["user"], **user(person.login, person.id, host=host(request)),
                         "role_name": level,
                         "permissions": {"admin": level == "admin", "pull": level != "none",
                                         "push": level in ("admin", "maintain", "write"),
                                         "maintain": level in ("admin", "maintain"),
                                         "triage": level != "none" and level != "read"}}}

    @app.get("/repos/{owner}/{name}/pulls")
    def list_pulls(owner: str, name: str, request: Request, state: str = "open",
                   head: str | None = None) -> list[dict[str, Any]]:
        repository = installed_repo(request, owner, name)
        pulls = [i for i in repository.issues.values() if i.pull is not None
                 and (state == "all" or i.state == state)
                 and (head is None or f"{repository.owner}:{i.pull.head}" == head)]
        return [pull_json(world, repository, i, host(request)) for i in pulls]

    @app.post("/repos/{owner}/{name}/pulls", status_code=201)
    async def create_pull(owner: str, name: str, request: Request) -> dict[str, Any]:
        repository = installed_repo(request, owner, name)
        body = await request.json()
        if repository.sha(body.get("head", "")) is None:
            raise _fail(422, f"Validation Failed: head {body.get('head')!r} does not exist")
        if any(i.pull and i.pull.head == body["head"] and i.state == "open"
               for i in repository.issues.values()):
            raise _fail(422, f"A pull request already exists for {owner}:{body['head']}.")
        issue = sim.add_issue(repository, body["title"], body.get("body") or "",
                              author=sim.bot_login,
                              pull=Pull(head=body["head"], base=body.get("base", "main"),
                                        draft=bool(body.get("draft"))))
        return pull_json(world, repository, issue, host(request))

    @app.get("/repos/{owner}/{name}/pulls/{number}")
    def get_pull(owner: str, name: str, number: int, request: Request) -> dict[str, Any]:
        repository, issue = issue_at(request, owner, name, number)
        if issue.pull is None:
            raise _fail(404, "Not Found")
        return pull_json(world, repository, issue, host(request))

    @app.patch("/repos/{owner}/{name}/pulls/{number}")
    async def update_pull(owner: str, name: str, number: int,
                          request: Request) -> dict[str, Any]:
        repository, issue = issue_at(request, owner, name, number)
        edit(issue, await request.json(), ("title", "body"))
        return pull_json(world, repository, issue, host(request))

    @app.post("/repos/{owner}/{name}/pulls/{number}/requested_reviewers", status_code=201)
    async def request_reviewers(owner: str, name: str, number: int,
                                request: Request) -> dict[str, Any]:
        repository, issue = issue_at(request, owner, name, number)
        body = await request.json()
        assert issue.pull is not None
        with world.lock:
            for login in body.get("reviewers") or []:
                if login == issue.author:
                    raise _fail(422, "Review cannot be requested from pull request author.")
                if login not in issue.pull.requested_reviewers:
                    issue.pull.requested_reviewers.append(login)
        return pull_json(world, repository, issue, host(request))

    @app.get("/repos/{owner}/{name}/pulls/{number}/reviews")
    def list_reviews(owner: str, name: str, number: int, request: Request,
                     per_page: int = 30, page: int = 1) -> list[dict[str, Any]]:
        repository, issue = issue_at(request, owner, name, number)
        if issue.pull is None:
            raise _fail(404, "Not Found")
        sha = repository.sha(issue.pull.head) or ""
        api = f"{host(request)}/repos/{repository.full_name}/pulls/{number}"
        page_url = f"https://github.example/{repository.full_name}/pull/{number}"
        reviews = [r for r in repository.reviews.values() if r.number == number]
        answer = []
        for review in reviews[(page - 1) * per_page: page * per_page]:
            author = world.user(review.author)
            html = f"{page_url}#pullrequestreview-{review.id}"
            answer.append(example(
                "pull-request-review-items", id=review.id, node_id=f"PRR_{review.id}",
                user=user(author.login, author.id, bot=author.bot, host=host(request)),
                body=review.body, state=review.state.upper(), commit_id=sha,
                submitted_at=iso(review.submitted), html_url=html, pull_request_url=api,
                author_association="COLLABORATOR",
                _links={"html": {"href": html}, "pull_request": {"href": api}}))
        return answer

    @app.get("/repos/{owner}/{name}/pulls/{number}/reviews/{review_id}/comments")
    def review_comments(owner: str, name: str, number: int, review_id: int,
                        request: Request) -> list[dict[str, Any]]:
        repository, issue = issue_at(request, owner, name, number)
        review = repository.reviews.get(review_id)
        if review is None or review.number != number or issue.pull is None:
            raise _fail(404, "Not Found")
        author = world.user(review.author)
        sha = repository.sha(issue.pull.head) or ""
        api = f"{host(request)}/repos/{repository.full_name}"
        return [_without(example("review-comment-items", id=c.id, node_id=f"PRRC_{c.id}",
                                 body=c.body, path=c.path, line=c.line,
                                 diff_hunk=f"@@ -1 +{c.line} @@",
                                 pull_request_review_id=review.id, commit_id=sha,
                                 original_commit_id=sha,
                                 user=user(author.login, author.id, host=host(request)),
                                 url=f"{api}/pulls/comments/{c.id}",
                                 pull_request_url=f"{api}/pulls/{number}",
                                 html_url=f"https://github.example/{repository.full_name}"
                                          f"/pull/{number}#discussion_r{c.id}"),
                         "in_reply_to_id")
                for c in review.comments]

    @app.post("/repos/{owner}/{name}/check-runs", status_code=201)
    async def create_check(owner: str, name: str, request: Request) -> dict[str, Any]:
        repository = installed_repo(request, owner, name)
        body = await request.json()
        check = CheckRun(id=world.next_id(), name=body["name"], head_sha=body["head_sha"],
                         status=body.get("status", "queued"), conclusion=body.get("conclusion"),
                         output=dict(body.get("output") or {}))
        with world.lock:
            repository.checks[check.id] = check
        return check_json(repository, check, host(request))

    @app.patch("/repos/{owner}/{name}/check-runs/{check_id}")
    async def update_check(owner: str, name: str, check_id: int,
                           request: Request) -> dict[str, Any]:
        repository = installed_repo(request, owner, name)
        check = _one(repository.checks, check_id)
        body = await request.json()
        with world.lock:
            check.amend(body)
        return check_json(repository, check, host(request))

    @app.api_route("/{owner}/{name}.git/{rest:path}", methods=["GET", "POST"])
    async def git(owner: str, name: str, rest: str, request: Request) -> Response:
        token = basic_password(request.headers.get("authorization"))
        if token is None or not world.token_valid(token):
            return Response("Authentication failed", status_code=401,
                            headers={"WWW-Authenticate": 'Basic realm="GitHub"'})
        repository = repo(owner, name)
        response = await serve_git(request, sim.projects, f"{owner}/{name}.git/{rest}")
        if rest == "git-receive-pack":
            sim.after_push(repository)
        return response

    return app
