"""Stage 2: the flow reaches nothing but flowkit, connectors and harmless standard library, and
only through names the gate can see.

An allowlist, not a denylist: a module that is not named here is refused. Flow code gets
flowkit's public names and the connectors' packages; tests additionally get `flowkit.testing`,
the simulators, pytest and their own flow (`from .flow import flow`). Builtins that read files,
run code or look around the interpreter are refused, and so is every way of reaching an attribute
the syntax tree does not name: dunders (`().__class__.__base__.__subclasses__()`), private
attributes (`crm.deals._client`), frames (`gen.gi_frame.f_locals`), getattr and its relatives,
`str.format` templates (`"{0._client}".format(x)`), and modules reached through another module's
attribute (`uuid.os`). Tests may not switch themselves off (skip, xfail, importorskip), ask pytest
for the file system or for patching (`tmp_path`, `monkeypatch`), patch what they import, or hide
code from the type checker.
"""

from __future__ import annotations

import ast
import importlib
import io
import pkgutil
import re
import tokenize
import types

import connectors
from connectors.core.connector import Connector
from flowkit.validator.findings import Finding, did_you_mean
from flowkit.validator.sources import FLOW_FILE, FlowSources
from flowkit.validator.symbols import VENDOR_PACKAGES
from flowkit.validator.tests_contract import collected_tests, fixture_names, parametrized_names

SAFE_STDLIB = frozenset({
    "collections", "collections.abc", "dataclasses", "datetime", "decimal", "enum", "fractions",
    "functools", "itertools", "json", "math", "operator", "re", "statistics", "string",
    "textwrap", "typing", "unicodedata", "uuid", "zoneinfo", "__future__",
})
LIBRARY_PACKAGES = frozenset(
    module.name for module in pkgutil.iter_modules(connectors.__path__)) - VENDOR_PACKAGES
"""Modules of the connector library that are not a vendor's (`connectors.core`,
`connectors.registry`): the HTTP client, auth and settings, never a flow's to use. A name that
is neither is left to stage 3, which says which connectors exist."""
FLOWKIT_PUBLIC = frozenset({"Flow", "Context", "BadRecord", "Skip"})
TEST_ONLY_MODULES = frozenset({"flowkit.testing", "pytest"})
FORBIDDEN_BUILTINS = frozenset({
    "open", "eval", "exec", "compile", "__import__", "globals", "locals", "vars", "input",
    "breakpoint", "memoryview", "exit", "quit", "help", "dir",
})
ATTRIBUTE_FUNCTIONS = frozenset({"getattr", "setattr", "delattr", "hasattr"})
REFLECTING = frozenset({"attrgetter", "methodcaller", "Formatter"})
"""Names of `operator` and `string` that reach attributes by a string."""
INTERPRETER_ATTRIBUTES = frozenset({
    "gi_frame", "gi_code", "gi_yieldfrom", "gi_running", "gi_suspended",
    "cr_frame", "cr_code", "cr_await", "cr_origin", "ag_frame", "ag_code", "ag_await",
    "f_back", "f_builtins", "f_code", "f_globals", "f_locals", "f_trace",
    "tb_frame", "tb_next", "co_consts", "co_names", "co_code", "cell_contents",
    "fget", "fset", "fdel", "mro", "with_traceback",
})
"""Attributes of frames, generators, code and properties: the ways from an object to the
variables of whatever made it."""
FILE_METHODS = frozenset({
    "read_text", "read_bytes", "write_text", "write_bytes", "open", "iterdir", "glob", "rglob",
    "unlink", "mkdir", "rmdir", "touch", "rename", "symlink_to", "hardlink_to",
    "readlink", "chmod", "lchmod", "expanduser", "home", "cwd",
})
"""Methods of `pathlib` objects (whoever hands one in) that reach the file system."""
PYTEST_ALLOWED = frozenset({"fixture", "mark.parametrize", "raises", "warns", "approx", "param",
                            "fail"})
