"""Starting the command, watching the wall clock, killing it, capturing its output.

One run is one `subprocess.Popen` in a new session, so the parent can kill its whole
process group. Under bubblewrap that group is bubblewrap itself; the sandboxed processes
live in their own PID namespace, whose init dies with bubblewrap (`--die-with-parent`),
and when a PID namespace's init dies the kernel kills every process in it. Without
bubblewrap the group is all there is: a process that calls setsid() escapes it.

The parent waits with a pidfd and a selector, reading stdout and stderr as they come, so
neither a flood of output nor a child that closes its pipes can stall it past the wall
clock. The CPU time comes from a small shell around the command (see `cputime.py`). No
`preexec_fn` is used: the app calls this from worker threads.
"""

import contextlib
import logging
import os
import selectors
import signal
import subprocess
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from .availability import find_bwrap, unsafe_opt_out
from .bwrap import (
    SANDBOX_TMP,
    SYNTHETIC_ETC,
    bwrap_argv,
    check_paths,
    find_tool,
)
from .cputime import cpu_time_wrapper, parse_times
from .env import BASE_ENVIRONMENT, sandbox_environment
from .errors import SandboxConfigError
from .limits import SandboxLimits, prlimit_prefix
from .output import BoundedOutput
from .result import Outcome, SandboxResult, classify
from .uids import leased_uid

log = logging.getLogger(__name__)

_DRAIN_SECONDS = 1.0
"""How long output is still read after the process has been reaped or killed."""

_READ_SIZE = 64 * 1024

_working_bwraps: set[tuple[str, bool]] = set()
"""(bwrap, privileged) pairs that have built a sandbox in this process: probed once."""


def run_sandboxed(
    argv: Sequence[str],
    *,
    workdir: Path,
    readonly_paths: Sequence[Path],
    env: Mapping[str, str] | None = None,
    limits: SandboxLimits | None = None,
    bwrap: str | os.PathLike[str] | None = None,
) -> SandboxResult:
    """Run `argv` in the sandbox and return how it went; never raise for what the code did.

    `readonly_paths` (the checkout, the virtualenv) are visible read-only at their own
    paths; `/tmp` is private and the only writable place; `workdir` must be `/tmp` or inside
    a read-only path. The environment is `env.BASE_ENVIRONMENT` plus `env`, whose names may
    not look like credentials. `bwrap` overrides $FLOWBOT_BWRAP and PATH.

    Raises SandboxConfigError for a refused argument, and SandboxUnavailable when bubblewrap
    is missing or broken and the operator did not opt out (see `availability.py`).
    """
    if not argv:
        raise SandboxConfigError("argv is empty")
    limits = limits or SandboxLimits()
    environment = sandbox_environment(env or {})
    privileged = os.geteuid() == 0
    prlimit = find_tool("prlimit")
    found, where = find_bwrap(bwrap)
    problem = f"bubblewrap was not found at {where}"
    if found is not None:
        broken = _problem_with(found, privileged, prlimit)
        if broken is None:
            work, paths = check_paths(workdir, readonly_paths, privileged=privileged)
            return _run_in_bwrap(found, argv, work, paths, environment, limits, privileged, prlimit)
        problem = broken
    reason = unsafe_opt_out(problem)
    log.warning("running WITHOUT the sandbox: %s", reason)
    work, _ = check_paths(workdir, readonly_paths, privileged=False)
    return _run_unsandboxed(argv, work, environment, limits, prlimit, reason)


def _run_unsandboxed(
    argv: Sequence[str],
    workdir: Path,
    environment: Mapping[str, str],
    limits: SandboxLimits,
    prlimit: str,
    reason: str,
) -> SandboxResult:
    """Run `argv` on the host with the limits, the environment and the wall clock only.

    HOME and TMPDIR (when they are the defaults) and a working directory of /tmp point to
    a private temporary directory instead, removed afterwards, so runs do not share files.
    RLIMIT_NPROC is not applied: on the host it would count every process of the user
    (and nothing at all for root).
    """
    with tempfile.TemporaryDirectory(prefix="flowbot-unsandboxed-") as private_tmp:
        environment = {
            name: private_tmp if value == str(SANDBOX_TMP) else value
            for name, value in environment.items()
        }
        cwd = Path(private_tmp) if workdir == SANDBOX_TMP else workdir
        command = [
            *prlimit_prefix(prlimit, limits, processes=False),
            *cpu_time_wrapper(find_tool("sh")),
            *argv,
        ]
        finished = _execute(command, env=environment, cwd=cwd, pass_fds=(), limits=limits)
    return finished.result(limits, unsandboxed_reason=reason)


