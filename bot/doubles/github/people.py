"""People acting in the simulated GitHub over HTTP (`/_simulator/…`), for `flowbot serve --dev`:
open an issue or comment as someone, and GitHub's webhook goes to the app as it would."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.concurrency import run_in_threadpool

if TYPE_CHECKING:
    from bot.doubles.github import GitHubSimulator


def add_people_routes(app: FastAPI, sim: GitHubSimulator) -> None:
    """`POST /_simulator/repos/{owner}/{name}/issues` and `…/issues/{number}/comments`."""

    def repository(owner: str, name: str) -> Any:
        found = sim.world.repository(owner, name)
        if found is None:
            raise HTTPException(404, "Not Found")
        return found

    @app.post("/_simulator/repos/{owner}/{name}/issues", status_code=201)
    async def open_issue(owner: str, name: str, request: Request) -> dict[str, Any]:
        body = await request.json()
        issue = await run_in_threadpool(  # the webhook is sent before this answers
            sim.open_issue, repository(owner, name), str(body["title"]),
            str(body.get("body") or ""), author=str(body.get("author") or "maintainer"),
            labels=[str(label) for label in body.get("labels") or []])
        return {"number": issue.number}

    @app.post("/_simulator/repos/{owner}/{name}/issues/{number}/comments", status_code=201)
    async def comment(owner: str, name: str, number: int, request: Request) -> dict[str, Any]:
        body = await request.json()
        found = repository(owner, name)
        if number not in found.issues:
            raise HTTPException(404, "Not Found")
        await run_in_threadpool(sim.comment, found, number, str(body["body"]),
                                author=str(body.get("author") or "maintainer"))
        return {"number": number}
