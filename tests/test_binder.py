"""Binder, built from ``binder/`` alone, runs a learner's first steps (opt-in).

``scripts/binder_check.py`` installs the course as repo2docker does (about two
minutes of pip), runs chapter 00 answered and presses Validate in a real
JupyterLab server, and fails past 1.5 GiB of memory in all. At about four
minutes it is not part of the default run (CI's 25-minute budget); run it with
``make binder-check`` or ``BDL_BINDER_CHECK=1 make test`` after changing
``binder/``, the dependencies or what a kernel holds.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.skipif(
    os.environ.get("BDL_BINDER_CHECK") != "1",
    reason="about 4 minutes: run with BDL_BINDER_CHECK=1 or `make binder-check`",
)
@pytest.mark.timeout(1800)
def test_binder_environment_runs_a_learners_first_steps():
    result = subprocess.run(
        [sys.executable, "scripts/binder_check.py"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=1700,
    )
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]
