"""`flowbot simulate`: serve one vendor simulator on loopback, for people and other processes."""

from __future__ import annotations

from typing import Annotated

import typer
import uvicorn

from connectors.registry import SIMULATORS, UnknownConnector, simulator_class


def simulate(
    name: Annotated[str, typer.Argument(help=f"One of: {', '.join(SIMULATORS)}.")],
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1 to listen on.")] = 8080,
    seed: Annotated[int, typer.Option(help="Seed of the synthetic data.")] = 0,
    no_rate_limit: Annotated[bool, typer.Option(
        "--no-rate-limit", help="Do not enforce the vendor's rate limit.")] = False,
) -> None:
    """Serve a vendor simulator on 127.0.0.1 until interrupted.

    Connector settings that reach it are printed at start. Faults can be switched on with
    `PUT /_simulator/faults` and counters read at `GET /_simulator/stats`.
    """
    try:
        cls = simulator_class(name)
    except UnknownConnector as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
    simulator = cls(seed=seed, enforce_rate_limit=not no_rate_limit)
    base_url = f"http://127.0.0.1:{port}"
    settings = simulator.settings(base_url)
    typer.echo(f"{name} simulator on {base_url} (seed {seed}); test settings: {settings!r}")
    uvicorn.run(simulator.app, host="127.0.0.1", port=port, log_level="warning")
