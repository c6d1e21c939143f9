"""Tests of `flowkit.sandbox`: the hostile corpus is contained, the host is unaffected.

Each script of `tests/sandbox_corpus/` attacks the sandbox. A script whose attack works
prints `ESCAPED` and exits 0; a failed attack ends in the traceback of the error the
sandbox caused, or in a kill by a limit. Every case asserts the precise outcome, and where
the host could be hurt it checks the host too: files unchanged, processes gone, no
connection received. Limits are small so that the whole file runs in seconds.
"""

import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import tracemalloc
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from flowkit.sandbox import (
    BASE_ENVIRONMENT,
    BWRAP_VARIABLE,
    OPT_OUT_VALUE,
    OPT_OUT_VARIABLE,
    Outcome,
    SandboxConfigError,
    SandboxLimits,
    SandboxResult,
    SandboxUnavailable,
    run_sandboxed,
)

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "tests" / "sandbox_corpus"
VENV = Path(sys.prefix)
PYTHON = sys.executable
MIB = 1 << 20

SMALL = SandboxLimits(
    cpu_seconds=5,
    memory_bytes=512 * MIB,
    max_processes=16,
    max_file_bytes=MIB,
    tmp_bytes=16 * MIB,
    wall_seconds=10,
    max_output_bytes=4096,
)


@pytest.fixture(autouse=True)
def _no_opt_out(monkeypatch: pytest.MonkeyPatch) -> None:
    """Start every test without the operator's opt-out or bwrap override in the environment."""
    monkeypatch.delenv(OPT_OUT_VARIABLE, raising=False)
    monkeypatch.delenv(BWRAP_VARIABLE, raising=False)


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """A small, world-readable clone: one importable module, one file, a token in .git."""
    root = tmp_path / "checkout"
    root.mkdir(mode=0o755)
    root.chmod(0o755)  # mkdir's mode is filtered by the umask
    (root / "flowmod.py").write_text('GREETING = "hello from the checkout"\n')
    (root / "existing.txt").write_text("original\n")
    (root / ".git").mkdir()
    (root / ".git" / "config").write_text(
        '[http "https://github.com/"]\n\textraheader = AUTHORIZATION: basic eC1hY2Nlc3M=\n'
    )
    return root


def run_corpus(
    script: str,
    *args: str,
    checkout: Path,
    bwrap: Path | str | None,
    limits: SandboxLimits = SMALL,
) -> SandboxResult:
    """Run a corpus script with the checkout, the repository and the venv read-only."""
    return run_sandboxed(
        [PYTHON, str(CORPUS / script), *args],
        workdir=checkout,
        readonly_paths=[checkout, REPO, VENV],
        env={"PYTHONPATH": str(checkout)},
        limits=limits,
        bwrap=bwrap,
    )


def processes_running(script: str) -> int:
    """Count the host's processes whose command line names the corpus script `script`."""
    needle = str(CORPUS / script).encode()
    count = 0
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):  # the process ended while we looked
                count += needle in (entry / "cmdline").read_bytes()
    return count


def wait_until_gone(script: str, seconds: float = 3.0) -> int:
    """Wait until no process runs `script`; return how many still do at the end."""
    deadline = time.monotonic() + seconds
    while (left := processes_running(script)) and time.monotonic() < deadline:
        time.sleep(0.02)
    return left


# --- no false alarms ------------------------------------------------------------------------


def test_a_benign_script_writes_tmp_and_imports_from_the_checkout(
    bwrap_path: Path, checkout: Path
) -> None:
    result = run_corpus("benign.py", checkout=checkout, bwrap=bwrap_path)

    assert result.outcome is Outcome.OK, result.describe() + result.stderr
    assert result.sandboxed
    assert result.stdout == "benign ok: hello from the checkout, HOME=/tmp\n"
    assert result.stderr == ""
    assert not result.output_truncated
    assert result.cpu_seconds is not None
    assert 0 <= result.cpu_seconds < SMALL.cpu_seconds
    assert "inside the bubblewrap sandbox and exited with status 0" in result.describe()


def test_the_real_checkout_and_its_virtualenv_work_read_only(bwrap_path: Path) -> None:
    result = run_sandboxed(
        [PYTHON, "-c", "import connectors, flowkit.sandbox; print('imported')"],
        workdir=REPO,
        readonly_paths=[REPO, VENV],
        bwrap=bwrap_path,
    )

    assert result.outcome is Outcome.OK, result.stderr
    assert result.stdout == "imported\n"


# --- the hostile corpus ---------------------------------------------------------------------


