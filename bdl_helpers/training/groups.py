"""A large stacked run trained as a few groups of models, one thread each.

One compiled program over 30 copies of Part II's ``Dense(500)`` net is slower
per model than over 15: the stacked activations of a step (30 models x 70
rows x 500 units, 4 MiB) no longer fit the processor's caches. And one XLA
program keeps about one core busy. So a run of many wide models under XLA is
cut into equal groups that share one program (traced and compiled once, for
the group's size) and run side by side in threads. Measured in
``benchmarks/engine.py --only groups`` (its loop reused): the 30-repeat
circles listing with validation every epoch, 11.8 s as one stack, 8.4 s as
two groups of 15 in threads (10.3 s when the two run one after the other).
Models under ``fitting.XLA_WIDE_PARAMS`` weights are left alone: the
grouping was not measured for them.

Each model computes what it computes in one stacked program, up to float
rounding: XLA compiles a 15-model and a 30-model stack into different code
(differences of one unit in the last place after a step, tested).
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from bdl_helpers import _env  # noqa: F401  (quiet TensorFlow before it loads)

import tensorflow as tf

# Models per group at most: 15 were as fast per model as 10, 30 much slower.
MAX_GROUP = 16
# Fewer models stay one group: a group of one model runs another graph (no
# vectorization), whose float rounding may differ.
MIN_MODELS = 4

_pools: dict[int, ThreadPoolExecutor] = {}


def n_groups(n_models: int, *, wide: bool, jit_compile: bool) -> int:
    """How many groups a stacked run of ``n_models`` models is cut into.

    ``wide``: the model counts as wide (``fitting.is_wide``);
    ``jit_compile``: the run is compiled with XLA.
    """
    if not (wide and jit_compile) or n_models < MIN_MODELS:
        return 1
    return max(2, math.ceil(n_models / MAX_GROUP))


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _pool(workers: int) -> ThreadPoolExecutor:
    if workers not in _pools:
        _pools[workers] = ThreadPoolExecutor(workers, thread_name_prefix="bdl-group")
    return _pools[workers]


class Groups:
    """Cut stacked arguments into ``count`` equal groups and join the results.

    The last group is padded with copies of the last model when ``n_models``
    is not a multiple of ``count``; the copies' results are dropped.
    """

    def __init__(self, n_models: int, count: int) -> None:
        self.n_models = n_models
        self.count = count
        self.size = math.ceil(n_models / count)
        self.padding = self.size * count - n_models
        self._ran: set[int] = set()  # programs called once already

    def split(self, tree: Any, axis: int | None) -> list[Any]:
        """``tree``'s tensors cut along their model axis (None: shared)."""
        if axis is None or tree is None:
            return [tree] * self.count

        def cut(t: tf.Tensor) -> list[tf.Tensor]:
            if self.padding:
                last = tf.gather(t, [self.n_models - 1], axis=axis)
                t = tf.concat([t, tf.repeat(last, self.padding, axis=axis)], axis)
            return tf.split(t, self.count, axis=axis)

        flat = [cut(t) for t in tf.nest.flatten(tree)]
        return [
            tf.nest.pack_sequence_as(tree, [parts[g] for parts in flat])
            for g in range(self.count)
        ]

    def join(self, trees: Sequence[Any], axis: int) -> Any:
        """The groups' results concatenated along the model axis, padding dropped."""

        def glue(*parts: tf.Tensor) -> tf.Tensor:
            whole = tf.concat(parts, axis)
            if not self.padding:
                return whole
            return tf.gather(whole, tf.range(self.n_models), axis=axis)

        return tf.nest.map_structure(glue, *trees)

    def run(
        self,
        program: Callable,
        args: Sequence[Any],
        arg_axes: Sequence[int | None],
        out_axes: Sequence[int],
    ) -> tuple:
        """``program`` on each group's arguments, in threads; results joined."""
        pieces = [self.split(a, axis) for a, axis in zip(args, arg_axes, strict=True)]
        calls = [[piece[g] for piece in pieces] for g in range(self.count)]
        outs = []
        if id(program) not in self._ran:
            # The first call traces and compiles: once, before the threads.
            outs.append(program(*calls.pop(0)))
            self._ran.add(id(program))
        workers = min(len(calls), _cores())
        if workers > 1:
            outs += _pool(workers).map(lambda call: program(*call), calls)
        else:
            outs += [program(*call) for call in calls]
        return tuple(
            self.join([out[k] for out in outs], axis) for k, axis in enumerate(out_axes)
        )
