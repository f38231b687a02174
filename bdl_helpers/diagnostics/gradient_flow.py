"""How strongly the loss's gradient reaches each layer of a network.

In a deep network, the gradient of the loss with respect to a layer's weights
is a product of one factor per layer above it. If those factors are small (a
saturated ``tanh`` or sigmoid has a slope near 0), the gradient shrinks layer
by layer on its way down, and the first layers barely learn: the *vanishing
gradient*. This module measures it, per ``Dense`` layer:

- :func:`layer_gradient_norms`: the norm of the gradient of the loss with
  respect to each ``Dense`` layer's kernel, at the model's current weights.
- :class:`GradientFlow`: a callback that records those norms, and how far
  each kernel moved, at chosen epochs of training; it works under
  ``model.fit`` and under the course's :func:`~bdl_helpers.fit` and
  :func:`~bdl_helpers.fit_many`.
- :func:`plot_gradient_flow`: the records as curves, one line per layer.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from bdl_helpers import _env  # noqa: F401  (quiet TensorFlow before it loads)
from bdl_helpers._validation import (
    ArgumentError,
    check_compiled_model,
    check_option,
    check_xy,
)
from bdl_helpers.plots._style import _STYLE
from bdl_helpers.training import CaptureWeights

import keras
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import tensorflow as tf
from matplotlib.figure import Figure

__all__ = ["GradientFlow", "layer_gradient_norms", "plot_gradient_flow"]

_COLUMNS = ["epoch", "layer", "gradient_norm", "weight_norm", "weight_change"]
_QUANTITIES = {
    "gradient_norm": "Gradient norm",
    "weight_norm": "Weight norm",
    "weight_change": "Weight change per epoch",
}


def _dense_layers(model: keras.Model, func: str) -> list[keras.layers.Dense]:
    layers = [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]
    if not layers:
        raise ArgumentError(
            f"The model passed to {func} has no Dense layer at its top level; "
            "it measures the kernels of Dense layers."
        )
    if not all(layer.built for layer in layers):
        raise ArgumentError(
            f"The model passed to {func} is not built. Start it with "
            "keras.Input(shape=...) or call it on data first."
        )
    return layers


def _loss(model: keras.Model, y: tf.Tensor, y_pred: tf.Tensor) -> tf.Tensor:
    """The compiled loss's data term, averaged over the rows."""
    if y.shape.num_elements() == y_pred.shape.num_elements():
        y = tf.reshape(y, y_pred.shape)  # labels of shape (n,) for (n, 1) outputs
    loss = model.loss
    if isinstance(loss, keras.losses.Loss):
        return loss(y, y_pred)
    if isinstance(loss, str) or callable(loss):
        return keras.ops.mean(keras.losses.get(loss)(y, y_pred))
    raise ArgumentError(
        "layer_gradient_norms supports a model compiled with one loss (a name, "
        f"a function or a keras.losses.Loss). Got {loss!r} instead."
    )


def _kernel_gradients(model: keras.Model, x: np.ndarray, y: np.ndarray, func: str):
    layers = _dense_layers(model, func)
    kernels = [layer.kernel for layer in layers]
    with tf.GradientTape() as tape:
        y_pred = model(tf.constant(x), training=False)
        loss = _loss(model, tf.constant(y), y_pred)
    gradients = tape.gradient(loss, kernels)
    return [
        np.zeros(k.shape, "float32") if g is None else g.numpy()
        for k, g in zip(kernels, gradients, strict=True)
    ]


def layer_gradient_norms(model: keras.Model, x: Any, y: Any) -> np.ndarray:
    """The norm of the loss's gradient for each Dense layer's kernel.

    Computes the gradient of the compiled loss over all rows of ``x`` (one
    batch, the model in inference mode) with respect to the kernel of every
    ``Dense`` layer, and returns its Euclidean (Frobenius) norm. In a network
    with vanishing gradients, the norms fall by orders of magnitude from the
    output layer down to the first layer.

    Parameters
    ----------
    model : keras.Model
        A compiled, built model with ``Dense`` layers at its top level. It is
        only read, never changed.
    x, y : array-like
        The data, one row per example (``y`` as the loss expects it).

    Returns
    -------
    norms : ndarray of shape (n_dense_layers,)
        One norm per ``Dense`` layer, from the input side (index 0) to the
        output layer (index -1).

    Raises
    ------
    ValueError
        If the model is not a compiled, built keras.Model with a Dense layer,
        or ``x`` and ``y`` differ in length.

    See Also
    --------
    GradientFlow : Record these norms during training.

    Notes
    -----
    Only the data term of the loss counts: weight penalties are left out.
    Used by chapters 01 and 06.

    Examples
    --------
    >>> import keras
    >>> from bdl_helpers import load_dataset, set_seed
    >>> from bdl_helpers.diagnostics import layer_gradient_norms
    >>> _ = set_seed(1)
    >>> data = load_dataset("circles")
    >>> model = keras.Sequential([keras.Input((2,))]
    ...     + [keras.layers.Dense(5, activation="sigmoid") for _ in range(6)]
    ...     + [keras.layers.Dense(1, activation="sigmoid")])
    >>> model.compile(loss="binary_crossentropy", optimizer="sgd")
    >>> norms = layer_gradient_norms(model, data.x_train, data.y_train)
    >>> norms.shape
    (7,)
    >>> bool(norms[0] < norms[-1] / 100)  # the first layer gets far less
    True
    """
    func = "layer_gradient_norms"
    model = check_compiled_model(model, func)
    x, y = check_xy(x, y, func)
    gradients = _kernel_gradients(model, x, y, func)
    return np.array([float(np.linalg.norm(g)) for g in gradients])


