"""``python -m ui`` starts the desktop application."""

from __future__ import annotations

import sys

from ui.app import main

sys.exit(main())