_TYPE_CHECK_COMMENT = re.compile(r"#\s*(type:\s*ignore|mypy:|pyright:|pyre-|pytype:)")
_TYPE_CHECK_NAMES = frozenset({"cast", "TYPE_CHECKING", "no_type_check"})


def _module_allowed(module: str, *, test: bool) -> bool:
    if module in SAFE_STDLIB or module in {"flowkit", "connectors"}:
        return True
    if test and module in TEST_ONLY_MODULES:
        return True
    parts = module.split(".")
    if parts[0] == "connectors" and len(parts) > 1 and parts[1] not in LIBRARY_PACKAGES:
        # connectors.<vendor>, and in tests connectors.<vendor>.simulator
        return len(parts) == 2 or (test and len(parts) == 3 and parts[2] == "simulator")
    return False


def _allowed_list(test: bool) -> str:
    extra = ", flowkit.testing, pytest, connectors.<vendor>.simulator" if test else ""
    stdlib = ", ".join(sorted(SAFE_STDLIB - {"__future__"}))
    return f"flowkit, connectors.<vendor>{extra}, and {stdlib}"


def _trusted_module(name: str) -> types.ModuleType | None:
    """An allowlisted module, imported from the app's own installation to see which of its
    attributes are modules; None for any other name (a name the flow chose is never imported)."""
    parts = name.split(".")
    vendor = parts[0] == "connectors" and len(parts) == 2 and parts[1] in VENDOR_PACKAGES
    if not (vendor or name in {"flowkit", "connectors"} or (
            name in SAFE_STDLIB and name != "__future__")):
        return None
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


def _injected_annotation(annotation: ast.expr | None, imported: dict[str, str]) -> bool:
    """Whether a parameter's annotation names the Context or a connector class (one imported
    from a connector package and not a record model)."""
    if not isinstance(annotation, ast.Name) or annotation.id not in imported:
        return False
    module = imported[annotation.id]
    if module == "flowkit":
        return annotation.id == "Context"
    source = _trusted_module(module) if module.split(".")[0] == "connectors" else None
    value = getattr(source, annotation.id, None) if source is not None else None
    return isinstance(value, type) and issubclass(value, Connector)


def _chain(node: ast.expr) -> tuple[ast.Name, list[str]] | None:
    """`a.b.c` as (Name a, ["b", "c"]); None when the chain does not start at a name."""
    attributes: list[str] = []
    while isinstance(node, ast.Attribute):
        attributes.insert(0, node.attr)
        node = node.value
    return (node, attributes) if isinstance(node, ast.Name) else None


