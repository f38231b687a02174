"""Small result tables: the book's numbers next to ours, and repeated scores.

The chapter notebooks end with a table that puts each number the book printed
beside what the notebook measured, so that learners see how far a re-run lands
from the book (single runs of a stochastic algorithm rarely match exactly).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from numbers import Real
from typing import Any

from bdl_helpers._validation import ArgumentError, check_int

import numpy as np
import pandas as pd

__all__ = ["book_vs_ours", "summarize_scores"]


def _is_number(value: Any) -> bool:
    return isinstance(value, Real) and not isinstance(value, bool)


def _as_scores(values: Any, name: str, func: str, label: Any) -> np.ndarray:
    """Return one float or a sequence of floats as a 1-D array, or raise."""
    if _is_number(values):
        return np.array([float(values)])
    if isinstance(values, (Sequence, np.ndarray, pd.Series)) and not isinstance(
        values, (str, bytes)
    ):
        items = list(np.asarray(values, dtype=object).ravel())
        if items and all(_is_number(item) for item in items):
            return np.asarray(items, dtype=float)
    raise ArgumentError(
        f"The {name!r} parameter of {func} must give a number or a non-empty "
        f"list of numbers for every case. Got {values!r} for {label!r} instead."
    )


def _check_rows(rows: Any, name: str, func: str, what: str) -> None:
    if not isinstance(rows, Mapping):
        raise ArgumentError(
            f"The {name!r} parameter of {func} must be a dict mapping {what}. "
            f"Got an object of type {type(rows).__name__} instead."
        )
    if not rows:
        raise ArgumentError(
            f"The {name!r} parameter of {func} must be a non-empty dict mapping "
            f"{what}. Got {{}} instead."
        )


def book_vs_ours(
    rows: Mapping[str, tuple[float | None, Any]],
    *,
    metric: str = "test accuracy",
    decimals: int = 3,
) -> pd.DataFrame:
    """Tabulate the book's printed results beside ours, one row per case.

    Parameters
    ----------
    rows : dict of str to (float or None, float or list of float)
        Maps a case label (e.g. ``"batch=32"``) to a pair
        ``(book_value, ours)``. ``book_value`` is the number the book printed,
        or None if it printed none. ``ours`` is one score, or the scores of
        several seeds.
    metric : str, default="test accuracy"
        What the numbers measure; it names the column axis and is kept in
        ``table.attrs["metric"]``.
    decimals : int, default=3
        Round every number to this many decimals (an int >= 0), as the book
        prints ``%.3f``.

    Returns
    -------
    table : pandas.DataFrame
        Indexed by case (index name ``"case"``), in the order of ``rows``, with
        the columns ``"book"``, ``"ours"`` (the mean over runs), ``"std"`` (the
        sample standard deviation, ``ddof=1``; NaN for a single run),
        ``"runs"`` (an int) and ``"ours - book"`` (NaN when the book printed
        nothing).

    Raises
    ------
    ValueError
        If ``rows`` is empty, or a case does not hold a pair of numbers; the
        message names the case.

    See Also
    --------
    summarize_scores : Mean, spread and range of repeated scores.

    Notes
    -----
    Closes the results section of every chapter notebook.

    Examples
    --------
    >>> from bdl_helpers.results import book_vs_ours
    >>> table = book_vs_ours({
    ...     "batch=32": (0.842, [0.83, 0.85, 0.86]),
    ...     "batch=1": (0.804, 0.79),
    ...     "batch=500": (None, 0.71),
    ... })
    >>> print(table.to_string())  # doctest: +NORMALIZE_WHITESPACE
    test accuracy   book   ours    std  runs  ours - book
    case
    batch=32       0.842  0.847  0.015     3        0.005
    batch=1        0.804  0.790    NaN     1       -0.014
    batch=500        NaN  0.710    NaN     1          NaN
    >>> table.attrs["metric"]
    'test accuracy'
    """
    func = "book_vs_ours"
    _check_rows(rows, "rows", func, "a case label to a pair (book_value, ours)")
    decimals = check_int(decimals, "decimals", func, min_value=0)
    records = {}
    for label, pair in rows.items():
        if isinstance(pair, (str, bytes)) or not (
            isinstance(pair, Sequence) and len(pair) == 2
        ):
            raise ArgumentError(
                f"The 'rows' parameter of {func} must map each case to a pair "
                f"(book_value, ours). Got {pair!r} for {label!r} instead."
            )
        book, ours = pair
        if book is not None and not _is_number(book):
            raise ArgumentError(
                f"The 'rows' parameter of {func} must give the book's value as a "
                f"number, or None if the book printed none. Got {book!r} for "
                f"{label!r} instead."
            )
        scores = _as_scores(ours, "rows", func, label)
        book = np.nan if book is None else float(book)
        mean = float(scores.mean())
        records[label] = {
            "book": book,
            "ours": mean,
            "std": float(scores.std(ddof=1)) if scores.size > 1 else np.nan,
            "runs": int(scores.size),
            "ours - book": mean - book,
        }
    table = pd.DataFrame.from_dict(records, orient="index")
    table = table.astype({"runs": "int64"}).round(decimals)
    table.index.name = "case"
    table.columns.name = metric
    table.attrs["metric"] = metric
    return table


def summarize_scores(
    scores: Mapping[str, Any], *, decimals: int | None = 3
) -> pd.DataFrame:
    """Summarize repeated scores per setting: mean, spread, range and count.

    Parameters
    ----------
    scores : dict of str to list of float
        Maps a setting's label (e.g. ``"standardized"``) to the scores of its
        repeated runs (a single float counts as one run).
    decimals : int or None, default=3
        Round to this many decimals (an int >= 0); None keeps full precision.

    Returns
    -------
    summary : pandas.DataFrame
        Indexed by setting (index name ``"setting"``), in the order of
        ``scores``, with the columns ``"mean"``, ``"std"`` (``ddof=1``; NaN for
        a single run), ``"min"``, ``"max"`` and ``"runs"`` (an int).

    Raises
    ------
    ValueError
        If ``scores`` is empty or a setting holds no numbers; the message names
        the setting.

    See Also
    --------
    bdl_helpers.plots.plot_score_boxplot : The same scores as box plots.
    book_vs_ours : Our mean beside the book's number.

    Notes
    -----
    Printed under the box plots of repeated runs in Ch6, Ch11 and Ch20.

    Examples
    --------
    >>> from bdl_helpers.results import summarize_scores
    >>> summary = summarize_scores({"raw": [0.80, 0.82, 0.78], "scaled": [0.91, 0.93]})
    >>> print(summary.to_string())  # doctest: +NORMALIZE_WHITESPACE
             mean    std   min   max  runs
    setting
    raw      0.80  0.020  0.78  0.82     3
    scaled   0.92  0.014  0.91  0.93     2
    """
    func = "summarize_scores"
    _check_rows(scores, "scores", func, "a label to a list of scores")
    if decimals is not None:
        decimals = check_int(decimals, "decimals", func, min_value=0)
    records = {}
    for label, values in scores.items():
        array = _as_scores(values, "scores", func, label)
        records[label] = {
            "mean": float(array.mean()),
            "std": float(array.std(ddof=1)) if array.size > 1 else np.nan,
            "min": float(array.min()),
            "max": float(array.max()),
            "runs": int(array.size),
        }
    summary = pd.DataFrame.from_dict(records, orient="index")
    summary = summary.astype({"runs": "int64"})
    if decimals is not None:
        summary = summary.round(decimals)
    summary.index.name = "setting"
    return summary
