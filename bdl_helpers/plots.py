"""The book's figures, one call each: learning curves, grids, data and scores.

Every function draws on a new figure (or on the ``ax`` it is given) and returns
the :class:`matplotlib.figure.Figure`. None of them calls ``plt.show()``, writes
a file or changes matplotlib's global settings: the look (grid, font sizes, no
top and right spines) is applied to each figure through ``plt.rc_context``.

This module uses matplotlib and NumPy only; it never imports Keras. A history
is either a ``keras.callbacks.History`` (anything with a ``.history`` dict) or a
plain dict such as ``{"loss": [...], "val_loss": [...]}``.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping, Sequence
from numbers import Real
from typing import Any

from bdl_helpers._validation import check_int

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

__all__ = [
    "plot_dataset",
    "plot_decision_boundary",
    "plot_learning_curve_grid",
    "plot_learning_curves",
    "plot_metric_by_setting",
    "plot_score_boxplot",
]

# The look of every figure, applied per call (never to the global rcParams).
_STYLE = {
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 10,
    "axes.labelsize": 9,
    "xtick.labelsize": 8,
    "ytick.labelsize": 8,
    "legend.fontsize": 8,
    "legend.frameon": False,
    "figure.titlesize": 11,
    "lines.linewidth": 1.5,
}

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


def _styled(func: Callable[..., Figure]) -> Callable[..., Figure]:
    """Draw ``func``'s figure inside the module's rc context."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Figure:
        with plt.rc_context(_STYLE):
            return func(*args, **kwargs)

    return wrapper


