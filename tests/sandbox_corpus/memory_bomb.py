"""Allocate and touch memory without end, 16 MiB at a time."""

hoard = []
while True:
    hoard.append(b"\x01" * (16 << 20))
