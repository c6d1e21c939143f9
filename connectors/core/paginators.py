"""Pagination strategies behind one small contract.

A paginator prepares the first request, reads each response, and rewrites the request for the next
page; `has_next_page` says whether there is one. The client drives the loop and guards it: a
request that repeats (a cursor going A→B→A) or a runaway page count ends in a `ProtocolError`, and
so does any response that claims more pages without saying how to reach them — partial data never
ends "successfully".
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any

import httpx

from connectors.core.paths import MISSING, dig


class PaginationError(Exception):
    """Raised by a paginator when a response breaks the vendor's pagination contract."""


@dataclass
class PageRequest:
    """The request for one page: a path or absolute URL, and its query parameters."""

    url: str
    params: dict[str, Any] = field(default_factory=dict)

    def fingerprint(self) -> str:
        """A stable identity, to notice a request the paginator has already made."""
        return f"{self.url}?{sorted((k, str(v)) for k, v in self.params.items())}"


class Paginator(ABC):
    """The contract: one flag and three hooks. Strategies override only what differs."""

    def __init__(self) -> None:
        self.has_next_page = True

    def init_request(self, request: PageRequest) -> None:  # noqa: B027 - optional hook
        """Adjust the first request (a page size, a starting page)."""

    @abstractmethod
    def update_state(self, response: httpx.Response, body: Any, records: list[Any]) -> None:
        """Read the response of the page just fetched; set `has_next_page`."""

    @abstractmethod
    def update_request(self, request: PageRequest) -> None:
        """Rewrite `request` to fetch the next page."""


def _present(value: Any) -> bool:
    return value is not MISSING and value is not None and value != ""


def _flag(body: Any, path: str) -> bool:
    """The true or false the vendor puts at `path` (`has_more`, `done`); anything else is a
    broken page, never taken for the end."""
    flag = dig(body, path)
    if not isinstance(flag, bool):
        raise PaginationError(f"expected true or false at '{path}'")
    return flag


class JsonCursorPaginator(Paginator):
    """A cursor in the body (`paging.next.after`, `response_metadata.next_cursor`), sent back as a
    query parameter. An empty or absent cursor ends the listing — unless a has-more flag says
    otherwise, which is a broken page, not the end."""

    def __init__(self, *, cursor_path: str, cursor_param: str,
                 has_more_path: str | None = None) -> None:
        super().__init__()
        self.cursor_path = cursor_path
        self.cursor_param = cursor_param
        self.has_more_path = has_more_path
        self.cursor: Any = None

    def update_state(self, response: httpx.Response, body: Any, records: list[Any]) -> None:
        """Take the next cursor; refuse a page that says "more" without one."""
        self.cursor = dig(body, self.cursor_path)
        more = _present(self.cursor)
        if self.has_more_path is not None:
            flag = _flag(body, self.has_more_path)
            if flag and not more:
                raise PaginationError(f"'{self.has_more_path}' is true but there is no cursor "
                                      f"at '{self.cursor_path}'")
            more = flag
        self.has_next_page = more

    def update_request(self, request: PageRequest) -> None:
        """Send the cursor back."""
        request.params[self.cursor_param] = self.cursor


class StartingAfterPaginator(Paginator):
    """Stripe's style: `has_more` in the body, and the last record's id as `starting_after`."""

    def __init__(self, *, id_field: str = "id", param: str = "starting_after",
                 has_more_path: str = "has_more") -> None:
        super().__init__()
        self.id_field = id_field
        self.param = param
        self.has_more_path = has_more_path
        self.last_id: Any = None

    def update_state(self, response: httpx.Response, body: Any, records: list[Any]) -> None:
        """Remember the last id; stop when the vendor says there is no more."""
        flag = _flag(body, self.has_more_path)
        if flag and not records:
            raise PaginationError(f"'{self.has_more_path}' is true on an empty page")
        if records:
            last = dig(records[-1], self.id_field)
            if not _present(last):
                raise PaginationError(f"the last record has no '{self.id_field}'")
            self.last_id = last
        self.has_next_page = flag

    def update_request(self, request: PageRequest) -> None:
        """Continue after the last record received."""
        request.params[self.param] = self.last_id


class LinkHeaderPaginator(Paginator):
    """RFC 8288 `Link: <…>; rel="next"` (Shopify, GitHub). The next URL carries its own
    parameters, so the first request's are dropped (Shopify refuses filters beside `page_info`)."""

    def __init__(self, *, rel: str = "next") -> None:
        super().__init__()
        self.rel = rel
        self.next_url: str | None = None

    def update_state(self, response: httpx.Response, body: Any, records: list[Any]) -> None:
        """Take the next link, if any."""
        link = response.links.get(self.rel)
        self.next_url = link.get("url") if link else None
        self.has_next_page = bool(self.next_url)

    def update_request(self, request: PageRequest) -> None:
        """Follow the link exactly as given."""
        assert self.next_url is not None
        request.url = self.next_url
        request.params = {}


class NextUrlPaginator(Paginator):
    """A next-page URL in the body (Salesforce's `nextRecordsUrl`), optionally with a done flag."""

    def __init__(self, *, next_url_path: str, done_path: str | None = None) -> None:
        super().__init__()
        self.next_url_path = next_url_path
        self.done_path = done_path
        self.next_url: str | None = None

    def update_state(self, response: httpx.Response, body: Any, records: list[Any]) -> None:
        """Take the next URL; refuse a page that is not done but has no way on."""
        value = dig(body, self.next_url_path)
        self.next_url = str(value) if _present(value) else None
        if self.done_path is not None:
            done = _flag(body, self.done_path)
            if not done and self.next_url is None:
                raise PaginationError(f"'{self.done_path}' is false but there is no "
                                      f"'{self.next_url_path}'")
            self.has_next_page = not done
        else:
            self.has_next_page = self.next_url is not None

    def update_request(self, request: PageRequest) -> None:
        """Follow the URL; it carries the query's state, so no parameters are resent."""
        assert self.next_url is not None
        request.url = self.next_url
        request.params = {}
