"""Learning curves: one run's curves, a grid of runs, one metric across settings.

A history is either a ``keras.callbacks.History`` (anything with a ``.history``
dict) or a plain dict such as ``{"loss": [...], "val_loss": [...]}``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from bdl_helpers._validation import ArgumentError, check_int, check_text
from bdl_helpers.plots._style import _check_figsize, _new_axes, _styled, _type_error

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

__all__ = ["plot_learning_curves", "plot_learning_curve_grid", "plot_metric_by_setting"]

# Readable names for the metric keys Keras writes into a History.
_METRIC_NAMES = {
    "loss": "Loss",
    "accuracy": "Accuracy",
    "acc": "Accuracy",
    "binary_accuracy": "Accuracy",
    "categorical_accuracy": "Accuracy",
    "sparse_categorical_accuracy": "Accuracy",
    "mse": "Mean squared error",
    "mean_squared_error": "Mean squared error",
    "mae": "Mean absolute error",
    "mean_absolute_error": "Mean absolute error",
}


def _as_dict(history: Any, func: str, name: str = "history") -> dict[str, list]:
    """Return the metric lists of a Keras History or of a plain dict."""
    logs = getattr(history, "history", history)
    if not isinstance(logs, Mapping):
        raise _type_error(
            name,
            func,
            "a keras History (from model.fit) or a dict mapping metric names to lists",
            history,
        )
    return {str(key): list(values) for key, values in logs.items()}


def _series(logs: Mapping[str, list], key: str, func: str) -> np.ndarray:
    """Return ``logs[key]`` as floats, or raise listing the keys that exist."""
    if key not in logs:
        known = ", ".join(repr(k) for k in logs) or "none"
        raise ArgumentError(
            f"{func} needs the key {key!r} in the history, which has the keys "
            f"{known}. Keras names a metric after the string passed to "
            f"compile(metrics=[...]), and the test curves need "
            f"validation_data= in fit()."
        )
    return np.asarray(logs[key], dtype=float)


def _epochs(values: np.ndarray) -> np.ndarray:
    return np.arange(1, len(values) + 1)


def _metric_name(key: str) -> str:
    """A readable name for a history key: ``"val_accuracy"`` -> ``"Accuracy"``."""
    base = key.removeprefix("val_")
    return _METRIC_NAMES.get(base, base.replace("_", " ").capitalize())


def _check_histories(histories: Any, func: str) -> dict[str, dict[str, list]]:
    if not isinstance(histories, Mapping):
        raise _type_error(
            "histories",
            func,
            'a dict mapping a label (e.g. "lr=0.01") to a History',
            histories,
        )
    if not histories:
        raise ArgumentError(
            f"The 'histories' parameter of {func} must be a non-empty dict "
            f'mapping a label (e.g. "lr=0.01") to a History. Got {{}} instead.'
        )
    return {str(label): _as_dict(h, func) for label, h in histories.items()}


@_styled
def plot_learning_curves(
    history: Any,
    *,
    metric: str | None = "accuracy",
    title: str | None = None,
    loss_label: str = "Cross-entropy loss",
    metric_label: str | None = None,
    val_label: str = "test",
    figsize: tuple[float, float] | None = None,
) -> Figure:
    """Plot the loss and a metric per epoch, on the train and the test set.

    This is the book's diagnostic figure: the loss on top and the metric
    (accuracy by default) below, each with a "train" and a "test" line.

    Parameters
    ----------
    history : keras.callbacks.History or dict
        What ``model.fit`` returned, or a dict of lists with the keys
        ``"loss"`` and ``metric``, and ``"val_loss"`` and ``"val_" + metric``
        for the test lines (a missing ``val_`` key draws the train line only).
    metric : str or None, default="accuracy"
        The history key of the lower panel, e.g. ``"accuracy"`` or ``"mse"``.
        None draws the loss panel only.
    title : str, default=None
        The figure's title. None draws no title.
    loss_label : str, default="Cross-entropy loss"
        The title of the loss panel; e.g. ``"Mean squared error loss"`` for
        regression.
    metric_label : str, default=None
        The title and y label of the metric panel. None derives it from
        ``metric`` (``"accuracy"`` gives ``"Accuracy"``).
    val_label : str, default="test"
        The legend of the ``val_`` lines. The book passes its test rows as
        validation data, hence "test"; say "validation" where the rows are
        held out from the training data to choose a setting.
    figsize : (float, float), default=None
        Width and height in inches. None gives (7, 5), or (7, 3) for the loss
        panel alone.

    Returns
    -------
    fig : matplotlib.figure.Figure
        The figure, with one or two axes sharing the "Epoch" x axis
        (epochs counted from 1).

    Raises
    ------
    ValueError
        If ``history`` lacks ``"loss"`` or ``metric``; the message lists the
        keys it has.

    See Also
    --------
    plot_learning_curve_grid : The same curves for several settings.

    Notes
    -----
    Redraws the book's ``pyplot.subplot(211)`` / ``subplot(212)`` figure,
    used in almost every chapter notebook.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from bdl_helpers.plots import plot_learning_curves
    >>> history = {"loss": [0.9, 0.6, 0.5], "val_loss": [1.0, 0.7, 0.6],
    ...            "accuracy": [0.5, 0.7, 0.8], "val_accuracy": [0.4, 0.6, 0.7]}
    >>> fig = plot_learning_curves(history)
    >>> [ax.get_title() for ax in fig.axes]
    ['Cross-entropy loss', 'Accuracy']
    >>> [text.get_text() for text in fig.axes[0].get_legend().get_texts()]
    ['train', 'test']
    >>> plt.close(fig)
    """
    func = "plot_learning_curves"
    logs = _as_dict(history, func)
    _check_figsize(figsize, func)
    check_text(val_label, "val_label", func)
    panels = [("loss", loss_label, "Loss")]
    if metric is not None:
        label = metric_label if metric_label is not None else _metric_name(metric)
        panels.append((metric, label, label))
    # Check every key before drawing, so a mistake does not leave a figure.
    for key, _, _ in panels:
        _series(logs, key, func)
    if figsize is None:
        figsize = (7, 5) if len(panels) == 2 else (7, 3)
    fig, axes = plt.subplots(
        len(panels),
        1,
        figsize=figsize,
        sharex=True,
        squeeze=False,
        layout="constrained",
    )
    for ax, (key, panel_title, ylabel) in zip(axes[:, 0], panels, strict=True):
        train = _series(logs, key, func)
        ax.plot(_epochs(train), train, label="train")
        if f"val_{key}" in logs:
            test = _series(logs, f"val_{key}", func)
            ax.plot(_epochs(test), test, label=val_label)
        ax.set_title(panel_title)
        ax.set_ylabel(ylabel)
        ax.legend()
    axes[-1, 0].set_xlabel("Epoch")
    if title is not None:
        fig.suptitle(title)
    return fig


@_styled
def plot_learning_curve_grid(
    histories: Mapping[str, Any],
    *,
    metric: str = "accuracy",
    ncols: int = 2,
    sharey: bool = True,
    title: str | None = None,
    val_label: str = "test",
    figsize: tuple[float, float] | None = None,
) -> Figure:
    """Plot one metric's train and test curves for several settings, one panel each.

    Parameters
    ----------
    histories : dict of str to History or dict
        Maps a panel label (e.g. ``"batch=32"`` or ``"lr=0.01"``) to a history.
        Panels follow the dict's order.
    metric : str, default="accuracy"
        The history key to draw; ``"val_" + metric`` gives the test line when
        present. Use ``"loss"`` for loss curves.
    ncols : int, default=2
        Panels per row, an int >= 1.
    sharey : bool, default=True
        Share the y axis, so that the panels compare at a glance.
    title : str, default=None
        The figure's title. None draws no title.
    val_label : str, default="test"
        The legend of the ``val_`` lines ("validation" where the rows are held
        out from the training data; see :func:`plot_learning_curves`).
    figsize : (float, float), default=None
        Width and height in inches. None gives (10, 2.2 * nrows).

    Returns
    -------
    fig : matplotlib.figure.Figure
        The figure, with one axes per entry of ``histories`` titled with its
        label, and a single "train"/"test" legend.

    See Also
    --------
    plot_learning_curves : Loss and metric of a single run.
    plot_metric_by_setting : All settings as lines on one axes.

    Notes
    -----
    Redraws the book's grids: 8 panels (``subplot(420 + i + 1)``) for the
    learning-rate and momentum sweeps of Ch5, 4 panels (``220 + i + 1``) for
    the batch sizes of Ch3.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from bdl_helpers.plots import plot_learning_curve_grid
    >>> histories = {
    ...     "lr=0.1": {"accuracy": [0.6, 0.8], "val_accuracy": [0.5, 0.7]},
    ...     "lr=0.01": {"accuracy": [0.4, 0.6], "val_accuracy": [0.4, 0.5]},
    ...     "lr=0.001": {"accuracy": [0.3, 0.4], "val_accuracy": [0.3, 0.3]},
    ... }
    >>> fig = plot_learning_curve_grid(histories)
    >>> [ax.get_title() for ax in fig.axes]
    ['lr=0.1', 'lr=0.01', 'lr=0.001']
    >>> [text.get_text() for text in fig.legends[0].get_texts()]
    ['train', 'test']
    >>> plt.close(fig)
    """
    func = "plot_learning_curve_grid"
    all_logs = _check_histories(histories, func)
    ncols = check_int(ncols, "ncols", func, min_value=1)
    _check_figsize(figsize, func)
    check_text(val_label, "val_label", func)
    for logs in all_logs.values():
        _series(logs, metric, func)
    n_panels = len(all_logs)
    ncols = min(ncols, n_panels)
    nrows = math.ceil(n_panels / ncols)
    if figsize is None:
        figsize = (10, 2.2 * nrows + 0.6)
    fig, axes = plt.subplots(
        nrows,
        ncols,
        figsize=figsize,
        sharex=True,
        sharey=bool(sharey),
        squeeze=False,
        layout="constrained",
    )
    ylabel = _metric_name(metric)
    handles: list = []
    for index, (label, logs) in enumerate(all_logs.items()):
        ax = axes.flat[index]
        train = _series(logs, metric, func)
        lines = ax.plot(_epochs(train), train, color="C0", label="train")
        if f"val_{metric}" in logs:
            test = _series(logs, f"val_{metric}", func)
            lines += ax.plot(_epochs(test), test, color="C1", label=val_label)
        if len(lines) > len(handles):
            handles = lines
        ax.set_title(label)
        row, col = divmod(index, ncols)
        # The last panel of each column carries the x label and tick labels.
        if index + ncols >= n_panels:
            ax.set_xlabel("Epoch")
            ax.xaxis.set_tick_params(labelbottom=True)
        if col == 0:
            ax.set_ylabel(ylabel)
    for ax in axes.flat[n_panels:]:
        fig.delaxes(ax)
    fig.legend(
        handles=handles,
        labels=[line.get_label() for line in handles],
        loc="outside lower center",
        ncols=len(handles),
    )
    if title is not None:
        fig.suptitle(title)
    return fig


@_styled
def plot_metric_by_setting(
    histories: Mapping[str, Any],
    *,
    metric: str = "loss",
    title: str | None = None,
    ylabel: str | None = None,
    figsize: tuple[float, float] | None = None,
    ax: Axes | None = None,
) -> Figure:
    """Plot one history metric per epoch for several settings, one line each.

    Parameters
    ----------
    histories : dict of str to History or dict
        Maps a setting's label (e.g. ``"nodes=8"``) to its history.
    metric : str, default="loss"
        The history metric to draw, e.g. ``"loss"`` (training loss) or
        ``"val_accuracy"`` (test accuracy).
    title : str, default=None
        The axes title. None gives e.g. "Training loss by setting".
    ylabel : str, default=None
        The y label. None gives e.g. "Training loss" for ``"loss"`` and
        "Test accuracy" for ``"val_accuracy"``.
    figsize : (float, float), default=None
        Width and height in inches of a new figure; None gives (7, 4).
        Ignored when ``ax`` is given.
    ax : matplotlib.axes.Axes, default=None
        The axes to draw on. None makes a new figure.

    Returns
    -------
    fig : matplotlib.figure.Figure
        The figure holding the axes, with one line per setting and a legend of
        the settings' labels.

    See Also
    --------
    plot_learning_curve_grid : One panel per setting, train and test.

    Notes
    -----
    Redraws the capacity chapter's (Ch2) figures of the training loss per
    number of nodes and per number of layers.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from bdl_helpers.plots import plot_metric_by_setting
    >>> histories = {"nodes=1": {"loss": [2.9, 2.8]}, "nodes=8": {"loss": [2.5, 1.9]}}
    >>> fig = plot_metric_by_setting(histories)
    >>> ax = fig.axes[0]
    >>> ax.get_title(), ax.get_ylabel()
    ('Training loss by setting', 'Training loss')
    >>> [text.get_text() for text in ax.get_legend().get_texts()]
    ['nodes=1', 'nodes=8']
    >>> plt.close(fig)
    """
    func = "plot_metric_by_setting"
    all_logs = _check_histories(histories, func)
    _check_figsize(figsize, func)
    series = {label: _series(logs, metric, func) for label, logs in all_logs.items()}
    if ylabel is None:
        split = "Test" if metric.startswith("val_") else "Training"
        ylabel = f"{split} {_metric_name(metric).lower()}"
    fig, ax = _new_axes(ax, figsize or (7, 4), func)
    for label, values in series.items():
        ax.plot(_epochs(values), values, label=label)
    ax.set_xlabel("Epoch")
    ax.set_ylabel(ylabel)
    ax.set_title(title if title is not None else f"{ylabel} by setting")
    ax.legend(ncols=1 if len(series) <= 8 else 2)
    return fig