@pytest.fixture
def host_listener() -> Iterator[socket.socket]:
    """A TCP socket listening on the host's loopback, proven reachable from the host."""
    with socket.create_server(("127.0.0.1", 0)) as server:
        with socket.create_connection(server.getsockname(), timeout=2):
            server.accept()[0].close()  # the host itself gets through: the test can fail
        server.setblocking(False)
        yield server


def test_a_connection_to_a_port_the_host_listens_on_is_refused(
    bwrap_path: Path, checkout: Path, host_listener: socket.socket
) -> None:
    port = str(host_listener.getsockname()[1])

    result = run_corpus("connect.py", "127.0.0.1", port, checkout=checkout, bwrap=bwrap_path)

    assert result.outcome is Outcome.EXIT_NONZERO
    assert result.exit_code == 1
    assert "ConnectionRefusedError: [Errno 111] Connection refused" in result.stderr
    assert "ESCAPED" not in result.stdout
    with pytest.raises(BlockingIOError):
        host_listener.accept()  # nothing reached the host's socket


def test_a_connection_to_a_public_address_finds_no_network(
    bwrap_path: Path, checkout: Path
) -> None:
    result = run_corpus("connect.py", "1.1.1.1", "443", checkout=checkout, bwrap=bwrap_path)

    assert result.outcome is Outcome.EXIT_NONZERO
    assert "OSError: [Errno 101] Network is unreachable" in result.stderr
    assert "ESCAPED" not in result.stdout


@pytest.mark.parametrize(
    "target",
    [
        pytest.param(lambda tmp: Path("/etc/shadow"), id="etc-shadow"),
        pytest.param(lambda tmp: Path("/etc/gshadow"), id="etc-gshadow"),
        pytest.param(lambda tmp: tmp / "host-secret.txt", id="unbound-host-file"),
        pytest.param(lambda tmp: tmp / "checkout" / ".git" / "config", id="git-config"),
    ],
)
def test_secret_files_do_not_exist_inside(
    bwrap_path: Path, checkout: Path, tmp_path: Path, target: Callable[[Path], Path]
) -> None:
    (tmp_path / "host-secret.txt").write_text("host secret\n")
    path = target(tmp_path)
    assert path.exists()  # on the host it is there

    result = run_corpus("read_file.py", str(path), checkout=checkout, bwrap=bwrap_path)

    assert result.outcome is Outcome.EXIT_NONZERO
    assert f"FileNotFoundError: [Errno 2] No such file or directory: '{path}'" in result.stderr
    assert "ESCAPED" not in result.stdout


