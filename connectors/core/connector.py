"""The shape every connector has: settings, resources, and operations on them.

A flow names a connector by its class (`shop: Shopify`) and calls operations through resources
(`shop.orders.list(...)`). Resources are declared as class annotations so that the catalog — and
through it the validator and the model — can list them without constructing anything.
"""

from __future__ import annotations

from typing import ClassVar, Self

import httpx
from pydantic import BaseModel, ConfigDict

from connectors.core.client import HttpClient
from connectors.core.clock import SYSTEM_CLOCK, Clock
from connectors.core.errors import ConfigurationError, ErrorContext


class ConnectorSettings(BaseModel):
    """Where the vendor is, and the credentials to reach it. Secrets are `SecretStr`."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Resource:
    """A group of operations on one kind of record (orders, deals), sharing the client."""

    def __init__(self, client: HttpClient) -> None:
        self._client = client

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class Connector:
    """Base of every connector. Subclasses declare their resources as annotations and build them
    in `__init__`; the class attributes below feed the catalog."""

    name: ClassVar[str]
    """Stable lower-case name (`shopify`): used in specs, the catalog and configuration."""
    title: ClassVar[str]
    """The vendor's API, as people call it."""
    auth_kind: ClassVar[str]
    """How it authenticates: api_key, bearer, basic, oauth2_client_credentials,
    oauth2_refresh_token or database."""
    rate_limit: ClassVar[str]
    """The vendor's documented limit, in words (the throttle enforces it)."""
    pagination: ClassVar[str]
    """The vendor's pagination style, in words (the client handles it)."""
    documentation: ClassVar[str]
    """Where the vendor documents the API."""
    settings_model: ClassVar[type[ConnectorSettings]]
    quirks: ClassVar[tuple[str, ...]] = ()
    """Documented peculiarities a flow author should know (and that the connector absorbs)."""

    client: HttpClient | None = None

    def __init__(self, settings: ConnectorSettings, *, transport: httpx.BaseTransport | None = None,
                 clock: Clock = SYSTEM_CLOCK) -> None:
        """Keep what every connector needs; settings of another connector are refused here, so
        a subclass's `__init__` may annotate `settings` as its own `settings_model`."""
        if not isinstance(settings, self.settings_model):
            raise ConfigurationError(
                f"{type(self).__name__} needs {self.settings_model.__name__}, not "
                f"{type(settings).__name__}", context=ErrorContext(connector=self.name))
        self.settings = settings
        self._transport = transport
        self._clock = clock

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"

    def close(self) -> None:
        """Release the connector's connections."""
        if self.client is not None:
            self.client.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
