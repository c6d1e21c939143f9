"""Two runners on one store: the refresh reaches one of them (a task of the shared queue), the
other starts its next run on the version that one deployed, checked out on its own disk."""

from __future__ import annotations

import subprocess
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from flowkit.runtime.service.versions import Versions
from tests.runtime.test_runner_kill import _remote


def _commit(remote: Path) -> str:
    (remote / "flows" / "NOTES.md").write_text("a second commit\n")
    for arguments in (["add", "-A"], ["-c", "user.name=dev", "-c", "user.email=dev@example.com",
                                      "commit", "-q", "-m", "notes"]):
        subprocess.run(["git", *arguments], cwd=remote, check=True, capture_output=True,
                       timeout=60)
    return subprocess.run(["git", "rev-parse", "HEAD"], cwd=remote, check=True, text=True,
                          capture_output=True, timeout=60).stdout.strip()


def test_a_version_deployed_by_one_runner_is_the_next_run_of_another(
        tmp_path: Path, sessions: sessionmaker[Session]) -> None:
    remote = _remote(tmp_path)
    first, second = (Versions(tmp_path / name, str(remote), "main", sessions,
                              gate=lambda root: []) for name in ("first", "second"))
    deployed = first.update()
    assert deployed is not None
    joined = second.update()  # the store knows it already: checked out, not gated again
    assert joined is not None
    assert joined.commit == deployed.commit
    assert (joined.path / "flows").is_dir()

    newer = _commit(remote)
    refreshed = first.update()  # only the first took the refresh
    assert refreshed is not None
    assert refreshed.commit == newer

    with second.hold() as version:
        assert version.commit == newer
        assert (version.path / "flows" / "NOTES.md").is_file()
