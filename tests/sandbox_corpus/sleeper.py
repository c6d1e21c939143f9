"""Sleep for an hour, with three children sleeping too: only the wall clock stops them."""

import os
import time

for _ in range(3):
    if os.fork() == 0:
        break
time.sleep(3600)
