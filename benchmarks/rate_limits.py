"""How close our connectors get to each vendor's rate limit without a single 429.

For each HTTP simulator, served on loopback with the vendor's documented limit enforced, the same
workload runs twice: through our connector (proactive throttle, corrected from the vendor's
headers) and through a naive peer — a plain httpx loop that follows the same pagination and
retries 429s with tenacity's exponential backoff, as much integration code does. A fresh simulator
serves each run.

The rate ratio is `ideal time / actual time`, where the ideal time is what a perfect client needs
for the same number of requests under the same limit: the limit's own algorithm replayed on a
manual clock (so a bucket's or a window's initial burst is credited to the ideal client too).
A ratio of 1.0 is the limit itself; above 1.0 would mean the limit was not enforced.

The last rows have two processes (`benchmarks.throttle_worker`, as two runners' flows) read one
account at once, their throttles sharing state in Redis (`FLOWBOT_SHARED_THROTTLE_URL`): the ratio
is their combined rate against the account's one limit. There the peer is the same two processes,
each keeping its own throttle. A throw-away redis-server is started unless `--redis URL` names
one.

    python -m benchmarks.rate_limits [--json] [--only NAME] [--redis URL]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import httpx
from pydantic import SecretStr
from rich.console import Console
from rich.table import Table
from tenacity import Retrying, retry_if_result, stop_after_attempt, wait_exponential

from connectors.core.connector import ConnectorSettings
from connectors.core.ratelimit import LeakyBucket, RateLimit, SlidingWindow
from connectors.core.serving import serve_on_loopback
from connectors.core.shared_throttle import SHARED_THROTTLE_VARIABLE
from connectors.core.simulator import Simulator
from connectors.hubspot import HubSpotSettings
from connectors.hubspot.simulator import HubSpotSimulator
from connectors.shopify import ShopifySettings
from connectors.shopify.simulator import ShopifySimulator
from connectors.slack import SlackSettings
from connectors.slack.simulator import SlackSimulator
from connectors.stripe import StripeSettings
from connectors.stripe.simulator import StripeSimulator


@dataclass(frozen=True)
class Workload:
    """One vendor's workload: what to read (or post), how many requests it takes, the limit."""

    name: str
    describe: str
    make_simulator: Callable[[], Simulator[Any]]
    limit: Callable[[], RateLimit]
    """A fresh copy of the limit the simulator enforces on these requests."""
    ours: Callable[[Simulator[Any], str], int]
    """Runs the workload through our connector at the base URL; returns items moved."""
    peer: Callable[[Simulator[Any], str, httpx.Client], int]
    """Runs it through the naive peer; returns items moved."""


def ideal_seconds(limit: RateLimit, requests: int) -> float:
    """The least time a perfect client needs to send `requests` under `limit`."""
    now = 0.0
    for _ in range(requests):
        now += limit.delay(now)
        limit.consume(now)
    return now


def _naive(send: Callable[[], httpx.Response]) -> httpx.Response:
    """The peer's way: send, and on a 429 back off exponentially and send again."""
    retrying = Retrying(retry=retry_if_result(lambda r: r.status_code == 429),
                        wait=wait_exponential(multiplier=0.05, max=2.0),
                        stop=stop_after_attempt(30), reraise=True)
    response: httpx.Response = retrying(send)
    response.raise_for_status()
    return response


# -- Shopify: orders, 50 a page, Link-header pagination; leaky bucket of 40 leaking 2/s ----------

SHOPIFY_ORDERS = 2800
SHOPIFY_PAGE = 50


def _shopify_ours(sim: Simulator[Any], base_url: str) -> int:
    with sim.connect(base_url) as shop:
        return sum(1 for _ in shop.orders.list(page_size=SHOPIFY_PAGE))


def _shopify_peer(sim: Simulator[Any], base_url: str, http: httpx.Client) -> int:
    settings = sim.settings(base_url)
    assert isinstance(settings, ShopifySettings)
    headers = {"X-Shopify-Access-Token": settings.access_token.get_secret_value()}
    url: str | None = f"{settings.api_root}/orders.json?limit={SHOPIFY_PAGE}&status=any"
    count = 0
    while url:
        page = _naive(partial(http.get, url, headers=headers))
        count += len(page.json()["orders"])
        url = page.links.get("next", {}).get("url")
    return count


# -- HubSpot: contacts, 20 a page, paging.next.after; 100 requests per rolling 10 s -------------

