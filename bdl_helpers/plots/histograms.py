"""Histograms of variables: how the inputs and targets of a problem are spread.

Scaling a variable changes its range but not the shape of its distribution, so
a histogram before and after a scaler shows what the scaler did. One call
draws one figure with a panel per variable, each with its own count axis.

This module uses matplotlib and NumPy only; it never imports Keras.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from bdl_helpers._validation import ArgumentError, check_int
from bdl_helpers.plots._style import _check_figsize, _styled, _type_error

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

__all__ = ["plot_histograms"]


def _check_values(values: Any, func: str) -> dict[str, np.ndarray]:
    """Return each variable as a flat float array, or raise naming the fix."""
    if not isinstance(values, Mapping):
        raise _type_error(
            "values",
            func,
            'a dict mapping a label (e.g. "X[:, 0]") to an array of values',
            values,
        )
    if not values:
        raise ArgumentError(
            f"The 'values' parameter of {func} must be a non-empty dict mapping a "
            f'label (e.g. "X[:, 0]") to an array of values. Got {{}} instead.'
        )
    arrays = {}
    for label, column in values.items():
        try:
            array = np.asarray(column, dtype=float).ravel()
        except (TypeError, ValueError):
            array = None
        if array is None or array.size == 0:
            raise ArgumentError(
                f"The 'values' parameter of {func} must map each label to a "
                f"non-empty array of numbers. Got {column!r} for {label!r}."
            )
        if not np.isfinite(array).all():
            bad = int((~np.isfinite(array)).sum())
            raise ArgumentError(
                f"The 'values' parameter of {func} must hold finite numbers, but "
                f"{label!r} has {bad} NaN or infinite value(s) of {array.size}. "
                f"Drop them first, e.g. values[np.isfinite(values)]."
            )
        arrays[str(label)] = array
    return arrays


def _stats_text(array: np.ndarray) -> str:
    return (
        f"mean {array.mean():.3g}\nstd {array.std():.3g}\n"
        f"min {array.min():.3g}\nmax {array.max():.3g}"
    )


@_styled
def plot_histograms(
    values: Mapping[str, Any],
    *,
    bins: int = 30,
    title: str | None = None,
    xlabel: str = "Value",
    ylabel: str = "Count",
    ncols: int | None = None,
    sharex: bool = False,
    show_stats: bool = True,
    figsize: tuple[float, float] | None = None,
) -> Figure:
    """Draw a histogram of each variable, one panel per variable.

    Parameters
    ----------
    values : dict of str to array-like
        Maps a panel's label (e.g. ``"X[:, 0]"`` or ``"target, standardized"``)
        to the values of one variable; an array of any shape is flattened.
    bins : int, default=30
        Number of bars per histogram, an int >= 1.
    title : str, default=None
        The figure's title. None draws no title.
    xlabel : str, default="Value"
        The x label of every panel.
    ylabel : str, default="Count"
        The y label of the panels in the first column.
    ncols : int, default=None
        Panels per row, an int >= 1. None puts up to 3 panels in a row.
    sharex : bool, default=False
        Give all panels the same x range, to compare the ranges of variables
        (for example a variable before and after scaling). False lets each
        panel fit its own variable, to compare the shapes.
    show_stats : bool, default=True
        Write the mean, standard deviation, minimum and maximum of each
        variable in the corner of its panel.
    figsize : (float, float), default=None
        Width and height in inches. None gives 3.2 inches per column and 2.8
        per row (at least 5 inches wide).

    Returns
    -------
    fig : matplotlib.figure.Figure
        The figure, with one axes per variable, titled with its label, in the
        order of ``values``.

    Raises
    ------
    ValueError
        If ``values`` is not a non-empty dict of non-empty numeric arrays, a
        variable holds NaN or infinite values (the message names it), or
        ``bins``, ``ncols`` or ``figsize`` is out of range.

    See Also
    --------
    bdl_helpers.plots.plot_dataset : The points of a 2-D classification problem.

    Notes
    -----
    Redraws the data-scaling chapter's (05) histograms of the regression
    problem's inputs and target; any notebook that shows how a variable is
    spread, before or after a transform, can use it.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> import numpy as np
    >>> from bdl_helpers.plots import plot_histograms
    >>> rng = np.random.default_rng(0)
    >>> raw = rng.normal(50.0, 10.0, size=200)
    >>> scaled = (raw - raw.mean()) / raw.std()
    >>> fig = plot_histograms({"raw": raw, "standardized": scaled})
    >>> [ax.get_title() for ax in fig.axes]
    ['raw', 'standardized']
    >>> int(sum(patch.get_height() for patch in fig.axes[0].patches))
    200
    >>> plt.close(fig)
    """
    func = "plot_histograms"
    arrays = _check_values(values, func)
    bins = check_int(bins, "bins", func, min_value=1)
    if ncols is None:
        ncols = min(3, len(arrays))
    else:
        ncols = check_int(ncols, "ncols", func, min_value=1)
    ncols = min(ncols, len(arrays))
    nrows = math.ceil(len(arrays) / ncols)
    _check_figsize(figsize, func)
    if figsize is None:
        figsize = (max(5.0, 3.2 * ncols), 2.8 * nrows)
    fig, axes = plt.subplots(
        nrows,
        ncols,
        figsize=figsize,
        squeeze=False,
        sharex=bool(sharex),
        layout="constrained",
    )
    flat = axes.ravel()
    for i, (ax, (label, array)) in enumerate(zip(flat, arrays.items(), strict=False)):
        ax.hist(array, bins=bins, color="C0", alpha=0.8, edgecolor="white")
        ax.set_title(label)
        ax.set_xlabel(xlabel)
        if i % ncols == 0:
            ax.set_ylabel(ylabel)
        if show_stats:
            ax.text(
                0.98,
                0.97,
                _stats_text(array),
                transform=ax.transAxes,
                ha="right",
                va="top",
                fontsize=7,
                family="monospace",
                bbox={"boxstyle": "round", "facecolor": "white", "alpha": 0.8},
            )
    for ax in flat[len(arrays) :]:
        ax.remove()
    if title is not None:
        fig.suptitle(title)
    return fig
