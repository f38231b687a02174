"""Benchmark: the wall time of every chapter notebook, executed top to bottom.

Each notebook runs in a fresh kernel of the course's environment, at the book's
settings, without writing its outputs back; each line gives its wall time and
the kernel's peak memory. The targets: 60 s or less per chapter notebook on a
2-core laptop CPU (the ensembles chapter 150 s), and under 1.5 GB of kernel
memory (Binder gives about 2 GB). Run it with ``make benchmark``::

    python benchmarks/notebooks.py                     # every notebook
    python benchmarks/notebooks.py notebooks/00-introduction
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

from execute_notebooks import time_notebooks  # noqa: E402  (path set just above)

TARGET_SECONDS = 60
# Chapters with a target of their own: 15 trains seven ensemble methods.
TARGET_SECONDS_OF = {"15-ensembles.ipynb": 150}
TARGET_MIB = 1536


def _target(path: Path) -> int:
    return TARGET_SECONDS_OF.get(path.name, TARGET_SECONDS)


def main() -> int:
    timings = time_notebooks(sys.argv[1:], write=False)
    slow = [t for t in timings if t.seconds > _target(t.path)]
    heavy = [t for t in timings if t.peak_mib and t.peak_mib > TARGET_MIB]
    failed = [t for t in timings if not t.ok]
    for timing in slow:
        print(f"slower than {_target(timing.path)} s: {timing.path.name}")
    for timing in heavy:
        print(f"more than {TARGET_MIB} MiB: {timing.path.name}")
    for timing in failed:
        print(f"failed: {timing.path.name}\n{timing.error}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
