"""Keras's ``EarlyStopping``, best-only ``ModelCheckpoint`` and
``ReduceLROnPlateau``, inside the loop.

A callback that acts every epoch would end the compiled chunk every epoch,
which costs about 30 ms an epoch: minutes for one model over 4,000 epochs.
These three need only each epoch's logs, a copy of the model at its best
epoch and the learning rate (a variable of the optimizer's state), so all
live in the loop (``stack._monitor``, ``stack._plateau``): each model of
``fit_many`` stops at its own epoch, and is frozen from then on while the
others go on; each lowers its own learning rate.

The callback objects end as ``model.fit`` leaves them: ``EarlyStopping``'s
``stopped_epoch``, ``best``, ``best_epoch``, ``wait`` and ``best_weights``
(its ``on_train_end`` restores them), ``model.stop_training``, and the
checkpoint's ``best`` and file, ``ReduceLROnPlateau``'s ``best``, ``wait``
and ``cooldown_counter``, and the optimizer's learning rate; the history
has the ``learning_rate`` key that ``ReduceLROnPlateau`` adds to the logs.
One difference: the checkpoint file is written once, when training ends,
holding the model (weights and optimizer state) of the best epoch, where
``model.fit`` rewrites it at every improvement; a run interrupted midway
leaves no file.

Served in the loop: ``keras.callbacks.EarlyStopping``,
``keras.callbacks.ModelCheckpoint(save_best_only=True)`` with a fixed file
name (no ``{epoch}`` fields) and ``keras.callbacks.ReduceLROnPlateau`` with
``verbose=0`` on an optimizer whose learning rate is a variable (not a
schedule), at most one of each per model, whose monitor is in the logs. Any
other callback, or a subclass, runs live through Keras.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Sequence

from bdl_helpers import _env  # noqa: F401  (quiet TensorFlow before it loads)
from bdl_helpers.training import _internals, stack

import keras
import numpy as np
import tensorflow as tf

_NEVER = np.iinfo("int32").max  # a patience no run reaches: checkpoints never stop


KINDS = ("stop", "checkpoint", "plateau")


def in_loop_kind(
    callback: keras.callbacks.Callback, log_keys: list[str], model: keras.Model
) -> str | None:
    """``"stop"``, ``"checkpoint"`` or ``"plateau"`` if the loop can serve
    ``callback`` (given to ``model``), else None."""
    kind = type(callback)
    if kind is keras.callbacks.EarlyStopping:
        return "stop"
    if (
        kind is keras.callbacks.ModelCheckpoint
        and callback.save_best_only
        and callback.save_freq == "epoch"
        and "{" not in callback.filepath
        and callback.monitor in log_keys  # otherwise Keras saves every epoch
    ):
        return "checkpoint"
    if (
        kind is keras.callbacks.ReduceLROnPlateau
        and not callback.verbose  # its messages would come at the chunk's end
        and callback.monitor in log_keys
        and _internals.learning_rate_index(model.optimizer) is not None
    ):
        return "plateau"
    return None


class Slot:
    """One kind of monitor (all models' ``EarlyStopping``, or all checkpoints)."""

    def __init__(
        self,
        kind: str,
        callbacks: list,
        log_keys: list[str],
        state: list,
        positions: list[tuple[int, int]],
    ) -> None:
        self.kind = kind
        self.callbacks = callbacks
        n = len(callbacks)
        params = {
            "column": np.full(n, -1, "int32"),
            "maximize": np.zeros(n, bool),
            "min_delta": np.zeros(n, "float64"),
            "baseline": np.full(n, np.nan, "float64"),
            "patience": np.full(n, _NEVER, "int32"),
            "start": np.zeros(n, "int32"),
        }
        if kind == "plateau":
            params = {
                k: params[k] for k in ("column", "maximize", "min_delta", "patience")
            }
            params["factor"] = np.ones(n, "float64")
            params["min_lr"] = np.zeros(n, "float64")
            params["cooldown"] = np.zeros(n, "int32")
        best = np.zeros(n, "float64")
        has_best = np.zeros(n, bool)
        for i, cb in enumerate(callbacks):
            if cb is None:
                continue
            if cb.monitor_op is None:
                cb._set_monitor_op()  # Keras's own direction, and min_delta's sign
            if cb.monitor not in log_keys:
                warnings.warn(
                    f"Early stopping conditioned on metric `{cb.monitor}` which is "
                    f"not available. Available metrics are: {','.join(log_keys)}",
                    stacklevel=5,
                )
                continue
            params["column"][i] = log_keys.index(cb.monitor)
            params["maximize"][i] = cb.monitor_op is keras.ops.greater
            params["min_delta"][i] = cb.min_delta
            if kind == "stop":
                if cb.baseline is not None:
                    params["baseline"][i] = cb.baseline
                params["patience"][i] = cb.patience
                params["start"][i] = cb.start_from_epoch
            elif kind == "plateau":
                params["patience"][i] = cb.patience
                params["factor"][i] = cb.factor
                params["min_lr"][i] = cb.min_lr
                params["cooldown"][i] = cb.cooldown
            elif cb.best is not None:  # the checkpoint's initial_value_threshold
                best[i], has_best[i] = cb.best, True
        self.params = {k: tf.constant(v) for k, v in params.items()}
        if kind == "plateau":  # what its on_train_begin resets
            counters = ("wait", "cooldown")
        else:
            counters = ("best_epoch", "wait", "stopped")
        self.state = {
            "best": tf.constant(best),
            "has_best": tf.constant(has_best),
            **{name: tf.zeros(n, tf.int32) for name in counters},
        }
        if kind == "checkpoint":
            self.keep = stack.KEEP_MODEL
            self.kept = [[tf.identity(v) for v in part] for part in state[:3]]
        elif kind == "stop" and any(
            cb is not None and cb.restore_best_weights for cb in callbacks
        ):
            self.keep = stack.KEEP_WEIGHTS
            self.kept = [tf.identity(state[p][j]) for p, j in positions]
        else:
            self.keep, self.kept = stack.KEEP_NOTHING, []


class InLoopMonitors:
    """Every model's ``EarlyStopping``, best-only ``ModelCheckpoint`` and
    ``ReduceLROnPlateau``."""

    def __init__(
        self,
        per_model: list[list],
        served: dict[int, str],
        log_keys: list[str],
        state,
        positions: list,
    ) -> None:
        """``served``: what :meth:`serves` returned for ``per_model``."""
        self.slots = []
        for kind in KINDS:
            callbacks = [
                next((cb for cb in cbs if served.get(id(cb)) == kind), None)
                for cbs in per_model
            ]
            if any(cb is not None for cb in callbacks):
                self.slots.append(Slot(kind, callbacks, log_keys, state, positions))

    @staticmethod
    def serves(
        per_model: list[list], log_keys: list[str], models: Sequence[keras.Model]
    ) -> dict[int, str]:
        """The callbacks the loop serves, ``id -> kind``: at most one of each
        kind per model (a second one of a kind makes that model's run live)."""
        served = {}
        for cbs, model in zip(per_model, models, strict=True):
            kinds = [in_loop_kind(cb, log_keys, model) for cb in cbs]
            for kind in KINDS:
                if kinds.count(kind) == 1:
                    served[id(cbs[kinds.index(kind)])] = kind
        return served

    def reduces_learning_rate(self, i: int) -> bool:
        """Whether model ``i`` has a ``ReduceLROnPlateau`` (its logs then have
        a ``learning_rate`` column, as the callback adds under ``model.fit``)."""
        return any(
            slot.kind == "plateau" and slot.callbacks[i] is not None
            for slot in self.slots
        )

    @property
    def signature(self) -> tuple[tuple[str, str], ...]:
        """``(kind, what it keeps)`` of each slot: what the program is built for."""
        return tuple((slot.kind, slot.keep) for slot in self.slots)

    @property
    def arguments(self) -> tuple[list, list, list]:
        return (
            [slot.params for slot in self.slots],
            [slot.state for slot in self.slots],
            [slot.kept for slot in self.slots],
        )

    def update(self, states: list, kept: list) -> None:
        for slot, state, keep in zip(self.slots, states, kept, strict=True):
            slot.state, slot.kept = state, keep

    def epochs_run(self, i: int, start: int, count: int) -> int:
        """How many of a chunk's epochs model ``i`` trained (it may stop in it)."""
        for slot in self.slots:
            if slot.kind != "stop":
                continue
            stopped = int(slot.state["stopped"][i])
            # 0 means "not stopped": Keras never stops at epoch 0.
            if stopped > 0 and start <= stopped < start + count:
                return stopped - start + 1
        return count

    def finish(self, models: Sequence[keras.Model], final_state: list) -> None:
        """Leave each callback, model and checkpoint file as ``model.fit``
        leaves them, before ``on_train_end`` (which restores best weights)."""
        for slot in self.slots:
            state = {k: v.numpy() for k, v in slot.state.items()}
            for i, (cb, model) in enumerate(zip(slot.callbacks, models, strict=True)):
                if cb is None:
                    continue
                cb.best = float(state["best"][i]) if state["has_best"][i] else cb.best
                if slot.kind == "checkpoint":
                    if state["has_best"][i]:
                        self._save(cb, model, i, slot, final_state)
                    continue
                if slot.kind == "plateau":  # the learning rate is in the state
                    cb.wait = int(state["wait"][i])
                    cb.cooldown_counter = int(state["cooldown"][i])
                    continue
                cb.wait = int(state["wait"][i])
                cb.stopped_epoch = int(state["stopped"][i])
                cb.best_epoch = int(state["best_epoch"][i])
                if cb.restore_best_weights and state["has_best"][i]:
                    cb.best_weights = [w[i].numpy() for w in slot.kept]
                if cb.stopped_epoch > 0:
                    model.stop_training = True

    @staticmethod
    def _save(cb, model, i: int, slot: Slot, final_state: list) -> None:
        """Write the checkpoint of model ``i``'s best epoch, then put back its
        final state."""
        parts = (0, 1, 2)
        best = [[v[i : i + 1] for v in part] for part in slot.kept]
        last = [[v[i : i + 1] for v in part] for part in final_state[:3]]
        folder = os.path.dirname(cb.filepath)
        if folder:
            os.makedirs(folder, exist_ok=True)
        stack.unstack_state([model], best, parts)
        try:
            if cb.save_weights_only:
                model.save_weights(cb.filepath, overwrite=True)
            else:
                model.save(cb.filepath, overwrite=True)
        finally:
            stack.unstack_state([model], last, parts)
