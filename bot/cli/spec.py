"""`flowbot spec`: the spec's published JSON schema, and checking a spec.yaml by itself."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from flowkit.spec import SpecError, parse_spec, spec_json_schema

app = typer.Typer(help="The flow spec (spec.yaml): its schema, and checking one.",
                  no_args_is_help=True)


@app.command("schema")
def schema() -> None:
    """Print the JSON schema of spec.yaml (published as flowkit/spec.schema.json)."""
    typer.echo(json.dumps(spec_json_schema(), indent=2, sort_keys=True))


@app.command("check")
def check(path: Annotated[Path, typer.Argument(help="A spec.yaml, or a flow folder.")],
          as_json: Annotated[bool, typer.Option(
              "--json", help="Print one JSON object: file, valid, problems.")] = False) -> None:
    """Validate one spec.yaml and say what is wrong and where (exit 1 if anything is)."""
    file = path / "spec.yaml" if path.is_dir() else path
    try:
        spec = parse_spec(file.read_text(encoding="utf-8"), file)
    except FileNotFoundError:
        typer.echo(f"{file}: no such file", err=True)
        raise typer.Exit(2) from None
    except SpecError as error:
        if as_json:
            typer.echo(json.dumps({"file": str(file), "valid": False, "problems": [
                {"location": location, "message": message}
                for location, message in error.problems]}))
        else:
            typer.echo(str(error), err=True)
        raise typer.Exit(1) from None
    if as_json:
        typer.echo(json.dumps({"file": str(file), "valid": True, "problems": [],
                               "name": spec.name}))
        return
    typer.echo(f"{file}: valid ({spec.name}: {spec.source.connector}.{spec.source.operation} "
               f"→ {spec.target.connector}.{spec.target.operation})")
