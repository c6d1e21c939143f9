"""Stage 1: the flow folder holds only a flow's files, no links, and its Python compiles.

The folder is surveyed before anything is read (`FlowSources.read` never opens a symbolic link):
a link could point the gate at one file and the sandbox at another, and a `conftest.py`,
`pytest.ini` or busy `__init__.py` would change how stage 5 collects and judges the tests.
"""

from __future__ import annotations

import ast

from flowkit.validator.findings import Finding
from flowkit.validator.sources import INIT_FILE, FlowSources

_EXTRA_HINT = ("a flow folder holds spec.yaml, flow.py, test_flow.py, an empty __init__.py and "
               "JSON fixtures under fixtures/; delete `{name}` — the gate decides how tests are "
               "collected and run, so configuration files and helpers are not needed")


def check_compile(sources: FlowSources) -> list[Finding]:
    """The folder's shape, then parse and compile each file; a syntax error is a finding at its
    line and column."""
    findings = _folder(sources)
    if findings:
        return findings
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


def _folder(sources: FlowSources) -> list[Finding]:
    findings = [Finding("FK102", sources.display(name), 1, 1,
                        f"`{name}` is a symbolic link; the gate does not follow links",
                        "replace the link with the file itself (fixtures are copied into "
                        "fixtures/, never linked)")
                for name in sources.symlinks]
    findings += [Finding("FK103", sources.display(name.rstrip("/")), 1, 1,
                         f"`{name}` does not belong in a flow folder",
                         _EXTRA_HINT.format(name=name))
                 for name in sources.extra]
    if sources.init_text.strip() and not _only_docstring(sources.init_text):
        findings.append(Finding("FK103", sources.display(INIT_FILE), 1, 1,
                                "__init__.py holds code; it runs before the tests and could "
                                "change them", "leave __init__.py empty (a docstring at most)"))
    return findings


def _only_docstring(text: str) -> bool:
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return False
    return len(tree.body) == 1 and isinstance(tree.body[0], ast.Expr) and isinstance(
        tree.body[0].value, ast.Constant) and isinstance(tree.body[0].value.value, str)
