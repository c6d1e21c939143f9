"""What the gate reads in a flow's test file: its tests, its fixtures, their parameters.

Tests are `test*` functions at module level or `test*` methods of `Test*` classes, as pytest
collects them; fixtures are functions decorated with `pytest.fixture` (or `fixture` imported
from pytest), named by their function or their `name=`.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from flowkit.validator.findings import Finding


def _is_fixture(decorator: ast.expr) -> bool:
    target = decorator.func if isinstance(decorator, ast.Call) else decorator
    return (isinstance(target, ast.Attribute) and target.attr == "fixture"
            and isinstance(target.value, ast.Name) and target.value.id == "pytest") or (
        isinstance(target, ast.Name) and target.id == "fixture")


def is_fixture(function: ast.FunctionDef) -> bool:
    """Whether `function` is a pytest fixture."""
    return any(_is_fixture(decorator) for decorator in function.decorator_list)


def collected_tests(tree: ast.Module, *, with_fixtures: bool = False
                   ) -> Iterator[tuple[ast.FunctionDef, ast.ClassDef | None]]:
    """Each test (and, if asked, each fixture) with the test class it is a method of."""
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and (
                node.name.startswith("test") or (with_fixtures and is_fixture(node))):
            yield node, None
        elif isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
            for member in node.body:
                if isinstance(member, ast.FunctionDef) and (
                        member.name.startswith("test") or (with_fixtures and is_fixture(member))):
                    yield member, node


def fixture_names(tree: ast.Module) -> set[str]:
    """The names of the fixtures the file defines."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef):
            for decorator in node.decorator_list:
                if _is_fixture(decorator):
                    named = [k.value.value for k in getattr(decorator, "keywords", [])
                             if k.arg == "name" and isinstance(k.value, ast.Constant)]
                    names.add(str(named[0]) if named else node.name)
    return names


def parametrized_names(decorated: ast.FunctionDef | ast.ClassDef) -> set[str]:
    """The argument names `@pytest.mark.parametrize` marks on a function (or on its test class)
    give it."""
    names: set[str] = set()
    for decorator in decorated.decorator_list:
        if not (isinstance(decorator, ast.Call) and isinstance(decorator.func, ast.Attribute)
                and decorator.func.attr == "parametrize" and decorator.args):
            continue
        first = decorator.args[0]
        if isinstance(first, ast.Constant) and isinstance(first.value, str):
            names |= {part.strip() for part in first.value.split(",") if part.strip()}
        elif isinstance(first, ast.List | ast.Tuple):
            names |= {item.value for item in first.elts
                      if isinstance(item, ast.Constant) and isinstance(item.value, str)}
    return names


def _names(node: ast.AST) -> set[str]:
    return {child.id for child in ast.walk(node) if isinstance(child, ast.Name)}


def _vacuous(test: ast.expr) -> bool:
    """An assert that cannot fail, or cannot fail for a reason the flow controls."""
    if isinstance(test, ast.Constant):
        return True
    if isinstance(test, ast.Compare):
        operands = [test.left, *test.comparators]
        if all(isinstance(operand, ast.Constant) for operand in operands):
            return True
        dumped = {ast.dump(operand) for operand in operands}
        return len(operands) == 2 and len(dumped) == 1
    return False


def _flow_names(function: ast.FunctionDef, helpers: dict[str, ast.FunctionDef]) -> set[str]:
    """Names in `function` that hold something the flow's run produced: its parameters (fixtures,
    self) and whatever is built from FlowTest, from helpers of the file that use it, or from
    them."""
    arguments = function.args
    tainted = {a.arg for a in [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]}
    tainted.add("FlowTest")
    tainted |= {name for name, helper in helpers.items() if "FlowTest" in _names(helper)}
    changed = True
    while changed:
        changed = False
        for node in ast.walk(function):
            pairs: list[tuple[ast.AST, ast.AST | None]] = []
            if isinstance(node, ast.Assign):
                pairs = [(target, node.value) for target in node.targets]
            elif isinstance(node, ast.AnnAssign | ast.AugAssign | ast.NamedExpr):
                pairs = [(node.target, node.value)]
            elif isinstance(node, ast.For):
                pairs = [(node.target, node.iter)]
            elif isinstance(node, ast.With):
                pairs = [(item.optional_vars, item.context_expr) for item in node.items
                         if item.optional_vars is not None]
            for target, value in pairs:
                if value is not None and _names(value) & tainted:
                    new = _names(target) - tainted
                    if new:
                        tainted |= new
                        changed = True
    return tainted


def _raises(node: ast.With) -> bool:
    return any(isinstance(item.context_expr, ast.Call)
               and isinstance(item.context_expr.func, ast.Attribute)
               and item.context_expr.func.attr == "raises" for item in node.items)


def _checks_the_flow(function: ast.FunctionDef, helpers: dict[str, ast.FunctionDef]) -> bool | None:
    """Whether some assert of the test reads what the flow did; None when it asserts nothing at
    all (stage 5 reports that, FK503)."""
    tainted = _flow_names(function, helpers)
    asserted = False
    for node in ast.walk(function):
        if isinstance(node, ast.Assert):
            asserted = True
            if _names(node.test) & tainted and not _vacuous(node.test):
                return True
        elif isinstance(node, ast.With) and _raises(node):
            asserted = True
            if any(_names(statement) & tainted for statement in node.body):
                return True
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
                and node.func.id in helpers:
            helper = helpers[node.func.id]
            if any(isinstance(inner, ast.Assert) for inner in ast.walk(helper)):
                asserted = True
                if any(_names(argument) & tainted
                       for argument in [*node.args, *(k.value for k in node.keywords)]):
                    return True
    return False if asserted else None


def _imports_the_flow(tree: ast.Module) -> bool:
    imported = any(isinstance(node, ast.ImportFrom) and node.level == 1 and node.module == "flow"
                   and any(alias.name == "flow" and alias.asname is None for alias in node.names)
                   for node in tree.body)
    runs = any(isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
               and node.func.id == "FlowTest" and any(
                   isinstance(given, ast.Name) and given.id == "flow"
                   for given in [*node.args[:1], *(k.value for k in node.keywords
                                                  if k.arg == "flow")])
               for node in ast.walk(tree))
    return imported and runs


def check_test_file(tree: ast.Module, path: str) -> list[Finding]:
    """The tests import and run the flow, and their asserts read what it did."""
    if not _imports_the_flow(tree):
        return [Finding("FK431", path, 1, 1, "the tests do not import the flow and run it",
                        "write `from .flow import flow` and run it with `with FlowTest(flow) as "
                        "story: ... story.run()`; assert on the report and the target "
                        "simulator")]
    findings = [Finding("FK430", path, node.lineno, node.col_offset + 1,
                        f"`assert {ast.unparse(node.test)}` cannot fail",
                        "assert on what the flow did: the run's report (report.delivered_keys) "
                        "and the records in the target simulator")
                for node in ast.walk(tree) if isinstance(node, ast.Assert) and _vacuous(node.test)]
    helpers = {node.name: node for node in tree.body if isinstance(node, ast.FunctionDef)
               and not node.name.startswith("test")}
    for function, _ in collected_tests(tree):
        if _checks_the_flow(function, helpers) is False and not findings:
            findings.append(Finding(
                "FK430", path, function.lineno, function.col_offset + 1,
                f"none of `{function.name}`'s asserts reads what the flow did",
                "assert on values taken from the run: `report = story.run()`, "
                "report.delivered_keys, story.simulator(X).find(...)"))
    return findings
