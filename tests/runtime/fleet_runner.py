"""One runner of a fleet, for the several-machines tests: what `flowbot runner start` runs (the
runner service on the runner's Redis queue, a Huey consumer) without the GitHub App — the
version comes from a local remote, every gate stage passes.

    python -m tests.runtime.fleet_runner DATA REMOTE STORE_URL SECRETS REDIS_URL LEASE_S
"""

from __future__ import annotations

import sys
from pathlib import Path

from huey import RedisHuey

from bot.cli.runner import QUEUE_NAME
from flowkit.runtime.service.runner import RunnerService, RunnerSettings
from flowkit.runtime.service.versions import Versions
from flowkit.runtime.store import open_store


def main(data: Path, remote: str, store_url: str, secrets: Path, redis_url: str,
         lease_s: float) -> None:
    versions = Versions(data, remote, "main", open_store(store_url), gate=lambda root: [])
    service = RunnerService(RedisHuey(QUEUE_NAME, url=redis_url), versions, RunnerSettings(
        data_dir=data, database_url=store_url, secrets_file=secrets, poll=None,
        lease_s=lease_s))
    service.refresh()
    print(f"ready {service.leases.owner}", flush=True)
    # no periodic tasks: the flow runs when the test enqueues it, not on the clock's minute
    service.huey.create_consumer(workers=2, worker_type="thread", periodic=False,
                                 max_delay=0.2).run()


if __name__ == "__main__":
    main(Path(sys.argv[1]), sys.argv[2], sys.argv[3], Path(sys.argv[4]), sys.argv[5],
         float(sys.argv[6]))
