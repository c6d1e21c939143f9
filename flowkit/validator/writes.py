"""The connector operations a unit can actually make: its own calls and those of the helpers of
the same file it calls, with connectors followed by their annotations.

Idempotency is judged on these calls, not on what the spec says: a write in a helper counts as
the unit's, and a call inside a loop, a comprehension, a lambda or a nested function counts as one
that can happen more than once per packet. Calls the gate cannot resolve never get here: stage 3
refuses them (FK308, FK309).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from connectors.core.catalog import Catalog
from flowkit.validator.symbols import function_scope, operation_of

_REPEATING = (ast.For, ast.AsyncFor, ast.While, ast.Lambda, ast.FunctionDef, ast.ListComp,
              ast.SetComp, ast.DictComp, ast.GeneratorExp)
UNSTABLE_CALLS = {"datetime": frozenset({"now", "utcnow", "today"}),
                  "uuid": frozenset({"uuid1", "uuid4"})}
UNSTABLE_CONTEXT = frozenset({"run_id", "started_at"})


@dataclass(frozen=True)
class OperationCall:
    """One call of a catalog operation a unit can make."""

    connector: str
    path: str
    node: ast.Call
    writes: bool
    repeated: bool
    """Inside a loop, comprehension, lambda or nested function (of the unit or of a helper on
    the way), so it may run more than once per packet."""
    site: ast.Call
    """Where in the unit's own body the call is made: the call itself, or the call of the
    helper it is made through."""


def helpers_of(tree: ast.Module) -> dict[str, ast.FunctionDef]:
    """The module-level functions of the file, by name."""
    return {node.name: node for node in tree.body if isinstance(node, ast.FunctionDef)}


def reachable(function: ast.FunctionDef,
              helpers: dict[str, ast.FunctionDef]) -> Iterator[ast.FunctionDef]:
    """The function and every helper of the same file it calls, directly or not, each once."""
    seen: set[str] = set()
    pending = [function]
    while pending:
        current = pending.pop()
        if current.name in seen:
            continue
        seen.add(current.name)
        yield current
        pending += [helpers[node.func.id] for node in ast.walk(current)
                    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id in helpers and node.func.id not in seen]


def unit_calls(function: ast.FunctionDef, objects: dict[str, Any], catalog: Catalog,
               helpers: dict[str, ast.FunctionDef]) -> list[OperationCall]:
    """The operations `function` can call, through the helpers of its file too."""
    calls: list[OperationCall] = []

    def follow(current: ast.FunctionDef, repeated: bool, path: frozenset[str],
               site: ast.Call | None) -> None:
        scope = function_scope(current, objects, catalog)

        def visit(node: ast.AST, repeated: bool) -> None:
            if isinstance(node, ast.Call):
                found = operation_of(node, scope)
                if found is not None:
                    connector, resource, name, _ = found
                    operation = connector.spec.operation(f"{resource}.{name}")
                    calls.append(OperationCall(connector.spec.name, f"{resource}.{name}", node,
                                               operation is not None and operation.writes,
                                               repeated, site or node))
                elif isinstance(node.func, ast.Name) and node.func.id in helpers \
                        and node.func.id not in path:
                    follow(helpers[node.func.id], repeated, path | {node.func.id},
                           site or node)
            if isinstance(node, ast.For | ast.AsyncFor):
                visit(node.iter, repeated)
                for child in [node.target, *node.body, *node.orelse]:
                    visit(child, True)
                return
            inner = repeated or isinstance(node, _REPEATING)
            for child in ast.iter_child_nodes(node):
                visit(child, inner)

        for statement in current.body:
            visit(statement, repeated)

    follow(function, False, frozenset({function.name}), None)
    return calls


def most_on_one_path(statements: list[ast.stmt], sites: dict[int, int]) -> int:
    """The most calls (counted per call site in `sites`, by node id) that one run through
    `statements` can make: branches of an `if` are alternatives, and a `return` or `raise`
    ends a path. Loops need no care here: a call in one is marked `repeated` already."""

    def count(node: ast.AST | None) -> int:
        return 0 if node is None else sum(sites.get(id(inner), 0) for inner in ast.walk(node))

    def walk(block: list[ast.stmt]) -> tuple[int | None, int]:
        going: int | None = 0
        ended = 0
        for statement in block:
            assert going is not None
            if isinstance(statement, ast.Return | ast.Raise):
                return None, max(ended, going + count(statement))
            if isinstance(statement, ast.If):
                test = count(statement.test)
                branches = [walk(statement.body), walk(statement.orelse)]
                ended = max([ended, *(going + test + done for _, done in branches)])
                open_paths = [going + test + more for more, _ in branches if more is not None]
                if not open_paths:
                    return None, ended
                going = max(open_paths)
            else:
                going += count(statement)
        return going, ended

    going, ended = walk(statements)
    return max(ended, going or 0)


def unstable_values(function: ast.FunctionDef, imports: dict[str, tuple[str, str]]
                    ) -> Iterator[tuple[ast.AST, str]]:
    """Values in `function` that differ from one run to the next: the clock, random ids, the
    run's own id — called or handed on (`default_factory=datetime.now`). `imports` maps local
    names to (module, name) as `import_sources` gives them."""
    for node in ast.walk(function):
        if isinstance(node, ast.Name) and node.id in imports:
            source, name = imports[node.id]
            if source in UNSTABLE_CALLS and name in UNSTABLE_CALLS[source]:
                yield node, f"{source}.{name}"
        elif isinstance(node, ast.Attribute):
            root = node.value
            while isinstance(root, ast.Attribute):
                root = root.value
            module: str | None = imports[root.id][0] if isinstance(root, ast.Name) \
                and root.id in imports else None
            clock_or_id = module in UNSTABLE_CALLS and node.attr in UNSTABLE_CALLS[module]
            run = node.attr in UNSTABLE_CONTEXT and isinstance(node.value, ast.Name)
            if clock_or_id or run:
                yield node, ast.unparse(node)


def import_sources(tree: ast.Module) -> dict[str, tuple[str, str]]:
    """Local name -> (top-level module, imported name): `import uuid as u` gives u -> (uuid,
    uuid), `from uuid import uuid4 as new_id` gives new_id -> (uuid, uuid4)."""
    names: dict[str, tuple[str, str]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                top = alias.name.split(".")[0]
                names[alias.asname or top] = (top, top)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                names[alias.asname or alias.name] = (node.module.split(".")[0], alias.name)
    return names