def _problem_with(bwrap: str, privileged: bool, prlimit: str) -> str | None:
    """Return None if `bwrap` can build a sandbox here, else what went wrong.

    The test is a sandbox that runs `true`, a command the sandbox chose: so whether the
    opt-out applies never depends on anything the untrusted code prints. A success is
    remembered for the life of the process; a failure is tried again next time.
    """
    if (bwrap, privileged) in _working_bwraps:
        return None
    result = _run_in_bwrap(
        bwrap,
        ["true"],
        SANDBOX_TMP,
        [],
        dict(BASE_ENVIRONMENT),
        SandboxLimits(wall_seconds=10),
        privileged,
        prlimit,
    )
    if result.outcome is not Outcome.OK:
        said = result.stderr.strip()[:500] or result.describe()
        return f"bubblewrap at {bwrap} could not build a sandbox here ({said})"
    _working_bwraps.add((bwrap, privileged))
    return None


def _run_in_bwrap(
    bwrap: str,
    argv: Sequence[str],
    workdir: Path,
    readonly_paths: Sequence[Path],
    environment: Mapping[str, str],
    limits: SandboxLimits,
    privileged: bool,
    prlimit: str,
) -> SandboxResult:
    """Run `argv` under bubblewrap (see `bwrap.py` for what the sandbox looks like); run by
    root, bubblewrap starts as a uid leased for this run."""
    inner = [
        *prlimit_prefix(prlimit, limits, processes=True),
        *cpu_time_wrapper(find_tool("sh")),
        *argv,
    ]
    with contextlib.ExitStack() as stack:
        uid = stack.enter_context(leased_uid()) if privileged else None
        etc_fds = _pipes_holding(SYNTHETIC_ETC)
        for fd in etc_fds.values():
            stack.callback(os.close, fd)
        command = bwrap_argv(
            bwrap,
            inner,
            workdir=workdir,
            readonly_paths=readonly_paths,
            environment=environment,
            tmp_bytes=limits.tmp_bytes,
            etc_fds=etc_fds,
            leased_uid=uid,
        )
        # bubblewrap's own environment is empty: the sandbox's comes from --setenv.
        finished = _execute(
            command, env={}, cwd=Path("/"), pass_fds=tuple(etc_fds.values()), limits=limits
        )
    return finished.result(limits, unsandboxed_reason=None)


def _pipes_holding(contents: Mapping[str, str]) -> dict[str, int]:
    """Return, for each name, the read end of a pipe that holds its (small) content."""
    fds: dict[str, int] = {}
    for name, text in contents.items():
        read_end, write_end = os.pipe()
        try:
            os.write(write_end, text.encode())  # far below a pipe's buffer: never blocks
        finally:
            os.close(write_end)
        fds[name] = read_end
    return fds


@dataclass
class _Finished:
    """What the parent observed of one process tree."""

    status: int
    cpu_seconds: float | None
    wall_seconds: float
    timed_out: bool
    stdout: BoundedOutput
    stderr: BoundedOutput

    def result(self, limits: SandboxLimits, *, unsandboxed_reason: str | None) -> SandboxResult:
        """Turn the observation into a SandboxResult."""
        if os.WIFSIGNALED(self.status):  # killed at the wall clock, or the wrapper was
            exit_code = 128 + os.WTERMSIG(self.status)
        else:
            exit_code = os.WEXITSTATUS(self.status)
        # The CPU-time shell and bubblewrap both report death by signal N as 128 + N.
        signal_number = exit_code - 128 if 128 < exit_code < 128 + signal.NSIG else None
        stdout, stderr = self.stdout.text("stdout"), self.stderr.text("stderr")
        return SandboxResult(
            outcome=classify(
                timed_out=self.timed_out,
                exit_code=exit_code,
                signal_number=signal_number,
                cpu_seconds=self.cpu_seconds,
                output=stdout + stderr,
                limits=limits,
            ),
            exit_code=exit_code,
            signal=signal_number,
            stdout=stdout,
            stderr=stderr,
            stdout_bytes=self.stdout.total,
            stderr_bytes=self.stderr.total,
            output_truncated=bool(self.stdout.cut or self.stderr.cut),
            wall_seconds=self.wall_seconds,
            cpu_seconds=self.cpu_seconds,
            limits=limits,
            unsandboxed_reason=unsandboxed_reason,
        )


