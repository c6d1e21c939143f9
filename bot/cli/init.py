"""`flowbot init [DIR]`: scaffold a thin integrations repository, and create its labels."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bot.cli.errors import fail, require_repository
from bot.cli.scaffold import PIN_FILE
from bot.cli.scaffold import write_scaffold as scaffold
from bot.github.labels import REPOSITORY_LABELS, create_labels


def init(
    directory: Annotated[Path, typer.Argument(help="The repository's folder (made if "
                                                   "missing).")] = Path("."),
    repo: Annotated[str | None, typer.Option(
        help="owner/name on GitHub: create flowbot's labels there (needs --token or "
             "$GITHUB_TOKEN).")] = None,
    token: Annotated[str | None, typer.Option(
        envvar="GITHUB_TOKEN", show_envvar=True, show_default=False,
        help="A token that may manage the repository's labels.")] = None,
    api_url: Annotated[str, typer.Option(envvar="GITHUB_API_URL", help="GitHub's API (GitHub "
                                         "Enterprise Server: https://HOST/api/v3).")]
    = "https://api.github.com",
    force: Annotated[bool, typer.Option("--force", help="Overwrite files that exist.")] = False,
) -> None:
    """Scaffold a thin integrations repository: flows/, .github/ (issue forms, PR template,
    CI running `flowbot validate`, flowbot.yml) and requirements.txt pinning flowbot."""
    if repo is not None:
        require_repository(repo)
    if repo is not None and not token:
        fail("--repo needs a token to create labels: pass --token or set GITHUB_TOKEN")
    if directory.exists() and not directory.is_dir():
        fail(f"{directory} is a file; give a folder for the repository")
    try:
        directory.mkdir(parents=True, exist_ok=True)
        written, kept = scaffold(directory, force=force)
    except OSError as error:  # a folder that may not be made or written: say which
        fail(f"cannot write the repository's files in {directory} "
             f"({error.strerror or type(error).__name__}: {error.filename}); give a folder "
             "this user may write")
    for path in written:
        typer.echo(f"wrote {directory / path}")
    for path in kept:
        typer.echo(f"kept {directory / path} (it exists; --force overwrites)")
    if repo is not None and token:
        created, existing = create_labels(repo, REPOSITORY_LABELS, token=token, api_url=api_url)
        typer.echo(f"labels in {repo}: created {', '.join(created) or 'none'}"
                   + (f"; already there: {', '.join(existing)}" if existing else ""))
    typer.echo(f"\nNext: commit these files, install flowbot from {PIN_FILE} "
               "(pip install -r requirements.txt) and run `flowbot validate flows/`. "
               "See docs/thin-repository.md.")
