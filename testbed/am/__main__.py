"""``python -m testbed.am``: the simulated Assurance Maladie alone."""

from __future__ import annotations

import sys

from testbed.am.cli import main

sys.exit(main(["am", *sys.argv[1:]]))
