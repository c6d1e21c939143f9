"""A worker process for the lease tests: the app's queue and leases, with a handler that logs
when each job starts and ends and sleeps as long as the job asks (no GitHub, no model).

Run as `python -m tests.bot.jobs.lease_worker LOG` with the app's environment."""

from __future__ import annotations

import os
import sys
import time
from datetime import timedelta
from pathlib import Path

from bot.jobs.job_queue import JobQueue, make_huey
from bot.settings import load_settings
from bot.store import Job, JobState, open_app_store


def main(log: Path) -> None:
    settings = load_settings()
    queue = JobQueue(make_huey(settings), open_app_store(settings.database), lock_wait_s=0.2,
                     lease_ttl=timedelta(seconds=settings.lease_ttl_s))

    def work(job: Job) -> JobState:
        with log.open("a") as out:
            out.write(f"{os.getpid()} start {job.id} {time.time()}\n")
        time.sleep(float(job.request.get("sleep", 0)))
        with log.open("a") as out:
            out.write(f"{os.getpid()} end {job.id} {time.time()}\n")
        return JobState.SUCCEEDED

    queue.register("generate")(work)
    queue.register("revise")(work)
    queue.huey.create_consumer(workers=1, worker_type="thread", periodic=False,
                               scheduler_interval=0.1, max_delay=0.2).run()


if __name__ == "__main__":
    main(Path(sys.argv[1]))
