"""The kernel returns the memory a cell leaves behind (bdl_helpers/_memory.py)."""

from __future__ import annotations

import gc

from bdl_helpers import _memory


class _Events:
    def __init__(self) -> None:
        self.callbacks: dict[str, list] = {}

    def register(self, event: str, callback) -> None:
        self.callbacks.setdefault(event, []).append(callback)


class _Shell:
    def __init__(self) -> None:
        self.events = _Events()


def test_a_shell_gets_one_release_hook_however_often_asked():
    shell = _Shell()
    try:
        assert _memory.release_after_cells(shell)
        assert _memory.release_after_cells(shell)
        assert list(shell.events.callbacks) == ["post_run_cell"]
        (release,) = shell.events.callbacks["post_run_cell"]
    finally:
        gc.unfreeze()  # the hook froze this test process's objects

    class Cycle:
        pass

    cycle = Cycle()
    cycle.me = cycle
    del cycle
    gc.disable()  # only the hook may collect the cycle
    try:
        before = gc.get_count()[0]
        assert before > 0
        release(None)
        assert gc.get_count()[0] < before
    finally:
        gc.enable()


def test_outside_ipython_nothing_is_registered():
    assert _memory.release_after_cells(object()) is False


def test_malloc_trim_is_callable_on_every_platform():
    _memory._malloc_trim()()
