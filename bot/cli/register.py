"""`flowbot register`: register the GitHub App from its manifest (`app.yml`), like Probot.

GitHub's manifest flow: a browser posts the manifest to `<github>/settings/apps/new` (or an
organisation's); once the person confirms, GitHub redirects to the manifest's `redirect_url`
with a one-time `code`, which `POST /app-manifests/{code}/conversions` turns into the app's id,
private key and webhook secret. This command serves the page with the form on loopback,
receives the redirect, makes the exchange, writes the key (0600) and `.env`, and says how to
install the app. `--print` prints the manifest instead, for operators who script the flow.
"""

from __future__ import annotations

import html
import json
import queue
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml
from githubkit import GitHub, UnauthAuthStrategy
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from bot.cli.errors import fail
from bot.resources import manifest_path
from connectors.core.serving import serve_on_loopback

GITHUB = "https://github.com"
TIMEOUT_S = 30.0


def manifest(webhook_url: str, *, name: str = "flowbot",
             redirect_url: str | None = None) -> dict[str, Any]:
    """The manifest of `app.yml` with the webhook URL, the app's name and where GitHub sends
    the browser back filled in."""
    data: dict[str, Any] = yaml.safe_load(manifest_path().read_text(encoding="utf-8"))
    data["name"] = name
    data["hook_attributes"]["url"] = webhook_url
    if redirect_url is not None:
        data["redirect_url"] = redirect_url
    return data


def api_url_of(github_url: str) -> str:
    """GitHub's REST API for its web URL: api.github.com, or GitHub Enterprise Server's
    `https://HOST/api/v3`."""
    return "https://api.github.com" if github_url == GITHUB else f"{github_url}/api/v3"


def form_page(data: dict[str, Any], *, github_url: str, org: str | None, state: str) -> str:
    """The one-button page that posts the manifest to GitHub."""
    target = (f"{github_url}/organizations/{org}/settings/apps/new" if org
              else f"{github_url}/settings/apps/new")
    value = html.escape(json.dumps(data), quote=True)
    name = html.escape(data["name"])
    return (f"<!doctype html><meta charset=utf-8><title>Register {name}</title>"
            f"<form action=\"{html.escape(target)}?state={state}\" method=post>"
            f"<input type=hidden name=manifest value=\"{value}\">"
            f"<button>Register {name} on GitHub</button></form>")


@dataclass(frozen=True)
class RegisteredApp:
    """What the conversion gave: the app's identity and its secrets."""

    app_id: int
    slug: str
    html_url: str
    pem: str
    webhook_secret: str


def convert(code: str, *, api_url: str) -> RegisteredApp:
    """Exchange the redirect's code for the app's credentials (the code works once)."""
    with GitHub(UnauthAuthStrategy(), base_url=api_url, timeout=TIMEOUT_S, http_cache=False,
                auto_retry=False) as github:
        app = github.rest.apps.create_from_manifest(code).parsed_data
    if not app.webhook_secret:
        raise RuntimeError("GitHub returned no webhook secret")
    return RegisteredApp(app.id, app.slug or str(app.id), app.html_url, app.pem,
                         app.webhook_secret)


def write_credentials(app: RegisteredApp, *, env_file: Path, api_url: str) -> Path:
    """The key next to the .env, both readable by their owner only; the key's path."""
    key = env_file.parent / f"{app.slug}.private-key.pem"
    for path, text in ((key, app.pem), (env_file, _env_text(app, key.resolve(), api_url))):
        path.touch(mode=0o600)
        path.chmod(0o600)
        path.write_text(text, encoding="utf-8")
    return key


def _env_text(app: RegisteredApp, key: Path, api_url: str) -> str:
    lines = [f"# flowbot's GitHub App {app.slug} (id {app.app_id}), written by `flowbot "
             "register`. Secret: keep it out of git.",
             f"GITHUB_APP_ID={app.app_id}", f"GITHUB_PRIVATE_KEY_PATH={key}",
             f"GITHUB_WEBHOOK_SECRET={app.webhook_secret}", f"FLOWBOT_APP_SLUG={app.slug}"]
    if api_url != "https://api.github.com":
        lines.append(f"GITHUB_API_URL={api_url}")
    return "\n".join(lines) + "\n"


def _receive_code(page: str, state: str, port: int, timeout: float) -> str:
    """Serve the page on loopback until GitHub's redirect brings the code back."""
    codes: queue.Queue[str] = queue.Queue()

    async def index(_request: Request) -> Response:
        return HTMLResponse(page)

    async def callback(request: Request) -> Response:
        if request.query_params.get("state") != state or "code" not in request.query_params:
            return HTMLResponse("This is not the answer to this registration.", 400)
        codes.put(request.query_params["code"])
        return HTMLResponse("<!doctype html><meta charset=utf-8><p>The app is registered. "
                            "Go back to the terminal.")

    app = Starlette(routes=[Route("/", index), Route("/callback", callback)])
    with serve_on_loopback(app, port=port) as url:
        typer.echo(f"Open {url}/ in a browser and press the button; waiting for GitHub…")
        try:
            return codes.get(timeout=timeout)
        except queue.Empty:
            fail(f"GitHub did not send the browser back within {timeout:.0f} s; run "
                 "`flowbot register` again")


def register(
    webhook_url: Annotated[str, typer.Option(help="Where GitHub sends webhooks: "
                                                  "https://HOST/api/github/webhooks")],
    name: Annotated[str, typer.Option(help="The app's name on GitHub.")] = "flowbot",
    org: Annotated[str | None, typer.Option(help="Register under this organisation.")] = None,
    github_url: Annotated[str, typer.Option(help="GitHub's web URL (GitHub Enterprise "
                                                 "Server: https://HOST).")] = GITHUB,
    api_url: Annotated[str | None, typer.Option(help="GitHub's API (default: from "
                                                     "--github-url).")] = None,
    port: Annotated[int, typer.Option(help="The local port of the registration page.")]
    = 3000,
    env_file: Annotated[Path, typer.Option(help="Where to write the app's settings.")]
    = Path(".env"),
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing .env.")]
    = False,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for GitHub's answer.")]
    = 900.0,
    print_manifest: Annotated[bool, typer.Option(
        "--print", help="Print the manifest as JSON and stop.")] = False,
) -> None:
    """Register the app from app.yml: serve a page that posts the manifest to GitHub, take
    GitHub's answer, and write .env with the app's id, key path and webhook secret."""
    if not webhook_url.startswith("https://"):
        fail("--webhook-url must be an https:// URL GitHub can reach (for a laptop, a relay: "
             "see docs/local-development.md)")
    github_url = github_url.rstrip("/")
    api = (api_url or api_url_of(github_url)).rstrip("/")
    redirect = f"http://127.0.0.1:{port}/callback"
    data = manifest(webhook_url, name=name, redirect_url=redirect)
    if print_manifest:
        typer.echo(json.dumps(data, indent=2))
        return
    if env_file.exists() and not force:
        fail(f"{env_file} exists; move it away or pass --force to overwrite it")
    state = secrets.token_urlsafe(16)
    code = _receive_code(form_page(data, github_url=github_url, org=org, state=state), state,
                         port, timeout)
    app = convert(code, api_url=api)
    key = write_credentials(app, env_file=env_file, api_url=api)
    typer.echo(f"Registered {app.slug} (app id {app.app_id}). Wrote {env_file} and {key} "
               "(both 0600; keep them out of git).\n"
               f"Next: install the app on your repositories: {app.html_url}/installations/new\n"
               "then start flowbot with these settings (docs/deploying.md).")
