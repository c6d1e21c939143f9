"""Spin on the CPU without end."""

while True:
    pass
