"""pytest set-up for the whole repository: tests/ and the notebooks under nbval.

With ``make test PYTEST_WORKERS=2`` (pytest-xdist, ``--dist loadgroup``) the
work is shared between two processes. Three rules keep that correct and short:

- every cell of one notebook runs in the same worker, in order, because the
  cells share one kernel (nbval); the notebook is one ``xdist_group``;
- the longest groups start first (the Binder check when enabled, the
  notebooks, then each chapter's grading round trip, then the unit tests), so
  that no long job starts last while the other worker sits idle;
- each process runs TensorFlow on one thread, so two workers do not fight
  over the two cores (``pytest_configure``).

It also marks the long tests ``slow``: the notebooks, the grading round trips
(tests that use a ``course`` fixture) and the engine's fidelity tests
against ``model.fit``. ``make test-fast`` runs the others, in about a minute.
"""

from __future__ import annotations

import os

import matplotlib
import pytest

matplotlib.use("Agg")  # figures drawn by tests and doctests stay off screen

# Long test modules: training against model.fit seed after seed, and the
# real browser (JupyterLab and chromium, about 30 s).
SLOW_MODULES = {
    "test_training.py",
    "test_training_many.py",
    "test_vectorized_random.py",
    "test_widgets_in_browser.py",
    "test_binder.py",
}


def _is_slow(item: pytest.Item) -> bool:
    return (
        _is_notebook_cell(item)
        or item.path.name in SLOW_MODULES
        or bool({"course", "pipeline_course"} & set(getattr(item, "fixturenames", ())))
    )


def _is_notebook_cell(item: pytest.Item) -> bool:
    return item.path.suffix == ".ipynb"


def _rank(item: pytest.Item) -> int:
    if item.path.name == "test_binder.py":
        return -1  # one test of about 2.5 minutes (when enabled): start it first
    if _is_notebook_cell(item):
        return 0
    if item.get_closest_marker("xdist_group") is not None:
        return 1  # a chapter's grading round trip (tests/test_grading_pipeline.py)
    return 2


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]):
    for item in items:
        if _is_notebook_cell(item):
            item.add_marker(pytest.mark.xdist_group(f"nbval-{item.path.stem}"))
        if _is_slow(item):
            item.add_marker(pytest.mark.slow)
    if config.getoption("dist", "no") != "no":
        # Stable sort: cells keep their order inside each notebook.
        items.sort(key=_rank)


def pytest_configure(config: pytest.Config) -> None:
    """With several workers, one TensorFlow thread per process.

    Every worker, and every kernel it starts (nbval, nbgrader), would otherwise
    run TensorFlow's thread pools as wide as the machine: on 2 cores two
    notebooks then take longer side by side (measured: 88 s) than one thread
    each gives (63 s), because the book's small models gain nothing from
    intra-op threads. Set before any test imports TensorFlow; the workers and
    their kernels inherit it. An explicit setting in the environment wins.
    """
    workers = getattr(config.option, "numprocesses", None)
    if workers not in (None, 0, 1) or hasattr(config, "workerinput"):
        for name in ("TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS"):
            os.environ.setdefault(name, "1")
