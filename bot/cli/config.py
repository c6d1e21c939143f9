"""`flowbot config`: the per-repository `.github/flowbot.yml` — its schema, and checking one."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml

from bot.cli.errors import fail
from bot.github.repo_config import CONFIG_PATH, RepoConfig, RepoConfigError, load_repo_config

SCHEMA_FILE = Path(__file__).resolve().parents[1] / "flowbot.schema.json"
"""The published schema (package data), kept equal to `config_schema()` by a test."""

app = typer.Typer(help="The repository's settings (.github/flowbot.yml): schema and check.",
                  no_args_is_help=True)


def config_schema() -> dict[str, Any]:
    """The JSON schema of `.github/flowbot.yml`."""
    schema = RepoConfig.model_json_schema()
    schema["title"] = "flowbot repository settings (.github/flowbot.yml)"
    return schema


@app.command("schema")
def schema() -> None:
    """Print the JSON schema of .github/flowbot.yml (also bot/flowbot.schema.json)."""
    typer.echo(json.dumps(config_schema(), indent=2, sort_keys=True))


@app.command("check")
def check(root: Annotated[Path, typer.Argument(help="The repository holding "
                                                   f"{CONFIG_PATH}.")] = Path(".")) -> None:
    """Check .github/flowbot.yml: exit 0 valid (or absent: the defaults), 1 invalid."""
    if not root.is_dir():
        fail(f"{root} is not a folder; give the repository's root")
    try:
        config = load_repo_config(root)
    except RepoConfigError as error:
        typer.echo(f"{root / CONFIG_PATH}: invalid", err=True)
        for problem in error.problems:
            typer.echo(f"  {problem}", err=True)
        raise typer.Exit(1) from None
    where = root / CONFIG_PATH
    state = "valid" if where.is_file() else "absent, so every setting has its default"
    typer.echo(f"{where}: {state}")
    for name, value in config.model_dump(mode="json").items():
        typer.echo(f"  {name}: {as_written(value)}")


def as_written(value: Any) -> str:
    """A setting's value as YAML in the file would give it (`true`, `[a, b]`), or `unset`."""
    if value is None:
        return "unset"
    text: str = yaml.safe_dump(value, default_flow_style=True, allow_unicode=True)
    return text.removesuffix("\n").removesuffix("\n...")
