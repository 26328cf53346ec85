"""``python -m darkstrahl`` runs the command line."""

import sys

from darkstrahl.cli import main

sys.exit(main())
