"""The sandbox's limits hold against code that tries to step around them, in the real sandbox.

A nested user namespace would give the code capabilities, and with them mounts (a tmpfs past
the /tmp cap); the memory a sandbox can hold is bounded as a whole; one sandbox's processes
do not use up another's process budget; a private checkout is refused with a clear reason.
"""

import os
import sys
import threading
from pathlib import Path

import pytest
from pydantic import ValidationError

from flowkit.sandbox import (
    Outcome,
    SandboxConfigError,
    SandboxLimits,
    SandboxResult,
    run_sandboxed,
)

MIB = 1 << 20
LIMITS = SandboxLimits(cpu_seconds=10, memory_bytes=512 * MIB, max_processes=16,
                       max_file_bytes=64 * MIB, tmp_bytes=8 * MIB, wall_seconds=20,
                       max_output_bytes=8192)
VENV = Path(sys.prefix)


def sandboxed(argv: list[str], bwrap: Path, limits: SandboxLimits = LIMITS) -> SandboxResult:
    return run_sandboxed(argv, workdir=Path("/tmp"), readonly_paths=[VENV], limits=limits,
                         bwrap=bwrap)


@pytest.mark.parametrize("argv", [
    pytest.param(["unshare", "--user", "true"], id="user-namespace"),
    pytest.param(["unshare", "--map-root-user", "--mount", "true"], id="as-root-in-it"),
    pytest.param(["unshare", "--map-root-user", "--mount", "sh", "-c",
                  "mount -t tmpfs -o size=64m none /tmp && echo ESCAPED"], id="tmpfs-in-it"),
])
def test_a_nested_user_namespace_cannot_be_created(bwrap_path: Path, argv: list[str]) -> None:
    result = sandboxed(argv, bwrap_path)

    assert result.exit_code == 1, result.stdout + result.stderr
    # the kernel's answer when a namespace's user namespace limit is 0
    assert "unshare: unshare failed: No space left on device" in result.stderr
    assert "ESCAPED" not in result.stdout


@pytest.mark.parametrize("place", ["/tmp", "/dev/shm", "/dev"])
def test_no_writable_place_holds_more_than_the_tmp_cap(bwrap_path: Path, place: str) -> None:
    """Writing 32 MiB where the sandbox can write: /tmp stops at its cap, the rest refuse."""
    result = sandboxed(["sh", "-c", f"dd if=/dev/zero of={place}/fill bs=1M count=32; "
                                    f"du -sk {place}/fill"], bwrap_path)

    written = result.stdout.split()[0] if result.stdout.strip() else "0"
    assert int(written) <= LIMITS.tmp_bytes // 1024, result.stdout + result.stderr
    assert "No space left on device" in result.stderr or "Read-only file system" in \
        result.stderr or "No such file or directory" in result.stderr, result.stderr


def test_the_default_limits_bound_the_sandbox_as_a_whole() -> None:
    limits = SandboxLimits()

    assert limits.worst_case_bytes <= limits.whole_memory_bytes
    with pytest.raises(ValidationError, match="lower max_processes or memory_bytes"):
        SandboxLimits(max_processes=64, memory_bytes=2 << 30)


FILL = """\
import subprocess, sys, time
children = [subprocess.Popen(["sleep", "4"]) for _ in range(int(sys.argv[1]))]
print("started", len(children), flush=True)
for child in children:
    child.wait()
"""


def test_concurrent_sandboxes_do_not_share_one_process_budget(bwrap_path: Path) -> None:
    """Two sandboxes at once, each holding most of its own process limit: both succeed."""
    each = LIMITS.max_processes - 4  # the CPU-time shell and Python are counted too
    results: list[SandboxResult] = []

    def run() -> None:
        results.append(sandboxed([sys.executable, "-c", FILL, str(each)], bwrap_path))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert [r.outcome for r in results] == [Outcome.OK, Outcome.OK], \
        "\n".join(r.stderr[-500:] for r in results)
    assert all(f"started {each}" in r.stdout for r in results)


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can make a folder it cannot read "
                    "be unreadable to the sandbox")
def test_a_private_checkout_is_refused_with_the_fix(bwrap_path: Path, tmp_path: Path) -> None:
    private = tmp_path / "private-checkout"
    private.mkdir()
    private.chmod(0o700)

    with pytest.raises(SandboxConfigError, match=r"not world-readable .*chmod o\+rx"):
        run_sandboxed(["true"], workdir=private, readonly_paths=[private], bwrap=bwrap_path)
