"""A toy vendor for testing the connector core: every pagination style, a token endpoint, writes.

It is a real simulator on the real base class, reached over real HTTP (in process or loopback),
so the core's mechanisms are tested the way connectors use them.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar, Literal

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import ConfigDict, SecretStr
from starlette.types import Scope

from connectors.core.auth import BearerAuth
from connectors.core.client import HttpClient, VendorConventions
from connectors.core.clock import SYSTEM_CLOCK, Clock
from connectors.core.connector import Connector, ConnectorSettings, Resource
from connectors.core.errors import FieldError
from connectors.core.operations import Idempotency, operation
from connectors.core.paginators import JsonCursorPaginator
from connectors.core.ratelimit import LeakyBucket, RateLimit, Throttle
from connectors.core.records import Record, StrId, UtcDateTime
from connectors.core.simulator import Simulator

TOY_TOKEN = "toy-secret-token-123456"
TOY_CLIENT_SECRET = "toy-client-secret-abcdef"
TOY_REFRESH_TOKEN = "toy-refresh-token-zyxwvu"


class Item(Record):
    """A toy record."""

    id: StrId
    name: str
    updated_at: UtcDateTime


class ItemInput(Record):
    """What a toy write takes."""

    model_config = ConfigDict(extra="forbid")

    name: str


class ToySettings(ConnectorSettings):
    """Toy settings."""

    base_url: str = "https://api.toy.example"
    token: SecretStr
    bucket: int = 10
    leak_per_second: float = 5.0


def describe_toy_error(body: Any) -> tuple[str, list[FieldError]] | None:
    """Toy errors look like {"error": "...", "fields": {"name": "required"}}."""
    if not isinstance(body, dict) or "error" not in body:
        return None
    fields = [FieldError(k, str(v)) for k, v in (body.get("fields") or {}).items()]
    return str(body["error"]), fields


class ItemsResource(Resource):
    """Toy items."""

    @operation()
    def list(self, *, status: Literal["active", "archived"] = "active",
             page_size: int = 10) -> Iterator[Item]:
        """List items, oldest first."""
        paginator = JsonCursorPaginator(cursor_path="next", cursor_param="after")
        for raw in self._client.paginate("/items", paginator=paginator, records_path="items",
                                         params={"status": status, "limit": page_size}):
            yield Item.model_validate(raw)

    @operation(writes=True, idempotency=Idempotency.KEY, quirks=("keys live 24 h",))
    def create(self, item: ItemInput, *, idempotency_key: str) -> Item:
        """Create an item."""
        _, body = self._client.request("POST", "/items", json=item.model_dump(),
                                       idempotency_key=idempotency_key)
        return Item.model_validate(body)


class Toy(Connector):
    """A toy connector."""

    name = "toy"
    title = "Toy API"
    auth_kind = "bearer"
    rate_limit = "leaky bucket of 10, 5 per second"
    pagination = "cursor in the body"
    documentation = "https://toy.example/docs"
    settings_model = ToySettings
    quirks = ("none, it is a toy",)

    items: ItemsResource

    def __init__(self, settings: ToySettings, *, transport: Any = None,
                 clock: Clock = SYSTEM_CLOCK) -> None:
        super().__init__(settings, transport=transport, clock=clock)
        self.client = HttpClient(
            connector="toy", base_url=settings.base_url, auth=BearerAuth(settings.token),
            throttle=Throttle(LeakyBucket(settings.bucket, settings.leak_per_second), clock=clock),
            conventions=VendorConventions(describe_error=describe_toy_error,
                                          idempotency_header="Idempotency-Key"),
            transport=transport, clock=clock)
        self.items = ItemsResource(self.client)


class ToySimulator(Simulator[Toy]):
    """The toy vendor: items with cursor pages, idempotent creates, a bearer token."""

    name: ClassVar[str] = "toy"
    connector_class: ClassVar[type[Connector]] = Toy

    def __init__(self, *, items: int = 25, seed: int = 0, clock: Clock = SYSTEM_CLOCK,
                 enforce_rate_limit: bool = True) -> None:
        self.items = [{"id": i + 1, "name": f"item {i + 1}",
                       "updated_at": 1_700_000_000 + i} for i in range(items)]
        self.created: dict[str, dict[str, Any]] = {}
        self.bucket = LeakyBucket(10, 5.0)
        self.repeat_cursor = False
        self.echo_token_in_errors = False
        super().__init__(seed=seed, clock=clock, enforce_rate_limit=enforce_rate_limit)

    def settings(self, base_url: str) -> ToySettings:
        """Settings with the toy token."""
        return ToySettings(base_url=base_url, token=SecretStr(TOY_TOKEN))

    def rate_limit_for(self, scope: Scope) -> RateLimit | None:
        """One bucket for everything."""
        return self.bucket

    def rate_limited_response(self, retry_after: float | None) -> tuple[dict[str, str], Any]:
        """The toy 429."""
        return {"Retry-After": f"{retry_after or 1:.3f}"}, {"error": "slow down"}

    def build_api(self) -> FastAPI:
        """Toy endpoints."""
        api = FastAPI()

        def unauthorised(request: Request) -> JSONResponse | None:
            if request.headers.get("authorization") == f"Bearer {TOY_TOKEN}":
                return None
            seen = request.headers.get("authorization", "") if self.echo_token_in_errors else ""
            return JSONResponse({"error": f"bad token {seen}".strip()}, status_code=401)

        @api.get("/items", response_model=None)
        def list_items(request: Request, limit: int = 10, after: int = 0) -> Any:
            if (refusal := unauthorised(request)) is not None:
                return refusal
            page = self.items[after:after + limit]
            following = after + limit
            if self.repeat_cursor and following >= 2 * limit:
                following = limit
            more = following < len(self.items)
            return {"items": page, "next": str(following) if more else None}

        @api.post("/items", response_model=None)
        async def create(request: Request) -> Any:
            if (refusal := unauthorised(request)) is not None:
                return refusal
            body = await request.json()
            if not body.get("name"):
                return JSONResponse({"error": "invalid item", "fields": {"name": "required"}},
                                    status_code=422)
            key = request.headers.get("idempotency-key", "")
            with self.lock:
                if key and key in self.created:
                    return self.created[key]
                item = {"id": 1000 + len(self.created), "name": body["name"],
                        "updated_at": 1_700_000_000}
                self.created[key or f"anonymous-{len(self.created)}"] = item
                self.count_write(key or "anonymous")
            return item

        return api
