"""The connectors this checkout ships, and the catalog built from them.

Connectors are listed by import path and loaded on demand, so asking for one does not import the
others; building the catalog imports no simulator (each lives in its own `simulator` package beside
the client, with FastAPI).
"""

from __future__ import annotations

import importlib
from functools import cache
from typing import TYPE_CHECKING, Any

from connectors.core.catalog import Catalog, SimulatorSpec, build_catalog
from connectors.core.connector import Connector

if TYPE_CHECKING:  # the simulators' base needs FastAPI, which building the catalog does not
    from connectors.core.simulator import Simulator

CONNECTORS: dict[str, str] = {
    "shopify": "connectors.shopify:Shopify",
    "hubspot": "connectors.hubspot:HubSpot",
    "salesforce": "connectors.salesforce:Salesforce",
    "stripe": "connectors.stripe:Stripe",
    "slack": "connectors.slack:Slack",
    "sql": "connectors.sql:SqlDatabase",
}

SIMULATORS: dict[str, str] = {
    "shopify": "connectors.shopify.simulator:ShopifySimulator",
    "hubspot": "connectors.hubspot.simulator:HubSpotSimulator",
    "salesforce": "connectors.salesforce.simulator:SalesforceSimulator",
    "stripe": "connectors.stripe.simulator:StripeSimulator",
    "slack": "connectors.slack.simulator:SlackSimulator",
}
"""Every HTTP connector has a simulator; the SQL connector talks to real SQLite or PostgreSQL."""

COVERAGE: dict[str, str] = {
    name: f"connectors.{name}.simulator_coverage:COVERAGE" for name in SIMULATORS
}
"""What each simulator covers: a data module beside the client, read without importing the
simulator (FastAPI)."""

TEST_DATABASES: dict[str, str] = {"sql": "connectors.sql.simulator:SqlSimulator"}
"""What flow tests use where a connector has no HTTP simulator: a real, throwaway database."""


class UnknownConnector(LookupError):
    """A connector name that this checkout does not ship."""

    def __init__(self, name: str) -> None:
        super().__init__(f"no connector called {name}; the connectors are: "
                         f"{', '.join(sorted(CONNECTORS))}")


def _load(path: str) -> object:
    module_name, attribute = path.split(":")
    return getattr(importlib.import_module(module_name), attribute)


def connector_class(name: str) -> type[Connector]:
    """The connector class registered as `name`."""
    if name not in CONNECTORS:
        raise UnknownConnector(name)
    cls = _load(CONNECTORS[name])
    if not (isinstance(cls, type) and issubclass(cls, Connector)):
        raise TypeError(f"{CONNECTORS[name]} is not a Connector")
    return cls


def simulator_class(name: str) -> type[Simulator[Connector]]:
    """The simulator class of the HTTP connector `name`."""
    if name not in SIMULATORS:
        if name in CONNECTORS:
            raise UnknownConnector(f"{name} (it has no simulator: it talks to a real database)")
        raise UnknownConnector(name)
    from connectors.core.simulator import Simulator

    cls = _load(SIMULATORS[name])
    if not (isinstance(cls, type) and issubclass(cls, Simulator)):
        raise TypeError(f"{SIMULATORS[name]} is not a Simulator")
    return cls


@cache
def catalog() -> Catalog:
    """The catalog of every registered connector (built once per process)."""
    return build_catalog((connector_class(name) for name in CONNECTORS),
                         {name: simulator_coverage(name) for name in SIMULATORS})


def simulator_coverage(name: str) -> SimulatorSpec:
    """What the simulator of connector `name` reproduces, and what it leaves out."""
    coverage = _load(COVERAGE[name])
    if not isinstance(coverage, SimulatorSpec):
        raise TypeError(f"{COVERAGE[name]} is not a SimulatorSpec")
    return coverage


def test_double_class(name: str) -> type[Any]:
    """What a flow test puts behind connector `name`: its simulator, or a throwaway database."""
    if name in TEST_DATABASES:
        cls = _load(TEST_DATABASES[name])
        if not isinstance(cls, type):
            raise TypeError(f"{TEST_DATABASES[name]} is not a class")
        return cls
    return simulator_class(name)
