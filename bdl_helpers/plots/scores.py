"""Scores over seeds or settings, as box plots."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bdl_helpers._validation import ArgumentError
from bdl_helpers.plots._style import _check_figsize, _new_axes, _styled, _type_error

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

__all__ = ["plot_score_boxplot"]


def _score_groups(scores: Any, func: str) -> tuple[list[str], list[np.ndarray], str]:
    """Return labels, score arrays and an x label from a dict or a DataFrame."""
    columns = getattr(scores, "columns", None)
    if columns is not None:  # a pandas DataFrame, without importing pandas
        if "setting" in columns and "score" in columns:
            labels = list(dict.fromkeys(scores["setting"]))
            groups = {
                label: scores.loc[scores["setting"] == label, "score"].to_numpy()
                for label in labels
            }
            xlabel = "Setting"
        else:
            groups = {col: scores[col].dropna().to_numpy() for col in columns}
            xlabel = str(columns.name) if columns.name is not None else "Setting"
    elif isinstance(scores, Mapping):
        groups = dict(scores)
        xlabel = "Setting"
    else:
        raise _type_error(
            "scores",
            func,
            "a dict mapping a label to a list of scores, or a pandas DataFrame",
            scores,
        )
    if not groups:
        raise ArgumentError(
            f"The 'scores' parameter of {func} must hold at least one setting. "
            f"Got an empty {type(scores).__name__} instead."
        )
    arrays = []
    for label, values in groups.items():
        try:
            array = np.asarray(values, dtype=float).ravel()
        except (TypeError, ValueError):
            array = np.array([])
            valid = False
        else:
            valid = array.size > 0
        if not valid:
            raise ArgumentError(
                f"The 'scores' parameter of {func} must map each label to a "
                f"non-empty list of numbers. Got {values!r} for {label!r}."
            )
        arrays.append(array)
    return [str(label) for label in groups], arrays, xlabel


@_styled
def plot_score_boxplot(
    scores: Any,
    *,
    ylabel: str = "Test accuracy",
    title: str | None = None,
    ax: Axes | None = None,
    figsize: tuple[float, float] | None = None,
    show_means: bool = True,
) -> Figure:
    """Box-and-whisker plot of repeated scores, one box per setting.

    Parameters
    ----------
    scores : dict of str to list of float, or pandas.DataFrame
        The scores of repeated runs. A dict maps a setting's label to its
        scores. A DataFrame is either long, with the columns ``"setting"`` and
        ``"score"``, or wide, with one column per setting.
    ylabel : str, default="Test accuracy"
        The y label.
    title : str, default=None
        The axes title. None gives e.g. "Test accuracy over 30 runs".
    ax : matplotlib.axes.Axes, default=None
        The axes to draw on. None makes a new figure.
    figsize : (float, float), default=None
        Width and height in inches of a new figure; None gives
        (max(5, 1.1 * n_settings), 4). Ignored when ``ax`` is given.
    show_means : bool, default=True
        Mark each box's mean with a green triangle.

    Returns
    -------
    fig : matplotlib.figure.Figure
        The figure holding the axes, with one box per setting, its label under
        the box, and a legend for the median line (and the mean marker).

    See Also
    --------
    bdl_helpers.results.summarize_scores : The same scores as a table.

    Notes
    -----
    Redraws the box plots of repeated runs in Ch6 (data scaling), Ch11
    (transfer learning) and Ch20 (model averaging).

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from bdl_helpers.plots import plot_score_boxplot
    >>> scores = {"raw": [0.80, 0.82, 0.79], "scaled": [0.90, 0.91, 0.93]}
    >>> fig = plot_score_boxplot(scores)
    >>> ax = fig.axes[0]
    >>> [tick.get_text() for tick in ax.get_xticklabels()]
    ['raw', 'scaled']
    >>> ax.get_title()
    'Test accuracy over 3 runs'
    >>> plt.close(fig)
    """
    func = "plot_score_boxplot"
    labels, arrays, xlabel = _score_groups(scores, func)
    _check_figsize(figsize, func)
    fig, ax = _new_axes(ax, figsize or (max(5.0, 1.1 * len(labels)), 4), func)
    parts = ax.boxplot(
        arrays,
        tick_labels=labels,
        showmeans=bool(show_means),
        medianprops={"color": "C1", "linewidth": 1.5},
        meanprops={
            "marker": "^",
            "markerfacecolor": "C2",
            "markeredgecolor": "C2",
            "markersize": 6,
        },
        flierprops={"marker": "o", "markersize": 3, "markerfacecolor": "0.5"},
    )
    handles = [parts["medians"][0]]
    names = ["median"]
    if show_means:
        handles.append(parts["means"][0])
        names.append("mean")
    ax.legend(handles, names, loc="best")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title is None:
        runs = sorted({len(a) for a in arrays})
        counted = f"{runs[0]}" if len(runs) == 1 else f"{runs[0]}-{runs[-1]}"
        title = f"{ylabel} over {counted} run{'s' if runs[-1] != 1 else ''}"
    ax.set_title(title)
    if len(labels) > 6 or max(len(label) for label in labels) > 12:
        ax.tick_params(axis="x", labelrotation=30)
    return fig
