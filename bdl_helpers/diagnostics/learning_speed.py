"""How fast a model learns: the first epoch at which a curve reaches a level.

"Batch normalization makes the model learn faster" and "momentum speeds up
SGD" are claims about speed. One way to measure speed is the number of
epochs a run needs before its accuracy first reaches a target (80%, say), or
before its loss first falls below one. Over several seeds, these epoch counts
are compared like any other score (mean, spread, box plot).

This module uses NumPy only; it never imports Keras (histories are read by
:mod:`bdl_helpers.curves`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from bdl_helpers._validation import ArgumentError, check_float, check_option
from bdl_helpers.curves import curve

import numpy as np

__all__ = ["epochs_to_reach"]

_FUNC = "epochs_to_reach"


def _curve(history: Any, metric: str) -> np.ndarray:
    """The curve ``metric`` of one history (a History or its dict) as floats."""
    if not isinstance(getattr(history, "history", history), Mapping):
        raise ArgumentError(
            f"The 'histories' parameter of {_FUNC} must be a keras History, its "
            f"history dict, or a list of them. Got {type(history).__name__} "
            "instead."
        )
    return curve(history, metric, func=_FUNC)


def _first_epoch(values: np.ndarray, level: float, mode: str) -> float:
    reached = values >= level if mode == "max" else values <= level
    hits = np.flatnonzero(reached)
    return float(hits[0] + 1) if hits.size else float("nan")


def epochs_to_reach(
    histories: Any,
    level: float,
    *,
    metric: str = "accuracy",
    mode: str = "max",
) -> float | np.ndarray:
    """Return the first epoch (counted from 1) at which a curve reaches a level.

    Parameters
    ----------
    histories : keras.callbacks.History, dict, or a list of them
        One training run (a History as ``fit`` returns it, or its ``history``
        dict), or several runs, such as ``bdl.repeat(...).histories``.
    level : float
        The target, such as ``0.8`` for 80% accuracy.
    metric : str, default="accuracy"
        The curve: ``"accuracy"`` (training), ``"val_accuracy"``, ``"loss"``...
    mode : {"max", "min"}, default="max"
        ``"max"``: the curve must rise to ``level`` or above (accuracy).
        ``"min"``: it must fall to ``level`` or below (loss).

    Returns
    -------
    epoch : float or ndarray of shape (n_runs,)
        For one run, the 1-based epoch at which the curve first reaches
        ``level``, as a float; NaN if it never does. For a list of runs, an
        array with one such value per run.

    Raises
    ------
    ValueError
        If a history is not a History or dict, lacks ``metric``, or ``level`` or
        ``mode`` is invalid.

    See Also
    --------
    bdl_helpers.curves.final_value : Where a curve ends, not how fast.
    bdl_helpers.results.summarize_scores : Mean and spread over runs.

    Notes
    -----
    Measures the speed-of-learning claims of the batch-normalization chapter
    (08). NaN marks a run that never gets there: report how many did, and
    compare the runs that did with ``np.nanmean`` only if that count is small.

    Examples
    --------
    >>> from bdl_helpers.diagnostics import epochs_to_reach
    >>> epochs_to_reach({"accuracy": [0.5, 0.7, 0.82, 0.79, 0.85]}, 0.8)
    3.0
    >>> runs = [{"loss": [1.0, 0.6, 0.4]}, {"loss": [1.0, 0.9, 0.8]}]
    >>> epochs_to_reach(runs, 0.5, metric="loss", mode="min").tolist()
    [3.0, nan]
    """
    level = check_float(level, "level", _FUNC)
    mode = check_option(mode, "mode", _FUNC, ("max", "min"))
    if not isinstance(metric, str):
        raise ArgumentError(
            f"The 'metric' parameter of {_FUNC} must be a str such as 'accuracy'. "
            f"Got {metric!r} instead."
        )
    if isinstance(histories, Sequence) and not isinstance(histories, str | bytes):
        if not histories:
            raise ArgumentError(
                f"The 'histories' parameter of {_FUNC} must hold at least one "
                "history. Got an empty list instead."
            )
        return np.array(
            [_first_epoch(_curve(h, metric), level, mode) for h in histories]
        )
    return _first_epoch(_curve(histories, metric), level, mode)
