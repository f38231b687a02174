"""Keras's ``EarlyStopping`` decided inside the compiled loop.

A callback that acts every epoch would end the compiled chunk every epoch,
which for 30 models x 4,000 epochs costs minutes. ``EarlyStopping`` needs only
each epoch's logs and, for ``restore_best_weights``, a copy of the best
weights: both live in the loop (``stack._early_stopping``). Each model stops
at its own epoch and is frozen from then on while the others go on.

The callback objects the learner passed end as ``model.fit`` leaves them
(``stopped_epoch``, ``best``, ``best_epoch``, ``wait``, ``best_weights``,
``model.stop_training``), and their ``on_train_end`` restores the best weights
and prints what it prints after ``model.fit``.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

from bdl_helpers import _env  # noqa: F401  (quiet TensorFlow before it loads)

import keras
import numpy as np
import tensorflow as tf


def is_early_stopping(callback: keras.callbacks.Callback) -> bool:
    """True for ``keras.callbacks.EarlyStopping`` itself (not a subclass, whose
    overridden methods only a live run would honour)."""
    return type(callback) is keras.callbacks.EarlyStopping


class InGraphStopping:
    """The stacked settings and state of every model's ``EarlyStopping``.

    Models without one get ``column = -1`` and never stop.
    """

    def __init__(
        self,
        callbacks: Sequence[keras.callbacks.EarlyStopping | None],
        log_keys: list[str],
        weights: list[tf.Tensor],
    ) -> None:
        self.callbacks = list(callbacks)
        n = len(self.callbacks)
        params = {
            "column": np.full(n, -1, "int32"),
            "maximize": np.zeros(n, bool),
            "min_delta": np.zeros(n, "float64"),
            "baseline": np.full(n, np.nan, "float64"),
            "patience": np.zeros(n, "int32"),
            "start": np.zeros(n, "int32"),
        }
        for i, cb in enumerate(self.callbacks):
            if cb is None:
                continue
            if cb.monitor_op is None:
                cb._set_monitor_op()  # Keras's own choice of direction and sign
            if cb.monitor not in log_keys:
                warnings.warn(
                    f"Early stopping conditioned on metric `{cb.monitor}` which is "
                    f"not available. Available metrics are: {','.join(log_keys)}",
                    stacklevel=4,
                )
                continue
            params["column"][i] = log_keys.index(cb.monitor)
            params["maximize"][i] = cb.monitor_op is keras.ops.greater
            params["min_delta"][i] = cb.min_delta
            if cb.baseline is not None:
                params["baseline"][i] = cb.baseline
            params["patience"][i] = cb.patience
            params["start"][i] = cb.start_from_epoch
        self.params = {k: tf.constant(v) for k, v in params.items()}
        self.restore = any(cb and cb.restore_best_weights for cb in self.callbacks)
        self.mode = 2 if self.restore else 1
        self.state = {
            "best": tf.zeros(n, tf.float64),
            "has_best": tf.zeros(n, tf.bool),
            "best_epoch": tf.zeros(n, tf.int32),
            "wait": tf.zeros(n, tf.int32),
            "stopped": tf.zeros(n, tf.int32),
            "has_weights": tf.zeros(n, tf.bool),
        }
        self.best_weights = [tf.identity(w) for w in weights] if self.restore else []

    def epochs_run(self, i: int, start: int, count: int) -> int:
        """How many of a chunk's epochs model ``i`` trained (it may stop in it)."""
        stopped = int(self.state["stopped"][i])
        # stopped == 0 means "not stopped": Keras never stops at epoch 0.
        if stopped > 0 and start <= stopped < start + count:
            return stopped - start + 1
        return count

    def finish(self, models: Sequence[keras.Model]) -> None:
        """Leave each callback (and model) as ``model.fit`` leaves them, before
        ``on_train_end``, which restores the best weights."""
        state = {k: v.numpy() for k, v in self.state.items()}
        weights = [w.numpy() for w in self.best_weights]
        for i, (cb, model) in enumerate(zip(self.callbacks, models, strict=True)):
            if cb is None:
                continue
            cb.wait = int(state["wait"][i])
            cb.stopped_epoch = int(state["stopped"][i])
            cb.best = float(state["best"][i]) if state["has_best"][i] else None
            cb.best_epoch = int(state["best_epoch"][i])
            if cb.restore_best_weights and state["has_weights"][i]:
                cb.best_weights = [w[i] for w in weights]
            if cb.stopped_epoch > 0:
                model.stop_training = True


def stoppers_of(
    per_model: list[list[keras.callbacks.Callback]],
) -> list[keras.callbacks.EarlyStopping | None] | None:
    """Each model's one ``EarlyStopping`` (or None), or None when no model has
    one or a model has two (those run live, through Keras's own code)."""
    found = []
    for cbs in per_model:
        mine = [cb for cb in cbs if is_early_stopping(cb)]
        if len(mine) > 1:
            return None
        found.append(mine[0] if mine else None)
    return found if any(cb is not None for cb in found) else None


__all__ = ["InGraphStopping", "is_early_stopping", "stoppers_of"]