class GradientFlow(CaptureWeights):
    """Record each Dense layer's gradient norm and weight change during training.

    A :class:`~bdl_helpers.CaptureWeights` that also keeps the data to
    measure on. It records the weights before training and at the end of each
    epoch in ``epochs``; :meth:`to_frame` then computes, for the kernel of
    every ``Dense`` layer at each record: the norm of the loss's gradient
    over ``(x, y)`` (as :func:`layer_gradient_norms`), the norm of the kernel
    itself, and how far the kernel moved since the previous record, per
    epoch. Recording a few epochs (say 10 of 500) keeps it fast.

    Parameters
    ----------
    x, y : array-like
        The data the gradient is computed on, usually the training rows.
    epochs : iterable of int
        The 0-based epochs after which to record, as in ``on_epoch_end``.

    Attributes
    ----------
    initial_weights : list of ndarray
        The weights when training began (``model.get_weights()`` order).
    weights : dict of int to list of ndarray
        The recorded weights, keyed by 0-based epoch.

    See Also
    --------
    layer_gradient_norms : The norms at the model's current weights.
    plot_gradient_flow : Draw the records.

    Notes
    -----
    Being a :class:`~bdl_helpers.CaptureWeights`, it works under
    ``model.fit`` and under :func:`~bdl_helpers.fit` and
    :func:`~bdl_helpers.fit_many`, whose compiled loops record the weights
    without stopping. The gradient is the full-data gradient at the recorded
    weights, not the minibatch gradients of the steps in between. Used by chapter 06.

    Examples
    --------
    >>> import keras
    >>> from bdl_helpers import fit, load_dataset, set_seed
    >>> from bdl_helpers.diagnostics import GradientFlow
    >>> _ = set_seed(1)
    >>> data = load_dataset("circles")
    >>> model = keras.Sequential([keras.Input((2,)),
    ...                           keras.layers.Dense(5, activation="relu"),
    ...                           keras.layers.Dense(1, activation="sigmoid")])
    >>> model.compile(loss="binary_crossentropy", optimizer="sgd")
    >>> flow = GradientFlow(*data.train, epochs=[0, 4])
    >>> _ = fit(model, *data.train, epochs=5, callbacks=[flow], verbose=0)
    >>> table = flow.to_frame()
    >>> table.shape  # 3 records (before training, after epochs 1 and 5), 2 layers
    (6, 5)
    >>> table["epoch"].unique().tolist()
    [0, 1, 5]
    """

    def __init__(self, x: Any, y: Any, *, epochs: Iterable[int]) -> None:
        if isinstance(epochs, str) or not isinstance(epochs, Iterable):
            epochs = None
        else:
            epochs = list(epochs)
        if not epochs:
            raise ArgumentError(
                "The 'epochs' parameter of GradientFlow must be a non-empty list "
                "of 0-based epochs, e.g. range(0, 500, 10)."
            )
        super().__init__(epochs)
        self.x, self.y = check_xy(x, y, "GradientFlow")
        self.initial_weights: list[np.ndarray] | None = None
        self._table: pd.DataFrame | None = None

    def on_train_begin(self, logs: dict | None = None) -> None:
        super().on_train_begin(logs)
        self.initial_weights = self.model.get_weights()
        self._table = None

    def to_frame(self) -> pd.DataFrame:
        """The records as a table, one row per (record, layer).

        The model's weights are set to each record in turn and restored
        afterwards. The table is computed once; later calls return a copy.

        Returns
        -------
        table : pandas.DataFrame
            Columns ``epoch`` (epochs completed: 0 is before training),
            ``layer`` (1 for the first Dense layer, up to the output layer),
            ``gradient_norm``, ``weight_norm`` and ``weight_change`` (the
            norm of the kernel's change since the previous record, divided by
            the epochs in between; NaN at epoch 0).

        Raises
        ------
        ValueError
            If the callback has not been trained with (pass it to fit).
        """
        func = "GradientFlow.to_frame"
        if self.initial_weights is None or self.model is None:
            raise ArgumentError(
                "This GradientFlow has not seen training yet: pass it to fit in "
                "callbacks=[...] first."
            )
        if self._table is not None:
            return self._table.copy()
        model = check_compiled_model(self.model, func)
        snapshots = {0: self.initial_weights}
        snapshots.update({e + 1: w for e, w in sorted(self.weights.items())})
        current = model.get_weights()
        records = []
        previous = None
        try:
            for done, weights in snapshots.items():
                model.set_weights(weights)
                gradients = _kernel_gradients(model, self.x, self.y, func)
                layers = _dense_layers(model, func)
                kernels = [np.array(layer.kernel) for layer in layers]
                for index, (gradient, kernel) in enumerate(
                    zip(gradients, kernels, strict=True)
                ):
                    change = np.nan
                    if previous is not None:
                        moved = np.linalg.norm(kernel - previous[1][index])
                        change = float(moved) / (done - previous[0])
                    records.append(
                        {
                            "epoch": done,
                            "layer": index + 1,
                            "gradient_norm": float(np.linalg.norm(gradient)),
                            "weight_norm": float(np.linalg.norm(kernel)),
                            "weight_change": change,
                        }
                    )
                previous = (done, kernels)
        finally:
            model.set_weights(current)
        table = pd.DataFrame(records, columns=_COLUMNS)
        self._table = table.astype({"epoch": "int64", "layer": "int64"})
        return self._table.copy()


