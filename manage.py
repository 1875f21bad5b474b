#!/usr/bin/env python
"""Developer entry point; the installed console script is `ketamine-care`."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "src"))

from ketamine_care.__main__ import main  # noqa: E402

if __name__ == "__main__":
    main()