class _Visitor(ast.NodeVisitor):
    def __init__(self, path: str, test: bool, tree: ast.Module) -> None:
        self.path = path
        self.test = test
        self.findings: list[Finding] = []
        self.parents = {child: node for node in ast.walk(tree)
                        for child in ast.iter_child_nodes(node)}
        self.modules: dict[str, str] = {}
        """Local name -> the module it is bound to (`import uuid`, `from collections import
        abc`)."""
        self.imported: dict[str, str] = {}
        """Local name -> the module it was imported from (`from uuid import uuid4`)."""
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.asname:
                        self.modules[alias.asname] = alias.name
                    else:
                        root = alias.name.split(".")[0]
                        self.modules[root] = root
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                for alias in node.names:
                    self.imported[alias.asname or alias.name] = node.module
        self.fixtures = fixture_names(tree) if test else set()
        self.injected = {argument.arg for node in ast.walk(tree)
                         if isinstance(node, ast.FunctionDef)
                         for argument in [*node.args.args, *node.args.kwonlyargs]
                         if _injected_annotation(argument.annotation, self.imported)}
        """Parameters the runtime fills with its own objects: the Context and connectors."""

    def _add(self, rule: str, node: ast.AST, message: str, hint: str | None = None) -> None:
        self.findings.append(Finding(rule, self.path, getattr(node, "lineno", 1),
                                     getattr(node, "col_offset", 0) + 1, message, hint))

    # -- imports --------------------------------------------------------------------------------

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
        else:
            self._imported_names(node, module)
        self.generic_visit(node)

    def _imported_names(self, node: ast.ImportFrom, module: str) -> None:
        source = _trusted_module(module)
        for alias in node.names:
            name = alias.name
            if module == "flowkit" and name not in FLOWKIT_PUBLIC:
                self._add("FK201", node, f"`flowkit.{name}` is not flowkit's public API",
                          f"flowkit exports {', '.join(sorted(FLOWKIT_PUBLIC))}")
            elif name.startswith("_") and not name.startswith("__"):
                self._add("FK206", node, f"`{name}` is private to {module}",
                          "use the module's public names")
            elif module == "pytest" and name not in PYTEST_ALLOWED:
                self._switched_off(node, f"pytest.{name}")
            elif name in REFLECTING and module in ("operator", "string"):
                self._reflection(node, f"{module}.{name}")
            elif name in _TYPE_CHECK_NAMES and module == "typing":
                self._type_check_off(node, f"typing.{name}")
            elif source is not None and isinstance(value := getattr(source, name, None),
                                                   types.ModuleType):
                if not _module_allowed(value.__name__, test=self.test):
                    self._module_reach(node, f"{module}.{name}", value.__name__)
                else:
                    self.modules[alias.asname or name] = value.__name__

    # -- calls and names ------------------------------------------------------------------------

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
            self._attribute_function(node, function.id)
        elif isinstance(function, ast.Name) and function.id == "type" and len(node.args) == 1:
            self._add("FK205", node, "`type(x)` reaches a value's class and what it holds",
                      "call the operation on the connector (`crm.deals.upsert(...)`) or test "
                      "the value with isinstance(x, SomeClass)")
        elif isinstance(function, ast.Attribute) and function.attr in FILE_METHODS:
            self._add("FK212", node, f"`.{function.attr}()` reaches the file system",
                      "a flow reads data only through its connectors, and its tests read "
                      "fixtures only through story.fixture(\"name.json\")")
        elif isinstance(function, ast.Attribute) and function.attr in ("format", "format_map"):
            self._add("FK205", node, f"`.{function.attr}()` templates can read attributes "
                      "(`{0._client}`) the gate cannot see",
                      "use an f-string: f\"{order.name}: {order.total_price}\"")
        self.generic_visit(node)

    def _attribute_function(self, node: ast.Call, function: str) -> None:
        name = node.args[1] if len(node.args) > 1 else None
        if not (isinstance(name, ast.Constant) and isinstance(name.value, str)
                and not name.value.startswith("__")):
            self._add("FK204", node, f"`{function}` with a computed name",
                      "name the attribute directly (`record.email`)")
            return
        field = name.value
        if function == "getattr" and len(node.args) > 2:
            self._add("FK205", node, f"`getattr(..., {field!r}, default)` hides whether the "
                      f"field `{field}` exists", f"read `.{field}` directly; stage 3 checks that "
                      "the record has it, and a field that may be empty is Optional in the "
                      "record model (test it for None)")
        else:
            self._add("FK205", node, f"`{function}(..., {field!r})` instead of the attribute",
                      f"write `x.{field}`" + (" = value" if function == "setattr" else "")
                      + ", so the gate can check it")

    def visit_Attribute(self, node: ast.Attribute) -> None:
        attribute = node.attr
        if attribute.startswith("__") and attribute.endswith("__"):
            self._add("FK203", node, f"dunder attribute `{attribute}`",
                      "flows use records' fields and connector operations, never dunders")
        elif attribute.startswith("_") and not (
                self.test and isinstance(node.value, ast.Name)
                and node.value.id in ("self", "cls")):
            self._add("FK206", node, f"private attribute `{attribute}`",
                      "use the public operations and fields the catalog lists; a connector's "
                      "client, settings and token are not a flow's to touch")
        elif attribute in INTERPRETER_ATTRIBUTES:
            self._add("FK206", node, f"`{attribute}` reaches the interpreter's internals",
                      "use the values the operations return, not their frames or code")
        if not isinstance(self.parents.get(node), ast.Attribute):
            self._check_chain(node)
        self.generic_visit(node)

    def _check_chain(self, node: ast.Attribute) -> None:
        found = _chain(node)
        if found is None:
            return
        root, attributes = found
        module_name = self.modules.get(root.id)
        if module_name is None:
            return
        if module_name == "pytest":
            used = ".".join(attributes[:2]) if attributes[:1] == ["mark"] else attributes[0]
            if used not in PYTEST_ALLOWED:
                self._switched_off(node, f"pytest.{used}")
            return
        if module_name in ("operator", "string") and attributes[0] in REFLECTING:
            self._reflection(node, f"{module_name}.{attributes[0]}")
            return
        if module_name == "typing" and attributes[0] in _TYPE_CHECK_NAMES:
            self._type_check_off(node, f"typing.{attributes[0]}")
            return
        current = _trusted_module(module_name)
        shown = root.id
        for attribute in attributes:
            if current is None:
                return
            value = getattr(current, attribute, None)
            shown = f"{shown}.{attribute}"
            if not isinstance(value, types.ModuleType):
                return
            if not _module_allowed(value.__name__, test=self.test):
                self._module_reach(node, shown, value.__name__)
                return
            current = value

    def visit_Name(self, node: ast.Name) -> None:
        name = node.id
        parent = self.parents.get(node)
        called = isinstance(parent, ast.Call) and parent.func is node
        if name.startswith("__") and name.endswith("__"):
            self._add("FK203", node, f"dunder name `{name}`")
        elif name in FORBIDDEN_BUILTINS:
            self._add("FK202", node, f"`{name}` is not allowed in flow code, not even by "
                                     "reference")
        elif not called and (name in ATTRIBUTE_FUNCTIONS or (
                name == "type" and not isinstance(parent, ast.Subscript))):
            self._reflection(node, name)
        elif name in self.imported and self.imported[name] == "typing" \
                and name in _TYPE_CHECK_NAMES:
            self._type_check_off(node, f"typing.{name}")
        elif name in self.imported and self.imported[name] in ("operator", "string") \
                and name in REFLECTING:
            self._reflection(node, f"{self.imported[name]}.{name}")

    # -- tests ----------------------------------------------------------------------------------

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        if self.test and node.name.startswith("pytest_"):
            self._switched_off(node, f"the hook {node.name}")
        self.generic_visit(node)

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        for base in node.bases:
            found = _chain(base)
            if self.test and found is not None and (
                    found[0].id in self.modules or found[0].id in self.imported):
                self._add("FK210", base, f"`{node.name}` extends the imported "
                          f"`{ast.unparse(base)}`", "tests use the simulators and FlowTest as "
                          "they are: seed them through their methods; a subclass could change "
                          "what they report")
        self.generic_visit(node)

    def visit_Assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            self._assigned(target, node)
        self.generic_visit(node)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self._assigned(node.target, node)
        self.generic_visit(node)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        self._assigned(node.target, node)
        self.generic_visit(node)

    def visit_Delete(self, node: ast.Delete) -> None:
        for target in node.targets:
            self._assigned(target, node)
        self.generic_visit(node)

    def _assigned(self, target: ast.expr, node: ast.stmt) -> None:
        if isinstance(target, ast.Tuple | ast.List):
            for item in target.elts:
                self._assigned(item, node)
            return
        if self.test and isinstance(target, ast.Name) and target.id == "pytestmark":
            self._switched_off(node, "pytestmark")
            return
        if not isinstance(target, ast.Attribute | ast.Subscript):
            return
        found = _chain(target.value if isinstance(target, ast.Subscript) else target)
        if found is None:
            return
        root = found[0].id
        imported = root in self.modules or root in self.imported
        injected = not self.test and root in self.injected
        if imported or injected or (
                self.test and isinstance(target, ast.Attribute) and root != "self"):
            self._add("FK210", node, f"assigns to an attribute of `{root}`"
                      + (" (imported)" if imported else "")
                      + (" (handed in by the runtime)" if injected else ""),
                      "tests seed and inspect the simulators through their methods "
                      "(story.simulator(X).add_order(...), .fail_next(...)) and never replace "
                      "connector or simulator code; a flow uses connectors as they are"
                      if self.test else "a flow never changes what it imports or what the "
                      "runtime hands it (ctx, connectors); build new values instead")

    def _switched_off(self, node: ast.AST, what: str) -> None:
        self._add("FK208", node, f"`{what}` is not allowed in a flow's tests",
                  "every test runs and must pass: no skip, xfail, importorskip or hooks; use "
                  "pytest.fixture, pytest.mark.parametrize, pytest.raises, pytest.warns, "
                  "pytest.approx, pytest.param and pytest.fail only")

    def _reflection(self, node: ast.AST, what: str) -> None:
        self._add("FK205", node, f"`{what}` reaches attributes by name, out of the gate's sight",
                  "name attributes directly (`record.email`, `crm.deals.upsert(...)`)")

    def _module_reach(self, node: ast.AST, shown: str, module: str) -> None:
        self._add("FK207", node, f"`{shown}` is the module `{module}`, reached through "
                  "another module", f"import only what the allowlist names: "
                  f"{_allowed_list(self.test)}; the connectors do all I/O")

    def _type_check_off(self, node: ast.AST, what: str) -> None:
        self._add("FK211", node, f"`{what}` hides code from the type checker",
                  "fix the types instead: build the value with the type the annotation names, "
                  "or narrow it with isinstance()")


