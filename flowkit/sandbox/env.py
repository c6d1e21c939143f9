"""The sandboxed process's environment: an allowlist, never a copy of the parent's.

The process starts from `BASE_ENVIRONMENT` plus the variables the caller names explicitly;
nothing is inherited. Even explicit names are refused when they look like credentials, so
a token cannot be handed to generated code by mistake. Error messages name variables but
never show their values.
"""

import re
from collections.abc import Mapping

from .bwrap import SANDBOX_TMP
from .errors import SandboxConfigError

BASE_ENVIRONMENT: Mapping[str, str] = {
    "PATH": "/usr/local/bin:/usr/bin:/bin",
    "LANG": "C.UTF-8",
    "LC_ALL": "C.UTF-8",
    "HOME": str(SANDBOX_TMP),
    "TMPDIR": str(SANDBOX_TMP),
    "PYTHONDONTWRITEBYTECODE": "1",  # the checkout is read-only anyway
    "PYTHONHASHSEED": "0",  # reproducible set and dict orders in test output
    "PYTHONUNBUFFERED": "1",  # output written before a kill is not lost in a buffer
}

_VALID_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_CREDENTIAL_WORDS = re.compile(r"TOKEN|SECRET|KEY|PASS|CREDENTIAL|PRIVATE|AUTH|COOKIE", re.I)


def sandbox_environment(extra: Mapping[str, str]) -> dict[str, str]:
    """Return `BASE_ENVIRONMENT` updated with `extra`, after checking every name in `extra`.

    Raises SandboxConfigError for a name that is not a plain identifier or that contains a
    credential word (TOKEN, SECRET, KEY, PASS…, any case), and for a value holding NUL.
    """
    refused = sorted(
        name for name in extra if not _VALID_NAME.match(name) or _CREDENTIAL_WORDS.search(name)
    )
    if refused:
        raise SandboxConfigError(
            "refusing to pass these environment variables into the sandbox: "
            f"{', '.join(map(repr, refused))}. Names must be plain identifiers, and names that "
            "look like credentials (containing TOKEN, SECRET, KEY, PASS, CREDENTIAL, PRIVATE, "
            "AUTH or COOKIE) never enter the sandbox; rename the variable if it is not a secret."
        )
    with_nul = sorted(name for name, value in extra.items() if "\0" in value)
    if with_nul:
        raise SandboxConfigError(f"environment values contain NUL: {', '.join(with_nul)}")
    return {**BASE_ENVIRONMENT, **extra}
