"""Instruments that look inside training: what the chapters measure beyond a score.

- :mod:`~bdl_helpers.diagnostics.gradient_noise`: how closely minibatch
  gradients follow the full-data gradient (the batch-size chapter).
- :mod:`~bdl_helpers.diagnostics.gradient_flow`: the gradient norm and weight
  change of each Dense layer during training (the vanishing-gradient chapter).
- :mod:`~bdl_helpers.diagnostics.learning_speed`: :func:`epochs_to_reach`, how
  many epochs a run needs to reach a target accuracy or loss.
- :mod:`~bdl_helpers.diagnostics.layer_stats`: weight norms per layer and per
  unit, and the mean and sparsity of a layer's outputs (penalties, constraints).

Every public name is importable from here and from ``bdl_helpers``.
"""

from bdl_helpers.diagnostics.gradient_flow import (
    GradientFlow,
    layer_gradient_norms,
    plot_gradient_flow,
)
from bdl_helpers.diagnostics.gradient_noise import minibatch_gradient_cosines
from bdl_helpers.diagnostics.layer_stats import (
    activation_stats,
    layer_outputs,
    unit_norms,
    weight_norms,
)
from bdl_helpers.diagnostics.learning_speed import epochs_to_reach

__all__ = [
    "GradientFlow",
    "activation_stats",
    "epochs_to_reach",
    "layer_gradient_norms",
    "layer_outputs",
    "minibatch_gradient_cosines",
    "plot_gradient_flow",
    "unit_norms",
    "weight_norms",
]
