"""``python -m sklearn_shotgun``: the ``sklearn-shotgun`` command."""

import sys

from .cli import main

if __name__ == "__main__":  # not when a test collector imports the module
    sys.exit(main())
