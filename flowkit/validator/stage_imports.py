"""Stage 2: the flow reaches nothing but flowkit, connectors and harmless standard library.

An allowlist, not a denylist: a module that is not named here is refused. Flow code gets
flowkit's public names and the connectors' packages; tests additionally get `flowkit.testing`,
the simulators, pytest and their own flow (`from .flow import flow`). Builtins that read files,
run code or look around the interpreter are refused, and so is every dunder attribute, the usual
way out of a restricted namespace (`().__class__.__base__.__subclasses__()`).
"""

from __future__ import annotations

import ast

from flowkit.validator.findings import Finding, did_you_mean
from flowkit.validator.sources import FLOW_FILE, FlowSources

SAFE_STDLIB = frozenset({
    "collections", "collections.abc", "dataclasses", "datetime", "decimal", "enum", "fractions",
    "functools", "itertools", "json", "math", "operator", "re", "statistics", "string",
    "textwrap", "typing", "unicodedata", "uuid", "zoneinfo", "__future__",
})
FLOWKIT_PUBLIC = frozenset({"Flow", "Context", "BadRecord", "Skip"})
TEST_ONLY_MODULES = frozenset({"flowkit.testing", "pytest"})
FORBIDDEN_BUILTINS = frozenset({
    "open", "eval", "exec", "compile", "__import__", "globals", "locals", "vars", "input",
    "breakpoint", "memoryview", "exit", "quit", "help", "dir",
})
ATTRIBUTE_FUNCTIONS = frozenset({"getattr", "setattr", "delattr", "hasattr"})


def _module_allowed(module: str, *, test: bool) -> bool:
    if module in SAFE_STDLIB or module in {"flowkit", "connectors"}:
        return True
    if test and module in TEST_ONLY_MODULES:
        return True
    parts = module.split(".")
    if parts[0] == "connectors":
        # connectors.<vendor>, and in tests connectors.<vendor>.simulator
        return len(parts) == 2 or (test and len(parts) == 3 and parts[2] == "simulator")
    return False


def _allowed_list(test: bool) -> str:
    extra = ", flowkit.testing, pytest, connectors.<vendor>.simulator" if test else ""
    stdlib = ", ".join(sorted(SAFE_STDLIB - {"__future__"}))
    return f"flowkit, connectors.<vendor>{extra}, and {stdlib}"


class _Visitor(ast.NodeVisitor):
    def __init__(self, path: str, test: bool) -> None:
        self.path = path
        self.test = test
        self.findings: list[Finding] = []

    def _add(self, rule: str, node: ast.AST, message: str, hint: str | None = None) -> None:
        self.findings.append(Finding(rule, self.path, getattr(node, "lineno", 1),
                                     getattr(node, "col_offset", 0) + 1, message, hint))

    def _refuse_module(self, node: ast.AST, module: str) -> None:
        hint = did_you_mean(module, SAFE_STDLIB | {"flowkit", "connectors"})
        self._add("FK201", node, f"`{module}` may not be imported in a flow"
                  + (" test" if self.test else ""),
                  f"flows may import {_allowed_list(self.test)}; the connectors do all I/O"
                  + (f" ({hint})" if hint and not module.startswith(("os", "sys")) else ""))

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if not _module_allowed(alias.name, test=self.test):
                self._refuse_module(node, alias.name)
        self.generic_visit(node)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        module = node.module or ""
        if node.level:
            if not (self.test and node.level == 1 and module == "flow"):
                self._add("FK201", node, "relative imports are not allowed here",
                          "only a flow's tests may import it, as `from .flow import flow`")
        elif not _module_allowed(module, test=self.test):
            self._refuse_module(node, module)
        elif module == "flowkit":
            for alias in node.names:
                if alias.name not in FLOWKIT_PUBLIC:
                    self._add("FK201", node, f"`flowkit.{alias.name}` is not flowkit's public API",
                              f"flowkit exports {', '.join(sorted(FLOWKIT_PUBLIC))}")
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        function = node.func
        if isinstance(function, ast.Name) and function.id in FORBIDDEN_BUILTINS:
            self._add("FK202", node, f"`{function.id}()` is not allowed in flow code",
                      "read data through the connectors; fixtures through "
                      "FlowTest.fixture() in tests")
            for child in [*node.args, *node.keywords]:
                self.visit(child)
            return
        if isinstance(function, ast.Name) and function.id in ATTRIBUTE_FUNCTIONS:
            name = node.args[1] if len(node.args) > 1 else None
            if not (isinstance(name, ast.Constant) and isinstance(name.value, str)
                    and not name.value.startswith("__")):
                self._add("FK204", node, f"`{function.id}` with a computed name",
                          "name the attribute directly (`record.email`)")
        self.generic_visit(node)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if node.attr.startswith("__") and node.attr.endswith("__"):
            self._add("FK203", node, f"dunder attribute `{node.attr}`",
                      "flows use records' fields and connector operations, never dunders")
        self.generic_visit(node)

    def visit_Name(self, node: ast.Name) -> None:
        if node.id.startswith("__") and node.id.endswith("__"):
            self._add("FK203", node, f"dunder name `{node.id}`")
        elif node.id in FORBIDDEN_BUILTINS:
            self._add("FK202", node, f"`{node.id}` is not allowed in flow code, not even by "
                                     "reference")


def check_imports(sources: FlowSources) -> list[Finding]:
    """Every import, builtin and attribute access of both files against the allowlist."""
    findings: list[Finding] = []
    for name, tree in sources.trees.items():
        visitor = _Visitor(sources.display(name), test=name != FLOW_FILE)
        visitor.visit(tree)
        findings += visitor.findings
    return findings