def _type_check_comments(text: str, path: str) -> list[Finding]:
    findings = []
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, SyntaxError):
        return []
    for token in tokens:
        if token.type == tokenize.COMMENT and _TYPE_CHECK_COMMENT.search(token.string):
            findings.append(Finding("FK211", path, token.start[0], token.start[1] + 1,
                                    f"`{token.string.strip()}` switches the type checker off",
                                    "fix the type error the comment hides; stage 5 runs mypy "
                                    "--strict with the real connector types"))
    return findings


def _fixture_requests(tree: ast.Module, path: str, fixtures: set[str]) -> list[Finding]:
    findings = []
    for function, test_class in collected_tests(tree, with_fixtures=True):
        allowed = fixtures | parametrized_names(function)
        if test_class is not None:
            allowed |= {"self"} | parametrized_names(test_class)
        arguments = function.args
        for argument in [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]:
            if argument.arg not in allowed:
                findings.append(Finding(
                    "FK209", path, argument.lineno, argument.col_offset + 1,
                    f"`{function.name}` asks pytest for `{argument.arg}`, which test_flow.py "
                    "does not define", "take nothing from pytest but your own fixtures and "
                    "parametrize values; seed data with story.fixture(\"name.json\") and "
                    "inspect the simulators through story.simulator(...)"))
    return findings


def check_imports(sources: FlowSources) -> list[Finding]:
    """Every import, builtin and attribute access of both files against the allowlist."""
    findings: list[Finding] = []
    for name, tree in sources.trees.items():
        path = sources.display(name)
        test = name != FLOW_FILE
        visitor = _Visitor(path, test, tree)
        visitor.visit(tree)
        findings += visitor.findings
        findings += _type_check_comments(sources.texts[name], path)
        if test:
            findings += _fixture_requests(tree, path, visitor.fixtures)
    return sorted(findings, key=lambda finding: (finding.file, finding.line, finding.column))
