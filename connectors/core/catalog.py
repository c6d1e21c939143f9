"""The machine-readable catalog, generated from the connectors' code.

The validator checks flows against it and the prompts show it to the model, so it must be exactly
what the code accepts: every entry is read from the classes, signatures, type hints and docstrings,
never written beside them.
"""

from __future__ import annotations

import inspect
import types
import typing
from collections.abc import Iterable, Iterator, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, SecretStr, TypeAdapter

from connectors.core.connector import Connector, Resource
from connectors.core.operations import operation_info

CATALOG_VERSION = 1

ParameterKind = Literal["positional", "keyword"]


class ParameterSpec(BaseModel):
    """One parameter of an operation."""

    model_config = ConfigDict(frozen=True)

    name: str
    type: str
    required: bool
    default: Any = None
    kind: ParameterKind
    json_schema: dict[str, Any] | None = None


class OperationSpec(BaseModel):
    """One operation flows may call: `shopify.orders.list`."""

    model_config = ConfigDict(frozen=True)

    name: str
    path: str
    summary: str
    doc: str
    parameters: list[ParameterSpec]
    returns: str
    record: str | None
    many: bool
    writes: bool
    idempotency: str
    quirks: list[str]


class FieldSpec(BaseModel):
    """One field of a record model."""

    model_config = ConfigDict(frozen=True)

    name: str
    type: str
    required: bool
    alias: str | None = None
    description: str | None = None


class RecordSpec(BaseModel):
    """A record model: its fields, and its full JSON schema."""

    model_config = ConfigDict(frozen=True)

    name: str
    doc: str
    fields: list[FieldSpec]
    extra_fields_kept: bool
    json_schema: dict[str, Any]


class ResourceSpec(BaseModel):
    """A resource of a connector and its operations."""

    model_config = ConfigDict(frozen=True)

    name: str
    doc: str
    operations: list[OperationSpec]


class SettingSpec(BaseModel):
    """One setting of a connector; secrets are flagged so nobody prints them."""

    model_config = ConfigDict(frozen=True)

    name: str
    type: str
    required: bool
    secret: bool
    description: str | None = None


class SimulatorSpec(BaseModel):
    """What a connector's simulator reproduces of the vendor's API, and what it leaves out (those
    calls answer HTTP 501 "not simulated", never a realistic error)."""

    model_config = ConfigDict(frozen=True)

    covers: list[str]
    leaves_out: list[str]


class ConnectorSpec(BaseModel):
    """Everything a flow author needs to know about one connector."""

    model_config = ConfigDict(frozen=True)

    name: str
    class_name: str
    module: str
    title: str
    doc: str
    auth_kind: str
    rate_limit: str
    pagination: str
    documentation: str
    quirks: list[str]
    settings: list[SettingSpec]
    resources: list[ResourceSpec]
    records: dict[str, RecordSpec]
    simulator: SimulatorSpec | None = None
    """What flow tests run against; None where the tests use a real database instead."""

    def operation(self, path: str) -> OperationSpec | None:
        """The operation at `resource.operation`, or None."""
        return next((op for resource in self.resources for op in resource.operations
                     if op.path == path), None)


class Catalog(BaseModel):
    """All connectors."""

    model_config = ConfigDict(frozen=True)

    version: int = CATALOG_VERSION
    connectors: list[ConnectorSpec]

    def connector(self, name: str) -> ConnectorSpec | None:
        """The connector called `name` (`shopify`) or whose class is `name` (`Shopify`)."""
        return next((c for c in self.connectors if name in (c.name, c.class_name)), None)


def type_name(annotation: Any) -> str:
    """A readable, Python-like spelling of a type: `Iterator[Order]`, `str | None`."""
    if annotation is type(None) or annotation is None:
        return "None"
    if annotation is inspect.Parameter.empty:
        return "Any"
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Annotated:
        return type_name(args[0])
    if origin is Literal:
        return f"Literal[{', '.join(repr(a) for a in args)}]"
    if origin in (typing.Union, types.UnionType):
        return " | ".join(type_name(a) for a in args)
    if origin is not None:
        base = getattr(origin, "__name__", str(origin))
        return f"{base}[{', '.join(type_name(a) for a in args)}]" if args else base
    return getattr(annotation, "__name__", str(annotation))


def _models_in(annotation: Any) -> Iterator[type[BaseModel]]:
    if inspect.isclass(annotation) and issubclass(annotation, BaseModel):
        yield annotation
        for field in annotation.model_fields.values():
            yield from _models_in(field.annotation)
    for arg in typing.get_args(annotation):
        yield from _models_in(arg)


