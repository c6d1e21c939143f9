"""A flow: one source, steps, one sink — small units the runtime drives one packet at a time.

```python
flow = Flow("shopify-orders-to-hubspot-deals")

@flow.source(key="id", cursor="updated_at")
def paid_orders(ctx: Context, shop: Shopify) -> Iterator[Order]:
    yield from shop.orders.list(financial_status="paid", updated_at_min=ctx.since)

@flow.step
def to_deal(order: Order) -> DealInput:
    return DealInput(dealname=f"Shopify order {order.name}", amount=order.total_price)

@flow.sink
def upsert_deal(deal: DealInput, crm: HubSpot) -> Deal:
    return crm.deals.upsert(deal, id_property="shopify_order_id")
```

Parameters are filled by their annotations: a connector class gets the run's connector, `Context`
gets the run's context, and the one remaining parameter of a step or sink gets the packet as the
previous unit left it. Units run in the order they are declared. Because everything a unit may
touch is in its signature, a reviewer — and the gate — can see it without running anything.
"""

from __future__ import annotations

import dataclasses
import inspect
import re
import typing
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

from connectors.core.connector import Connector
from connectors.core.facade import operations_only
from flowkit.context import Context
from flowkit.errors import FlowDefinitionError

F = TypeVar("F", bound=Callable[..., Any])

Role = Literal["source", "step", "sink"]

_NAME = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")


@dataclass(frozen=True)
class Unit:
    """One function of a flow and what the runtime must give it."""

    role: Role
    name: str
    function: Callable[..., Any]
    connectors: dict[str, type[Connector]]
    """Parameter name -> the connector class injected there."""
    context_parameter: str | None
    """The parameter that receives the `Context`, if any."""
    packet_parameter: str | None
    """The parameter that receives the packet (None for the source)."""
    packet_type: Any
    """What one packet is validated into on replay: the packet parameter's annotation, or for a
    batch sink the item type of its `list[…]`."""
    batch: int | None = field(default=None, kw_only=True)
    """For a batch sink, the most packets it takes in one call; None for a unit of one packet."""

    def call(self, packet: Any, context: Context,
             connectors: dict[type[Connector], Connector]) -> Any:
        """Run the unit on one packet with the run's context and connectors; each connector is
        handed over as its operations only (never its settings, token or HTTP client)."""
        arguments: dict[str, Any] = {name: operations_only(connectors[cls])
                                     for name, cls in self.connectors.items()}
        if self.context_parameter is not None:
            arguments[self.context_parameter] = context
        if self.packet_parameter is not None:
            arguments[self.packet_parameter] = packet
        return self.function(**arguments)


@dataclass(frozen=True)
class SourceUnit(Unit):
    """The source, with the record fields that identify and order its packets."""

    key: str
    cursor: str | None


