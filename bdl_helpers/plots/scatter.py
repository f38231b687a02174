"""A problem's points in the plane, by class, and a model's decision boundary."""

from __future__ import annotations

from typing import Any

from bdl_helpers._validation import ArgumentError, check_int
from bdl_helpers.plots._style import _check_figsize, _new_axes, _styled, _type_error

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

__all__ = ["plot_dataset", "plot_decision_boundary"]


def _class_labels(y: Any, n: int, func: str, name: str = "y") -> np.ndarray:
    """Return ``y`` as a 1-D array of class labels (one-hot rows are argmaxed)."""
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    elif y.ndim == 2:
        y = y.argmax(axis=1)
    if y.ndim != 1 or len(y) != n:
        raise ArgumentError(
            f"The {name!r} parameter of {func} must hold one class label (or "
            f"one one-hot row) per row of x, {n} in all. Got an array of shape "
            f"{y.shape} instead."
        )
    if y.dtype.kind == "f":
        if not np.all(np.isfinite(y) & (y == np.round(y))):
            raise ArgumentError(
                f"The {name!r} parameter of {func} must hold class labels "
                f"(whole numbers) or one-hot rows. Got non-integer floats "
                f"instead; regression targets cannot colour a class plot."
            )
        y = y.astype(np.int64)
    return y


def _check_points(x: Any, func: str, *, exactly_two: bool) -> np.ndarray:
    try:
        x = np.asarray(x, dtype=float)
    except (TypeError, ValueError):
        raise _type_error("x", func, "an array of numbers", x) from None
    ok = x.ndim == 2 and (x.shape[1] == 2 if exactly_two else x.shape[1] >= 2)
    if not ok:
        want = "exactly 2" if exactly_two else "at least 2"
        raise ArgumentError(
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
        raise ArgumentError(
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