def test_the_parents_environment_is_invisible(
    bwrap_path: Path, checkout: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = f"sk-test-{secrets.token_hex(16)}"
    monkeypatch.setenv("FLOWBOT_TEST_SECRET", secret)
    leaked = subprocess.run(
        [PYTHON, "-c", "import os; print(os.environ['FLOWBOT_TEST_SECRET'])"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert leaked.stdout.strip() == secret  # an ordinary child would see it

    result = run_corpus("environ_dump.py", checkout=checkout, bwrap=bwrap_path)

    assert result.outcome is Outcome.OK, result.stderr
    assert secret not in result.stdout + result.stderr
    assert "FLOWBOT_TEST_SECRET" not in result.stdout
    seen = json.loads(result.stdout)
    assert set(seen["environ"]) == {*BASE_ENVIRONMENT, "PYTHONPATH", "PWD"}
    assert max(seen["pids"]) < 10  # a fresh PID namespace: the host's processes are not there


@pytest.mark.parametrize(
    "target",
    [
        pytest.param(lambda co: co / "new-file.txt", id="checkout-new-file"),
        pytest.param(lambda co: co / "existing.txt", id="checkout-existing-file"),
        pytest.param(lambda co: VENV / f"flowbot-escape-{uuid.uuid4().hex}", id="venv"),
        pytest.param(lambda co: Path(f"/etc/flowbot-escape-{uuid.uuid4().hex}"), id="etc"),
        pytest.param(lambda co: Path("/etc/hosts"), id="etc-hosts"),
        pytest.param(lambda co: Path(f"/usr/flowbot-escape-{uuid.uuid4().hex}"), id="usr"),
        pytest.param(lambda co: Path(f"/flowbot-escape-{uuid.uuid4().hex}"), id="root-dir"),
    ],
)
def test_nothing_outside_tmp_is_writable(
    bwrap_path: Path, checkout: Path, target: Callable[[Path], Path]
) -> None:
    path = target(checkout)
    before = path.read_bytes() if path.exists() else None
    # Run by root, the sandbox user (65534) does not own existing files, and permissions are
    # checked before the read-only mount is; run unprivileged, it maps to their owner.
    error = (
        "PermissionError: [Errno 13] Permission denied"
        if before is not None and os.geteuid() == 0
        else "OSError: [Errno 30] Read-only file system"
    )
    try:
        result = run_corpus("write_file.py", str(path), checkout=checkout, bwrap=bwrap_path)

        assert result.outcome is Outcome.EXIT_NONZERO
        assert f"{error}: '{path}'" in result.stderr
        assert "ESCAPED" not in result.stdout
        assert (path.read_bytes() if path.exists() else None) == before
    finally:
        if before is None:
            path.unlink(missing_ok=True)


def test_a_fork_bomb_is_held_to_the_process_limit_and_then_killed(
    bwrap_path: Path, checkout: Path
) -> None:
    limits = SMALL.model_copy(update={"max_processes": 16, "wall_seconds": 2})
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, processes_running("fork_bomb.py"))
            time.sleep(0.01)

    sampler = threading.Thread(target=sample)
    sampler.start()
    try:
        result = run_corpus("fork_bomb.py", checkout=checkout, bwrap=bwrap_path, limits=limits)
    finally:
        done.set()
        sampler.join()

    assert result.outcome is Outcome.TIMEOUT
    assert "after 2.0 s of wall-clock time (limit 2 s)" in result.describe()
    # the limit's processes, plus bubblewrap's (they too have the script in their argv): two,
    # and a third when run by root (the second, unprivileged bubblewrap's own process)
    assert 10 <= peak <= limits.max_processes + (3 if os.geteuid() == 0 else 2)
    assert wait_until_gone("fork_bomb.py") == 0


def test_a_memory_bomb_hits_the_memory_limit(bwrap_path: Path, checkout: Path) -> None:
    limits = SMALL.model_copy(update={"memory_bytes": 256 * MIB})

    result = run_corpus("memory_bomb.py", checkout=checkout, bwrap=bwrap_path, limits=limits)

    assert result.outcome is Outcome.MEMORY_LIMIT
    assert result.exit_code == 1
    assert result.stderr.rstrip().endswith("MemoryError")
    assert "could not allocate beyond the limit of 256 MiB" in result.describe()


def test_an_endless_loop_hits_the_cpu_limit(bwrap_path: Path, checkout: Path) -> None:
    limits = SMALL.model_copy(update={"cpu_seconds": 1})

    result = run_corpus("endless_loop.py", checkout=checkout, bwrap=bwrap_path, limits=limits)

    assert result.outcome is Outcome.CPU_LIMIT
    assert result.signal == signal.SIGXCPU
    assert result.exit_code == 128 + signal.SIGXCPU
    assert result.cpu_seconds is not None
    assert 0.9 <= result.cpu_seconds < 2.5
    assert result.wall_seconds < SMALL.wall_seconds
    assert "killed by the CPU-time limit (1 s per process)" in result.describe()


def test_a_sleeping_tree_is_killed_by_the_wall_clock(bwrap_path: Path, checkout: Path) -> None:
    limits = SMALL.model_copy(update={"wall_seconds": 1})

    result = run_corpus("sleeper.py", checkout=checkout, bwrap=bwrap_path, limits=limits)

    assert result.outcome is Outcome.TIMEOUT
    assert 1 <= result.wall_seconds < 2
    assert result.cpu_seconds is None
    assert "killed, with every process it started, after 1.0 s" in result.describe()
    assert wait_until_gone("sleeper.py") == 0


def test_a_flood_of_output_is_cut_in_the_middle_with_the_parent_memory_bounded(
    bwrap_path: Path, checkout: Path
) -> None:
    flood = 64 * MIB
    tracemalloc.start()
    try:
        result = run_corpus("output_flood.py", str(flood), checkout=checkout, bwrap=bwrap_path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert result.outcome is Outcome.OK
    assert result.output_truncated
    assert result.stdout_bytes > flood
    assert result.stdout.startswith("flood flood")
    assert result.stdout.endswith("flood flood \nflood ends\n")
    assert f"bytes of stdout cut here; {result.stdout_bytes} bytes in all" in result.stdout
    assert len(result.stdout.encode()) < SMALL.max_output_bytes + 200
    assert result.stderr == "flood starts\n"
    assert peak < 2 * MIB  # the parent held a few chunks, never the flood
    assert "Its output was cut to the first and last 4 KiB per stream" in result.describe()


def test_an_endless_flood_is_cut_and_stopped_by_the_wall_clock(
    bwrap_path: Path, checkout: Path
) -> None:
    limits = SMALL.model_copy(update={"wall_seconds": 1})

    result = run_corpus("output_flood.py", "0", checkout=checkout, bwrap=bwrap_path, limits=limits)

    assert result.outcome is Outcome.TIMEOUT
    assert result.output_truncated
    assert result.stdout_bytes > 10 * MIB
    assert wait_until_gone("output_flood.py") == 0


@pytest.mark.parametrize(
    ("limits", "error"),
    [
        pytest.param(
            SMALL.model_copy(update={"max_file_bytes": MIB}),
            "OSError: [Errno 27] File too large",
            id="file-size",
        ),
        pytest.param(
            SMALL.model_copy(update={"max_file_bytes": 64 * MIB, "tmp_bytes": 2 * MIB}),
            "OSError: [Errno 28] No space left on device",
            id="tmp-size",
        ),
    ],
)
def test_a_big_file_hits_the_file_limits(
    bwrap_path: Path, checkout: Path, limits: SandboxLimits, error: str
) -> None:
    result = run_corpus(
        "big_file.py", str(8 * MIB), checkout=checkout, bwrap=bwrap_path, limits=limits
    )

    assert result.outcome is Outcome.FILE_SIZE_LIMIT
    assert error in result.stderr
    assert "ESCAPED" not in result.stdout


# --- refusals ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["GITHUB_TOKEN", "AWS_SECRET_ACCESS_KEY", "ANTHROPIC_API_KEY", "DB_PASSWORD", "my_auth", "A=B"],
)
def test_credential_like_environment_names_are_refused(
    bwrap_path: Path, checkout: Path, name: str
) -> None:
    value = f"value-{secrets.token_hex(8)}"
    with pytest.raises(SandboxConfigError, match="refusing to pass these environment") as error:
        run_sandboxed(
            [PYTHON, "-c", "pass"],
            workdir=checkout,
            readonly_paths=[checkout],
            env={"SIMULATOR_URL": "http://127.0.0.1:1", name: value},
            bwrap=bwrap_path,
        )
    assert repr(name) in str(error.value)
    assert "SIMULATOR_URL" not in str(error.value)
    assert value not in str(error.value)


@pytest.mark.parametrize(
    ("workdir", "readonly", "message"),
    [
        pytest.param("/tmp", ["/"], "refusing to bind / into the sandbox", id="root"),
        pytest.param("/tmp", ["/etc"], "refusing to bind /etc into the sandbox", id="etc"),
        pytest.param("/tmp", ["relative/path"], "is not absolute", id="relative"),
        pytest.param("/tmp", ["/nonexistent-flowbot"], "does not exist", id="missing"),
        pytest.param("/usr", [], "neither /tmp nor inside a read-only path", id="workdir"),
    ],
)
def test_bad_paths_are_refused(
    bwrap_path: Path, workdir: str, readonly: list[str], message: str
) -> None:
    with pytest.raises(SandboxConfigError, match=message):
        run_sandboxed(
            ["true"],
            workdir=Path(workdir),
            readonly_paths=[Path(p) for p in readonly],
            bwrap=bwrap_path,
        )


# --- no bubblewrap: refuse, unless the operator opts out exactly --------------------------


def test_a_missing_bwrap_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    with pytest.raises(SandboxUnavailable) as error:
        run_sandboxed(
            ["true"], workdir=Path("/tmp"), readonly_paths=[], bwrap=tmp_path / "no-bwrap"
        )

    message = str(error.value)
    assert f"bubblewrap was not found at the path given ({tmp_path / 'no-bwrap'})" in message
    assert "apt-get install bubblewrap" in message
    assert f"{OPT_OUT_VARIABLE}={OPT_OUT_VALUE}" in message


def test_the_bwrap_variable_names_the_binary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(BWRAP_VARIABLE, str(tmp_path / "no-bwrap"))

    with pytest.raises(SandboxUnavailable, match=r"not found at \$FLOWBOT_BWRAP"):
        run_sandboxed(["true"], workdir=Path("/tmp"), readonly_paths=[])


@pytest.mark.parametrize(
    "value", ["1", "yes", OPT_OUT_VALUE.lower(), f"{OPT_OUT_VALUE} ", f"{OPT_OUT_VALUE}_"]
)
def test_an_inexact_opt_out_still_refuses(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv(OPT_OUT_VARIABLE, value)

    with pytest.raises(SandboxUnavailable, match="is set, but not to the exact value"):
        run_sandboxed(
            ["true"], workdir=Path("/tmp"), readonly_paths=[], bwrap=tmp_path / "no-bwrap"
        )


@pytest.fixture
def opted_out(monkeypatch: pytest.MonkeyPatch) -> None:
    """The operator's exact opt-out is set."""
    monkeypatch.setenv(OPT_OUT_VARIABLE, OPT_OUT_VALUE)


@pytest.mark.usefixtures("opted_out")
def test_the_exact_opt_out_runs_unsandboxed_with_limits_and_a_clean_environment(
    tmp_path: Path, checkout: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = f"sk-test-{secrets.token_hex(16)}"
    monkeypatch.setenv("FLOWBOT_TEST_SECRET", secret)
    code = (
        "import os, resource\n"
        "for name in ('CPU', 'AS', 'FSIZE', 'CORE'):\n"
        "    print(name, *resource.getrlimit(getattr(resource, 'RLIMIT_' + name)))\n"
        "print(sorted(os.environ))\n"
        "print(os.environ.get('FLOWBOT_TEST_SECRET'))\n"
    )

    result = run_sandboxed(
        [PYTHON, "-c", code],
        workdir=checkout,
        readonly_paths=[checkout],
        limits=SMALL,
        bwrap=tmp_path / "no-bwrap",
    )

    assert result.outcome is Outcome.OK, result.stderr
    assert not result.sandboxed
    assert result.describe().startswith("The command ran WITHOUT the sandbox")
    assert "bubblewrap was not found" in result.describe()
    assert result.stdout.splitlines()[:4] == [
        f"CPU {SMALL.cpu_seconds} {SMALL.cpu_seconds + 1}",
        f"AS {SMALL.memory_bytes} {SMALL.memory_bytes}",
        f"FSIZE {SMALL.max_file_bytes} {SMALL.max_file_bytes}",
        "CORE 0 0",
    ]
    assert result.stdout.splitlines()[4] == str(sorted({*BASE_ENVIRONMENT, "PWD"}))
    assert result.stdout.splitlines()[5] == "None"
    assert secret not in result.stdout


@pytest.mark.usefixtures("opted_out")
def test_the_opt_out_still_kills_the_whole_tree_at_the_wall_clock(
    tmp_path: Path, checkout: Path
) -> None:
    limits = SMALL.model_copy(update={"wall_seconds": 1})

    result = run_corpus("sleeper.py", checkout=checkout, bwrap=tmp_path / "no-bwrap", limits=limits)

    assert result.outcome is Outcome.TIMEOUT
    assert not result.sandboxed
    assert "was killed, with its process group, after 1.0 s" in result.describe()
    assert wait_until_gone("sleeper.py") == 0


@pytest.fixture
def broken_bwrap(tmp_path: Path) -> Path:
    """A `bwrap` that fails the way bubblewrap does where user namespaces are forbidden."""
    fake = tmp_path / "bwrap"
    fake.write_text("#!/bin/sh\necho 'bwrap: No permissions to create new namespace' >&2\nexit 1\n")
    fake.chmod(0o755)
    return fake


def test_a_bwrap_that_cannot_build_a_sandbox_is_refused(broken_bwrap: Path) -> None:
    with pytest.raises(SandboxUnavailable) as error:
        run_sandboxed(["true"], workdir=Path("/tmp"), readonly_paths=[], bwrap=broken_bwrap)

    assert f"bubblewrap at {broken_bwrap} could not build a sandbox here" in str(error.value)
    assert "No permissions to create new namespace" in str(error.value)


@pytest.mark.usefixtures("opted_out")
def test_the_opt_out_covers_a_bwrap_that_cannot_build_a_sandbox(broken_bwrap: Path) -> None:
    result = run_sandboxed(["true"], workdir=Path("/tmp"), readonly_paths=[], bwrap=broken_bwrap)

    assert result.outcome is Outcome.OK
    assert not result.sandboxed
    assert "could not build a sandbox here" in result.describe()


@pytest.mark.usefixtures("opted_out")
def test_sandboxed_code_cannot_fake_a_broken_bwrap_to_get_out(
    bwrap_path: Path, checkout: Path
) -> None:
    result = run_sandboxed(
        ["sh", "-c", "echo 'bwrap: No permissions to create new namespace' >&2; exit 1"],
        workdir=checkout,
        readonly_paths=[checkout],
        bwrap=bwrap_path,
    )

    assert result.sandboxed
    assert result.outcome is Outcome.EXIT_NONZERO
