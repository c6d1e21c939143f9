"""The bubblewrap command line: what the sandboxed process sees, and as whom it runs.

The sandbox is built from an empty root, not from a read-only copy of the host's:

- `/usr` (and the `/bin`, `/lib*` links or directories) read-only: programs and libraries;
- a handful of harmless `/etc` files (the dynamic loader's cache, time zone, certificates)
  and synthetic `passwd`, `group` and `hosts` files; never `shadow`, never the host's users;
- the interpreter prefix (a virtualenv's `python` is a symlink into it) and the caller's
  read-only paths (the checkout, the virtualenv), each at its own path, with any `.git`
  in them hidden: a clone's `.git/config` can hold a token (actions/checkout puts one
  there), and sandboxed code could print it into a test report that becomes a PR comment;
- a fresh `/dev`, a fresh `/proc` of a new PID namespace (the parent's `/proc/PID/environ`
  does not exist in there), and a private, size-limited tmpfs on `/tmp`, the only writable
  place: `/` and `/dev` are remounted read-only at the end;
- new PID, network (loopback only), IPC, UTS and cgroup namespaces; `--die-with-parent`
  and `--new-session`.

The command runs as uid/gid 65534 inside a user namespace of its own, which it cannot nest
(`--unshare-user --disable-userns`, which bubblewrap accepts only together): so it can
neither gain capabilities in a new namespace nor mount anything (a tmpfs past the /tmp cap,
say). In both ways bubblewrap can run:

- Run by root ("privileged"), bubblewrap builds the sandbox's filesystem as root (so it can
  bind paths under a private folder such as /root), keeping only CAP_SETUID/CAP_SETGID for
  `setpriv`, which switches to a host uid leased for this run alone (`uids.py`); that uid
  runs a second, unprivileged bubblewrap (`--bind / /`, a fresh /dev) which creates the user
  namespace. A user namespace made by the root bubblewrap itself would not do: its uid 65534
  would map to host uid 0. RLIMIT_NPROC, set by `prlimit` inside (see `limits.py`), counts
  the leased uid's processes: concurrent sandboxes do not share one budget.
- Run by anyone else, one bubblewrap creates the user namespace; the limit counts in the
  run's own user namespace, which also holds bubblewrap's init process.

Needs bubblewrap 0.8 or later (`--size`, `--disable-userns`).
"""

import configparser
import shutil
import stat
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from .errors import SandboxConfigError, SandboxUnavailable

SANDBOX_TMP = Path("/tmp")  # noqa: S108 - the sandbox's private tmpfs, not the host's /tmp
"""The private tmpfs: the only writable place, and HOME."""

SANDBOX_UID = 65534
SANDBOX_GID = 65534

SYNTHETIC_ETC: Mapping[str, str] = {
    "passwd": (
        "root:x:0:0:root:/root:/usr/sbin/nologin\n"
        f"sandbox:x:{SANDBOX_UID}:{SANDBOX_GID}:flowbot sandbox:/tmp:/usr/sbin/nologin\n"
    ),
    "group": f"root:x:0:\nsandbox:x:{SANDBOX_GID}:\n",
    "hosts": "127.0.0.1 localhost\n::1 localhost ip6-localhost ip6-loopback\n",
}
"""Files written into the sandbox's /etc (from pipes), instead of the host's."""

_HOST_ETC = (
    "alternatives",
    "ld.so.cache",
    "ld.so.conf",
    "ld.so.conf.d",
    "localtime",
    "mime.types",
    "protocols",
    "services",
    "ssl/certs",
)
"""The host's /etc entries the sandbox sees, read-only, when they exist: none is secret."""

_TOP_LEVEL = ("bin", "sbin", "lib", "lib32", "lib64", "libx32")
"""Top-level entries that are symlinks into /usr on merged-/usr systems, directories elsewhere."""

_REFUSED_BINDS = frozenset(
    Path(p) for p in ("/", "/boot", "/dev", "/etc", "/home", "/proc", "/root", "/run", "/sys")
) | {SANDBOX_TMP}
"""Read-only paths refused outright: each would expose the host or hide the sandbox's own."""

_TOOL_PATH = "/usr/bin:/bin:/usr/sbin:/sbin"

_USER_NAMESPACE = ["--unshare-user", "--uid", str(SANDBOX_UID), "--gid", str(SANDBOX_GID),
                   "--disable-userns"]
