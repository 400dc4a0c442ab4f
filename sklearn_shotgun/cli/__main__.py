"""``python -m sklearn_shotgun.cli``."""

import sys

from . import main

sys.exit(main())
