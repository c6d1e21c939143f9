"""Finding a flow's folder and importing its `flow` object.

Importing runs the flow's code, so only trusted callers do it outside the sandbox: the runtime
(for merged flows) and the flow's own tests (inside the sandbox). The gate's static stages read the
source text instead.
"""

from __future__ import annotations

import hashlib
import importlib.util
import sys
from pathlib import Path

from flowkit.errors import FlowDefinitionError
from flowkit.flow import Flow

FLOWS_PACKAGE = "flows"
FLOW_MODULE = "flow"


def flow_folder(root: Path, name: str) -> Path:
    """The folder of the flow called `name` (dashes or underscores) under `root/flows/`."""
    folder = root / FLOWS_PACKAGE / name.replace("-", "_")
    if not (folder / f"{FLOW_MODULE}.py").is_file():
        pattern = f"*/{FLOW_MODULE}.py"
        known = sorted(path.parent.name for path in (root / FLOWS_PACKAGE).glob(pattern))
        raise FlowDefinitionError(f"no flow called {name} under {root / FLOWS_PACKAGE}; the flows "
                                  f"are: {', '.join(known) or '(none)'}")
    return folder


def flow_folders(root: Path) -> list[Path]:
    """Every flow folder of the checkout: `flows/*/` with a flow.py or a spec.yaml."""
    flows = root / FLOWS_PACKAGE
    return sorted(path for path in flows.iterdir() if path.is_dir() and not
                  path.name.startswith(("_", ".")) and (
                      (path / f"{FLOW_MODULE}.py").exists() or (path / "spec.yaml").exists())) \
        if flows.is_dir() else []


def load_flow(folder: Path) -> Flow:
    """Import `folder/flow.py` afresh and return its module-level `flow`.

    The module gets a name of its own per file and is imported again on every call, so a flow
    fixed on disk is the flow that runs (a replay after a repair), and two checkouts' flows of
    the same name never shadow each other.
    """
    path = (folder / f"{FLOW_MODULE}.py").resolve()
    digest = hashlib.sha256(str(path).encode()).hexdigest()[:12]
    module_name = f"_flowbot_flow_{folder.name}_{digest}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise FlowDefinitionError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module  # dataclasses and pydantic look their module up
    spec.loader.exec_module(module)
    flow = getattr(module, "flow", None)
    if not isinstance(flow, Flow):
        raise FlowDefinitionError(f"{path} must define `flow = Flow(\"<name>\")` at module "
                                  "level")
    return flow
