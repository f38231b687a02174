"""pytest set-up for the whole repository: tests/ and the notebooks under nbval.

With ``make test PYTEST_WORKERS=2`` (pytest-xdist, ``--dist loadgroup``) the
work is shared between two processes. Two rules keep that correct and short:

- every cell of one notebook runs in the same worker, in order, because the
  cells share one kernel (nbval); the notebook is one ``xdist_group``;
- the longest groups start first (the notebooks, then each chapter's grading
  round trip, then the unit tests), so that no long job starts last while the
  other worker sits idle.

It also marks the long tests ``slow``: the notebooks, the grading round trips
(tests that use the ``course`` fixture) and the engine's fidelity tests
against ``model.fit``. ``make test-fast`` runs the others, in about a minute.
"""

from __future__ import annotations

import pytest

# Test modules that train against model.fit, seed after seed.
SLOW_MODULES = {
    "test_training.py",
    "test_training_many.py",
    "test_vectorized_random.py",
}


def _is_slow(item: pytest.Item) -> bool:
    return (
        _is_notebook_cell(item)
        or item.path.name in SLOW_MODULES
        or "course" in getattr(item, "fixturenames", ())
    )


def _is_notebook_cell(item: pytest.Item) -> bool:
    return item.path.suffix == ".ipynb"


def _rank(item: pytest.Item) -> int:
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
