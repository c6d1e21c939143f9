"""The gate between generated flows and the people who review them.

`validate_flow(folder)` runs five stages, cheapest first, and stops a flow at the first stage
with findings: (1) parse and compile, (2) imports and builtins against an allowlist, (3) every
connector call and record field against the catalog, (4) the flow contract and the spec's
agreement with the code, (5) the type checker and the flow's tests inside the sandbox. Stages
1–4 read the code and never run it. Rules are listed in `findings.RULES`.
"""

from flowkit.validator.findings import RULES, Finding, FlowReport, Rule
from flowkit.validator.runner import STATIC_STAGES, flow_folders, validate_flow

__all__ = ["RULES", "STATIC_STAGES", "Finding", "FlowReport", "Rule", "flow_folders",
           "validate_flow"]
