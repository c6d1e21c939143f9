"""Shopify's `Link` header pagination, kept on the shop's own origin.

The next page's URL comes from the response (`<…/orders.json?limit=50&page_info=…>; rel="next"`)
and is followed as given, with the first request's filters dropped: Shopify answers 400 to any
filter beside `page_info` (the filters live inside the cursor). Because the access token goes with
every request, a link to any other origin is refused rather than followed.
"""

from __future__ import annotations

from typing import Any

import httpx

from connectors.core.paginators import LinkHeaderPaginator, PaginationError


def _origin(url: httpx.URL) -> tuple[str, str, int | None]:
    return url.scheme, url.host, url.port


class ShopLinkPaginator(LinkHeaderPaginator):
    """`LinkHeaderPaginator` that only follows links to `origin` (the shop's base URL)."""

    def __init__(self, *, origin: str) -> None:
        super().__init__(rel="next")
        self.origin = httpx.URL(origin)

    def update_state(self, response: httpx.Response, body: Any, records: list[Any]) -> None:
        """Take the next link; refuse one that leaves the shop (it would carry the token)."""
        super().update_state(response, body, records)
        if self.next_url is None:
            return
        target = response.url.join(self.next_url)
        if _origin(target) != _origin(self.origin):
            raise PaginationError(
                f"the next-page link leaves the shop ({target.scheme}://{target.host}); "
                "not following it with the shop's access token")
        if "page_info" not in target.params:
            raise PaginationError("the next-page link has no page_info cursor")
        self.next_url = str(target)
