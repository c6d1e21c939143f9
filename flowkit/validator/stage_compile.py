"""Stage 1: every Python file of the flow parses and compiles."""

from __future__ import annotations

import ast

from flowkit.validator.findings import Finding
from flowkit.validator.sources import FlowSources


def check_compile(sources: FlowSources) -> list[Finding]:
    """Parse and compile each file; a syntax error is a finding at its line and column."""
    findings: list[Finding] = []
    for name, text in sources.texts.items():
        path = sources.display(name)
        try:
            tree = ast.parse(text, filename=path)
            compile(tree, path, "exec", dont_inherit=True)
        except SyntaxError as error:
            findings.append(Finding("FK101", path, error.lineno or 1, (error.offset or 1),
                                    f"{error.msg}", "fix the syntax; the file must compile"))
            continue
        except ValueError as error:  # e.g. null bytes in the source
            findings.append(Finding("FK101", path, 1, 1, str(error)))
            continue
        sources.trees[name] = tree
    return findings
