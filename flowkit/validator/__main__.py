"""`python -m flowkit.validator`: see `flowkit.validator.command`."""

import sys

from flowkit.validator.command import main

sys.exit(main())
