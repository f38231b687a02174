"""Helpers for the interactive course *Better Deep Learning* in Keras 3.

Every chapter notebook starts with one import line::

    import bdl_helpers as bdl

and then calls ``bdl.load_dataset(...)``, ``bdl.fit(...)``,
``bdl.plot_learning_curves(...)`` and, in exercise tests,
``bdl.grading.check_model(...)``. The package keeps the plumbing (data,
training loop, plots, repeats, grading checks) out of the lessons, so that a
notebook shows only the Keras code it teaches.

Modules, lower ones never importing higher ones:

- :mod:`~bdl_helpers.datasets`: the book's synthetic problems (NumPy only).
- :mod:`~bdl_helpers.seeding`: :func:`set_seed`, one call for reproducible runs.
- :mod:`~bdl_helpers.training`: the fast training engine (:func:`fit`,
  :func:`fit_many`, :func:`repeat`, :class:`CaptureWeights`,
  :func:`score_models`, :func:`predict_many`).
- :mod:`~bdl_helpers.plots`: learning curves, grids, box plots, a problem's
  points and decision boundary, curves y = f(x), histograms (matplotlib only).
- :mod:`~bdl_helpers.diagnostics`: instruments that look inside training:
  minibatch gradient noise, per-layer gradient flow, epochs to reach a level,
  weight norms and activation statistics.
- :mod:`~bdl_helpers.curves`: one vocabulary for learning curves: a metric's
  values, where a curve ended, its jitter, its rise above its best, a History
  built from arrays.
- :mod:`~bdl_helpers.results`: the "book beside ours" table.
- :mod:`~bdl_helpers.ensembles`: ensembles from predicted probabilities
  (:func:`ensemble_curve`, :func:`weighted_accuracy`, :func:`plot_ensemble_curve`).
- :mod:`~bdl_helpers.paired`: :func:`compare_paired`, the same seeds with and
  without a technique, and whether their difference exceeds the noise.
- :mod:`~bdl_helpers.grading`: checks for the nbgrader exercises.
- :mod:`~bdl_helpers.playground`: :func:`playground`, set up a Keras model on
  the book's small problems and watch its boundary and curves as it trains.
- :class:`ArgumentError`: what every public function raises for a bad
  argument (a ``ValueError`` and a ``TypeError``), with a message that names
  the parameter, what it must be and what came instead.
- :mod:`~bdl_helpers.widgets`: :func:`widgets.interact`, a figure that redraws
  when a control moves (explorers over computed results, live trainers).
"""

from bdl_helpers import (
    _env,  # noqa: F401  (must run before TensorFlow is imported)
    _memory,
    grading,
    widgets,
)
from bdl_helpers._validation import ArgumentError
from bdl_helpers.curves import (
    curve,
    final_value,
    history_from,
    jitter,
    rise_above_best,
)
from bdl_helpers.datasets import DATASET_DEFAULTS, Dataset, list_datasets, load_dataset
from bdl_helpers.diagnostics import (
    GradientFlow,
    activation_stats,
    epochs_to_reach,
    layer_gradient_norms,
    layer_outputs,
    minibatch_gradient_cosines,
    plot_gradient_flow,
    unit_norms,
    weight_norms,
)
from bdl_helpers.ensembles import (
    ensemble_curve,
    plot_ensemble_curve,
    weighted_accuracy,
)
from bdl_helpers.paired import PairedComparison, compare_paired, paired_table
from bdl_helpers.playground import playground
from bdl_helpers.plots import (
    plot_dataset,
    plot_decision_boundary,
    plot_functions,
    plot_histograms,
    plot_learning_curve_grid,
    plot_learning_curves,
    plot_metric_by_setting,
    plot_score_boxplot,
)
from bdl_helpers.results import book_vs_ours, summarize_scores
from bdl_helpers.seeding import set_seed
from bdl_helpers.training import (
    CaptureWeights,
    RepeatResult,
    evaluate_splits,
    fit,
    fit_many,
    predict_many,
    repeat,
    score_models,
)

__all__ = [
    "DATASET_DEFAULTS",
    "ArgumentError",
    "CaptureWeights",
    "Dataset",
    "GradientFlow",
    "PairedComparison",
    "RepeatResult",
    "activation_stats",
    "book_vs_ours",
    "ensemble_curve",
    "compare_paired",
    "curve",
    "epochs_to_reach",
    "evaluate_splits",
    "final_value",
    "fit",
    "fit_many",
    "grading",
    "history_from",
    "jitter",
    "layer_outputs",
    "layer_gradient_norms",
    "list_datasets",
    "load_dataset",
    "minibatch_gradient_cosines",
    "paired_table",
    "playground",
    "plot_dataset",
    "plot_ensemble_curve",
    "plot_decision_boundary",
    "plot_functions",
    "plot_gradient_flow",
    "plot_histograms",
    "plot_learning_curve_grid",
    "plot_learning_curves",
    "plot_metric_by_setting",
    "plot_score_boxplot",
    "predict_many",
    "repeat",
    "rise_above_best",
    "score_models",
    "set_seed",
    "summarize_scores",
    "weighted_accuracy",
    "unit_norms",
    "widgets",
    "weight_norms",
]
__version__ = "0.1.0"

# Last, once TensorFlow and Keras are loaded: in a notebook, return the memory
# each cell leaves behind (see _memory.py; Binder's 2 GB hold two kernels).
_memory.release_after_cells()
