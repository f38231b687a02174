"""Paired comparisons over seeds: the same seeds with and without a technique.

The book compares single runs; on its small problems one seed moves a test
accuracy by a few points. The generalization chapters therefore train every
variant with the same seeds (``bdl.repeat(..., seed=0)`` gives repeat ``i`` the
seed ``i`` whatever the model), so that seed ``i`` with the technique and seed
``i`` without it start from the same weights. The per-seed differences remove
the part of the noise that the two runs share, and their mean is compared with
its standard error: a difference counts only if it exceeds ``threshold``
standard errors (3 by default).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from numbers import Real
from typing import Any

from bdl_helpers._validation import ArgumentError, check_float, check_int

import numpy as np
import pandas as pd

__all__ = ["PairedComparison", "compare_paired", "paired_table"]


def _as_scores(values: Any, name: str, func: str) -> np.ndarray:
    """A 1-D float array of finite scores, or a ValueError naming the fix."""
    if isinstance(values, (str, bytes, Mapping)) or not isinstance(
        values, (Sequence, np.ndarray, pd.Series)
    ):
        raise ArgumentError(
            f"The {name!r} parameter of {func} must be a list, array or Series of "
            f"scores, one per seed. Got an object of type {type(values).__name__} "
            "instead."
        )
    items = list(np.asarray(values, dtype=object).ravel())
    if not all(isinstance(v, Real) and not isinstance(v, bool) for v in items):
        raise ArgumentError(
            f"The {name!r} parameter of {func} must hold numbers only. "
            f"Got {values!r:.80} instead."
        )
    scores = np.asarray(items, dtype=float)
    if not np.all(np.isfinite(scores)):
        raise ArgumentError(
            f"The {name!r} parameter of {func} must hold finite numbers. "
            f"Got {scores.tolist()!r:.80} instead."
        )
    return scores


@dataclass(frozen=True)
class PairedComparison:
    """The per-seed differences of two variants and what they show.

    Attributes
    ----------
    differences : ndarray of shape (n_seeds,)
        ``with_technique[i] - without[i]`` for every seed ``i``.
    mean_difference : float
        Their mean.
    standard_error : float
        Their sample standard deviation (``ddof=1``) over ``sqrt(n_seeds)``.
    threshold : float
        How many standard errors a difference needs to count.

    Examples
    --------
    >>> import numpy as np
    >>> from bdl_helpers import compare_paired
    >>> result = compare_paired(np.array([0.90, 0.92, 0.91, 0.95]),
    ...                         np.array([0.88, 0.90, 0.90, 0.91]))
    >>> result.verdict, result.n_seeds
    ('higher', 4)
    >>> print(result)
    +0.022 (standard error 0.006, 4 paired seeds): higher
    """

    differences: np.ndarray
    mean_difference: float
    standard_error: float
    threshold: float

    @property
    def n_seeds(self) -> int:
        """The number of paired seeds."""
        return len(self.differences)

    @property
    def verdict(self) -> str:
        """``"higher"``, ``"lower"`` or ``"within noise"``.

        ``"higher"`` if the mean difference exceeds ``threshold`` standard
        errors, ``"lower"`` if it is below minus that, else ``"within noise"``.
        """
        margin = self.threshold * self.standard_error
        if self.mean_difference > margin:
            return "higher"
        if self.mean_difference < -margin:
            return "lower"
        return "within noise"

    def __str__(self) -> str:
        return (
            f"{self.mean_difference:+.3f} (standard error {self.standard_error:.3f}, "
            f"{self.n_seeds} paired seeds): {self.verdict}"
        )


def compare_paired(
    with_technique: Any, without: Any, *, threshold: float = 3.0
) -> PairedComparison:
    """Compare two variants trained with the same seeds, seed by seed.

    Parameters
    ----------
    with_technique : sequence of float
        One score per seed for the variant with the technique (e.g. the test
        accuracies of ``bdl.repeat(...).scores["test_accuracy"]``).
    without : sequence of float
        The scores of the variant without it, for the same seeds in the same
        order.
    threshold : float, default=3.0
        How many standard errors of the mean difference make a difference
        count, a float > 0.

    Returns
    -------
    comparison : PairedComparison
        The differences, their mean and standard error, and the verdict
        (``comparison.verdict``).

    Raises
    ------
    ValueError
        If the scores are not numbers, if the two variants hold different
        numbers of seeds, or fewer than 2.

    See Also
    --------
    paired_table : Several comparisons as one table.

    Notes
    -----
    Used by chapters 00-05 and 11-14.

    Examples
    --------
    >>> from bdl_helpers.paired import compare_paired
    >>> comparison = compare_paired([0.80, 0.81, 0.79, 0.80], [0.77, 0.77, 0.76, 0.78])
    >>> round(comparison.mean_difference, 3), comparison.verdict
    (0.03, 'higher')
    >>> print(compare_paired([0.78, 0.77, 0.80], [0.77, 0.79, 0.78]))
    +0.003 (standard error 0.012, 3 paired seeds): within noise
    """
    func = "compare_paired"
    first = _as_scores(with_technique, "with_technique", func)
    second = _as_scores(without, "without", func)
    if len(first) != len(second):
        raise ArgumentError(
            f"The 'without' parameter of {func} must hold one score per seed of "
            f"'with_technique' ({len(first)}). Got {len(second)} scores instead."
        )
    if len(first) < 2:
        raise ArgumentError(
            f"The 'with_technique' parameter of {func} must hold at least 2 seeds "
            f"to estimate a spread. Got {len(first)} instead."
        )
    threshold = check_float(threshold, "threshold", func, min_value=0.0)
    if threshold == 0.0:
        raise ArgumentError(
            f"The 'threshold' parameter of {func} must be a float > 0. "
            "Got 0.0 instead."
        )
    differences = first - second
    return PairedComparison(
        differences=differences,
        mean_difference=float(differences.mean()),
        standard_error=float(differences.std(ddof=1) / np.sqrt(len(differences))),
        threshold=threshold,
    )


def paired_table(
    comparisons: Mapping[str, tuple[Any, Any]],
    *,
    threshold: float = 3.0,
    decimals: int = 3,
) -> pd.DataFrame:
    """Tabulate several paired comparisons, one row each.

    Parameters
    ----------
    comparisons : dict of str to (sequence of float, sequence of float)
        Maps a label (e.g. ``"Dropout(0.4) vs none"``) to the pair
        ``(with_technique, without)`` of per-seed scores.
    threshold : float, default=3.0
        As in :func:`compare_paired`.
    decimals : int, default=3
        Round the numbers to this many decimals.

    Returns
    -------
    table : pandas.DataFrame
        Indexed by label, with the columns ``"with"`` and ``"without"`` (the
        means), ``"difference"``, ``"standard error"``, ``"seeds"`` and
        ``"verdict"``.

    Raises
    ------
    ValueError
        If ``comparisons`` is empty or not a dict, or a pair is not valid for
        :func:`compare_paired` (the message names the label).

    Examples
    --------
    >>> from bdl_helpers.paired import paired_table
    >>> table = paired_table({"dropout": ([0.80, 0.81, 0.79], [0.77, 0.77, 0.76])})
    >>> table.loc["dropout", "verdict"]
    'higher'
    >>> list(table.columns)
    ['with', 'without', 'difference', 'standard error', 'seeds', 'verdict']
    """
    func = "paired_table"
    decimals = check_int(decimals, "decimals", func, min_value=0)
    if not isinstance(comparisons, Mapping) or not comparisons:
        raise ArgumentError(
            f"The 'comparisons' parameter of {func} must be a non-empty dict mapping "
            f"a label to a pair (with_technique, without). Got {comparisons!r:.80} "
            "instead."
        )
    rows = {}
    for label, pair in comparisons.items():
        if not isinstance(pair, (tuple, list)) or len(pair) != 2:
            raise ArgumentError(
                f"The 'comparisons' parameter of {func} must map {label!r} to a pair "
                f"(with_technique, without). Got {pair!r:.80} instead."
            )
        try:
            result = compare_paired(pair[0], pair[1], threshold=threshold)
        except ValueError as error:
            raise ArgumentError(f"{func}, comparison {label!r}: {error}") from None
        rows[label] = {
            "with": float(np.mean(_as_scores(pair[0], "with_technique", func))),
            "without": float(np.mean(_as_scores(pair[1], "without", func))),
            "difference": result.mean_difference,
            "standard error": result.standard_error,
            "seeds": result.n_seeds,
            "verdict": result.verdict,
        }
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = "comparison"
    numbers = ["with", "without", "difference", "standard error"]
    table[numbers] = table[numbers].round(decimals)
    return table
