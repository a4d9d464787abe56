"""`python -m coach` runs the CLI."""

import sys

from coach.cli import main

sys.exit(main())
