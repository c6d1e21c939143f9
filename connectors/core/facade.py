"""What a flow is handed for a connector: its operations, and nothing that leads to its client.

After merge a flow runs with real credentials, so the object its units receive must not be a way
to the connector's settings, token or HTTP client. Private attributes are no barrier in Python
(`crm.deals._client.request(...)` works on the real connector), so the view holds no reference a
flow can follow: each resource is an instance of a class made for it with `__slots__ = ()`, whose
only attributes are the operations, and each operation is a closure over the real bound method.
A closure's cell, a bound method's `__self__` and a generator's frame are reached only through
dunder or frame attributes (`__closure__`, `gi_frame`), which the gate refuses in flow code; the
iterators operations return are wrapped the same way, so no generator frame is handed out either.
"""

from __future__ import annotations

import typing
from collections.abc import Callable, Iterator
from typing import Any

from connectors.core.connector import Connector, Resource
from connectors.core.operations import operation_info

_VIEW_ATTRIBUTE = "_operations_view"


def operations_only(connector: Connector) -> Any:
    """A view of `connector` exposing `view.<resource>.<operation>(...)` and nothing else; the
    same view every time for the same connector (a flow may cache by it, `@cache`)."""
    view = vars(connector).get(_VIEW_ATTRIBUTE)
    if view is None:
        view = _connector_view(connector)
        setattr(connector, _VIEW_ATTRIBUTE, view)
    return view


def _connector_view(connector: Connector) -> object:
    resources: dict[str, object] = {}
    for name, resource_class in _resource_classes(type(connector)):
        resource = getattr(connector, name, None)
        if isinstance(resource, Resource):
            resources[name] = _resource_view(resource_class.__name__, resource)
    view_class = type(type(connector).__name__, (), {
        "__slots__": (), **{name: _constant(view) for name, view in resources.items()},
        "__repr__": _repr(f"{type(connector).__name__}(operations only)"),
    })
    return view_class()


def _resource_classes(cls: type[Connector]) -> list[tuple[str, type[Resource]]]:
    hints = typing.get_type_hints(cls)
    return [(name, hint) for name, hint in hints.items()
            if isinstance(hint, type) and issubclass(hint, Resource)]


def _resource_view(class_name: str, resource: Resource) -> object:
    operations = {name: staticmethod(_operation(resource, name))
                  for name in dir(type(resource))
                  if not name.startswith("_")
                  and operation_info(getattr(type(resource), name, None)) is not None}
    view_class = type(class_name, (), {"__slots__": (), **operations,
                                       "__repr__": _repr(f"{class_name}(operations only)")})
    return view_class()


def _operation(resource: Resource, name: str) -> Callable[..., Any]:
    """The operation `name` of `resource`, looked up at each call, so that what the resource
    holds at that moment answers (the gate's second run watches writes by shadowing them)."""
    def call(*args: Any, **kwargs: Any) -> Any:
        result = getattr(resource, name)(*args, **kwargs)
        return _iterator_view(result) if isinstance(result, Iterator) else result

    call.__name__ = call.__qualname__ = name
    call.__doc__ = getattr(type(resource), name).__doc__
    return call


def _iterator_view(iterator: Iterator[Any]) -> Iterator[Any]:
    """The records of `iterator`, through an object with no attribute that leads back to it."""
    advance = iterator.__next__

    def next_record(_: object) -> Any:
        return advance()

    def itself(view: object) -> object:
        return view

    view_class = type("Records", (), {"__slots__": (), "__next__": next_record,
                                      "__iter__": itself})
    view: Iterator[Any] = view_class()
    return view


def _constant(value: object) -> property:
    return property(lambda _: value)


def _repr(text: str) -> Callable[[object], str]:
    return lambda _: text
