"""What regularization does inside a model: weight norms and activations.

Weight penalties and weight constraints act on the size of the weights;
activity regularization acts on the size of a layer's outputs. To see them
act, measure those sizes:

- :func:`weight_norms`: the norm of each layer's kernel, one row per model
  (does an L2 penalty shrink the weights?);
- :func:`unit_norms`: the norm of each unit's incoming weight vector, the
  quantity ``UnitNorm`` and ``MaxNorm`` constrain (do they hold?);
- :func:`layer_outputs` and :func:`activation_stats`: a layer's outputs on
  given inputs, and their mean and fraction of exact zeros (is the
  representation sparse?).

Every function takes one model or a list of models of one architecture (what
``bdl.repeat(...).models`` holds), so that a quantity can be compared over
seeds like a score.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bdl_helpers._validation import ArgumentError, check_inputs, check_option

import keras
import numpy as np
import pandas as pd

__all__ = ["activation_stats", "layer_outputs", "unit_norms", "weight_norms"]


def _model_list(models: Any, func: str) -> tuple[list[keras.Model], bool]:
    """The models as a list, and whether a single model was passed."""
    if isinstance(models, keras.Model):
        return [models], True
    if isinstance(models, Sequence) and not isinstance(models, str | bytes):
        models = list(models)
        if models and all(isinstance(m, keras.Model) for m in models):
            return models, False
    raise ArgumentError(
        f"The 'models' parameter of {func} must be a keras.Model or a non-empty "
        f"list of them (such as bdl.repeat(...).models). Got {_describe(models)} "
        "instead."
    )


def _describe(value: Any) -> str:
    if isinstance(value, list | tuple):
        kinds = sorted({type(v).__name__ for v in value})
        listed = ", ".join(kinds) or "empty"
        return f"a {type(value).__name__} of {len(value)} ({listed})"
    return f"an object of type {type(value).__name__}"


def _layer(model: keras.Model, layer: Any, func: str) -> keras.layers.Layer:
    """The layer named ``layer`` (a str) or at index ``layer`` (an int)."""
    layers = model.layers
    names = ", ".join(repr(each.name) for each in layers)
    if isinstance(layer, str):
        for each in layers:
            if each.name == layer:
                return each
        raise ArgumentError(
            f"The 'layer' parameter of {func} must name a layer of the model "
            f"({names}). Got {layer!r} instead."
        )
    if isinstance(layer, int) and not isinstance(layer, bool):
        if -len(layers) <= layer < len(layers):
            return layers[layer]
        raise ArgumentError(
            f"The 'layer' parameter of {func} must be an index in "
            f"[{-len(layers)}, {len(layers) - 1}] (the model has {len(layers)} "
            f"layers: {names}). Got {layer} instead."
        )
    raise ArgumentError(
        f"The 'layer' parameter of {func} must be a layer's name (str) or index "
        f"(int). Got {layer!r} instead."
    )


def _kernel(layer: keras.layers.Layer, func: str) -> np.ndarray:
    kernel = getattr(layer, "kernel", None)
    if kernel is None:
        raise ArgumentError(
            f"{func} needs a layer with a kernel (Dense, Conv2D, ...), but layer "
            f"{layer.name!r} ({type(layer).__name__}) has none."
        )
    return np.asarray(keras.ops.convert_to_numpy(kernel), dtype=float)


def unit_norms(models: Any, layer: str | int) -> np.ndarray:
    """Return the L2 norm of each unit's incoming weights in one layer.

    A unit's incoming weights are its column of a ``Dense`` kernel (one
    weight per input), or all the weights of one filter of a convolution:
    the vector that ``keras.constraints.UnitNorm()`` sets to norm 1 and
    ``MaxNorm(c)`` caps at ``c`` (with their default ``axis=0`` for Dense).

    Parameters
    ----------
    models : keras.Model or sequence of keras.Model
        One model, or several of one architecture (``bdl.repeat(...).models``).
    layer : str or int
        The layer's name, or its index in ``model.layers`` (negative counts
        from the end). It must have a kernel.

    Returns
    -------
    norms : ndarray of shape (n_units,) or (n_models, n_units)
        The norm of each unit (the kernel's last axis), for one model or for
        each model.

    Raises
    ------
    ValueError
        If ``models`` is not a model or a list of models, ``layer`` names no
        layer, or the layer has no kernel.

    See Also
    --------
    weight_norms : One norm per layer instead of per unit.

    Notes
    -----
    Checks the weight constraints of chapter 11 (regularizers); the dropout
    chapter uses it for max-norm.

    Examples
    --------
    >>> import keras
    >>> import numpy as np
    >>> from bdl_helpers.diagnostics import unit_norms
    >>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(3)])
    >>> _ = model.layers[0].kernel.assign([[3.0, 0.0, 1.0], [4.0, 0.0, 1.0]])
    >>> np.round(unit_norms(model, 0), 3).tolist()
    [5.0, 0.0, 1.414]
    """
    func = "unit_norms"
    model_list, single = _model_list(models, func)
    norms = []
    for model in model_list:
        kernel = _kernel(_layer(model, layer, func), func)
        columns = kernel.reshape(-1, kernel.shape[-1])
        norms.append(np.linalg.norm(columns, axis=0))
    return norms[0] if single else np.stack(norms)


def weight_norms(models: Any, *, norm: str = "l2") -> pd.DataFrame:
    """Return the norm of every layer's kernel, one row per model.

    An L2 penalty adds ``l2 * sum(w ** 2)`` to the loss and an L1 penalty
    ``l1 * sum(|w|)``; these are the sizes they push down. Biases are left
    out, as the penalties of the book leave them out.

    Parameters
    ----------
    models : keras.Model or sequence of keras.Model
        One model, or several of one architecture (``bdl.repeat(...).models``).
    norm : {"l2", "l1"}, default="l2"
        ``"l2"``: the square root of the sum of squared weights (the
        Frobenius norm of the kernel). ``"l1"``: the sum of absolute weights.

    Returns
    -------
    norms : pandas.DataFrame
        One row per model, one column per layer with a kernel, in the order
        of ``model.layers``. A column is named after its layer when every
        model gives that layer the same name (as ``Dense(..., name="hidden")``
        does), and ``"layer i"`` otherwise (Keras numbers unnamed layers
        anew in every model).

    Raises
    ------
    ValueError
        If ``models`` is not a model or a list of models of one architecture,
        no layer has a kernel, or ``norm`` is not ``"l2"`` or ``"l1"``.

    See Also
    --------
    unit_norms : One norm per unit of one layer.

    Notes
    -----
    Shows the weights shrinking under weight decay in chapter 11
    (regularizers).

    Examples
    --------
    >>> import keras
    >>> from bdl_helpers.diagnostics import weight_norms
    >>> model = keras.Sequential([keras.Input((2,)),
    ...                           keras.layers.Dense(2, name="hidden"),
    ...                           keras.layers.Dense(1, name="output")])
    >>> _ = model.layers[0].kernel.assign([[3.0, 0.0], [0.0, -4.0]])
    >>> _ = model.layers[1].kernel.assign([[1.0], [1.0]])
    >>> print(weight_norms(model).round(3).to_string())
       hidden  output
    0     5.0   1.414
    >>> print(weight_norms(model, norm="l1").to_string())
       hidden  output
    0     7.0     2.0
    """
    func = "weight_norms"
    norm = check_option(norm, "norm", func, ("l2", "l1"))
    model_list, _ = _model_list(models, func)
    count = len(model_list[0].layers)
    if any(len(model.layers) != count for model in model_list):
        raise ArgumentError(
            f"The 'models' parameter of {func} must hold models of one "
            "architecture; their numbers of layers differ."
        )
    columns: dict[str, list[float]] = {}
    for i, first in enumerate(model_list[0].layers):
        if getattr(first, "kernel", None) is None:
            continue
        names = {model.layers[i].name for model in model_list}
        label = first.name if len(names) == 1 else f"layer {i}"
        values = []
        for model in model_list:
            kernel = _kernel(model.layers[i], func)
            values.append(
                float(np.sqrt(np.sum(kernel**2)))
                if norm == "l2"
                else float(np.sum(np.abs(kernel)))
            )
        columns[label] = values
    if not columns:
        raise ArgumentError(f"{func} found no layer with a kernel in the model.")
    return pd.DataFrame(columns)


def layer_outputs(models: Any, layer: str | int, x: Any) -> np.ndarray:
    """Return what one layer outputs on the inputs ``x``, in inference mode.

    Parameters
    ----------
    models : keras.Model or sequence of keras.Model
        One model, or several of one architecture (``bdl.repeat(...).models``).
    layer : str or int
        The layer's name, or its index in ``model.layers``.
    x : array-like of shape (n_rows, ...)
        The model's inputs.

    Returns
    -------
    outputs : ndarray of shape (n_rows, ...) or (n_models, n_rows, ...)
        The layer's output for every row, as ``model.predict`` would compute
        it (``training=False``: dropout and noise are off).

    Raises
    ------
    ValueError
        If ``models`` is not a model or a list of models, ``layer`` names no
        layer, or ``x`` has no rows.

    See Also
    --------
    activation_stats : The mean and sparsity of these outputs.

    Examples
    --------
    >>> import keras
    >>> import numpy as np
    >>> from bdl_helpers.diagnostics import layer_outputs
    >>> model = keras.Sequential([
    ...     keras.Input((2,)),
    ...     keras.layers.Dense(3, activation="relu", name="hidden"),
    ...     keras.layers.Dense(1, activation="sigmoid"),
    ... ])
    >>> layer_outputs(model, "hidden", np.zeros((4, 2))).shape
    (4, 3)
    >>> layer_outputs([model, model], -1, np.zeros((4, 2))).shape
    (2, 4, 1)
    """
    return _outputs(models, layer, x, "layer_outputs")


def _outputs(models: Any, layer: Any, x: Any, func: str) -> np.ndarray:
    model_list, single = _model_list(models, func)
    x = check_inputs(x, func)
    outputs = []
    for model in model_list:
        target = _layer(model, layer, func)
        try:
            probe = keras.Model(model.inputs[0], target.output)
            values = probe(x, training=False)
        except (AttributeError, ValueError, IndexError, TypeError):
            # A Sequential model built without keras.Input: call its layers.
            values = x
            for each in model.layers:
                values = each(values, training=False)
                if each is target:
                    break
        outputs.append(np.asarray(keras.ops.convert_to_numpy(values)))
    return outputs[0] if single else np.stack(outputs)


def activation_stats(models: Any, layer: str | int, x: Any) -> pd.DataFrame:
    """Return the mean and the sparsity of one layer's outputs on ``x``.

    An L1 activity penalty pushes a layer's outputs towards zero; after a
    ReLU, many become exactly zero, and the representation is *sparse*. This
    measures both, over every row of ``x`` and every unit of the layer.

    Parameters
    ----------
    models : keras.Model or sequence of keras.Model
        One model, or several of one architecture (``bdl.repeat(...).models``).
    layer : str or int
        The layer's name, or its index in ``model.layers``: the ReLU's output
        (a ``Dense(..., activation="relu")`` or an ``Activation("relu")``
        layer) for sparsity.
    x : array-like of shape (n_rows, ...)
        The model's inputs, such as the test rows.

    Returns
    -------
    stats : pandas.DataFrame
        One row per model, with the columns ``"mean"`` (the mean output),
        ``"zero_fraction"`` (the fraction of outputs exactly 0.0) and
        ``"dead_units"`` (the fraction of units that output 0.0 for every
        row of ``x``).

    Raises
    ------
    ValueError
        As :func:`layer_outputs`.

    See Also
    --------
    layer_outputs : The outputs themselves.

    Notes
    -----
    Measures the activity regularization of chapter 11 (regularizers).

    Examples
    --------
    >>> import keras
    >>> import numpy as np
    >>> from bdl_helpers.diagnostics import activation_stats
    >>> model = keras.Sequential([
    ...     keras.Input((1,)),
    ...     keras.layers.Dense(2, activation="relu", name="hidden"),
    ... ])
    >>> _ = model.layers[0].kernel.assign([[1.0, -1.0]])
    >>> _ = model.layers[0].bias.assign([0.0, -1.0])
    >>> print(activation_stats(model, "hidden", [[1.0], [3.0]]).to_string())
       mean  zero_fraction  dead_units
    0   1.0            0.5         0.5
    """
    outputs = _outputs(models, layer, x, "activation_stats")
    if isinstance(models, keras.Model):
        outputs = outputs[np.newaxis]
    flat = outputs.reshape(len(outputs), outputs.shape[1], -1)
    zeros = flat == 0.0
    return pd.DataFrame({
        "mean": flat.mean(axis=(1, 2)),
        "zero_fraction": zeros.mean(axis=(1, 2)),
        "dead_units": zeros.all(axis=1).mean(axis=1),
    })