def _type_error(name: str, func: str, expected: str, value: Any) -> ValueError:
    # Same shape as bdl_helpers._validation, naming the type instead of a
    # possibly very long repr.
    return ValueError(
        f"The {name!r} parameter of {func} must be {expected}. "
        f"Got an object of type {type(value).__name__} instead."
    )


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
        raise ValueError(
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


def _new_axes(
    ax: Axes | None, figsize: tuple[float, float], func: str
) -> tuple[Figure, Axes]:
    """Return ``(figure, ax)``: a new figure when ``ax`` is None."""
    if ax is None:
        fig, ax = plt.subplots(figsize=figsize, layout="constrained")
        return fig, ax
    if not isinstance(ax, Axes):
        raise _type_error("ax", func, "a matplotlib Axes or None", ax)
    return ax.figure, ax


def _check_figsize(figsize: Any, func: str) -> None:
    if figsize is None:
        return
    ok = (
        isinstance(figsize, Sequence)
        and len(figsize) == 2
        and all(isinstance(v, Real) and v > 0 for v in figsize)
    )
    if not ok:
        raise ValueError(
            f"The 'figsize' parameter of {func} must be a pair (width, height) "
            f"of positive numbers, in inches, or None. Got {figsize!r} instead."
        )


def _check_histories(histories: Any, func: str) -> dict[str, dict[str, list]]:
    if not isinstance(histories, Mapping):
        raise _type_error(
            "histories",
            func,
            'a dict mapping a label (e.g. "lr=0.01") to a History',
            histories,
        )
    if not histories:
        raise ValueError(
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
            ax.plot(_epochs(test), test, label="test")
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
            lines += ax.plot(_epochs(test), test, color="C1", label="test")
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
    key: str = "loss",
    title: str | None = None,
    ylabel: str | None = None,
    figsize: tuple[float, float] | None = None,
    ax: Axes | None = None,
) -> Figure:
    """Plot one history key per epoch for several settings, one line each.

    Parameters
    ----------
    histories : dict of str to History or dict
        Maps a setting's label (e.g. ``"nodes=8"``) to its history.
    key : str, default="loss"
        The history key to draw, e.g. ``"loss"`` (training loss) or
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
    series = {label: _series(logs, key, func) for label, logs in all_logs.items()}
    if ylabel is None:
        split = "Test" if key.startswith("val_") else "Training"
        ylabel = f"{split} {_metric_name(key).lower()}"
    fig, ax = _new_axes(ax, figsize or (7, 4), func)
    for label, values in series.items():
        ax.plot(_epochs(values), values, label=label)
    ax.set_xlabel("Epoch")
    ax.set_ylabel(ylabel)
    ax.set_title(title if title is not None else f"{ylabel} by setting")
    ax.legend(ncols=1 if len(series) <= 8 else 2)
    return fig


def _class_labels(y: Any, n: int, func: str, name: str = "y") -> np.ndarray:
    """Return ``y`` as a 1-D array of class labels (one-hot rows are argmaxed)."""
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    elif y.ndim == 2:
        y = y.argmax(axis=1)
    if y.ndim != 1 or len(y) != n:
        raise ValueError(
            f"The {name!r} parameter of {func} must hold one class label (or "
            f"one one-hot row) per row of x, {n} in all. Got an array of shape "
            f"{y.shape} instead."
        )
    if y.dtype.kind == "f":
        if not np.all(np.isfinite(y) & (y == np.round(y))):
            raise ValueError(
                f"The {name!r} parameter of {func} must hold class labels "
                f"(whole numbers) or one-hot rows. Got non-integer floats "
                f"instead; regression targets cannot colour a class plot."
            )
        y = y.astype(np.int64)
    return y


def _check_points(x: Any, func: str, *, exactly_two: bool) -> np.ndarray:
    x = np.asarray(x, dtype=float)
    ok = x.ndim == 2 and (x.shape[1] == 2 if exactly_two else x.shape[1] >= 2)
    if not ok:
        want = "exactly 2" if exactly_two else "at least 2"
        raise ValueError(
            f"The 'x' parameter of {func} must be an array of shape "
            f"(n_samples, n_features) with {want} features. Got an array of "
            f"shape {x.shape} instead."
        )
    return x


def _class_colors(n_classes: int) -> list:
    if n_classes <= 10:
        return [f"C{i}" for i in range(n_classes)]
    cmap = plt.get_cmap("tab20")
    return [cmap(i % 20) for i in range(n_classes)]


def _scatter_classes(ax: Axes, x: np.ndarray, y: np.ndarray, classes, colors) -> None:
    for cls, color in zip(classes, colors, strict=True):
        mask = y == cls
        ax.scatter(
            x[mask, 0],
            x[mask, 1],
            s=14,
            color=color,
            edgecolors="white",
            linewidths=0.4,
            label=f"class {cls}",
        )
    if len(classes) <= 6:
        ax.legend(markerscale=1.5, frameon=True, framealpha=0.85)
    else:  # many classes: the legend goes to the right of the axes
        ax.legend(
            markerscale=1.5,
            loc="upper left",
            bbox_to_anchor=(1.01, 1.0),
            ncols=1 if len(classes) <= 12 else 2,
        )


@_styled
def plot_dataset(
    x: Any,
    y: Any,
    *,
    title: str | None = None,
    ax: Axes | None = None,
    figsize: tuple[float, float] | None = None,
) -> Figure:
    """Scatter-plot the first two features of a dataset, coloured by class.

    Parameters
    ----------
    x : array-like of shape (n_samples, n_features)
        The inputs, with at least 2 features. Only the first two are drawn,
        and the axis labels then say how many there are.
    y : array-like of shape (n_samples,) or (n_samples, n_classes)
        Class labels (e.g. 0, 1, 2 or -1, 1) or one-hot rows.
    title : str, default=None
        The axes title. None gives e.g. "500 points, 3 classes".
    ax : matplotlib.axes.Axes, default=None
        The axes to draw on. None makes a new figure.
    figsize : (float, float), default=None
        Width and height in inches of a new figure; None gives (5, 4), or
        (7, 4) for more than 6 classes. Ignored when ``ax`` is given.

    Returns
    -------
    fig : matplotlib.figure.Figure
        The figure holding the axes, with one scatter and one legend entry
        ("class 0", "class 1", ...) per class.

    See Also
    --------
    plot_decision_boundary : The same points over a model's predictions.

    Notes
    -----
    Redraws the scatter plot that opens most chapters (e.g. Fig 2.1, 13.1).

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from bdl_helpers.datasets import load_dataset
    >>> from bdl_helpers.plots import plot_dataset
    >>> data = load_dataset("blobs")
    >>> fig = plot_dataset(data.x_train, data.y_train)
    >>> ax = fig.axes[0]
    >>> ax.get_title()
    '500 points, 3 classes'
    >>> [text.get_text() for text in ax.get_legend().get_texts()]
    ['class 0', 'class 1', 'class 2']
    >>> plt.close(fig)
    """
    func = "plot_dataset"
    x = _check_points(x, func, exactly_two=False)
    y = _class_labels(y, len(x), func)
    _check_figsize(figsize, func)
    classes = np.unique(y).tolist()
    default_size = (5, 4) if len(classes) <= 6 else (7, 4)  # room for the legend
    fig, ax = _new_axes(ax, figsize or default_size, func)
    _scatter_classes(ax, x, y, classes, _class_colors(len(classes)))
    n_features = x.shape[1]
    if n_features == 2:
        ax.set_xlabel("Feature 0")
        ax.set_ylabel("Feature 1")
    else:
        ax.set_xlabel(f"Feature 0 (first 2 of {n_features} features shown)")
        ax.set_ylabel(f"Feature 1 (of {n_features})")
    if title is None:
        title = f"{len(x)} points, {len(classes)} classes"
    ax.set_title(title)
    return fig


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
        raise ValueError(
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
            raise ValueError(
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


def _predict_grid(predict: Any, grid: np.ndarray, func: str) -> np.ndarray:
    """Call a model's ``predict`` (quietly when it is Keras) or a function."""
    if hasattr(predict, "predict"):
        try:
            out = predict.predict(grid, verbose=0)
        except TypeError:
            out = predict.predict(grid)
    elif callable(predict):
        out = predict(grid)
    else:
        raise _type_error(
            "predict",
            func,
            "a function of an (m, 2) array or an object with a .predict method",
            predict,
        )
    return np.asarray(out)


def _predicted_classes(out: np.ndarray, classes: np.ndarray, m: int, func: str):
    """Turn probabilities, one probability column or labels into class labels."""
    if out.ndim == 2 and out.shape[1] == 1:
        out = out[:, 0]
    if out.shape[0] != m or out.ndim not in (1, 2):
        raise ValueError(
            f"{func} expected predict to return {m} rows (one per grid point): "
            f"probabilities of shape ({m}, n_classes), one probability column "
            f"of shape ({m},) or ({m}, 1), or labels of shape ({m},). Got an "
            f"array of shape {out.shape} instead."
        )
    if out.ndim == 2:  # one probability per class: the argmax is the class
        index = out.argmax(axis=1)
        n_outputs = out.shape[1]
    elif out.dtype.kind == "f" and not np.all(out == np.round(out)):
        index = (out > 0.5).astype(np.int64)  # a sigmoid output
        n_outputs = 2
    else:  # labels already
        return out.astype(classes.dtype, copy=False)
    # Output i stands for the i-th smallest label (labels 0..k-1 stay as they
    # are; a sigmoid's 0/1 becomes -1/1 when y uses -1 and 1).
    if len(classes) == n_outputs:
        return classes[index]
    return index


@_styled
def plot_decision_boundary(
    predict: Any,
    x: Any,
    y: Any,
    *,
    resolution: int = 200,
    title: str | None = None,
    ax: Axes | None = None,
    figsize: tuple[float, float] | None = None,
) -> Figure:
    """Shade the class a model predicts over the plane, and plot the points.

    Parameters
    ----------
    predict : callable or object with a ``predict`` method
        A Keras model (called as ``predict(grid, verbose=0)``), a scikit-learn
        estimator, or a function of an array of shape (m, 2). It may return
        class probabilities of shape (m, n_classes), one probability column of
        shape (m,) or (m, 1) (thresholded at 0.5), or class labels of shape
        (m,).
    x : array-like of shape (n_samples, 2)
        The points, with exactly 2 features.
    y : array-like of shape (n_samples,) or (n_samples, n_classes)
        Their class labels or one-hot rows.
    resolution : int, default=200
        Grid points per axis, an int in [2, 2000]: ``predict`` sees
        ``resolution ** 2`` points.
    title : str, default=None
        The axes title. None gives "Decision boundary".
    ax : matplotlib.axes.Axes, default=None
        The axes to draw on. None makes a new figure.
    figsize : (float, float), default=None
        Width and height in inches of a new figure; None gives (5, 4).
        Ignored when ``ax`` is given.

    Returns
    -------
    fig : matplotlib.figure.Figure
        The figure holding the axes: a filled contour of the predicted class
        under a scatter of the points, with a "class k" legend.

    See Also
    --------
    plot_dataset : The points alone.

    Notes
    -----
    Not in the book; it shows what over- and underfitting look like in
    Part II (weight decay, dropout, noise and early stopping on moons and
    circles).

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> import numpy as np
    >>> from bdl_helpers.plots import plot_decision_boundary
    >>> x = np.array([[0.0, 0.0], [1.0, 1.0], [0.0, 1.0], [1.0, 0.0]])
    >>> y = np.array([0, 1, 1, 0])
    >>> def above_diagonal(points):  # a probability column
    ...     return (points[:, 1] > points[:, 0]).astype(float) * 0.8 + 0.1
    >>> fig = plot_decision_boundary(above_diagonal, x, y, resolution=50)
    >>> ax = fig.axes[0]
    >>> ax.get_title()
    'Decision boundary'
    >>> [text.get_text() for text in ax.get_legend().get_texts()]
    ['class 0', 'class 1']
    >>> plt.close(fig)
    """
    func = "plot_decision_boundary"
    x = _check_points(x, func, exactly_two=True)
    y = _class_labels(y, len(x), func)
    resolution = check_int(resolution, "resolution", func, min_value=2, max_value=2000)
    _check_figsize(figsize, func)

    low, high = x.min(axis=0), x.max(axis=0)
    margin = np.maximum(0.1 * (high - low), 0.5)
    xs = np.linspace(low[0] - margin[0], high[0] + margin[0], resolution)
    ys = np.linspace(low[1] - margin[1], high[1] + margin[1], resolution)
    xx, yy = np.meshgrid(xs, ys)
    grid = np.column_stack([xx.ravel(), yy.ravel()]).astype(np.float32)
    y_classes = np.unique(y)
    predicted = _predicted_classes(
        _predict_grid(predict, grid, func), y_classes, len(grid), func
    )

    classes = np.union1d(y_classes, np.unique(predicted))
    colors = _class_colors(len(classes))
    zz = np.searchsorted(classes, predicted).reshape(xx.shape)
    fig, ax = _new_axes(ax, figsize or (5, 4), func)
    ax.contourf(
        xx,
        yy,
        zz,
        levels=np.arange(len(classes) + 1) - 0.5,
        colors=colors,
        alpha=0.25,
    )
    ax.grid(False)
    shown = [cls for cls in classes.tolist() if cls in set(y_classes.tolist())]
    shown_colors = [colors[classes.tolist().index(cls)] for cls in shown]
    _scatter_classes(ax, x, y, shown, shown_colors)
    ax.set_xlabel("Feature 0")
    ax.set_ylabel("Feature 1")
    ax.set_title(title if title is not None else "Decision boundary")
    return fig
