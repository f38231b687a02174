"""The kernel returns the memory a cell leaves behind (bdl_helpers/_memory.py)."""

from __future__ import annotations

import gc

from bdl_helpers import _memory

import pytest


class _Events:
    def __init__(self) -> None:
        self.callbacks: dict[str, list] = {}

    def register(self, event: str, callback) -> None:
        self.callbacks.setdefault(event, []).append(callback)


class _Shell:
    def __init__(self) -> None:
        self.events = _Events()


@pytest.fixture
def hooks(monkeypatch):
    """(pre_run_cell, post_run_cell) of a shell, the process's gc as it was."""
    collections = []
    collect = gc.collect
    monkeypatch.setattr(
        _memory.gc, "collect", lambda *a: collections.append(1) or collect(*a)
    )
    clock = [100.0]
    monkeypatch.setattr(_memory.time, "perf_counter", lambda: clock[0])
    shell = _Shell()
    try:
        assert _memory.release_after_cells(shell)
        assert _memory.release_after_cells(shell)  # registers once
    finally:
        gc.unfreeze()  # the hook froze this test process's objects
    assert sorted(shell.events.callbacks) == ["post_run_cell", "pre_run_cell"]
    assert all(len(v) == 1 for v in shell.events.callbacks.values())
    collections.clear()
    (pre,) = shell.events.callbacks["pre_run_cell"]
    (post,) = shell.events.callbacks["post_run_cell"]
    return pre, post, clock, collections


def _cell(pre, post, clock, seconds: float, collect_seconds: float = 0.0) -> None:
    pre(None)
    clock[0] += seconds
    real = _memory.gc.collect

    def timed(*a):  # a collection that takes collect_seconds on the fake clock
        clock[0] += collect_seconds
        return real(*a)

    _memory.gc.collect = timed
    try:
        worker = post(None)
        if worker is not None:  # the collection runs in the background
            worker.join()
    finally:
        _memory.gc.collect = real


def test_a_cell_is_followed_by_a_collection_that_frees_its_cycles(hooks):
    pre, post, clock, collections = hooks

    class Cycle:
        pass

    cycle = Cycle()
    cycle.me = cycle
    del cycle
    gc.disable()  # only the hook may collect the cycle
    try:
        before = gc.get_count()[0]
        assert before > 0
        _cell(pre, post, clock, seconds=1.0)
        assert gc.get_count()[0] < before
    finally:
        gc.enable()
    assert collections == [1]


def test_a_collection_follows_only_cells_five_times_longer_than_it(hooks):
    pre, post, clock, collections = hooks
    _cell(pre, post, clock, seconds=5.0, collect_seconds=0.3)  # now costs 0.3 s
    assert len(collections) == 1
    _cell(pre, post, clock, seconds=0.5)  # quick cell: no collection
    _cell(pre, post, clock, seconds=1.4)
    assert len(collections) == 1
    _cell(pre, post, clock, seconds=1.5, collect_seconds=0.01)  # >= 5 x 0.3 s
    assert len(collections) == 2
    _cell(pre, post, clock, seconds=0.06)  # >= 5 x 0.01 s
    assert len(collections) == 3


def test_outside_ipython_nothing_is_registered():
    assert _memory.release_after_cells(object()) is False


def test_malloc_trim_is_callable_on_every_platform():
    _memory._malloc_trim()()