class Flow:
    """A named flow; its decorators register the units in the order they are declared."""

    def __init__(self, name: str) -> None:
        if not _NAME.match(name):
            raise FlowDefinitionError(f"flow name {name!r}: use lower-case words joined by dashes, "
                                      "e.g. 'shopify-orders-to-hubspot-deals'")
        self.name = name
        self._source: SourceUnit | None = None
        self._steps: list[Unit] = []
        self._sink: Unit | None = None

    def __repr__(self) -> str:
        return f"Flow({self.name!r})"

    # -- declaring ----------------------------------------------------------------------------

    def source(self, function: object = None, *, key: str | None = None,
               cursor: str | None = None) -> Callable[[F], F]:
        """Declare the source: a generator of records. `key` names the record field that
        identifies a packet; `cursor` the field incremental runs resume after."""
        if function is not None or not key:
            raise FlowDefinitionError("write @flow.source(key=\"<record field>\"): the source "
                                      "must say which field identifies a packet")

        def register(function: F) -> F:
            if self._source is not None:
                raise FlowDefinitionError(f"{self.name} has two sources ({self._source.name} and "
                                          f"{function.__name__}); a flow reads from one")
            unit = _analyse(function, "source")
            self._source = SourceUnit(**vars(unit), key=key, cursor=cursor)
            return function

        return register

    def step(self, function: F) -> F:
        """Declare a step: packet in, packet out. Raise `Skip` or `BadRecord` to stop a packet."""
        if self._sink is not None:
            raise FlowDefinitionError(f"step {function.__name__} is declared after the sink; "
                                      "declare steps between the source and the sink")
        self._steps.append(_analyse(function, "step"))
        return function

    @typing.overload
    def sink(self, function: F) -> F: ...

    @typing.overload
    def sink(self, *, batch: int) -> Callable[[F], F]: ...

    def sink(self, function: F | None = None, *, batch: int | None = None) -> F | Callable[[F], F]:
        """Declare the sink: it writes the packet to the target and returns what it wrote.

        `@flow.sink(batch=N)` declares a batch sink for a connector's bulk operation (an
        `upsert_many`, a multi-row upsert): it takes `list[T]` of up to N packets and returns
        what it wrote for each, in order. A batch that raises is sent again one packet at a
        time, so a failure is still tied to the packet that caused it — which is why a batch
        sink must write through an idempotent operation.
        """
        if function is not None:
            self._register_sink(function, None)
            return function
        if batch is None or isinstance(batch, bool) or not isinstance(batch, int) or batch < 1:
            raise FlowDefinitionError("write @flow.sink, or @flow.sink(batch=N) with N ≥ 1 "
                                      "packets per call of a bulk operation")

        def register(function: F) -> F:
            self._register_sink(function, batch)
            return function

        return register

    def _register_sink(self, function: Callable[..., Any], batch: int | None) -> None:
        if self._sink is not None:
            raise FlowDefinitionError(f"{self.name} has two sinks ({self._sink.name} and "
                                      f"{getattr(function, '__name__', function)}); a flow "
                                      "writes to one target")
        unit = _analyse(function, "sink")
        if batch is not None:
            unit = dataclasses.replace(unit, batch=batch,
                                       packet_type=_list_item(unit.name, unit.packet_type))
        self._sink = unit

    # -- reading ------------------------------------------------------------------------------

    @property
    def source_unit(self) -> SourceUnit:
        """The source (a flow without one is incomplete)."""
        if self._source is None:
            raise FlowDefinitionError(f"{self.name} has no @flow.source")
        return self._source

    @property
    def steps(self) -> tuple[Unit, ...]:
        """The steps, in order."""
        return tuple(self._steps)

    @property
    def sink_unit(self) -> Unit:
        """The sink (a flow without one is incomplete)."""
        if self._sink is None:
            raise FlowDefinitionError(f"{self.name} has no @flow.sink")
        return self._sink

    @property
    def units(self) -> tuple[Unit, ...]:
        """Source, steps and sink, in the order the runtime drives them."""
        return (self.source_unit, *self._steps, self.sink_unit)

    def unit(self, name: str) -> Unit:
        """The unit called `name`."""
        for unit in self.units:
            if unit.name == name:
                return unit
        raise KeyError(f"{self.name} has no unit called {name}; it has "
                       f"{', '.join(unit.name for unit in self.units)}")

    @property
    def connector_classes(self) -> tuple[type[Connector], ...]:
        """Every connector class the units ask for, each once, in order of first use."""
        seen: dict[type[Connector], None] = {}
        for unit in self.units:
            for cls in unit.connectors.values():
                seen.setdefault(cls, None)
        return tuple(seen)


def _list_item(name: str, annotation: Any) -> Any:
    """The item type of a batch sink's `list[T]` packet parameter."""
    if typing.get_origin(annotation) is not list or len(typing.get_args(annotation)) != 1:
        raise FlowDefinitionError(f"batch sink {name}: annotate its packet parameter "
                                  f"`list[<record type>]` (it is {annotation!r}); it receives "
                                  "up to `batch` packets at once")
    return typing.get_args(annotation)[0]


def _analyse(function: Callable[..., Any], role: Role) -> Unit:
    """What `function` needs injected, read from its annotations; refuses what cannot be given."""
    if not callable(function) or not hasattr(function, "__name__"):
        raise FlowDefinitionError(f"@flow.{role} decorates a function")
    try:
        hints = typing.get_type_hints(function)
    except NameError as error:
        raise FlowDefinitionError(f"{function.__name__}: an annotation names something that is "
                                  f"not imported ({error})") from None
    connectors: dict[str, type[Connector]] = {}
    context_parameter: str | None = None
    packet: list[str] = []
    for parameter in inspect.signature(function).parameters.values():
        if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            raise FlowDefinitionError(f"{function.__name__}: *args and **kwargs cannot be injected")
        annotation = hints.get(parameter.name)
        if annotation is None:
            raise FlowDefinitionError(f"{function.__name__}: parameter {parameter.name} needs a "
                                      "type annotation (a connector class, Context, or the "
                                      "packet's record type)")
        if isinstance(annotation, type) and issubclass(annotation, Connector):
            connectors[parameter.name] = annotation
        elif annotation is Context:
            context_parameter = parameter.name
        else:
            packet.append(parameter.name)
    if role == "source" and packet:
        raise FlowDefinitionError(f"source {function.__name__}: parameter(s) {', '.join(packet)} "
                                  "are neither a connector nor Context; a source takes no packet")
    if role != "source" and len(packet) != 1:
        raise FlowDefinitionError(f"{role} {function.__name__}: takes exactly one packet parameter "
                                  f"besides connectors and Context (found {len(packet)})")
    packet_parameter = packet[0] if packet else None
    return Unit(role=role, name=function.__name__, function=function, connectors=connectors,
                context_parameter=context_parameter, packet_parameter=packet_parameter,
                packet_type=hints.get(packet_parameter) if packet_parameter else None)
