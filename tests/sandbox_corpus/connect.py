"""Open a TCP connection to HOST PORT (argv): the sandbox has no network, not even the host's."""

import socket
import sys

host, port = sys.argv[1], int(sys.argv[2])
with socket.create_connection((host, port), timeout=3):
    print(f"ESCAPED: connected to {host}:{port}")
