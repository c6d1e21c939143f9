"""One flow of one checkout, ready to run: its code, spec, connectors, store and version."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from connectors.core.operations import Idempotency
from connectors.core.simulator import Simulator
from connectors.registry import catalog
from flowkit.loading import flow_folder, load_flow
from flowkit.runtime.connections import flow_version, real_connector, simulated_connectors
from flowkit.runtime.runner import FlowRunner
from flowkit.runtime.store import open_store
from flowkit.spec import FlowSpec, load_spec

IDEMPOTENT_SINKS = {Idempotency.KEY.value, Idempotency.UPSERT.value}


@dataclass
class FlowSession:
    """A runner for one flow, and what must be closed after."""

    runner: FlowRunner
    spec: FlowSpec
    simulators: dict[str, Simulator[Any]] = field(default_factory=dict)

    def close(self) -> None:
        """Close the connectors."""
        for connector in self.runner.connectors.values():
            connector.close()


def open_flow(root: Path, name: str, *, database: str | None = None, simulate: bool = False,
              seed: int = 0, secrets_file: Path | None = None,
              sessions: sessionmaker[Session] | None = None) -> FlowSession:
    """Load the flow `name` of the checkout at `root` and wire it to its connectors and store."""
    folder = flow_folder(root, name)
    spec = load_spec(folder)
    flow = load_flow(folder)
    simulators: dict[str, Simulator[Any]] = {}
    if simulate:
        connectors, simulators = simulated_connectors(flow.connector_classes, seed=seed)
    else:
        connectors = {cls: real_connector(cls, secrets_file=secrets_file)
                      for cls in flow.connector_classes}
    target = catalog().connector(spec.target.connector)
    operation = target.operation(spec.target.operation) if target else None
    sink_idempotent = operation is not None and operation.idempotency in IDEMPOTENT_SINKS
    runner = FlowRunner(flow, spec, connectors, sessions or open_store(database),
                        version=flow_version(root), sink_idempotent=sink_idempotent)
    return FlowSession(runner=runner, spec=spec, simulators=simulators)

