"""Pick a free TCP port on the loopback interface."""

import socket

LOOPBACK = "127.0.0.1"


def free_loopback_port() -> int:
    """Return a TCP port on 127.0.0.1 that the kernel just handed out as unused.

    The probe socket is closed before the server binds the port, so another process can
    take it in between; the servers then fail to start and say so, they never share a port.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((LOOPBACK, 0))
        port: int = probe.getsockname()[1]
    return port
