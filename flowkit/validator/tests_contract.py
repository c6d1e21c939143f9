"""What the gate reads in a flow's test file: its tests, its fixtures, their parameters.

Tests are `test*` functions at module level or `test*` methods of `Test*` classes, as pytest
collects them; fixtures are functions decorated with `pytest.fixture` (or `fixture` imported
from pytest), named by their function or their `name=`.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator


def _is_fixture(decorator: ast.expr) -> bool:
    target = decorator.func if isinstance(decorator, ast.Call) else decorator
    return (isinstance(target, ast.Attribute) and target.attr == "fixture"
            and isinstance(target.value, ast.Name) and target.value.id == "pytest") or (
        isinstance(target, ast.Name) and target.id == "fixture")


def is_fixture(function: ast.FunctionDef) -> bool:
    """Whether `function` is a pytest fixture."""
    return any(_is_fixture(decorator) for decorator in function.decorator_list)


def collected_tests(tree: ast.Module, *, with_fixtures: bool = False
                   ) -> Iterator[tuple[ast.FunctionDef, bool]]:
    """Each test (and, if asked, each fixture) with whether it is a method of a test class."""
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and (
                node.name.startswith("test") or (with_fixtures and is_fixture(node))):
            yield node, False
        elif isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
            for member in node.body:
                if isinstance(member, ast.FunctionDef) and (
                        member.name.startswith("test") or (with_fixtures and is_fixture(member))
                        or member.name in ("setup_method", "teardown_method")):
                    yield member, True


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


def parametrized_names(function: ast.FunctionDef) -> set[str]:
    """The argument names a function's `@pytest.mark.parametrize` marks give it."""
    names: set[str] = set()
    for decorator in function.decorator_list:
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
