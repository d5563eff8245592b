"""`python -m lib.catalog ...`: see `lib.catalog.cli`."""

import sys

from lib.catalog.cli import main

sys.exit(main())