"""A user namespace in which the sandbox is uid/gid 65534 and cannot create another one."""


def find_tool(name: str) -> str:
    """Return the path of a util-linux tool (`prlimit`, `setpriv`) in the system directories.

    Those directories are bound into the sandbox at the same paths, so the path is valid on
    both sides. Raises SandboxUnavailable when the tool is missing.
    """
    found = shutil.which(name, path=_TOOL_PATH)
    if found is None:
        raise SandboxUnavailable(
            f"the sandbox needs `{name}` from util-linux in {_TOOL_PATH}, and it is missing"
        )
    return found


def check_paths(
    workdir: Path, readonly_paths: Sequence[Path], *, privileged: bool
) -> tuple[Path, list[Path]]:
    """Validate the working directory and the read-only paths; return them normalised.

    Every path must be absolute and exist (symlinks are kept, not resolved); none may be `/`
    or a system directory the sandbox builds itself (`/etc`, `/tmp`, `/proc`, …). The
    working directory must be `/tmp` or lie inside a read-only path, or the process could not
    see it. When `privileged`, the sandbox user is not the owner of the files, so each
    read-only directory must be world-readable. Raises SandboxConfigError otherwise.
    """
    paths = [_absolute(p, "read-only path") for p in readonly_paths]
    for path in paths:
        if path in _REFUSED_BINDS:
            raise SandboxConfigError(
                f"refusing to bind {path} into the sandbox: it is the host's root or a system "
                "directory the sandbox builds itself; bind the checkout and the virtualenv"
            )
        mode = path.stat().st_mode
        if privileged and stat.S_ISDIR(mode) and mode & 0o005 != 0o005:
            raise SandboxConfigError(
                f"{path} is not world-readable (mode {stat.filemode(mode)}), but the sandbox runs "
                f"as uid {SANDBOX_UID}; make it readable with `chmod o+rx {path}`"
            )
    work = _absolute(workdir, "working directory")
    if work != SANDBOX_TMP and not any(work.is_relative_to(p) for p in paths):
        raise SandboxConfigError(
            f"working directory {work} is neither /tmp nor inside a read-only path, so the "
            "sandboxed process could not see it"
        )
    return work, paths


def _absolute(path: Path, what: str) -> Path:
    """Return `path` with `.` and `..` collapsed; refuse it if it is relative or missing."""
    if not path.is_absolute():
        raise SandboxConfigError(f"the {what} {path} is not absolute")
    normal = Path(*Path(path).parts)  # drops trailing slashes and '.'
    if ".." in normal.parts:
        raise SandboxConfigError(f"the {what} {path} contains '..'")
    if not normal.exists():
        raise SandboxConfigError(f"the {what} {path} does not exist")
    return normal


def interpreter_prefixes(readonly_paths: Sequence[Path]) -> list[Path]:
    """Return the Python installations the sandbox needs besides `readonly_paths`.

    That is this interpreter's `sys.base_prefix`, and the prefix each virtualenv among
    `readonly_paths` was made from (the parent of `home` in its `pyvenv.cfg`): a venv's
    `bin/python` is a symlink into that prefix, and its standard library lives there.
    """
    prefixes = [Path(sys.base_prefix)]
    for path in readonly_paths:
        config = path / "pyvenv.cfg"
        if config.is_file():
            parser = configparser.ConfigParser()
            parser.read_string("[venv]\n" + config.read_text(encoding="utf-8"))
            home = parser.get("venv", "home", fallback=None)
            if home:
                prefixes.append(Path(home).parent)
    return prefixes


