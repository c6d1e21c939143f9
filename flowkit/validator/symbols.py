"""What the names in a flow's code stand for, resolved from its imports and annotations.

Only trusted code is imported here — the checkout's `connectors` packages, to look up connector
classes and record models. The flow's own code is never imported: names are followed through the
syntax tree, which is enough for the shapes flows are written in (annotated unit parameters,
loops over an operation's results, input models built by keyword).
"""

from __future__ import annotations

import ast
import importlib
import types
import typing
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from connectors.core.catalog import Catalog, ConnectorSpec, OperationSpec
from connectors.core.connector import Connector
from connectors.registry import CONNECTORS

VENDOR_PACKAGES = frozenset(path.split(":")[0].split(".")[1] for path in CONNECTORS.values())
"""The connector packages this installation ships (`connectors.hubspot`, …)."""


def vendor_module(module: str) -> bool:
    """Whether `module` is one of the shipped vendors' packages or a module inside one."""
    parts = module.split(".")
    return parts[0] == "connectors" and len(parts) > 1 and parts[1] in VENDOR_PACKAGES


@dataclass(frozen=True)
class ConnectorVar:
    """A name bound to a connector (a unit parameter annotated `shop: Shopify`)."""

    cls: type[Connector]
    spec: ConnectorSpec


@dataclass
class Scope:
    """The typed names of one function."""

    connectors: dict[str, ConnectorVar] = field(default_factory=dict)
    records: dict[str, type[BaseModel]] = field(default_factory=dict)


MissingName = tuple[ast.ImportFrom, str, list[str]]
"""An import of a name a module does not have: the statement, the name, what the module has."""


def imported_objects(tree: ast.Module) -> tuple[dict[str, Any], list[MissingName]]:
    """Names imported from `connectors` packages -> the objects, and the names not found there
    (the import statement, the missing name, what the module has)."""
    objects: dict[str, Any] = {}
    missing: list[MissingName] = []
    for node in tree.body:
        if not (isinstance(node, ast.ImportFrom) and node.module and not node.level
                and vendor_module(node.module)):
            continue  # only the vendors' packages are imported, never a name the flow made up
        try:
            module = importlib.import_module(node.module)
        except ImportError:
            continue  # stage 2 decides which modules exist and may be imported
        public = [name for name in dir(module) if not name.startswith("_")]
        exported = list(getattr(module, "__all__", public))
        for alias in node.names:
            if alias.name == "*":
                continue
            if hasattr(module, alias.name):
                objects[alias.asname or alias.name] = getattr(module, alias.name)
            else:
                missing.append((node, alias.name, exported))
    return objects, missing


def model_class(value: Any) -> type[BaseModel] | None:
    """The pydantic model a value or annotation stands for (unwrapping `X | None`)."""
    if isinstance(value, type) and issubclass(value, BaseModel):
        return value
    origin = typing.get_origin(value)
    if origin in (typing.Union, types.UnionType):
        models = [m for m in (model_class(arg) for arg in typing.get_args(value)) if m]
        return models[0] if len(models) == 1 else None
    return None


def annotation_object(node: ast.expr | None, objects: dict[str, Any]) -> Any:
    """The object an annotation names, for simple names (`Order`, `Shopify`), else None."""
    if isinstance(node, ast.Name):
        return objects.get(node.id)
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return objects.get(node.value)
    return None


def operation_of(call: ast.Call,
                 scope: Scope) -> tuple[ConnectorVar, str, str, ast.Attribute] | None:
    """For `var.resource.operation(...)` on a connector name: connector, resource, operation."""
    function = call.func
    if (isinstance(function, ast.Attribute) and isinstance(function.value, ast.Attribute)
            and isinstance(function.value.value, ast.Name)
            and function.value.value.id in scope.connectors):
        return (scope.connectors[function.value.value.id], function.value.attr, function.attr,
                function)
    return None


def record_of(connector: ConnectorSpec, operation: OperationSpec) -> type[BaseModel] | None:
    """The record model an operation returns (one, or each of many)."""
    if operation.record is None:
        return None
    module = importlib.import_module(connector.module)
    return model_class(getattr(module, operation.record, None))


def input_model(connector: ConnectorSpec, operation: OperationSpec) -> type[BaseModel] | None:
    """The model an operation writes (its first parameter typed as a model), if any."""
    module = importlib.import_module(connector.module)
    for parameter in operation.parameters:
        model = model_class(getattr(module, parameter.type, None))
        if model is not None:
            return model
    return None


def field_type(model: type[BaseModel], name: str) -> type[BaseModel] | None:
    """The model a field of `model` holds, when it holds one (`order.customer`)."""
    info = model.model_fields.get(name)
    return model_class(info.annotation) if info is not None else None


def function_scope(function: ast.FunctionDef, objects: dict[str, Any],
                   catalog: Catalog) -> Scope:
    """The connectors and records a function's parameters are annotated with."""
    scope = Scope()
    arguments = function.args
    for argument in [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]:
        value = annotation_object(argument.annotation, objects)
        if isinstance(value, type) and issubclass(value, Connector):
            spec = catalog.connector(getattr(value, "name", ""))
            if spec is not None:
                scope.connectors[argument.arg] = ConnectorVar(value, spec)
        elif (model := model_class(value)) is not None:
            scope.records[argument.arg] = model
    return scope
