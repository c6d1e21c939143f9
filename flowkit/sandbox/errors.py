"""The sandbox's errors: one base class, and the two ways a run is refused before it starts."""


class SandboxError(Exception):
    """Base class of everything the sandbox raises."""


class SandboxUnavailable(SandboxError):
    """bubblewrap is missing or cannot build a sandbox here, and the operator did not opt out.

    The message says what was tried, how to install bubblewrap, and the exact opt-out.
    """


class SandboxConfigError(SandboxError, ValueError):
    """The caller asked for something the sandbox refuses to do.

    For example: a credential-like environment variable, a relative or missing path, binding
    `/` or `/etc`, or a working directory the sandboxed process could not see.
    """
