"""Create or append to the file named in argv: outside /tmp, nothing is writable."""

import sys

with open(sys.argv[1], "a") as file:
    file.write("written from inside the sandbox\n")
print(f"ESCAPED: wrote {sys.argv[1]}")
