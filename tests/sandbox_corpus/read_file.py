"""Print the file named in argv, e.g. /etc/shadow: it must not be visible in the sandbox."""

import sys
from pathlib import Path

content = Path(sys.argv[1]).read_bytes()
print(f"ESCAPED: read {len(content)} bytes of {sys.argv[1]}")