def _as_table(flow: Any, label: str, func: str) -> pd.DataFrame:
    table = flow.to_frame() if isinstance(flow, GradientFlow) else flow
    if not isinstance(table, pd.DataFrame) or not set(_COLUMNS) <= set(table.columns):
        raise ArgumentError(
            f"The 'flows' parameter of {func} must map labels to GradientFlow "
            f"callbacks or their to_frame() tables. Got {type(flow).__name__} "
            f"for {label!r} instead."
        )
    if table.empty:
        raise ArgumentError(
            f"The GradientFlow for {label!r} holds no records: pass it to fit "
            "in callbacks=[...] and train first."
        )
    return table


def plot_gradient_flow(
    flows: Mapping[str, Any],
    *,
    quantity: str = "gradient_norm",
    title: str | None = None,
    figsize: tuple[float, float] | None = None,
) -> Figure:
    """Plot a per-layer quantity over training, one panel per model.

    Each panel draws one line per ``Dense`` layer, coloured from the first
    layer (dark) to the output layer (light), on a shared logarithmic y axis:
    lines stacked orders of magnitude apart show a vanishing gradient.

    Parameters
    ----------
    flows : dict of str to GradientFlow or pandas.DataFrame
        Maps a panel title (e.g. ``"tanh, 5 layers"``) to a trained
        :class:`GradientFlow` or its :meth:`~GradientFlow.to_frame` table.
    quantity : {"gradient_norm", "weight_change", "weight_norm"}
        The column to draw; default "gradient_norm".
    title : str, default=None
        The figure's title. None draws none.
    figsize : (float, float), default=None
        Width and height in inches. None gives (4.5 * panels, 3.4).

    Returns
    -------
    fig : matplotlib.figure.Figure

    Raises
    ------
    ValueError
        If ``flows`` is empty, holds something else, or ``quantity`` is not a
        column.

    Examples
    --------
    >>> import pandas as pd
    >>> from bdl_helpers.diagnostics import plot_gradient_flow
    >>> table = pd.DataFrame({"epoch": [0, 0, 10, 10], "layer": [1, 2, 1, 2],
    ...                       "gradient_norm": [1e-4, 0.1, 1e-5, 0.05],
    ...                       "weight_norm": [1.0, 1.0, 1.0, 1.1],
    ...                       "weight_change": [None, None, 0.0, 0.01]})
    >>> fig = plot_gradient_flow({"tanh": table, "relu": table})
    >>> len(fig.axes)
    2
    """
    func = "plot_gradient_flow"
    quantity = check_option(quantity, "quantity", func, list(_QUANTITIES))
    if not isinstance(flows, Mapping) or not flows:
        raise ArgumentError(
            f"The 'flows' parameter of {func} must be a non-empty dict of labels "
            f"to GradientFlow callbacks. Got {flows!r} instead."
        )
    tables = {label: _as_table(flow, label, func) for label, flow in flows.items()}
    width = 4.5 * len(tables)
    figsize = figsize or (width, 3.4)
    with plt.rc_context(_STYLE):
        fig, axes = plt.subplots(
            1,
            len(tables),
            figsize=figsize,
            sharey=True,
            squeeze=False,
            layout="constrained",
        )
        for ax, (label, table) in zip(axes[0], tables.items(), strict=True):
            layers = sorted(table["layer"].unique())
            colors = plt.cm.viridis(np.linspace(0.0, 0.9, len(layers)))
            for layer, color in zip(layers, colors, strict=True):
                rows = table[table["layer"] == layer].sort_values("epoch")
                values = rows[quantity].to_numpy(dtype=float)
                values = np.where(values > 0, values, np.nan)  # log scale
                name = f"layer {layer}"
                if layer == layers[-1]:
                    name += " (output)"
                ax.plot(rows["epoch"], values, color=color, label=name)
            ax.set_yscale("log")
            ax.set_title(label)
            ax.set_xlabel("Epoch")
            ax.legend(fontsize=7, ncol=1 + len(layers) // 8, frameon=False)
        axes[0][0].set_ylabel(_QUANTITIES[quantity])
        if title:
            fig.suptitle(title)
    return fig
