"""Benchmark: the wall time of every chapter notebook, executed top to bottom.

Each notebook runs in a fresh kernel of the course's environment, at the book's
settings, without writing its outputs back. The target is about 90 s or less
per notebook on a 2-core laptop CPU. Run it with ``make benchmark``::

    python benchmarks/notebooks.py                     # every notebook
    python benchmarks/notebooks.py notebooks/00-introduction
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

from execute_notebooks import time_notebooks  # noqa: E402  (path set just above)

TARGET_SECONDS = 90


def main() -> int:
    timings = time_notebooks(sys.argv[1:], write=False)
    slow = [t for t in timings if t.seconds > TARGET_SECONDS]
    failed = [t for t in timings if not t.ok]
    for timing in slow:
        print(f"slower than {TARGET_SECONDS} s: {timing.path.name}")
    for timing in failed:
        print(f"failed: {timing.path.name}\n{timing.error}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
