"""The gate between generated flows and the people who review them.

`validate_flow(folder)` runs five stages, cheapest first, and stops a flow at the first stage
with findings: (1) the folder's files (no links, nothing beyond a flow's own files) and their
syntax, (2) imports, builtins and every way of reaching past them (reflection, private and frame
attributes, modules through modules, tests that switch themselves off), (3) every connector
call and record field against the catalog, connectors used only as operations, (4) the flow
contract, the spec's agreement with the code, writes and idempotency over the calls the code
can make, meaning, and the tests' contract, (5) the type checker and the flow's tests inside
the sandbox. Stages 1–4 read the code and never run it. Rules are listed in `findings.RULES`.
"""

from flowkit.loading import flow_folders
from flowkit.validator.findings import RULES, Finding, FlowReport, Rule
from flowkit.validator.runner import STATIC_STAGES, validate_flow

__all__ = ["RULES", "STATIC_STAGES", "Finding", "FlowReport", "Rule", "flow_folders",
           "validate_flow"]
