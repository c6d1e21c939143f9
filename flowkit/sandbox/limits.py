"""Resource limits of one sandboxed run, and the `prlimit` prefix that applies them.

The limits are applied *inside* the sandbox, by `prlimit` exec'ing the command, rather than
with `preexec_fn` in the parent: `preexec_fn` is unsafe in a threaded program (the app's
workers), and applying the process-count limit after bubblewrap has created its user
namespace makes that limit count only the sandbox's own processes (see `bwrap.py`).
"""

from typing import Self

from pydantic import BaseModel, ConfigDict, PositiveFloat, PositiveInt, model_validator

KIB = 1024
MIB = 1024 * KIB
GIB = 1024 * MIB


class SandboxLimits(BaseModel):
    """Limits on one run. Every value is per run, except where a field says otherwise.

    The sandbox as a whole is bounded without a cgroup (see `whole_memory_bytes`): the
    memory it can hold is at most `max_processes` × `memory_bytes` plus its /tmp.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    cpu_seconds: PositiveInt = 60
    """CPU time of each process (RLIMIT_CPU): SIGXCPU at the limit, SIGKILL one second later."""

    memory_bytes: PositiveInt = 1 * GIB
    """Address space of each process (RLIMIT_AS): allocations beyond it fail."""

    max_processes: PositiveInt = 16
    """Processes and threads the sandbox may hold at once (RLIMIT_NPROC).

    Enforced only under bubblewrap, where the command runs as its own unprivileged user.
    The count includes the small shell that measures CPU time (see `cputime.py`) and, when
    bubblewrap runs unprivileged, bubblewrap's init process.
    """

    max_file_bytes: PositiveInt = 16 * MIB
    """Size of any one file the process writes (RLIMIT_FSIZE)."""

    tmp_bytes: PositiveInt = 256 * MIB
    """Size of the private /tmp, a tmpfs: it lives in RAM, so it is bounded separately."""

    wall_seconds: PositiveFloat = 120.0
    """Wall-clock time of the whole run; at the limit the whole process tree is killed."""

    max_output_bytes: PositiveInt = 256 * KIB
    """Bytes kept of stdout and of stderr each; the middle of a longer stream is cut."""

    whole_memory_bytes: PositiveInt = 17 * GIB
    """The most memory the whole sandbox may hold: limits whose worst case
    (`max_processes` × `memory_bytes` + `tmp_bytes`) exceeds it are refused. RLIMIT_AS is per
    process and RLIMIT_NPROC counts processes, so their product bounds the sandbox (threads
    share their process's address space)."""

    @model_validator(mode="after")
    def _bounded_as_a_whole(self) -> Self:
        if self.worst_case_bytes > self.whole_memory_bytes:
            raise ValueError(
                f"{self.max_processes} processes × {self.memory_bytes // MIB} MiB + "
                f"{self.tmp_bytes // MIB} MiB of /tmp can hold {self.worst_case_bytes // MIB} "
                f"MiB, more than whole_memory_bytes ({self.whole_memory_bytes // MIB} MiB); "
                "lower max_processes or memory_bytes")
        return self

    @property
    def worst_case_bytes(self) -> int:
        """The most memory the sandbox can hold under these limits."""
        return self.max_processes * self.memory_bytes + self.tmp_bytes


def prlimit_prefix(prlimit: str, limits: SandboxLimits, *, processes: bool) -> list[str]:
    """Return `prlimit … --`, to be followed by the command it should run under `limits`.

    `processes` says whether to apply RLIMIT_NPROC: it only means something when the command
    runs under a user of its own (see the module docstring and `bwrap.py`).
    The CPU hard limit is one second above the soft one, so a process that ignores SIGXCPU
    is still killed. Core dumps are off: a dump of a memory bomb would land on the host.
    """
    cpu = limits.cpu_seconds
    argv = [
        prlimit,
        f"--cpu={cpu}:{cpu + 1}",
        f"--as={limits.memory_bytes}:{limits.memory_bytes}",
        f"--fsize={limits.max_file_bytes}:{limits.max_file_bytes}",
        "--core=0:0",
    ]
    if processes:
        argv.append(f"--nproc={limits.max_processes}:{limits.max_processes}")
    argv.append("--")
    return argv
