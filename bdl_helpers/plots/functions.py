"""Curves y = f(x) of a few labelled functions, drawn on one axes.

Some ideas are best seen as a function: a loss against the prediction error,
an activation function against its input, a learning-rate schedule against
the epoch. One call draws several such functions over the same x values, so
that their shapes compare at a glance.

This module uses matplotlib and NumPy only; it never imports Keras.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from numbers import Real
from typing import Any

from bdl_helpers._validation import ArgumentError
from bdl_helpers.plots._style import _check_figsize, _new_axes, _styled, _type_error

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

__all__ = ["plot_functions"]

# Line styles cycle with the colours, so that two functions with equal values
# (say two losses that agree) still show as two lines.
_LINESTYLES = ("-", "--", "-.", ":")


def _check_x(x: Any, func: str) -> np.ndarray:
    """Return ``x`` as a 1-D float array of at least 2 finite values, or raise."""
    try:
        array = np.asarray(x, dtype=float)
    except (TypeError, ValueError):
        raise _type_error(
            "x", func, "a 1-D array of numbers, e.g. np.linspace(-3, 3, 201)", x
        ) from None
    if array.ndim != 1 or array.size < 2:
        raise ArgumentError(
            f"The 'x' parameter of {func} must be a 1-D array of at least 2 "
            f"numbers, e.g. np.linspace(-3, 3, 201). Got an array of shape "
            f"{array.shape} instead."
        )
    if not np.isfinite(array).all():
        raise ArgumentError(
            f"The 'x' parameter of {func} must hold finite numbers only. Got "
            f"{int((~np.isfinite(array)).sum())} NaN or infinite value(s)."
        )
    return array


def _evaluate(label: str, function: Any, x: np.ndarray, func: str) -> np.ndarray:
    """Return ``function(x)`` (or the given values) as floats of ``x``'s shape."""
    if callable(function):
        try:
            values = function(x.copy())
        except Exception as error:
            raise ArgumentError(
                f"The function {label!r} passed to {func} raised "
                f"{type(error).__name__}: {error}. It is called once with the "
                f"whole array x of shape {x.shape}, so write it with NumPy "
                f"operations (np.maximum, np.log, ...), not math or if/else."
            ) from error
    else:
        values = function
    try:
        array = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise ArgumentError(
            f"The 'functions' parameter of {func} must map {label!r} to a "
            f"function of x returning numbers, or to an array of numbers. Got "
            f"an object of type {type(values).__name__} instead."
        ) from None
    if array.ndim == 0:  # a constant function, such as lambda x: 1.0
        array = np.full(x.shape, float(array))
    if array.shape != x.shape:
        raise ArgumentError(
            f"The function {label!r} passed to {func} gave values of shape "
            f"{array.shape}, but x has shape {x.shape}: return one value per "
            f"x value."
        )
    return array


def _check_limits(limits: Any, name: str, func: str) -> tuple[float, float] | None:
    if limits is None:
        return None
    ok = (
        isinstance(limits, Sequence)
        and len(limits) == 2
        and all(isinstance(v, Real) and not isinstance(v, bool) for v in limits)
        and limits[0] < limits[1]
    )
    if not ok:
        raise ArgumentError(
            f"The {name!r} parameter of {func} must be a pair (low, high) of "
            f"numbers with low < high, or None. Got {limits!r} instead."
        )
    return float(limits[0]), float(limits[1])


@_styled
def plot_functions(
    functions: Mapping[str, Callable[[np.ndarray], Any] | Any],
    x: Any,
    *,
    title: str | None = None,
    xlabel: str = "x",
    ylabel: str = "f(x)",
    ylim: tuple[float, float] | None = None,
    ax: Axes | None = None,
    figsize: tuple[float, float] | None = None,
) -> Figure:
    """Plot several labelled functions y = f(x) over the same x values.

    Parameters
    ----------
    functions : dict of str to callable or array-like
        Maps a line's label (e.g. ``"MSE"``) to a function called once with
        the whole array ``x`` and returning one value per x value (write it
        with NumPy, e.g. ``lambda e: e**2``), or to the values themselves.
        Lines follow the dict's order; each gets its own colour and line style.
    x : array-like of shape (n,)
        The x values, at least 2, finite; e.g. ``np.linspace(-3, 3, 201)``.
    title : str, default=None
        The axes title. None draws no title.
    xlabel : str, default="x"
        The x label, e.g. ``"Error (prediction - target)"``.
    ylabel : str, default="f(x)"
        The y label, e.g. ``"Loss"``.
    ylim : (float, float), default=None
        The y range shown, ``(low, high)``, to keep a steep function from
        flattening the others. None fits every line.
    ax : matplotlib.axes.Axes, default=None
        The axes to draw on. None makes a new figure.
    figsize : (float, float), default=None
        Width and height in inches of a new figure; None gives (6, 3.8).
        Ignored when ``ax`` is given.

    Returns
    -------
    fig : matplotlib.figure.Figure
        The figure holding the axes, with one line per function and a legend
        of their labels.

    Raises
    ------
    ValueError
        If ``functions`` is not a non-empty dict, ``x`` is not a 1-D array of
        finite numbers, a function fails or returns the wrong number of
        values (the message names it), or ``ylim`` is not a pair ``low <
        high``.

    See Also
    --------
    bdl_helpers.plots.plot_metric_by_setting : Several curves against epochs.

    Notes
    -----
    Draws the loss-function pictures of the loss-functions chapter (03): each
    loss against the error, the margin or the predicted probability.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> import numpy as np
    >>> from bdl_helpers.plots import plot_functions
    >>> errors = np.linspace(-2, 2, 101)
    >>> fig = plot_functions({"MSE": lambda e: e**2, "MAE": np.abs}, errors,
    ...                      xlabel="Error", ylabel="Loss")
    >>> ax = fig.axes[0]
    >>> [text.get_text() for text in ax.get_legend().get_texts()]
    ['MSE', 'MAE']
    >>> ax.get_xlabel(), ax.get_ylabel()
    ('Error', 'Loss')
    >>> float(ax.lines[0].get_ydata()[-1])
    4.0
    >>> plt.close(fig)
    """
    func = "plot_functions"
    if not isinstance(functions, Mapping):
        raise _type_error(
            "functions",
            func,
            'a dict mapping a label (e.g. "MSE") to a function of x',
            functions,
        )
    if not functions:
        raise ArgumentError(
            f"The 'functions' parameter of {func} must be a non-empty dict "
            f'mapping a label (e.g. "MSE") to a function of x. Got {{}} instead.'
        )
    x = _check_x(x, func)
    ylim = _check_limits(ylim, "ylim", func)
    _check_figsize(figsize, func)
    # Evaluate every function before drawing, so a mistake leaves no figure.
    curves = {
        str(label): _evaluate(str(label), function, x, func)
        for label, function in functions.items()
    }
    fig, ax = _new_axes(ax, figsize or (6, 3.8), func)
    for index, (label, values) in enumerate(curves.items()):
        ax.plot(
            x,
            values,
            color=f"C{index % 10}",
            linestyle=_LINESTYLES[index % len(_LINESTYLES)],
            label=label,
        )
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if ylim is not None:
        ax.set_ylim(*ylim)
    if title is not None:
        ax.set_title(title)
    ax.legend()
    return fig
