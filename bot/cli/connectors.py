"""`flowbot connectors`: what the connector library offers, from the catalog the validator uses."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from connectors.core.catalog import ConnectorSpec
from connectors.registry import CONNECTORS, UnknownConnector, catalog

app = typer.Typer(help="List the connectors and show their catalog entries.",
                  no_args_is_help=True)


@app.command("list")
def list_connectors(as_json: Annotated[bool, typer.Option(
        "--json", help="Print one JSON array (name, title, auth, rate limit, operations).")]
        = False) -> None:
    """List every connector: its auth, rate limit and operations."""
    if as_json:
        typer.echo(json.dumps([{"name": spec.name, "title": spec.title, "auth": spec.auth_kind,
                                "rate_limit": spec.rate_limit,
                                "operations": [op.path for r in spec.resources
                                               for op in r.operations]}
                               for spec in catalog().connectors]))
        return
    table = Table(title="Connectors")
    for column in ("name", "title", "auth", "rate limit", "operations"):
        table.add_column(column, overflow="fold")
    for spec in catalog().connectors:
        operations = ", ".join(op.path for r in spec.resources for op in r.operations)
        table.add_row(spec.name, spec.title, spec.auth_kind, spec.rate_limit, operations)
    Console().print(table)


def _show(spec: ConnectorSpec, console: Console) -> None:
    console.print(f"[bold]{spec.title}[/bold] ({spec.name}, class {spec.class_name} "
                  f"in {spec.module})")
    console.print(spec.doc)
    console.print(f"auth: {spec.auth_kind}\nrate limit: {spec.rate_limit}\n"
                  f"pagination: {spec.pagination}\ndocs: {spec.documentation}")
    for quirk in spec.quirks:
        console.print(f"  quirk: {quirk}")
    for resource in spec.resources:
        for op in resource.operations:
            params = ", ".join(
                f"{p.name}: {p.type}" + ("" if p.required else f" = {p.default!r}")
                for p in op.parameters)
            kind = f"writes, idempotency: {op.idempotency}" if op.writes else "reads"
            console.print(f"\n  [bold]{spec.name}.{op.path}[/bold]({params}) -> {op.returns}"
                          f"  [dim]({kind})[/dim]\n    {op.summary}")
            for quirk in op.quirks:
                console.print(f"    quirk: {quirk}")
    for record in spec.records.values():
        fields = ", ".join(f"{f.name}: {f.type}" for f in record.fields)
        console.print(f"\n  record [bold]{record.name}[/bold]: {fields}")


@app.command("show")
def show(
    name: Annotated[str, typer.Argument(help=f"One of: {', '.join(CONNECTORS)}.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the exact catalog entry "
                                          "as JSON (what the validator reads).")] = False,
) -> None:
    """Show one connector's operations, parameters, records and quirks."""
    spec = catalog().connector(name)
    if spec is None:
        typer.echo(str(UnknownConnector(name)), err=True)
        raise typer.Exit(2)
    if as_json:
        typer.echo(spec.model_dump_json(indent=2))
    else:
        _show(spec, Console())
