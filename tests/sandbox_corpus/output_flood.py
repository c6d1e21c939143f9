"""Write BYTES (argv; 0 means without end) to stdout and a line to stderr, then exit 0."""

import sys

total = int(sys.argv[1])
block = b"flood " * 10_923  # 65538 bytes
written = 0
print("flood starts", file=sys.stderr)
while total == 0 or written < total:
    sys.stdout.buffer.write(block)
    written += len(block)
sys.stdout.buffer.write(b"\nflood ends\n")
