"""A host uid of its own for each sandbox a root process starts.

Run by root, the sandbox drops to an unprivileged uid before bubblewrap starts (see `bwrap.py`).
RLIMIT_NPROC counts every process of a uid, so sandboxes sharing one uid would share one
process budget: a fork bomb in one gate would starve every other gate running at the time. So
each run leases a uid from a range no account uses, held by an exclusive `flock` on a file of
that number for as long as the run lasts; the kernel releases it if the holder dies.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import random
import tempfile
from collections.abc import Iterator
from pathlib import Path

from .errors import SandboxUnavailable

FIRST_UID = 1_500_000_000
"""The first uid of the range: far above any account's (system or regular) uid."""
UID_COUNT = 4096
"""How many sandboxes may run at once on one host."""


def _lease_folder() -> Path:
    folder = Path(tempfile.gettempdir()) / f"flowbot-sandbox-uids-{os.getuid()}"
    with contextlib.suppress(FileExistsError):
        folder.mkdir(mode=0o700)
    info = folder.lstat()
    if folder.is_symlink() or info.st_uid != os.getuid() or info.st_mode & 0o077:
        raise SandboxUnavailable(f"{folder} is not a private folder of uid {os.getuid()}: "
                                 "remove it so the sandbox can lease its uids there")
    return folder


@contextlib.contextmanager
def leased_uid() -> Iterator[int]:
    """A uid of the range that no other sandbox of this host holds, for the `with` block.

    Raises SandboxUnavailable when every uid of the range is taken.
    """
    folder = _lease_folder()
    start = random.randrange(UID_COUNT)  # noqa: S311 - spreads the search, no secret
    for offset in range(UID_COUNT):
        uid = FIRST_UID + (start + offset) % UID_COUNT
        fd = os.open(folder / str(uid), os.O_CREAT | os.O_RDWR | os.O_NOFOLLOW, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            continue
        try:
            yield uid
        finally:
            os.close(fd)  # closing the file releases the lock
        return
    raise SandboxUnavailable(f"all {UID_COUNT} sandbox uids are in use: too many sandboxes "
                             "at once on this host")