class _Mounts:
    """Builds the bind-mount part of the command line, at the same paths as on the host.

    bubblewrap creates missing parent directories of a mount point with mode 0700, which
    the sandbox user could not enter; so every parent is created first, with mode 0755.
    A path already visible through an earlier bind is not bound again.
    """

    def __init__(self) -> None:
        self.argv: list[str] = []
        self._directories: set[Path] = {Path("/")}
        self._bound: list[Path] = []

    def covered(self, path: Path) -> bool:
        """Return whether `path` is already visible through an earlier bind."""
        return any(path.is_relative_to(b) for b in self._bound)

    def mounted(self, path: Path) -> None:
        """Record that `path` is a directory made by another option (tmpfs, proc, dev)."""
        self._directories.add(path)

    def parents(self, path: Path) -> None:
        """Create the missing parents of `path`, world-readable."""
        for parent in reversed(path.parents):
            if parent not in self._directories:
                self.argv += ["--perms", "0755", "--dir", str(parent)]
                self._directories.add(parent)

    def ro_bind(self, path: Path) -> None:
        """Bind the host's `path` read-only at the same path, unless already visible."""
        if self.covered(path):
            return
        self.parents(path)
        self.argv += ["--ro-bind", str(path), str(path)]
        self._bound.append(path)
        self._directories.add(path)

    def hide_git(self, git: Path) -> None:
        """Cover a repository's `.git` (a directory, or a worktree's file) with emptiness."""
        if git.is_dir() and not git.is_symlink():
            self.argv += ["--perms", "0555", "--tmpfs", str(git), "--remount-ro", str(git)]
        elif git.exists():
            self.argv += ["--ro-bind", "/dev/null", str(git)]

    def top_level(self, name: str) -> None:
        """Reproduce `/name` (`/bin`, `/lib64`, …) as a symlink if it is one, else bind it."""
        host = Path("/") / name
        if host.is_symlink():
            self.argv += ["--symlink", str(host.readlink()), str(host)]
        elif host.is_dir():
            self.ro_bind(host)


def bwrap_argv(
    bwrap: str,
    command: Sequence[str],
    *,
    workdir: Path,
    readonly_paths: Sequence[Path],
    environment: Mapping[str, str],
    tmp_bytes: int,
    etc_fds: Mapping[str, int],
    leased_uid: int | None,
) -> list[str]:
    """Return the full bubblewrap command line that runs `command` in the sandbox.

    `command` is what runs inside (the caller's argv behind `prlimit`); `etc_fds` maps names
    in SYNTHETIC_ETC to readable pipe ends holding their content; `leased_uid` is the host uid
    of this run when bubblewrap runs as root, None otherwise (see the module docstring).
    """
    argv = [bwrap, "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts"]
    argv += ["--unshare-cgroup-try", "--die-with-parent", "--new-session"]
    if leased_uid is not None:
        argv += ["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
        command = [*drop_privileges_prefix(find_tool("setpriv"), leased_uid),
                   *_unprivileged_bwrap(bwrap, workdir), *command]
    else:
        argv += _USER_NAMESPACE
    argv.append("--clearenv")
    for name, value in environment.items():
        argv += ["--setenv", name, value]

    mounts = _Mounts()
    mounts.ro_bind(Path("/usr"))
    if leased_uid is not None:
        mounts.ro_bind(Path(bwrap))
    for name in _TOP_LEVEL:
        mounts.top_level(name)
    for name in _HOST_ETC:
        if (Path("/etc") / name).exists():
            mounts.ro_bind(Path("/etc") / name)
    for name, fd in etc_fds.items():
        mounts.parents(Path("/etc") / name)
        mounts.argv += ["--perms", "0644", "--ro-bind-data", str(fd), f"/etc/{name}"]
    mounts.argv += ["--dev", "/dev", "--proc", "/proc"]
    mounts.argv += ["--perms", "1777", "--size", str(tmp_bytes), "--tmpfs", str(SANDBOX_TMP)]
    for path in (Path("/dev"), Path("/proc"), SANDBOX_TMP):
        mounts.mounted(path)
    wanted = [*readonly_paths, *interpreter_prefixes(readonly_paths)]
    for path in sorted(wanted, key=lambda p: len(p.parts)):  # parents first
        mounts.ro_bind(path)
    for path in readonly_paths:
        mounts.hide_git(path / ".git")
    mounts.argv += ["--remount-ro", "/dev", "--remount-ro", "/"]

    return [*argv, *mounts.argv, "--chdir", str(workdir), "--", *command]


def _unprivileged_bwrap(bwrap: str, workdir: Path) -> list[str]:
    """The second bubblewrap of a privileged sandbox: the same filesystem (its own /dev, which
    an unprivileged user namespace needs to open devices), in a user namespace of its own."""
    return [bwrap, *_USER_NAMESPACE, "--die-with-parent", "--bind", "/", "/", "--dev", "/dev",
            "--remount-ro", "/dev", "--remount-ro", "/", "--chdir", str(workdir), "--"]


def drop_privileges_prefix(setpriv: str, uid: int) -> list[str]:
    """Return `setpriv … --`, which makes the command after it (bubblewrap) run as `uid`."""
    return [setpriv, f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--"]
