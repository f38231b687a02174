"""Ensembles from predicted probabilities: size curves, weightings, their figure.

The ensemble chapter predicts once with every member (``bdl.predict_many``
gives an array of shape ``(n_members, n_rows, n_classes)``) and then combines
those probabilities in many ways. The combinations the lesson teaches (soft
voting, a weighted average, a meta-learner) stay in the notebook; this module
holds the bookkeeping around them:

- :func:`ensemble_curve`: each member's accuracy beside the accuracy of the
  soft-voting ensemble of the first ``i`` members, for ``i = 1 .. n_members``
  (the book's "single versus ensemble" tables);
- :func:`weighted_accuracy`: the accuracy of many weighted averages at once,
  fast enough for the book's grid search over 11**5 weight vectors;
- :func:`plot_ensemble_curve`: the book's figure of single members (dots)
  against the ensemble of increasing size (a line).

This module uses NumPy, pandas and matplotlib only; it never imports Keras.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bdl_helpers._validation import ArgumentError, check_int
from bdl_helpers.plots._style import _STYLE  # the look of every course figure

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

__all__ = ["ensemble_curve", "plot_ensemble_curve", "weighted_accuracy"]

def _check_probabilities(probabilities: Any, func: str) -> np.ndarray:
    """Return a float array of shape (n_members, n_rows, n_classes), or raise."""
    try:
        array = np.asarray(probabilities, dtype="float64")
    except (TypeError, ValueError):
        raise ArgumentError(
            f"The 'probabilities' parameter of {func} must be an array of numbers "
            "of shape (n_members, n_rows, n_classes). Got an object of type "
            f"{type(probabilities).__name__} instead."
        ) from None
    if array.ndim != 3 or 0 in array.shape:
        raise ArgumentError(
            f"The 'probabilities' parameter of {func} must be an array of shape "
            "(n_members, n_rows, n_classes), e.g. what bdl.predict_many returns. "
            f"Got shape {array.shape} instead."
        )
    return array


def _check_labels(y: Any, n_rows: int, n_classes: int, func: str) -> np.ndarray:
    """Class labels of shape (n_rows,) from labels or one-hot rows, or raise."""
    array = np.asarray(y)
    if array.ndim == 2 and array.shape[1] == n_classes:
        array = array.argmax(axis=1)
    if array.ndim != 1 or len(array) != n_rows:
        raise ArgumentError(
            f"The 'y' parameter of {func} must hold one class label per row "
            f"({n_rows} labels, or {n_rows} one-hot rows of {n_classes} "
            f"columns). Got shape {np.shape(y)} instead."
        )
    if not np.issubdtype(array.dtype, np.integer):
        if not np.all(np.equal(np.mod(array, 1), 0)):
            raise ArgumentError(
                f"The 'y' parameter of {func} must hold integer class labels. "
                f"Got values such as {array[:3].tolist()} instead."
            )
        array = array.astype("int64")
    return array


def ensemble_curve(probabilities: Any, y: Any) -> pd.DataFrame:
    """Accuracy of each member and of the ensemble of the first ``i`` members.

    The ensemble averages the members' predicted probabilities (soft voting)
    and predicts the class with the highest mean. Members are taken in the
    order given: reverse them first to build an ensemble backwards from the
    last epoch, as the horizontal and snapshot ensembles do.

    Parameters
    ----------
    probabilities : array-like of shape (n_members, n_rows, n_classes)
        The members' predicted class probabilities on the same rows.
    y : array-like of shape (n_rows,) or (n_rows, n_classes)
        The true classes, as labels or one-hot rows.

    Returns
    -------
    curve : pandas.DataFrame
        Indexed by ``size`` (1 to n_members), with the columns ``single``
        (the accuracy of member ``size``) and ``ensemble`` (the accuracy of
        the soft-voting ensemble of members 1 to ``size``).

    Raises
    ------
    ValueError
        If ``probabilities`` is not a 3-D array or ``y`` does not hold one
        label per row.

    See Also
    --------
    plot_ensemble_curve : The curve as the book draws it.
    weighted_accuracy : Accuracy of weighted averages of the members.

    Notes
    -----
    Used by chapter 15.

    Examples
    --------
    >>> import numpy as np
    >>> from bdl_helpers.ensembles import ensemble_curve
    >>> probabilities = np.array([[[0.6, 0.4], [0.4, 0.6]],
    ...                           [[0.3, 0.7], [0.2, 0.8]],
    ...                           [[0.9, 0.1], [0.6, 0.4]]])
    >>> curve = ensemble_curve(probabilities, [0, 1])
    >>> print(curve.to_string())  # doctest: +NORMALIZE_WHITESPACE
          single  ensemble
    size
    1        1.0       1.0
    2        0.5       0.5
    3        0.5       1.0
    """
    func = "ensemble_curve"
    probabilities = _check_probabilities(probabilities, func)
    n_members, n_rows, n_classes = probabilities.shape
    labels = _check_labels(y, n_rows, n_classes, func)
    single = (probabilities.argmax(axis=2) == labels).mean(axis=1)
    running = np.cumsum(probabilities, axis=0)  # sums rank classes as means do
    ensemble = (running.argmax(axis=2) == labels).mean(axis=1)
    index = pd.RangeIndex(1, n_members + 1, name="size")
    return pd.DataFrame({"single": single, "ensemble": ensemble}, index=index)


def weighted_accuracy(
    probabilities: Any, y: Any, weights: Any, *, chunk_size: int = 1024
) -> np.ndarray:
    """Accuracy of weighted averages of the members' probabilities.

    For a weight vector ``w`` the ensemble predicts
    ``argmax(tensordot(w, probabilities, axes=1), axis=-1)``, as the book's
    ``tensordot(yhats, weights, axes=((0), (0)))`` does. Many weight vectors
    are scored in one call, in chunks, so that a grid search over 161,051
    vectors takes seconds. Scaling a vector by a positive number does not
    change its predictions, so the vectors need not sum to one.

    Parameters
    ----------
    probabilities : array-like of shape (n_members, n_rows, n_classes)
        The members' predicted class probabilities on the same rows.
    y : array-like of shape (n_rows,) or (n_rows, n_classes)
        The true classes, as labels or one-hot rows.
    weights : array-like of shape (n_members,) or (n_vectors, n_members)
        One weight vector, or one per row. Weights must be >= 0 and each
        vector must have a positive sum.
    chunk_size : int, default=1024
        Weight vectors scored together; lower it to save memory.

    Returns
    -------
    accuracy : float or ndarray of shape (n_vectors,)
        A float for one weight vector, else one accuracy per vector.

    Raises
    ------
    ValueError
        If the shapes disagree, or a weight is negative or a vector sums to 0.

    See Also
    --------
    ensemble_curve : Equal weights, for ensembles of increasing size.

    Notes
    -----
    Used by chapter 15.

    Examples
    --------
    >>> import numpy as np
    >>> from bdl_helpers.ensembles import weighted_accuracy
    >>> probabilities = np.array([[[0.6, 0.4], [0.4, 0.6]],
    ...                           [[0.3, 0.7], [0.2, 0.8]]])
    >>> weighted_accuracy(probabilities, [0, 1], [0.5, 0.5])
    0.5
    >>> weighted_accuracy(probabilities, [0, 1], [[1, 0], [0, 1], [3, 1]]).tolist()
    [1.0, 0.5, 1.0]
    """
    func = "weighted_accuracy"
    probabilities = _check_probabilities(probabilities, func)
    n_members, n_rows, n_classes = probabilities.shape
    labels = _check_labels(y, n_rows, n_classes, func)
    chunk_size = check_int(chunk_size, "chunk_size", func, min_value=1)
    try:
        vectors = np.asarray(weights, dtype="float64")
    except (TypeError, ValueError):
        vectors = np.empty(0)
    single = vectors.ndim == 1
    vectors = np.atleast_2d(vectors)
    if vectors.ndim != 2 or vectors.shape[1] != n_members or vectors.size == 0:
        raise ArgumentError(
            f"The 'weights' parameter of {func} must have shape ({n_members},) or "
            f"(n_vectors, {n_members}): one weight per member. Got shape "
            f"{np.shape(weights)} instead."
        )
    if (vectors < 0).any() or not (vectors.sum(axis=1) > 0).all():
        raise ArgumentError(
            f"The 'weights' parameter of {func} must hold weights >= 0 with a "
            "positive sum in every vector. Got a negative weight or an all-zero "
            "vector."
        )
    # Row r is right when its true class's weighted sum beats every other
    # class's (argmax breaks ties towards the lower class). Margins against
    # each other class make that one matrix product per chunk of vectors.
    rows = np.arange(n_rows)
    others = np.array([[c for c in range(n_classes) if c != label] for label in labels])
    true = probabilities[:, rows, labels]  # (n_members, n_rows)
    margins = (
        np.stack(
            [true - probabilities[:, rows, others[:, k]] for k in range(n_classes - 1)],
            axis=1,
        )
        .reshape(n_members, -1)
        .astype("float32")
    )  # (n_members, (n_classes-1)*n_rows)
    tie_wins = (others > labels[:, None]).T.reshape(-1)  # a tie goes to the lower
    scores = np.empty(len(vectors))
    for start in range(0, len(vectors), chunk_size):
        block = vectors[start : start + chunk_size].astype("float32")
        margin = block @ margins
        beats = (margin > 0) | ((margin == 0) & tie_wins)
        right = beats.reshape(len(block), n_classes - 1, n_rows).all(axis=1)
        scores[start : start + len(block)] = right.mean(axis=1)
    return float(scores[0]) if single else scores


def plot_ensemble_curve(
    curve: pd.DataFrame | Mapping[str, pd.DataFrame],
    *,
    title: str | None = None,
    xlabel: str = "Ensemble size",
    ylabel: str = "Test accuracy",
    ax: Axes | None = None,
    figsize: tuple[float, float] | None = None,
) -> Figure:
    """Draw single members (dots) against the ensemble of increasing size (line).

    Parameters
    ----------
    curve : pandas.DataFrame or dict of str to pandas.DataFrame
        What :func:`ensemble_curve` returns: indexed by size, with the
        columns ``single`` and ``ensemble``. A dict draws several curves on
        one axes, each in its own colour, labelled by its key.
    title : str, default=None
        The axes title. None draws no title.
    xlabel, ylabel : str
        The axis labels.
    ax : matplotlib.axes.Axes, default=None
        The axes to draw on. None makes a new figure.
    figsize : (float, float), default=None
        Size of a new figure; None gives (6, 3.5).

    Returns
    -------
    fig : matplotlib.figure.Figure
        The figure, with a legend naming the series.

    Raises
    ------
    ValueError
        If a curve is not a DataFrame with the ``single`` and ``ensemble``
        columns, or the dict is empty.

    See Also
    --------
    ensemble_curve : The numbers drawn.

    Notes
    -----
    Redraws the book's figures 20.5, 21.3, 22.3-22.5, 23.3, 24.7 and 26.3-26.5
    in the ensembles chapter (15).

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> import numpy as np
    >>> from bdl_helpers.ensembles import ensemble_curve, plot_ensemble_curve
    >>> probabilities = np.random.default_rng(0).dirichlet([1, 1, 1], size=(4, 20))
    >>> fig = plot_ensemble_curve(ensemble_curve(probabilities, np.zeros(20, int)))
    >>> [text.get_text() for text in fig.axes[0].get_legend().get_texts()]
    ['single member', 'ensemble of members 1..size']
    >>> plt.close(fig)
    """
    func = "plot_ensemble_curve"
    curves = dict(curve) if isinstance(curve, Mapping) else {"": curve}
    if not curves:
        raise ArgumentError(
            f"The 'curve' parameter of {func} must not be an empty dict."
        )
    for label, frame in curves.items():
        if not isinstance(frame, pd.DataFrame) or not {"single", "ensemble"} <= set(
            frame.columns
        ):
            raise ArgumentError(
                f"The 'curve' parameter of {func} must be a DataFrame with the "
                "columns 'single' and 'ensemble', as ensemble_curve returns, or a "
                f"dict of them. Got an object of type {type(frame).__name__}"
                + (f" for {label!r}" if label else "")
                + " instead."
            )
    with plt.rc_context(_STYLE):
        if ax is None:
            fig, ax = plt.subplots(figsize=figsize or (6, 3.5), layout="constrained")
        else:
            fig = ax.figure
        for k, (label, frame) in enumerate(curves.items()):
            sizes = np.asarray(frame.index)
            prefix = f"{label}: " if label else ""
            color = f"C{k}" if label else None
            ax.plot(
                sizes,
                frame["single"],
                marker="o",
                linestyle="None",
                color=color or "C0",
                alpha=0.6 if label else 1.0,
                label=f"{prefix}single member",
            )
            ax.plot(
                sizes,
                frame["ensemble"],
                marker="o" if not label else ".",
                color=color or "C1",
                label=f"{prefix}ensemble of members 1..size",
            )
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        if title is not None:
            ax.set_title(title)
        ax.legend()
    return fig
