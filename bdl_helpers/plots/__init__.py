"""The book's figures, one call each: learning curves, grids, data and scores.

Every function draws on a new figure (or on the ``ax`` it is given) and returns
the :class:`matplotlib.figure.Figure`. None of them calls ``plt.show()``, writes
a file or changes matplotlib's global settings: the look (grid, font sizes, no
top and right spines) is applied to each figure through ``plt.rc_context``.

This module uses matplotlib and NumPy only; it never imports Keras. A history
is either a ``keras.callbacks.History`` (anything with a ``.history`` dict) or a
plain dict such as ``{"loss": [...], "val_loss": [...]}``.

One module per kind of figure: :mod:`~bdl_helpers.plots.curves` (learning
curves), :mod:`~bdl_helpers.plots.scatter` (a problem's points and a decision
boundary), :mod:`~bdl_helpers.plots.scores` (scores over seeds),
:mod:`~bdl_helpers.plots.functions` (curves y = f(x)) and
:mod:`~bdl_helpers.plots.histograms`; their shared look lives in
``plots._style``. Everything public is importable from here.
"""

from bdl_helpers.plots.curves import (
    plot_learning_curve_grid,
    plot_learning_curves,
    plot_metric_by_setting,
)
from bdl_helpers.plots.functions import plot_functions
from bdl_helpers.plots.histograms import plot_histograms
from bdl_helpers.plots.scatter import plot_dataset, plot_decision_boundary
from bdl_helpers.plots.scores import plot_score_boxplot

__all__ = [
    "plot_dataset",
    "plot_decision_boundary",
    "plot_functions",
    "plot_histograms",
    "plot_learning_curve_grid",
    "plot_learning_curves",
    "plot_metric_by_setting",
    "plot_score_boxplot",
]