def _record_model(annotation: Any) -> tuple[str | None, bool]:
    """The record a return type delivers, and whether it is many (an iterator or list).

    An optional record (`Row | None`, a lookup that may find nothing) delivers that record.
    """
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        present = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
        if len(present) == 1:
            return _record_model(present[0])
    if origin in (Iterator, Iterable, list, typing.Iterator, typing.Iterable):
        inner = typing.get_args(annotation)[0]
        return (inner.__name__ if inspect.isclass(inner) else None), True
    if inspect.isclass(annotation) and issubclass(annotation, BaseModel):
        return annotation.__name__, False
    return None, False


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime | date | Decimal):
        return str(value)
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return repr(value)


def _parameter_schema(annotation: Any) -> dict[str, Any] | None:
    try:
        return TypeAdapter(annotation).json_schema()
    except Exception:
        return None


def _doc(obj: object) -> str:
    return inspect.getdoc(obj) or ""


def _operation_spec(resource_name: str, name: str, method: Any) -> OperationSpec:
    info = operation_info(method)
    assert info is not None
    hints = typing.get_type_hints(method, include_extras=True)
    parameters = []
    for parameter in list(inspect.signature(method).parameters.values())[1:]:
        annotation = hints.get(parameter.name, parameter.annotation)
        required = parameter.default is inspect.Parameter.empty
        parameters.append(ParameterSpec(
            name=parameter.name,
            type=type_name(annotation),
            required=required,
            default=None if required else _json_default(parameter.default),
            kind="keyword" if parameter.kind is inspect.Parameter.KEYWORD_ONLY else "positional",
            json_schema=_parameter_schema(annotation),
        ))
    returns = hints.get("return", inspect.Parameter.empty)
    record, many = _record_model(returns)
    doc = _doc(method)
    return OperationSpec(
        name=name, path=f"{resource_name}.{name}", summary=doc.split("\n", 1)[0], doc=doc,
        parameters=parameters, returns=type_name(returns), record=record, many=many,
        writes=info.writes, idempotency=info.idempotency.value, quirks=list(info.quirks),
    )


def _record_spec(model: type[BaseModel]) -> RecordSpec:
    fields = [
        FieldSpec(name=name, type=type_name(field.annotation), required=field.is_required(),
                  alias=field.alias, description=field.description)
        for name, field in model.model_fields.items()
    ]
    return RecordSpec(name=model.__name__, doc=_doc(model), fields=fields,
                      extra_fields_kept=model.model_config.get("extra") == "allow",
                      json_schema=model.model_json_schema(mode="serialization"))


def _resources(connector: type[Connector]) -> list[tuple[str, type[Resource]]]:
    hints = typing.get_type_hints(connector)
    return [(name, hint) for name, hint in hints.items()
            if inspect.isclass(hint) and issubclass(hint, Resource)]


def connector_spec(connector: type[Connector],
                   simulator: SimulatorSpec | None = None) -> ConnectorSpec:
    """The catalog entry of one connector class, read from its code."""
    resources: list[ResourceSpec] = []
    models: dict[str, type[BaseModel]] = {}
    for resource_name, resource in _resources(connector):
        operations = []
        for name, method in inspect.getmembers(resource, inspect.isfunction):
            if operation_info(method) is None:
                continue
            operations.append(_operation_spec(resource_name, name, method))
            for annotation in typing.get_type_hints(method).values():
                models.update({m.__name__: m for m in _models_in(annotation)})
        resources.append(ResourceSpec(name=resource_name, doc=_doc(resource),
                                      operations=operations))
    settings = [
        SettingSpec(name=name, type=type_name(field.annotation), required=field.is_required(),
                    secret=SecretStr in (field.annotation, *typing.get_args(field.annotation)),
                    description=field.description)
        for name, field in connector.settings_model.model_fields.items()
    ]
    return ConnectorSpec(
        name=connector.name, class_name=connector.__name__,
        module=connector.__module__.rsplit(".", 1)[0] if connector.__module__.count(".") > 1
        else connector.__module__,
        title=connector.title, doc=_doc(connector), auth_kind=connector.auth_kind,
        rate_limit=connector.rate_limit, pagination=connector.pagination,
        documentation=connector.documentation, quirks=list(connector.quirks), settings=settings,
        resources=resources,
        records={name: _record_spec(model) for name, model in sorted(models.items())},
        simulator=simulator,
    )


def build_catalog(connectors: Iterable[type[Connector]],
                  simulators: Mapping[str, SimulatorSpec] | None = None) -> Catalog:
    """The catalog of the given connector classes, in the order given, with what each one's
    simulator covers (by connector name)."""
    covered = simulators or {}
    return Catalog(connectors=[connector_spec(c, covered.get(c.name)) for c in connectors])
