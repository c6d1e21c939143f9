"""The child process that runs one flow of one deployed version, and nothing else.

It is started by the runner with the version's checkout, the flow's name, the runtime store's
URL and that flow's connector credentials in its environment — no GitHub App key, no other
flow's credentials. It imports the flow (merged code, past the gate); first replays the failed
packets of earlier versions whose flow code has changed since (a merged repair), then runs the
flow once through the ledger — or, with `--replay-only`, only replays — and prints one JSON
line: the run id, the counts, the replays' counts, the failed messages' ids, the cursor.

    python -I -m flowkit.runtime.service.child CHECKOUT FLOW [--replay-only]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
from datetime import datetime
from pathlib import Path

from flowkit.errors import FlowDefinitionError
from flowkit.loading import flow_folder
from flowkit.runtime.connections import SettingsMissing
from flowkit.runtime.runner import RunError, RunSummary
from flowkit.runtime.service.changes import flow_changed_since
from flowkit.runtime.session import open_flow
from flowkit.spec import SpecError

EXIT_CANNOT_OPEN = 2
EXIT_RUN_STOPPED = 3
EXIT_ORPHANED = 4
PARENT_CHECK_S = 0.5


def _die_with_parent() -> None:
    """End this process when the runner that started it is gone: its lease is no longer
    renewed, so another runner may take the flow over, and two runs must never overlap. What
    this run had finished is in the ledger; what it had claimed is resumed or held in doubt."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_CHECK_S)
        os._exit(EXIT_ORPHANED)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def main(argv: list[str] | None = None) -> int:
    """Run the flow once; the summary on stdout, a one-line reason on stderr when it cannot."""
    parser = argparse.ArgumentParser(description="Run one flow of a deployed version once.")
    parser.add_argument("checkout", type=Path)
    parser.add_argument("flow")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--replay-only", action="store_true",
                        help="Replay the failed packets a new version may fix; read no source.")
    arguments = parser.parse_args(argv)
    _die_with_parent()
    try:
        folder = flow_folder(arguments.checkout, arguments.flow)
        session = open_flow(arguments.checkout, arguments.flow)
    except (FlowDefinitionError, SpecError, SettingsMissing) as error:
        print(f"cannot run {arguments.flow}: {error}", file=sys.stderr)
        return EXIT_CANNOT_OPEN
    summary: RunSummary | None = None
    try:
        replayed = session.runner.replay_waiting(
            lambda commit: flow_changed_since(arguments.checkout, folder, commit))
        if not arguments.replay_only:
            summary = session.runner.run(concurrency=arguments.concurrency)
    except RunError as error:
        print(str(error), file=sys.stderr)
        return EXIT_RUN_STOPPED
    finally:
        session.close()
    cursor = summary.cursor if summary is not None else None
    print(json.dumps({"run_id": summary.run_id if summary is not None else None,
                      "counts": dict(summary.counts) if summary is not None else {},
                      "replayed": dict(replayed.counts),
                      "resolved_ids": replayed.resolved_ids,
                      "failure_ids": replayed.failure_ids + (
                          summary.failure_ids if summary is not None else []),
                      "cursor": None if cursor is None else (
                          cursor.isoformat() if isinstance(cursor, datetime) else str(cursor))}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
