"""`flowbot showcase`: what works today, shown against the simulators in well under a minute.

It is not the full demo (issue → PR → repair → revise, still to be built): it shows the parts
everything else stands on — connectors reading through pagination and limits, faults absorbed
without writing twice, secrets kept out of errors, an example flow run as a story, and untrusted
code contained by the sandbox. Each step is a check; the command exits 0 only if all held.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import typer
from pydantic import SecretStr
from rich.console import Console
from rich.table import Table

from connectors.core.errors import AuthError
from connectors.core.serving import serve_on_loopback
from connectors.core.simulator import FaultPlan, Simulator
from connectors.hubspot.simulator import HubSpotSimulator
from connectors.registry import SIMULATORS, simulator_class
from connectors.shopify.simulator import ShopifySimulator
from connectors.stripe import CustomerInput, Stripe, StripeSettings
from connectors.stripe.simulator import StripeSimulator
from flowkit.sandbox import SandboxUnavailable, run_sandboxed
from flowkit.sandbox.bwrap import SANDBOX_TMP
from flowkit.testing import FlowTest

HOSTILE = ("import socket, os\n"
           "try:\n"
           "    socket.create_connection(('1.1.1.1', 80), timeout=2)\n"
           "    print('NETWORK REACHED')\n"
           "except OSError as error:\n"
           "    print('network refused:', error)\n"
           "print('secrets seen:', sorted(k for k in os.environ if 'TOKEN' in k or 'KEY' in k))\n")


@dataclass(frozen=True)
class Check:
    """One step of the showcase and how it ended."""

    name: str
    held: bool | None
    """True: held; False: failed; None: skipped, with the reason in `detail`."""
    detail: str


@contextmanager
def _served(simulator: Simulator[Any]) -> Iterator[str]:
    with serve_on_loopback(simulator.app) as base_url:
        yield base_url


def _read_everything() -> Check:
    counts = []
    for name in SIMULATORS:
        simulator = simulator_class(name)(seed=7)
        with _served(simulator) as base_url, simulator.connect(base_url) as connector:
            resource, operation = {"shopify": ("orders", "list"), "hubspot": ("contacts", "list"),
                                   "salesforce": ("accounts", "list"),
                                   "stripe": ("customers", "list"),
                                   "slack": ("users", "list")}[name]
            records = list(getattr(getattr(connector, resource), operation)())
            counts.append(f"{name} {len(records)} {resource}")
    return Check("every connector reads its simulator over HTTP", True, ", ".join(counts))


def _burst_absorbed() -> Check:
    simulator = HubSpotSimulator(seed=7)
    simulator.faults = FaultPlan(rate_limit_bursts=2, retry_after="0.2", server_errors=1)
    with _served(simulator) as base_url, simulator.connect(base_url) as crm:
        contacts = list(crm.contacts.list())
    held = simulator.stats.rate_limited == 2 and len(contacts) == simulator.count("contacts")
    return Check("429s and a 503 are waited out, the read completes", held,
                 f"{simulator.stats.rate_limited} × 429 and 1 × 503 absorbed; "
                 f"{len(contacts)} contacts read")


def _no_double_write() -> Check:
    simulator = StripeSimulator(seed=7)
    simulator.faults = FaultPlan(drops_after_processing=1)
    with _served(simulator) as base_url, simulator.connect(base_url) as stripe:
        stripe.customers.create(CustomerInput(name="Ada Lovelace"), idempotency_key="showcase-1")
    writes = sum(simulator.stats.writes.values())
    return Check("a create whose answer was lost is retried with its key, written once",
                 writes == 1, f"connection dropped after Stripe wrote; writes counted: {writes}")


def _secret_kept_out() -> Check:
    simulator = StripeSimulator(seed=7)
    wrong = "sk_test_showcase_wrong_key_51Hx9"
    with _served(simulator) as base_url:
        settings = StripeSettings(base_url=base_url, secret_key=SecretStr(wrong))
        try:
            with Stripe(settings) as stripe:
                list(stripe.customers.list())
        except AuthError as error:
            leaked = wrong in str(error) or wrong in repr(error)
            return Check("a refused key ends in AuthError without the key in it", not leaked,
                         str(error).splitlines()[0][:90])
    return Check("a refused key ends in AuthError without the key in it", False,
                 "the wrong key was accepted")


def _example_flow() -> Check:
    from flows.shopify_orders_to_hubspot_deals.flow import flow  # the showcase's example only

    with FlowTest(flow) as story:
        for number in range(5):
            story.simulator(ShopifySimulator).add_order(financial_status="paid",
                                                        name=f"#{2000 + number}", test=False)
        first = story.run()
        second = story.run()
        deals = story.simulator(HubSpotSimulator).count("deals")
    held = len(first.delivered_keys) == 5 and deals == 5 and len(second.delivered_keys) == 5
    return Check("the example flow moves paid orders into deals; a re-run adds none", held,
                 f"{len(first.delivered_keys)} delivered, re-run upserted the same "
                 f"{len(second.delivered_keys)}, {deals} deals in HubSpot")


def _sandbox() -> Check:
    root = Path(__file__).resolve().parents[2]
    try:
        result = run_sandboxed([sys.executable, "-c", HOSTILE], workdir=SANDBOX_TMP,
                               readonly_paths=[root, Path(sys.prefix)])
    except SandboxUnavailable as error:
        return Check("untrusted code is contained by the sandbox", None,
                     f"skipped: {str(error).splitlines()[0]}")
    refused = "network refused" in result.stdout and "NETWORK REACHED" not in result.stdout
    return Check("untrusted code is contained by the sandbox", refused and result.sandboxed,
                 result.stdout.strip().replace("\n", "; ")[:120])


STEPS: list[Callable[[], Check]] = [_read_everything, _burst_absorbed, _no_double_write,
                                    _secret_kept_out, _example_flow, _sandbox]


def showcase() -> None:
    """Show the connector library, an example flow and the sandbox at work (no network)."""
    console = Console()
    console.print("[bold]flowbot showcase[/bold]: the connector library, the flow kit and the "
                  "sandbox against local simulators.\nThe full demo (an issue becoming a PR, a "
                  "repair, a /revise) is not built yet; see the README.")
    checks: list[Check] = []
    with console.status("working…") as status:
        for step in STEPS:
            status.update(step.__name__.strip("_").replace("_", " ") + "…")
            try:
                checks.append(step())
            except Exception as error:  # a failed step is reported in the table, not raised
                checks.append(Check(step.__name__.strip("_").replace("_", " "), False,
                                    f"{type(error).__name__}: {error}"))
    table = Table(title="showcase")
    for column in ("check", "result", "what happened"):
        table.add_column(column)
    for check in checks:
        mark = {True: "[green]held[/green]", False: "[red]FAILED[/red]",
                None: "[yellow]skipped[/yellow]"}[check.held]
        table.add_row(check.name, mark, check.detail)
    console.print(table)
    if any(check.held is False for check in checks):
        raise typer.Exit(1)
