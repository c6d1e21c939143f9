"""Measuring the CPU time of the sandboxed process tree with the shell's `times`.

`wait4` cannot tell it: bubblewrap's outer process exits as soon as its init process
reports the command's status, without reaping that init, so the CPU time of everything
inside never reaches the parent. Instead the command runs under a small `sh` that waits for
it and prints `times` (the user and system time of its reaped children) to its own stdin,
which the parent made the write end of a pipe; the command itself gets /dev/null as stdin.

The shell is one more process under the limits (it counts towards `max_processes`) and it
passes on the command's exit status; a child killed by signal N gives status 128 + N, as
under bubblewrap. The report is missing when the run is killed at the wall clock, and
sandboxed code could forge it (it runs as the same user as the shell): it is for people
to read, never a security decision.
"""

import re

_SCRIPT = '"$@" </dev/null; status=$?; times >&0; exit "$status"'

_TIMES_LINE = re.compile(r"(\d+)m([\d.]+)s\s+(\d+)m([\d.]+)s")


def cpu_time_wrapper(sh: str) -> list[str]:
    """Return the argv prefix that runs a command and then reports its CPU time on fd 0."""
    return [sh, "-c", _SCRIPT, "flowbot-sandbox"]


def parse_times(report: bytes) -> float | None:
    """Return the children's user + system seconds from `times` output, or None if absent.

    `times` prints two lines, the shell's own times and then its children's, each as
    `<min>m<sec>s <min>m<sec>s` (user, system).
    """
    lines = _TIMES_LINE.findall(report.decode("ascii", errors="replace"))
    if len(lines) != 2:
        return None
    user_min, user_sec, sys_min, sys_sec = lines[1]
    return 60 * (int(user_min) + int(sys_min)) + float(user_sec) + float(sys_sec)