HUBSPOT_CONTACTS = 3000
HUBSPOT_PAGE = 20


def _hubspot_ours(sim: Simulator[Any], base_url: str) -> int:
    with sim.connect(base_url) as crm:
        return sum(1 for _ in crm.contacts.list(page_size=HUBSPOT_PAGE))


def _hubspot_peer(sim: Simulator[Any], base_url: str, http: httpx.Client) -> int:
    settings = sim.settings(base_url)
    assert isinstance(settings, HubSpotSettings)
    headers = {"Authorization": f"Bearer {settings.access_token.get_secret_value()}"}
    after: str | None = None
    count = 0
    while True:
        params = {"limit": str(HUBSPOT_PAGE), **({"after": after} if after else {})}
        page = _naive(partial(http.get, f"{base_url}/crm/v3/objects/contacts",
                              params=params, headers=headers)).json()
        count += len(page["results"])
        after = page.get("paging", {}).get("next", {}).get("after")
        if not after:
            return count


# -- Stripe: customers, 20 a page, starting_after/has_more; 25 reads a second (test mode) -------

STRIPE_CUSTOMERS = 3500
STRIPE_PAGE = 20


def _stripe_ours(sim: Simulator[Any], base_url: str) -> int:
    with sim.connect(base_url) as stripe:
        return sum(1 for _ in stripe.customers.list(page_size=STRIPE_PAGE))


def _stripe_peer(sim: Simulator[Any], base_url: str, http: httpx.Client) -> int:
    settings = sim.settings(base_url)
    assert isinstance(settings, StripeSettings)
    headers = {"Authorization": f"Bearer {settings.secret_key.get_secret_value()}"}
    params: dict[str, str] = {"limit": str(STRIPE_PAGE)}
    count = 0
    while True:
        page = _naive(partial(http.get, f"{base_url}/v1/customers", params=dict(params),
                              headers=headers)).json()
        count += len(page["data"])
        if not page["has_more"]:
            return count
        params["starting_after"] = page["data"][-1]["id"]


# -- Slack: posts into one channel; 1 a second per channel ---------------------------------------

SLACK_POSTS = 10


def _slack_channel(sim: Simulator[Any]) -> str:
    assert isinstance(sim, SlackSimulator)
    return sim.channel_id("general")


def _slack_ours(sim: Simulator[Any], base_url: str) -> int:
    channel = _slack_channel(sim)
    with sim.connect(base_url) as slack:
        for index in range(SLACK_POSTS):
            slack.chat.post_message(channel, f"benchmark post {index}")
    return SLACK_POSTS


def _slack_peer(sim: Simulator[Any], base_url: str, http: httpx.Client) -> int:
    settings = sim.settings(base_url)
    assert isinstance(settings, SlackSettings)
    headers = {"Authorization": f"Bearer {settings.token.get_secret_value()}"}
    channel = _slack_channel(sim)
    for index in range(SLACK_POSTS):
        body = {"channel": channel, "text": f"peer post {index}"}
        _naive(partial(http.post, f"{settings.base_url}/chat.postMessage", json=body,
                       headers=headers))
    return SLACK_POSTS


WORKLOADS = [
    Workload("shopify", f"{SHOPIFY_ORDERS} orders, {SHOPIFY_PAGE} a page; bucket 40, leak 2/s",
             lambda: ShopifySimulator(orders=SHOPIFY_ORDERS, customers=50, products=10),
             lambda: LeakyBucket(40, 2.0), _shopify_ours, _shopify_peer),
    Workload("hubspot", f"{HUBSPOT_CONTACTS} contacts, {HUBSPOT_PAGE} a page; 100 per 10 s",
             lambda: HubSpotSimulator(contacts=HUBSPOT_CONTACTS, companies=0, deals=0),
             lambda: SlidingWindow(100, 10.0), _hubspot_ours, _hubspot_peer),
    Workload("stripe", f"{STRIPE_CUSTOMERS} customers, {STRIPE_PAGE} a page; 25 reads/s",
             lambda: StripeSimulator(customers=STRIPE_CUSTOMERS, invoices=0, charges=0),
             lambda: LeakyBucket(25.0, 25.0), _stripe_ours, _stripe_peer),
    Workload("slack", f"{SLACK_POSTS} posts into one channel; 1 a second per channel",
             lambda: SlackSimulator(), lambda: SlidingWindow(1, 1.0), _slack_ours, _slack_peer),
]
NOT_MEASURED = {"salesforce": "no per-second limit: a daily allocation of API requests, which "
                              "the connector budgets (see connectors/salesforce/limits.py)"}


