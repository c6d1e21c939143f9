"""Finding a flow's folder and importing its `flow` object.

Importing runs the flow's code, so only trusted callers do it outside the sandbox: the runtime
(for merged flows) and the flow's own tests (inside the sandbox). The gate's static stages read the
source text instead.
"""

from __future__ import annotations

import importlib
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


def load_flow(folder: Path) -> Flow:
    """Import `folder/flow.py` as `flows.<folder>.flow` and return its module-level `flow`."""
    root = folder.resolve().parent.parent
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    module_name = f"{FLOWS_PACKAGE}.{folder.name}.{FLOW_MODULE}"
    module = importlib.import_module(module_name)
    flow = getattr(module, "flow", None)
    if not isinstance(flow, Flow):
        raise FlowDefinitionError(f"{folder / 'flow.py'} must define `flow = Flow(\"<name>\")` at "
                                  "module level")
    return flow
