"""``python -m visheat`` runs the ``visheat`` command."""

import sys

from .cli import main

sys.exit(main())