@dataclass(frozen=True)
class Measurement:
    """One side's run of one workload."""

    items: int
    requests: int
    seconds: float
    ideal_seconds: float
    http_429: int

    @property
    def rate_ratio(self) -> float:
        """Achieved request rate over the rate the limit allows for these requests."""
        return self.ideal_seconds / self.seconds if self.seconds > 0 else 0.0

    def as_json(self) -> dict[str, Any]:
        """The JSON shape: rate_ratio and http_429 first, then the raw figures."""
        return {"rate_ratio": round(self.rate_ratio, 3), "http_429": self.http_429,
                "items": self.items, "requests": self.requests,
                "seconds": round(self.seconds, 3), "ideal_seconds": round(self.ideal_seconds, 3)}


def measure(workload: Workload, side: str) -> Measurement:
    """Run one side of a workload against a fresh simulator on loopback."""
    simulator = workload.make_simulator()
    with serve_on_loopback(simulator.app) as base_url:
        start = time.perf_counter()
        if side == "ours":
            items = workload.ours(simulator, base_url)
        else:
            with httpx.Client(timeout=30.0) as http:
                items = workload.peer(simulator, base_url, http)
        seconds = time.perf_counter() - start
    refused = simulator.stats.rate_limited
    admitted = simulator.stats.requests - refused
    return Measurement(items=items, requests=admitted, seconds=seconds,
                       ideal_seconds=ideal_seconds(workload.limit(), admitted), http_429=refused)


# -- Two processes reading one account, their throttles sharing state in Redis -------------------

SHARED_PROCESSES = 2
WORKER_START_S = 3.0
"""Time the workers get to start their interpreters before they all begin at once."""
WORKER_TIMEOUT_S = 600.0
REPOSITORY = Path(__file__).resolve().parents[1]
"""Where the workers run, so that `benchmarks.throttle_worker` imports wherever we were started."""


@dataclass(frozen=True)
class SharedAccount:
    """One vendor account several processes read at once: a simulator serving `items` records
    under a limit of `per_second` requests a second (HubSpot's: that many times ten per rolling
    ten seconds)."""

    vendor: str
    make_simulator: Callable[[int, float], Simulator[Any]]
    limit: Callable[[float], RateLimit]


SHARED_ACCOUNTS = {
    "shopify": SharedAccount(
        "shopify",
        lambda items, rate: ShopifySimulator(orders=items, customers=5, products=2,
                                             bucket_size=40, leak_per_second=rate),
        lambda rate: LeakyBucket(40, rate)),
    "stripe": SharedAccount(
        "stripe",
        lambda items, rate: StripeSimulator(customers=items, invoices=0, charges=0,
                                            requests_per_second=rate),
        lambda rate: LeakyBucket(rate, rate)),
    "hubspot": SharedAccount(
        "hubspot",
        lambda items, rate: HubSpotSimulator(contacts=items, companies=0, deals=0,
                                             requests_per_window=int(rate * 10),
                                             window_seconds=10.0),
        lambda rate: SlidingWindow(int(rate * 10), 10.0)),
}
SHARED_ROWS = {
    "shopify, 2 processes, shared state": (
        "shopify", 2000, 50, 2.0,
        f"{SHARED_PROCESSES} processes each read 2000 orders, 50 a page, from one shop; bucket "
        "40, leak 2/s"),
    "stripe, 2 processes, shared state": (
        "stripe", 1750, 20, 25.0,
        f"{SHARED_PROCESSES} processes each read 1750 customers, 20 a page, from one account; 25 "
        "reads/s; no rate-limit headers"),
    "hubspot, 2 processes, shared state": (
        "hubspot", 1500, 20, 10.0,
        f"{SHARED_PROCESSES} processes each read 1500 contacts, 20 a page, from one account; 100 "
        "per 10 s"),
}
"""Row name: vendor, items, page size, requests a second, description. In these rows the peer is
the same processes with per-process throttles (what a second runner did before state was
shared)."""


def _settings_json(settings: ConnectorSettings) -> str:
    """The settings as a worker reads them, secrets written out (they are the simulator's)."""
    fields = settings.model_dump()
    for name, value in fields.items():
        if isinstance(value, SecretStr):
            fields[name] = value.get_secret_value()
    return json.dumps(fields)


