"""`flowbot register`: register the GitHub App from its manifest (`app.yml`) in one click.

GitHub's manifest flow takes the manifest as a form field posted from the browser to
`<github>/settings/apps/new` (or an organisation's). This writes that page — one button — or
prints the manifest as JSON for operators who script the flow.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml

from bot.resources import manifest_path


def manifest(webhook_url: str, *, name: str = "flowbot") -> dict[str, Any]:
    """The manifest of `app.yml` with the webhook URL and the app's name filled in."""
    data: dict[str, Any] = yaml.safe_load(manifest_path().read_text(encoding="utf-8"))
    data["name"] = name
    data["hook_attributes"]["url"] = webhook_url
    return data


def form_page(data: dict[str, Any], *, github_url: str, org: str | None) -> str:
    """The one-button page that posts the manifest to GitHub."""
    target = (f"{github_url}/organizations/{org}/settings/apps/new" if org
              else f"{github_url}/settings/apps/new")
    value = html.escape(json.dumps(data), quote=True)
    return (f"<!doctype html><meta charset=utf-8><title>Register {html.escape(data['name'])}"
            f"</title><form action=\"{html.escape(target)}\" method=post>"
            f"<input type=hidden name=manifest value=\"{value}\">"
            f"<button>Register {html.escape(data['name'])} on GitHub</button></form>")


def register(
    webhook_url: Annotated[str, typer.Option(help="Where GitHub sends webhooks: "
                                                  "https://HOST/api/github/webhooks")],
    name: Annotated[str, typer.Option(help="The app's name on GitHub.")] = "flowbot",
    org: Annotated[str | None, typer.Option(help="Register under this organisation.")] = None,
    github_url: Annotated[str, typer.Option(help="GitHub's web URL (GHES: https://HOST).")]
    = "https://github.com",
    out: Annotated[Path, typer.Option(help="Where to write the page.")] = Path(
        "register-flowbot.html"),
    print_manifest: Annotated[bool, typer.Option(
        "--print", help="Print the manifest as JSON instead of writing the page.")] = False,
) -> None:
    """Register the app from app.yml: write a one-button page (open it in a browser)."""
    if not webhook_url.startswith("https://"):
        typer.echo("--webhook-url must be an https:// URL GitHub can reach", err=True)
        raise typer.Exit(2)
    data = manifest(webhook_url, name=name)
    if print_manifest:
        typer.echo(json.dumps(data, indent=2))
        return
    out.write_text(form_page(data, github_url=github_url.rstrip("/"), org=org),
                   encoding="utf-8")
    typer.echo(f"Open {out.resolve()} in a browser and press the button; GitHub then shows the "
               "app's id, private key and webhook secret for flowbot's settings.")
