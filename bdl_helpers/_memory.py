"""Give memory back after each notebook cell, so two kernels fit on Binder.

A learner's usual path on Binder (one notebook run, then Validate, which runs
it again in a second kernel) must fit in the session's 2 GB. Two things keep
a kernel larger than it needs to be:

- Tracing a training loop or building a Keras model leaves cycles of Python
  objects behind. Python's collector reaches them in a full collection, which
  it runs rarely, and which costs about 0.2 s once TensorFlow's hundreds of
  thousands of objects are loaded.
- glibc's ``malloc`` keeps freed memory for reuse instead of returning it to
  the system.

So, in an IPython kernel, the objects alive once the package is imported
(TensorFlow, Keras, the package) are moved out of the collector's sight with
``gc.freeze()``, and after a cell a full collection and ``malloc_trim``
return what the cell left behind. They run in a background thread, so the
cell is reported done at once; a collection costs about 10 ms at first and
grows with what the notebook keeps (0.1 s at the end of chapter 00, 0.33 s
at the end of chapter 11), so it runs only after a cell that took at least
5 times as long as the last collection: a cell run right after it waits for
the interpreter lock at most a fifth of the previous cell's time, and a
quick cell never starts one. Measured on chapter 00 (2026-12-02): the
kernel's peak 920 -> 889 MiB, its size at the end 920 -> 873 MiB, the run's
time unchanged (37-41 s); chapter 13's peak 1,108 -> 1,055 MiB in the same
46 s; the Binder check's peak (JupyterLab, the run's kernel, Validate's
kernel) 1,519 -> 1,361-1,399 MiB.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import threading
import time
from collections.abc import Callable
from typing import Any

_HOOKED = "_bdl_release_memory"
# A cell must run this many times as long as the last collection took before
# the next one starts.
_COST_SHARE = 5


def _malloc_trim() -> Callable[[], Any]:
    """glibc's ``malloc_trim(0)``, or a no-op where there is no glibc."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        trim = libc.malloc_trim
    except (OSError, AttributeError):  # macOS, Windows, musl
        return lambda: None
    trim.argtypes = [ctypes.c_size_t]
    return lambda: trim(0)


def release_after_cells(shell: Any = None) -> bool:
    """Collect garbage and trim the heap after the cells of an IPython shell.

    After a cell that ran at least ``_COST_SHARE`` times as long as the last
    collection took, in a background thread (see the module's docstring).
    Does nothing outside IPython, and registers once however often it is
    called. Returns whether the shell now releases memory after its cells.
    """
    if shell is None:
        try:
            from IPython import get_ipython
        except ImportError:
            return False
        shell = get_ipython()
    events = getattr(shell, "events", None)
    if events is None:
        return False
    if getattr(shell, _HOOKED, False):
        return True
    trim = _malloc_trim()
    busy = threading.Lock()
    started = time.perf_counter()
    cost = 0.0  # seconds the last collection took

    def start(info: Any = None) -> None:
        nonlocal started
        started = time.perf_counter()

    def collect() -> None:
        nonlocal cost
        if not busy.acquire(blocking=False):  # one collection at a time
            return
        try:
            begun = time.perf_counter()
            gc.collect()
            trim()
            cost = time.perf_counter() - begun
        finally:
            busy.release()

    def release(result: Any = None) -> threading.Thread | None:
        if time.perf_counter() - started < _COST_SHARE * cost or busy.locked():
            return None
        worker = threading.Thread(target=collect, name="bdl-release", daemon=True)
        worker.start()
        return worker  # for the tests; IPython ignores it

    gc.collect()
    gc.freeze()
    events.register("pre_run_cell", start)
    events.register("post_run_cell", release)
    setattr(shell, _HOOKED, True)
    return True