def measure_processes(redis_url: str | None, vendor: str, *, items: int, per_second: float,
                      page_size: int = 50, processes: int = SHARED_PROCESSES) -> Measurement:
    """`processes` workers read every record of one simulated account at once; their throttles
    share state in the Redis at `redis_url`, or keep it per process when it is None."""
    account = SHARED_ACCOUNTS[vendor]
    simulator = account.make_simulator(items, per_second)
    environment = {name: value for name, value in os.environ.items()
                   if name != SHARED_THROTTLE_VARIABLE}
    if redis_url is not None:
        environment[SHARED_THROTTLE_VARIABLE] = redis_url
    with serve_on_loopback(simulator.app) as base_url:
        settings = _settings_json(simulator.settings(base_url))
        start = time.time() + WORKER_START_S
        workers = [subprocess.Popen(  # noqa: S603 - our interpreter and module, no shell
            [sys.executable, "-m", "benchmarks.throttle_worker", vendor, repr(start),
             str(page_size)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            env=environment, cwd=REPOSITORY, text=True) for _ in range(processes)]
        reports = []
        for worker in workers:
            out, err = worker.communicate(settings, timeout=WORKER_TIMEOUT_S)
            if worker.returncode != 0:
                raise RuntimeError(f"a throttle worker failed: {err.strip()[-2000:]}")
            reports.append(json.loads(out.strip().splitlines()[-1]))
    refused = simulator.stats.rate_limited
    admitted = simulator.stats.requests - refused
    return Measurement(items=sum(report["items"] for report in reports), requests=admitted,
                       seconds=max(report["finished"] for report in reports) - start,
                       ideal_seconds=ideal_seconds(account.limit(per_second), admitted),
                       http_429=refused)


@contextmanager
def _redis(url: str | None) -> Iterator[str]:
    """The Redis URL to use: the given one, or a throw-away server's."""
    if url is not None:
        yield url
        return
    from tests.support.binaries import redis_server
    from tests.support.redis_server import running_redis
    with running_redis(redis_server()) as started:
        yield started


def run(names: list[str] | None = None, *, redis_url: str | None = None) -> dict[str, Any]:
    """Every workload (or the named ones), ours then the peer's, and the shared-state row; the
    JSON result."""
    result: dict[str, Any] = {}
    for workload in WORKLOADS:
        if names and workload.name not in names:
            continue
        result[workload.name] = {"workload": workload.describe,
                                 "ours": measure(workload, "ours").as_json(),
                                 "peer": measure(workload, "peer").as_json()}
    for name, reason in NOT_MEASURED.items():
        if not names or name in names:
            result[name] = {"workload": reason, "ours": None, "peer": None}
    rows = {name: row for name, row in SHARED_ROWS.items()
            if not names or name in names or row[0] in names}
    if rows:
        with _redis(redis_url) as url:
            for name, (vendor, items, page, per_second, describe) in rows.items():
                result[name] = {
                    "workload": describe,
                    "ours": measure_processes(url, vendor, items=items, page_size=page,
                                              per_second=per_second).as_json(),
                    "peer": measure_processes(None, vendor, items=items, page_size=page,
                                              per_second=per_second).as_json()}
    return result


def _table(result: dict[str, Any]) -> Table:
    table = Table(title="Request rate as a share of the vendor's limit (1.0 = the limit), "
                        "and 429s received", caption="ideal time / actual time for the same "
                                                     "requests; loopback, real clock")
    for column in ("connector", "workload", "ours: ratio", "ours: 429s", "peer: ratio",
                   "peer: 429s"):
        table.add_column(column)
    for name, row in result.items():
        ours, peer = row["ours"], row["peer"]
        if ours is None:
            table.add_row(name, row["workload"], "—", "—", "—", "—")
            continue
        table.add_row(name, row["workload"], f"{ours['rate_ratio']:.3f}", str(ours["http_429"]),
                      f"{peer['rate_ratio']:.3f}", str(peer["http_429"]))
    return table


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark; a table for people, or one JSON object with --json."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--only", action="append",
                        help="run only this connector's rows (repeatable)")
    parser.add_argument("--redis", metavar="URL", default=None,
                        help="the Redis the shared-state row uses instead of a throw-away server")
    arguments = parser.parse_args(argv)
    result = run(arguments.only, redis_url=arguments.redis)
    if arguments.json:
        print(json.dumps(result))
    else:
        Console().print(_table(result))


if __name__ == "__main__":
    main()
