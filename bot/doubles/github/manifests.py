"""Registering an app from a manifest, as GitHub does it: the web form a browser posts the
manifest to, GitHub's redirect back with a one-time `code`, and the REST conversion of that code
into the app's id, private key and webhook secret (`POST /app-manifests/{code}/conversions`).

The simulator plays one app, so a conversion makes the new app the one it plays: its id, its
key (JWTs are checked against it from then on), its webhook secret and URL. That is what lets a
test prove that the `.env` `flowbot register` writes works.
"""

from __future__ import annotations

import json
import re
import secrets
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlencode

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse, RedirectResponse

from bot.doubles.github.templates import example, user

if TYPE_CHECKING:
    from bot.doubles.github import GitHubSimulator

REQUIRED = ("url", "hook_attributes", "redirect_url")
"""What flowbot's manifest always carries; GitHub itself needs only `url`."""


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "app"


def add_manifest_routes(app: FastAPI, sim: GitHubSimulator) -> None:
    """The new-app form (web) and the code conversion (REST)."""
    codes: dict[str, dict[str, Any]] = {}

    async def new_app(request: Request, org: str | None) -> RedirectResponse:
        form = parse_qs((await request.body()).decode())
        try:
            manifest = json.loads(form["manifest"][0])
        except (KeyError, ValueError):
            raise HTTPException(422, "the form has no JSON manifest field") from None
        missing = [key for key in REQUIRED if not manifest.get(key)]
        if missing:
            raise HTTPException(422, f"the manifest lacks {', '.join(missing)}")
        code = secrets.token_hex(10)
        codes[code] = {**manifest, "owner": org}
        query = {"code": code, **({"state": request.query_params["state"]}
                                  if "state" in request.query_params else {})}
        return RedirectResponse(f"{manifest['redirect_url']}?{urlencode(query)}", 302)

    @app.post("/settings/apps/new")
    async def new_user_app(request: Request) -> RedirectResponse:
        return await new_app(request, None)

    @app.post("/organizations/{org}/settings/apps/new")
    async def new_org_app(org: str, request: Request) -> RedirectResponse:
        return await new_app(request, org)

    @app.post("/app-manifests/{code}/conversions", status_code=201, response_model=None)
    def convert(code: str, request: Request) -> dict[str, Any] | JSONResponse:
        manifest = codes.pop(code, None)  # a code works once (and, at GitHub, for an hour)
        if manifest is None:
            return JSONResponse({"message": "Not Found",
                                 "documentation_url": "https://docs.github.com/rest"}, 404)
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(serialization.Encoding.PEM,
                                serialization.PrivateFormat.TraditionalOpenSSL,
                                serialization.NoEncryption()).decode()
        world = sim.world
        with world.lock:
            world.app_id = world.next_id()
            world.app_slug = _slug(str(manifest.get("name") or "app"))
            sim.public_key = key.public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
            sim.webhook_secret = secrets.token_hex(20)
            sim.webhook_url = manifest["hook_attributes"]["url"]
            world.permissions = dict(manifest.get("default_permissions") or {})
            world.events = list(manifest.get("default_events") or [])
        owner = world.user(manifest["owner"] or "octocat")
        base = str(request.base_url).rstrip("/")
        return example(
            "integration-from-manifest", id=world.app_id, slug=world.app_slug,
            name=manifest.get("name") or world.app_slug, node_id=f"A_{world.app_id}",
            description=manifest.get("description") or "",
            external_url=manifest["url"], html_url=f"{base}/apps/{world.app_slug}",
            events=list(manifest.get("default_events") or []),
            permissions=dict(manifest.get("default_permissions") or {}),
            owner=user(owner.login, owner.id, host=base), pem=pem,
            webhook_secret=sim.webhook_secret, client_id=f"Iv1.{secrets.token_hex(8)}",
            client_secret=secrets.token_hex(20))