def _execute(
    command: Sequence[str],
    *,
    env: Mapping[str, str],
    cwd: Path,
    pass_fds: tuple[int, ...],
    limits: SandboxLimits,
) -> _Finished:
    """Start `command` in a new session and watch it until it ends or the wall clock does.

    The command's stdin is the write end of a pipe, on which the CPU-time shell reports
    (see `cputime.py`).
    """
    report_read, report_write = os.pipe()
    start = time.monotonic()
    try:
        proc = subprocess.Popen(  # noqa: S603 - the argv is built here, never by a shell
            command,
            stdin=report_write,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            cwd=cwd,
            pass_fds=pass_fds,
            start_new_session=True,
        )
    finally:
        os.close(report_write)
    with proc, open(report_read, "rb", buffering=0) as report:
        assert proc.stdout is not None  # both are PIPEs
        assert proc.stderr is not None
        stdout = BoundedOutput(limits.max_output_bytes)
        stderr = BoundedOutput(limits.max_output_bytes)
        outputs = {proc.stdout.fileno(): stdout, proc.stderr.fileno(): stderr}
        status, wall, timed_out = _watch(proc, outputs, start, limits)
        os.set_blocking(report.fileno(), False)  # the report was written before the exit
        cpu_seconds = None if timed_out else parse_times(report.read() or b"")
    return _Finished(status, cpu_seconds, wall, timed_out, stdout, stderr)


def _watch(
    proc: "subprocess.Popen[bytes]",
    outputs: Mapping[int, BoundedOutput],
    start: float,
    limits: SandboxLimits,
) -> tuple[int, float, bool]:
    """Read output until the process ends, killing it at the wall clock.

    Returns (wait status, wall seconds, whether the wall clock killed it). After the
    process ends, output is read for at most `_DRAIN_SECONDS` more: a process left behind
    holding the pipes (possible only without bubblewrap) cannot hold up the result.
    """
    deadline = start + limits.wall_seconds
    reaped: tuple[int, float] | None = None
    timed_out = False
    pidfd = os.pidfd_open(proc.pid)
    with selectors.DefaultSelector() as selector, open(pidfd, "rb", buffering=0):
        for fd in (*outputs, pidfd):
            selector.register(fd, selectors.EVENT_READ)
        while selector.get_map():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                if reaped is not None:
                    break  # the drain time is over: drop whatever is left
                timed_out = True
                reaped = _kill_and_reap(proc, start)
                selector.unregister(pidfd)
                deadline = time.monotonic() + _DRAIN_SECONDS
                continue
            for key, _ in selector.select(remaining):
                if key.fd == pidfd:
                    reaped = _kill_and_reap(proc, start)
                    selector.unregister(pidfd)
                    deadline = min(deadline, time.monotonic() + _DRAIN_SECONDS)
                elif chunk := os.read(key.fd, _READ_SIZE):
                    outputs[key.fd].feed(chunk)
                else:
                    selector.unregister(key.fd)
    assert reaped is not None  # the pidfd stays registered until the process is reaped
    status, wall = reaped
    return status, wall, timed_out


def _kill_and_reap(proc: "subprocess.Popen[bytes]", start: float) -> tuple[int, float]:
    """SIGKILL the process group, reap its leader; return (wait status, wall seconds).

    The group is killed before the leader is reaped, while the leader's pid cannot have been
    reused, so the signal cannot reach an unrelated process. After a normal exit this
    removes what is left of the group (something is left only without bubblewrap).
    """
    with contextlib.suppress(ProcessLookupError):  # an empty group: nothing left to kill
        os.killpg(proc.pid, signal.SIGKILL)
    _, status = os.waitpid(proc.pid, 0)
    wall = time.monotonic() - start
    proc.returncode = os.waitstatus_to_exitcode(status)  # Popen must not wait for it again
    return status, wall
