"""What a sandboxed run produced, how it ended, and a sentence a reviewer can read."""

import re
import signal
from dataclasses import dataclass
from enum import StrEnum

from .limits import SandboxLimits


class Outcome(StrEnum):
    """How a run ended. A limit outcome wins over the exit status it caused."""

    OK = "ok"
    EXIT_NONZERO = "exit_nonzero"
    TIMEOUT = "timeout"
    """The wall clock ran out; the sandbox killed the whole process tree."""
    CPU_LIMIT = "cpu_limit"
    """A process used up its CPU time (RLIMIT_CPU) and was killed by SIGXCPU or SIGKILL."""
    MEMORY_LIMIT = "memory_limit"
    """The process failed and its output shows it could not allocate memory (RLIMIT_AS)."""
    FILE_SIZE_LIMIT = "file_size_limit"
    """The process failed writing a file over RLIMIT_FSIZE, or filled the private /tmp."""
    KILLED = "killed"
    """The process died from a signal that no limit explains (SIGSEGV, SIGKILL, …)."""


_MEMORY_FAILURE = re.compile(r"\bMemoryError\b|Cannot allocate memory|std::bad_alloc")
_FILE_FAILURE = re.compile(r"File too large|No space left on device")


@dataclass(frozen=True, kw_only=True)
class SandboxResult:
    """The result of one run. Output is truncated to `limits.max_output_bytes` per stream."""

    outcome: Outcome
    exit_code: int
    """The exit status as a shell reports it: 128 + N when signal N ended the process."""
    signal: int | None
    """The signal that ended the process, if one did.

    It is read from the status the CPU-time shell and bubblewrap pass on (128 + N), so a
    program that itself exits with status 137 reads as killed by SIGKILL.
    """
    stdout: str
    stderr: str
    stdout_bytes: int
    """Bytes written to stdout in all, including those cut."""
    stderr_bytes: int
    output_truncated: bool
    wall_seconds: float
    cpu_seconds: float | None
    """User plus system CPU time of the processes the command waited for; None when the
    run was killed at the wall clock (see `cputime.py`)."""
    limits: SandboxLimits
    unsandboxed_reason: str | None = None
    """Why the run was NOT sandboxed: bubblewrap missing or broken, and the operator opted out."""

    @property
    def sandboxed(self) -> bool:
        """Whether the run was isolated by bubblewrap. Say so in the PR when it was not."""
        return self.unsandboxed_reason is None

    def describe(self) -> str:
        """Return one paragraph that explains to a person how the run went."""
        where = (
            "inside the bubblewrap sandbox"
            if self.sandboxed
            else "WITHOUT the sandbox (no filesystem, network or process isolation; only resource "
            "limits, an allowlisted environment and a wall clock applied; "
            f"{self.unsandboxed_reason})"
        )
        cpu = "unknown" if self.cpu_seconds is None else f"{self.cpu_seconds:.1f} s"
        times = f"{self.wall_seconds:.1f} s of wall-clock time (CPU time: {cpu})"
        limits = self.limits
        sentence = {
            Outcome.OK: f"The command ran {where} and exited with status 0 after {times}.",
            Outcome.EXIT_NONZERO: (
                f"The command ran {where} and exited with status {self.exit_code} after {times}."
            ),
            Outcome.TIMEOUT: (
                f"The command ran {where} and was killed, with "
                f"{'every process it started' if self.sandboxed else 'its process group'}, "
                f"after {self.wall_seconds:.1f} s of wall-clock time "
                f"(limit {limits.wall_seconds:g} s)."
            ),
            Outcome.CPU_LIMIT: (
                f"The command ran {where} and was killed by the CPU-time limit "
                f"({limits.cpu_seconds} s per process) after {times}."
            ),
            Outcome.MEMORY_LIMIT: (
                f"The command ran {where} and ran out of memory: it could not allocate beyond "
                f"the limit of {_size(limits.memory_bytes)} of address space per process, and "
                f"exited with status {self.exit_code} after {times}."
            ),
            Outcome.FILE_SIZE_LIMIT: (
                f"The command ran {where} and failed writing a file: files are limited to "
                f"{_size(limits.max_file_bytes)} each and /tmp to {_size(limits.tmp_bytes)}; "
                f"it exited with status {self.exit_code} after {times}."
            ),
            Outcome.KILLED: (
                f"The command ran {where} and was killed by {_signal_name(self.signal)} "
                f"after {times}."
            ),
        }[self.outcome]
        if self.output_truncated:
            sentence += (
                f" Its output was cut to the first and last {_size(limits.max_output_bytes)} "
                f"per stream (stdout: {_size(self.stdout_bytes)}, "
                f"stderr: {_size(self.stderr_bytes)} in all)."
            )
        return sentence


def classify(
    *,
    timed_out: bool,
    exit_code: int,
    signal_number: int | None,
    cpu_seconds: float | None,
    output: str,
    limits: SandboxLimits,
) -> Outcome:
    """Decide the outcome from what the parent saw; `output` is the kept stdout and stderr.

    RLIMIT_AS and RLIMIT_FSIZE make a call fail inside the process rather than kill it, so
    those two are recognised from the error messages a failing process prints.
    """
    if timed_out:
        return Outcome.TIMEOUT
    if signal_number == signal.SIGXCPU or (
        signal_number == signal.SIGKILL
        and cpu_seconds is not None
        and cpu_seconds >= limits.cpu_seconds
    ):
        return Outcome.CPU_LIMIT
    if signal_number == signal.SIGXFSZ or (exit_code != 0 and _FILE_FAILURE.search(output)):
        return Outcome.FILE_SIZE_LIMIT
    if exit_code != 0 and _MEMORY_FAILURE.search(output):
        return Outcome.MEMORY_LIMIT
    if signal_number is not None:
        return Outcome.KILLED
    return Outcome.EXIT_NONZERO if exit_code else Outcome.OK


def _signal_name(number: int | None) -> str:
    """Return "SIGSEGV (11)" for 11."""
    try:
        return f"{signal.Signals(number).name} ({number})" if number else "a signal"
    except ValueError:
        return f"signal {number}"


def _size(n: int) -> str:
    """Return a byte count for people: 256 KiB, 2 GiB, 1.5 MiB, 12 bytes."""
    for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= scale:
            return f"{n / scale:.3g} {unit}"
    return f"{n} bytes"
