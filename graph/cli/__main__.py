"""``python -m graph.cli``: the same entry point as the ``zhkg`` script."""

import sys

from graph.cli.main import main

sys.exit(main())
