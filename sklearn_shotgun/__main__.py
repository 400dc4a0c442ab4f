"""``python -m sklearn_shotgun``: the ``sklearn-shotgun`` command."""

import sys

from .cli import main

sys.exit(main())
