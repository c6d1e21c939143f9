"""One of several processes reading one vendor account, as two runners' flows would.

Reads the account's settings (as JSON) from stdin, waits for the start time given on the command
line (so that every worker starts together), reads every record of one resource through the
connector (Shopify's orders, Stripe's customers, HubSpot's contacts), and prints
`{"items": N, "finished": UNIX_TIME}`. Whether its throttle is shared is up to the environment it
is started with (`FLOWBOT_SHARED_THROTTLE_URL`), exactly as for a runner's child.

    python -m benchmarks.throttle_worker VENDOR START_UNIX_TIME PAGE_SIZE < settings.json
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Iterable
from typing import Any

from connectors.hubspot import HubSpot, HubSpotSettings
from connectors.shopify import Shopify, ShopifySettings
from connectors.stripe import Stripe, StripeSettings


def _shopify_orders(settings: str, page_size: int) -> Callable[[], Iterable[Any]]:
    shop = Shopify(ShopifySettings.model_validate_json(settings))
    return lambda: shop.orders.list(page_size=page_size)


def _stripe_customers(settings: str, page_size: int) -> Callable[[], Iterable[Any]]:
    stripe = Stripe(StripeSettings.model_validate_json(settings))
    return lambda: stripe.customers.list(page_size=page_size)


def _hubspot_contacts(settings: str, page_size: int) -> Callable[[], Iterable[Any]]:
    crm = HubSpot(HubSpotSettings.model_validate_json(settings))
    return lambda: crm.contacts.list(page_size=page_size)


READERS = {"shopify": _shopify_orders, "stripe": _stripe_customers,
           "hubspot": _hubspot_contacts}


def main(argv: list[str]) -> None:
    """Read the account's records once, starting at the given wall-clock time."""
    vendor, start, page_size = argv[0], float(argv[1]), int(argv[2])
    read = READERS[vendor](sys.stdin.read(), page_size)
    time.sleep(max(0.0, start - time.time()))
    items = sum(1 for _ in read())
    print(json.dumps({"items": items, "finished": time.time()}))


if __name__ == "__main__":
    main(sys.argv[1:])
