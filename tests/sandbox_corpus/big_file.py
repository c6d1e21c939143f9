"""Write one file of BYTES (argv) into /tmp, more than the file-size limit allows."""

import sys

with open("/tmp/big", "wb") as file:
    file.write(b"\0" * int(sys.argv[1]))
print("ESCAPED: wrote the whole file")
