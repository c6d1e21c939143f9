"""What a well-behaved flow test does: write and read /tmp, import from the checkout."""

import os
from pathlib import Path

import flowmod  # a module of the read-only checkout, found through PYTHONPATH

scratch = Path(os.environ["TMPDIR"]) / "scratch.txt"
scratch.write_text("scratch\n")
assert scratch.read_text() == "scratch\n"
print(f"benign ok: {flowmod.GREETING}, HOME={os.environ['HOME']}")
