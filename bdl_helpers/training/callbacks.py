"""Callbacks: the engine's own (weight capture, progress bar) and the checks
and replay that let Keras callbacks run around compiled chunks of epochs."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable, Sequence
from typing import Any

from bdl_helpers import _env  # noqa: F401  (quiet TensorFlow before it loads)
from bdl_helpers._validation import ArgumentError, check_int, check_list

import keras
import numpy as np
from tqdm import tqdm

# Batch-level hooks the engine cannot call: whole epochs run inside the graph.
_BATCH_HOOKS = (
    "on_batch_begin",
    "on_batch_end",
    "on_train_batch_begin",
    "on_train_batch_end",
    "on_test_batch_begin",
    "on_test_batch_end",
)


class CaptureWeights(keras.callbacks.Callback):
    """Record the model's weights at the end of chosen epochs.

    The snapshot, horizontal-voting and weight-averaging ensembles need the
    weights of particular epochs. This callback copies them at the end of each
    epoch in ``epochs`` (0-based, as in ``on_epoch_end``), in the order of
    ``model.get_weights()``. Under ``model.fit`` it copies them then; under
    :func:`~bdl_helpers.fit` and :func:`~bdl_helpers.fit_many` the compiled
    loop writes them into a buffer as it passes those epochs, so capturing
    costs almost nothing and never interrupts the loop.

    Parameters
    ----------
    epochs : iterable of int
        The 0-based epochs after which to record the weights.

    Attributes
    ----------
    weights : dict of int to list of ndarray
        The recorded weights, keyed by epoch.

    Examples
    --------
    >>> capture = CaptureWeights(epochs=range(990, 1000))
    >>> len(capture.epochs)
    10
    """

    def __init__(self, epochs: Iterable[int]) -> None:
        super().__init__()
        epochs = check_list(
            epochs, "epochs", "CaptureWeights", "a list of epochs (ints >= 0)"
        )
        for epoch in epochs:
            check_int(epoch, "epochs", "CaptureWeights", min_value=0)
        self.epochs = frozenset(int(e) for e in epochs)
        self.weights: dict[int, list[np.ndarray]] = {}

    def on_train_begin(self, logs: dict | None = None) -> None:
        # Allow instances to be re-used.
        self.weights = {}

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        if epoch in self.epochs:
            self.weights[epoch] = self.model.get_weights()


class ProgressBar(keras.callbacks.Callback):
    """A one-line text bar over epochs that shows the latest logs.

    A text bar, not a notebook widget: a saved notebook then shows the bar's
    final state (a widget saves only its first frame). The bar itself is short
    and never truncates the logs, so ``val_accuracy`` stays readable.
    """

    def __init__(self, epochs: int, description: str) -> None:
        super().__init__()
        self._epochs = epochs
        self._description = description
        self._bar = None

    def on_train_begin(self, logs: dict | None = None) -> None:
        # delay: runs shorter than a second never show a bar.
        self._bar = tqdm(
            total=self._epochs,
            desc=self._description,
            unit="epoch",
            delay=1.0,
            file=sys.stdout,
            bar_format="{desc}: {percentage:3.0f}%|{bar:16}| {n_fmt}/{total_fmt} "
            "[{elapsed}<{remaining}]{postfix}",
        )

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        self.advance(1, logs)

    def advance(self, count: int, logs: dict | None, final: bool = False) -> None:
        """Move the bar by ``count`` epochs and show the latest logs.

        ``final`` marks the last move of a run, also one that ends before its
        last epoch (every model stopped early): ``on_train_end`` draws it.
        """
        bar = self._bar
        if logs:
            shown = ", ".join(
                f"{k}={v:.4g}" for k, v in logs.items() if k != "learning_rate"
            )
            bar.set_postfix_str(shown, refresh=False)
        if not final and bar.n + count < bar.total:
            bar.update(count)
            return
        # The last move: close() draws the final line, so draw nothing now (a
        # saved notebook would show it twice); a run longer than the delay gets
        # its final line even if no earlier update was drawn.
        bar.n += count
        if time.time() - bar.start_t >= bar.delay:
            bar.last_print_t = max(bar.last_print_t, bar.start_t + bar.delay)

    def on_train_end(self, logs: dict | None = None) -> None:
        self._bar.close()


def is_passive(callback: keras.callbacks.Callback) -> bool:
    """True for callbacks the engine can serve without live weights every epoch."""
    return isinstance(callback, (keras.callbacks.History, ProgressBar, CaptureWeights))


def check_callbacks(callbacks: Sequence[Any] | None, func: str) -> list:
    """The callbacks as a list, or a ``ValueError`` that says how to fix them."""
    callbacks = list(callbacks or ())
    for cb in callbacks:
        if not isinstance(cb, keras.callbacks.Callback):
            raise ArgumentError(
                f"The 'callbacks' parameter of {func} must be a list of "
                f"keras.callbacks.Callback instances. Got {cb!r} in it. "
                "Did you pass the class instead of an instance, e.g. "
                "EarlyStopping instead of EarlyStopping(patience=10)?"
            )
        if isinstance(cb, keras.callbacks.ProgbarLogger):
            raise ArgumentError(
                f"{func} draws its own progress bar: remove ProgbarLogger from "
                "'callbacks' and pass verbose=1 (or verbose=0 for silence)."
            )
        if isinstance(cb, keras.callbacks.ModelCheckpoint) and cb.save_freq != "epoch":
            raise ArgumentError(
                f"{func} runs whole epochs in a compiled loop, so "
                "ModelCheckpoint can only save per epoch. Pass "
                "save_freq='epoch' (the default), or train with model.fit."
            )
        if isinstance(cb, keras.callbacks.ModelCheckpoint):
            continue  # its batch hook is a no-op when save_freq="epoch"
        for hook in _BATCH_HOOKS:
            overridden = hook in vars(cb) or getattr(type(cb), hook) is not getattr(
                keras.callbacks.Callback, hook
            )
            if overridden:
                raise ArgumentError(
                    f"The callback {type(cb).__name__} defines {hook}(), but "
                    f"{func} runs whole epochs inside a compiled loop and "
                    "calls only the train and epoch hooks. Move the work to "
                    "on_epoch_end(), or train this model with model.fit."
                )
    return callbacks


def replay(
    cbl: keras.callbacks.CallbackList,
    start: int,
    rows: np.ndarray,
    log_keys: list[str],
    last: dict[str, float],
) -> None:
    """Give a finished chunk's epochs to the passive callbacks, in one call each.

    Far cheaper than a ``CallbackList`` call per epoch when 30 models train for
    4,000 epochs.
    """
    count = len(rows)
    end = start + count
    for cb in cbl.callbacks:
        if isinstance(cb, keras.callbacks.History):
            cb.epoch.extend(range(start, end))
            for j, key in enumerate(log_keys):
                cb.history.setdefault(key, []).extend(rows[:, j].tolist())
        elif isinstance(cb, ProgressBar):
            cb.advance(count, last)
        elif isinstance(cb, CaptureWeights):
            pass  # filled from the loop's capture buffers when training ends
        elif type(cb) in (
            keras.callbacks.EarlyStopping,
            keras.callbacks.ModelCheckpoint,
            keras.callbacks.ReduceLROnPlateau,
        ):
            pass  # served in the loop; monitors.InLoopMonitors.finish sets them
        else:  # pragma: no cover - the driver runs other callbacks live
            raise RuntimeError(f"{type(cb).__name__} cannot be replayed")
