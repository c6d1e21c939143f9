"""The two ways a test server can let the tests down: not installed, or failing to run."""


class MissingBinaryError(Exception):
    """A program the tests need is not installed; the message says how to install it."""

    def __init__(self, what: str, where: str, apt_package: str) -> None:
        super().__init__(
            f"{what} not found {where}. `make test` installs it; by hand: "
            f"apt-get install -y {apt_package}"
        )


class ServerError(RuntimeError):
    """A server program is installed but failed to start or stop; the message carries its log."""
