"""One production app server under load (issue 12): `ketamine-care serve` (gunicorn, 4
workers) on a durable PostgreSQL, production settings, nurses with API bearer tokens driving
the mixed clinical workload of issue 12 (patient search, chart reads, vitals batches, score
entries) at 8, 32 and 64 concurrent clients, beside `/healthz` under the same load as the
framework's ceiling. The same driver as `http_mixed.py` (issue 13's mix at 1 to 64 clients):
see there for how it measures.

Usage: .venv/bin/python benchmarks/serve.py [--clients 8,32,64] [--requests 800] [--workers 4]
       (or: make bench-serve; not part of make test)
Goal (issue 12): p99 < 300 ms at 64 clients with 0 errors.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from http_mixed import main  # noqa: E402

# Relative weights of the mixed workload's operations.
MIX = {"search": 20, "chart": 30, "vitals": 30, "score": 20}

if __name__ == "__main__":
    main(MIX, "8,32,64", __doc__)
