"""Stage 4's reading of what the code means, beside what the spec says.

- The source yields the records of its operation as they come, keyed by their id, so a key
  names one record (`yield order.customer` keyed by id repeats a customer per order).
- A mapped target field is set from a value that reads the spec's source field.
- No error is swallowed in a unit; no state outlives a packet.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from pydantic import BaseModel

MUTABLE_CALLS = frozenset({"list", "dict", "set", "defaultdict", "Counter", "deque",
                           "OrderedDict", "bytearray"})
MUTATING_METHODS = frozenset({"append", "extend", "insert", "add", "update", "setdefault", "pop",
                              "popitem", "remove", "discard", "clear", "appendleft",
                              "extendleft", "sort", "reverse"})
BROAD_ERRORS = frozenset({"Exception", "BaseException"})
IDENTITY_FIELDS = ("id", "Id")


def _mutable(value: ast.expr | None) -> bool:
    if isinstance(value, ast.List | ast.Dict | ast.Set | ast.ListComp | ast.DictComp
                  | ast.SetComp):
        return True
    return isinstance(value, ast.Call) and isinstance(value.func, ast.Name) \
        and value.func.id in MUTABLE_CALLS


# -- the source ---------------------------------------------------------------------------------

def identity_field(record: type[BaseModel]) -> str | None:
    """The field that identifies a record of this model, if it has one."""
    return next((name for name in IDENTITY_FIELDS if name in record.model_fields), None)


def foreign_yields(source: ast.FunctionDef, operation_calls: list[ast.Call]) -> Iterator[ast.AST]:
    """Yields of the source that are not the records its operation returned, as they came."""
    from_operation = set(map(id, operation_calls))
    bound: set[str] = set()
    for node in ast.walk(source):
        if isinstance(node, ast.Assign) and id(node.value) in from_operation:
            bound |= {t.id for t in node.targets if isinstance(t, ast.Name)}
    for node in ast.walk(source):
        if isinstance(node, ast.For) and (id(node.iter) in from_operation or (
                isinstance(node.iter, ast.Name) and node.iter.id in bound)) \
                and isinstance(node.target, ast.Name):
            bound.add(f"record:{node.target.id}")
    for node in ast.walk(source):
        if isinstance(node, ast.YieldFrom):
            if not (id(node.value) in from_operation or (
                    isinstance(node.value, ast.Name) and node.value.id in bound)):
                yield node
        elif isinstance(node, ast.Yield) and not (
                isinstance(node.value, ast.Name) and f"record:{node.value.id}" in bound):
            yield node


# -- the mapping --------------------------------------------------------------------------------

def target_values(tree: ast.Module, target: str) -> Iterator[tuple[ast.FunctionDef | None,
                                                                   ast.expr]]:
    """Each value the code gives the field `target` (a keyword argument or a dict key), with
    the function it is given in."""
    for function in [None, *[n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)]]:
        body = tree.body if function is None else function.body
        for statement in body:
            if isinstance(statement, ast.FunctionDef | ast.ClassDef) and function is None:
                continue
            for node in ast.walk(statement):
                if isinstance(node, ast.Call):
                    for keyword in node.keywords:
                        if keyword.arg == target:
                            yield function, keyword.value
                elif isinstance(node, ast.Dict):
                    for key, value in zip(node.keys, node.values, strict=True):
                        if isinstance(key, ast.Constant) and key.value == target:
                            yield function, value


def reads(value: ast.expr, function: ast.FunctionDef | None,
          helpers: dict[str, ast.FunctionDef]) -> set[str]:
    """The attribute names a value reads, following the local names it is built from and the
    helpers of the file it calls."""
    names: set[str] = set()
    pending: list[ast.AST] = [value]
    seen_names: set[str] = set()
    seen_helpers: set[str] = set()
    assignments: dict[str, list[ast.expr]] = {}
    if function is not None:
        for node in ast.walk(function):
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    for name in ast.walk(target):
                        if isinstance(name, ast.Name):
                            assignments.setdefault(name.id, []).append(node.value)
            elif isinstance(node, ast.AnnAssign | ast.NamedExpr) and node.value is not None \
                    and isinstance(node.target, ast.Name):
                assignments.setdefault(node.target.id, []).append(node.value)
    while pending:
        for node in ast.walk(pending.pop()):
            if isinstance(node, ast.Attribute):
                names.add(node.attr)
            elif isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
                names.add(str(node.slice.value))
            elif isinstance(node, ast.Name) and node.id in assignments \
                    and node.id not in seen_names:
                seen_names.add(node.id)
                pending += assignments[node.id]
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
                    and node.func.id in helpers and node.func.id not in seen_helpers:
                seen_helpers.add(node.func.id)
                pending.append(helpers[node.func.id])
    return names


# -- errors and state ---------------------------------------------------------------------------

def swallowed_errors(tree: ast.Module) -> Iterator[tuple[ast.ExceptHandler, str]]:
    """Except clauses that hide an error: broad ones that do not raise, and any that only pass."""
    for node in ast.walk(tree):
        if not isinstance(node, ast.ExceptHandler):
            continue
        caught = [node.type] if not isinstance(node.type, ast.Tuple) else node.type.elts
        broad = node.type is None or any(isinstance(t, ast.Name) and t.id in BROAD_ERRORS
                                         for t in caught)
        raises = any(isinstance(inner, ast.Raise) for statement in node.body
                     for inner in ast.walk(statement))
        only_pass = all(isinstance(s, ast.Pass | ast.Continue) or (
            isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant)) for s in node.body)
        if broad and not raises:
            yield node, "catches every error and carries on"
        elif only_pass:
            yield node, "catches an error and does nothing about it"


def shared_state(tree: ast.Module) -> Iterator[tuple[ast.AST, str]]:
    """State that outlives a packet: `global`/`nonlocal`, mutable defaults, and module-level
    containers that a function changes."""
    containers = {target.id for node in tree.body if isinstance(node, ast.Assign | ast.AnnAssign)
                  and _mutable(node.value)
                  for target in (node.targets if isinstance(node, ast.Assign) else [node.target])
                  if isinstance(target, ast.Name)}
    for function in (n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)):
        defaults = [*function.args.defaults, *function.args.kw_defaults]
        for default in defaults:
            if _mutable(default):
                assert default is not None
                yield default, f"`{function.name}` has a mutable default " \
                               f"`{ast.unparse(default)}`, shared by every call"
        for node in ast.walk(function):
            if isinstance(node, ast.Global | ast.Nonlocal):
                yield node, f"`{function.name}` rebinds {', '.join(node.names)} outside itself"
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                    and node.func.attr in MUTATING_METHODS \
                    and isinstance(node.func.value, ast.Name) \
                    and node.func.value.id in containers:
                yield node, f"`{function.name}` changes the module-level " \
                            f"`{node.func.value.id}`"
            elif isinstance(node, ast.Assign | ast.AugAssign | ast.Delete):
                targets = node.targets if isinstance(node, ast.Assign | ast.Delete) \
                    else [node.target]
                for target in targets:
                    if isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name) \
                            and target.value.id in containers:
                        yield node, f"`{function.name}` changes the module-level " \
                                    f"`{target.value.id}`"
