"""One vocabulary for learning curves: reading a History, and what lessons measure.

A *history* is what ``fit`` returns (a ``keras.callbacks.History``, or anything
with a ``.history`` dict) or that dict itself: ``{"loss": [...],
"val_accuracy": [...]}``, one value per epoch. Every function here reads it
the same way, and the measures the chapters take of a curve live here once:

- :func:`curve`: one metric's values, as floats;
- :func:`final_value`: where a curve ended, averaged over its last epochs;
- :func:`jitter`: how much a curve moves from one epoch to the next;
- :func:`rise_above_best`: how far a curve ends above its lowest value
  (a validation loss that turned up: overfitting);
- :func:`history_from`: a History built from arrays (examples, exercises).

The first epoch at which a curve reaches a level is
:func:`bdl_helpers.epochs_to_reach`. This module uses NumPy only; Keras is
imported by :func:`history_from` alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bdl_helpers._validation import (
    ArgumentError,
    argument_error,
    check_int,
    check_option,
)

import numpy as np

__all__ = ["curve", "final_value", "history_from", "jitter", "rise_above_best"]


def _curves(history: Any, func: str, name: str = "history") -> Mapping:
    curves = getattr(history, "history", history)
    if not isinstance(curves, Mapping):
        raise argument_error(
            name, func, "a keras History (from fit) or its history dict", history,
            show_type=True,
        )
    return curves


def curve(history: Any, metric: str, *, func: str = "curve") -> np.ndarray:
    """The values of one metric of a history, one per epoch, as floats.

    Parameters
    ----------
    history : keras.callbacks.History or dict
        A history as ``fit`` returns it, or its ``history`` dict.
    metric : str
        The curve, e.g. ``"loss"``, ``"accuracy"`` or ``"val_accuracy"``.
    func : str, default="curve"
        The public function to name in an error message (for callers in the
        package).

    Returns
    -------
    values : ndarray of shape (n_epochs,)

    Raises
    ------
    ArgumentError
        If ``history`` is not a history, lacks ``metric`` (the message lists
        the metrics it has), or ``metric`` does not hold one number per epoch.

    Examples
    --------
    >>> from bdl_helpers.curves import curve
    >>> curve({"loss": [0.9, 0.5, 0.4]}, "loss")
    array([0.9, 0.5, 0.4])
    """
    curves = _curves(history, func)
    if metric not in curves:
        raise ArgumentError(
            f"The 'metric' parameter of {func} must be one of "
            f"{sorted(map(str, curves))}. Got {metric!r} instead. Keras names a "
            "metric after the string passed to compile(metrics=[...]), and the "
            "val_ curves need validation_data= in fit."
        )
    try:
        values = np.asarray(curves[metric], dtype=float)
    except (TypeError, ValueError):
        values = np.empty((0, 0))
    if values.ndim != 1:
        raise ArgumentError(
            f"The curve {metric!r} passed to {func} must hold one number per "
            f"epoch. Got an array of shape {values.shape} instead."
        )
    return values


def final_value(history: Any, metric: str, *, epochs: int = 10) -> float:
    """The mean of a curve over its last epochs: where a run ended, without noise.

    One epoch's loss or accuracy jumps with the last minibatches; the mean of
    the last few epochs says more reliably where training ended. Notebooks
    use it to state findings such as "the training loss ends below 0.01".
    Used by chapters 00, 02, 04, 08 and 12-13.

    Parameters
    ----------
    history : keras.callbacks.History or dict
        A history as ``fit`` returns it, or its ``history`` dict.
    metric : str
        The curve, e.g. ``"loss"`` or ``"val_accuracy"``.
    epochs : int, default=10
        How many of the last epochs to average (all of them if fewer ran).

    Returns
    -------
    value : float

    Examples
    --------
    >>> final_value({"loss": [4.0, 3.0, 2.0, 1.0]}, "loss", epochs=2)
    1.5
    """
    epochs = check_int(epochs, "epochs", "final_value", min_value=1)
    values = curve(history, metric, func="final_value")
    if values.size == 0:
        raise ArgumentError(
            f"The curve {metric!r} is empty: train for at least one epoch."
        )
    return float(values[-epochs:].mean())


def jitter(history: Any, metric: str = "val_accuracy", *, start: int = 0) -> float:
    """How much a curve moves from one epoch to the next: the mean absolute change.

    A curve that zigzags (a large learning rate, batches of one row, a
    validation set of a few rows) has a large jitter; a smooth one, a small
    jitter. ``start`` skips the first epochs, where every curve moves fast
    because the model is still learning. Used by chapters 00, 02 and 04.

    Parameters
    ----------
    history : keras.callbacks.History or dict
        A history as ``fit`` returns it, or its ``history`` dict.
    metric : str, default="val_accuracy"
        The curve.
    start : int, default=0
        The first epoch (0-based) to look at.

    Returns
    -------
    jitter : float
        The mean of ``|value[e + 1] - value[e]|`` over the epochs from
        ``start`` on.

    Examples
    --------
    >>> from bdl_helpers.curves import jitter
    >>> jitter({"val_accuracy": [0.5, 0.7, 0.6, 0.8]}, start=1)
    0.15000000000000002
    """
    start = check_int(start, "start", "jitter", min_value=0)
    values = curve(history, metric, func="jitter")[start:]
    if values.size < 2:
        raise ArgumentError(
            f"The 'start' parameter of jitter must leave at least two epochs of "
            f"the curve {metric!r}. Got {start} instead, with "
            f"{values.size + start} epochs."
        )
    return float(np.abs(np.diff(values)).mean())


def rise_above_best(
    history: Any, metric: str = "val_loss", *, epochs: int = 10, mode: str = "min"
) -> float:
    """How far a curve ends from its best value, relative to it.

    For a validation loss (``mode="min"``): ``final / lowest - 1``, where
    ``final`` is :func:`final_value` over the last ``epochs``. A model that
    overfits ends with its validation loss well above the lowest it reached
    (0.5 means 50% above); a good fit ends near it (about 0). For an accuracy
    (``mode="max"``): ``1 - final / highest``, how far it fell. Used by
    chapter 00.

    Parameters
    ----------
    history : keras.callbacks.History or dict
        A history as ``fit`` returns it, or its ``history`` dict.
    metric : str, default="val_loss"
        The curve.
    epochs : int, default=10
        How many of the last epochs :func:`final_value` averages.
    mode : {"min", "max"}, default="min"
        Whether the curve's best value is its lowest (a loss) or its highest
        (an accuracy).

    Returns
    -------
    rise : float

    Examples
    --------
    >>> from bdl_helpers.curves import rise_above_best
    >>> rise_above_best({"val_loss": [1.0, 0.5, 0.6, 0.75]}, epochs=1)
    0.5
    """
    mode = check_option(mode, "mode", "rise_above_best", ("min", "max"))
    final = final_value(history, metric, epochs=epochs)
    values = curve(history, metric, func="rise_above_best")
    if mode == "min":
        return float(final / values.min() - 1)
    return float(1 - final / values.max())


def history_from(**curves: Any) -> Any:
    """A ``keras.callbacks.History`` holding the given curves, as ``fit`` returns it.

    For examples, exercises and tests that need a history of known values
    without training. Every curve must have the same number of epochs.
    Used by chapters 00, 02 and 04.

    Parameters
    ----------
    **curves : sequence of float
        One keyword per metric, e.g. ``loss=[...]``, ``val_accuracy=[...]``.

    Returns
    -------
    history : keras.callbacks.History
        With ``history.history`` the curves as lists and ``history.epoch``
        the 0-based epochs.

    Examples
    --------
    >>> from bdl_helpers.curves import history_from
    >>> history = history_from(loss=[0.9, 0.5], val_loss=[1.0, 0.7])
    >>> history.history["val_loss"], history.epoch
    ([1.0, 0.7], [0, 1])
    """
    import keras

    if not curves:
        raise ArgumentError(
            "history_from needs at least one curve, e.g. history_from(loss=[...])."
        )
    lists = {}
    for name, values in curves.items():
        array = curve({name: values}, name, func="history_from")
        lists[name] = array.tolist()
    lengths = {len(values) for values in lists.values()}
    if len(lengths) != 1:
        raise ArgumentError(
            "The curves passed to history_from must have the same number of "
            f"epochs. Got lengths { {k: len(v) for k, v in lists.items()} } instead."
        )
    history = keras.callbacks.History()
    history.history = lists
    history.epoch = list(range(lengths.pop()))
    return history
