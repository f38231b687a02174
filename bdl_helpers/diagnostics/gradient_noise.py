"""How precisely a minibatch's gradient estimates the gradient of all the data.

Gradient descent steps along the gradient of the loss over the training data.
A minibatch of ``b`` examples gives an estimate of that gradient: the mean of
its ``b`` per-example gradients. :func:`minibatch_gradient_cosines` draws many
minibatches of each size and measures, by the cosine similarity, how closely
each estimate points the way of the full-data gradient (1: the same
direction, 0: at right angles, -1: the opposite).

The model is only read, never trained: the per-example gradients are computed
once, at the model's current weights, and the minibatches are sampled from them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bdl_helpers import _env  # noqa: F401  (quiet TensorFlow before it loads)
from bdl_helpers._validation import (
    ArgumentError,
    check_compiled_model,
    check_int,
    check_xy,
)

import keras
import numpy as np
import pandas as pd
import tensorflow as tf

__all__ = ["minibatch_gradient_cosines"]


def _check_batch_sizes(batch_sizes: Any, n_rows: int, func: str) -> list[int]:
    expected = (
        f"a non-empty list of ints in the range [1, {n_rows}] (the number of "
        "training rows)"
    )
    if isinstance(batch_sizes, str | bytes) or not isinstance(batch_sizes, Sequence):
        raise ArgumentError(
            f"The 'batch_sizes' parameter of {func} must be {expected}. "
            f"Got {batch_sizes!r} instead."
        )
    if not batch_sizes:
        raise ArgumentError(
            f"The 'batch_sizes' parameter of {func} must be {expected}. "
            "Got an empty list instead."
        )
    sizes = []
    for size in batch_sizes:
        try:
            sizes.append(
                check_int(size, "batch_sizes", func, min_value=1, max_value=n_rows)
            )
        except ValueError:
            raise ArgumentError(
                f"The 'batch_sizes' parameter of {func} must be {expected}. "
                f"Got {batch_sizes!r} instead."
            ) from None
    if len(set(sizes)) != len(sizes):
        raise ArgumentError(
            f"The 'batch_sizes' parameter of {func} must list each batch size "
            f"once. Got {batch_sizes!r} instead."
        )
    return sizes


def _per_example_loss(model: keras.Model):
    """The compiled loss as a function returning one value per example."""
    loss = model.loss
    if isinstance(loss, keras.losses.Loss):
        return loss.call  # the unreduced loss of a Loss object
    if isinstance(loss, str) or callable(loss):
        return keras.losses.get(loss)
    raise ArgumentError(
        "minibatch_gradient_cosines supports a model compiled with one loss "
        f"(a name, a function or a keras.losses.Loss). Got {loss!r} instead."
    )


def _per_example_gradients(model: keras.Model, x: np.ndarray, y: np.ndarray):
    """Return the gradient of each example's loss, one flat row per example."""
    loss_fn = _per_example_loss(model)
    variables = model.trainable_variables
    with tf.GradientTape() as tape:
        losses = loss_fn(tf.constant(y), model(tf.constant(x), training=False))
    jacobians = tape.jacobian(losses, variables)
    rows = [
        tf.reshape(j, (len(x), -1)).numpy()
        if j is not None
        else np.zeros((len(x), int(np.prod(v.shape))), dtype="float32")
        for j, v in zip(jacobians, variables, strict=True)
    ]
    return np.concatenate(rows, axis=1).astype("float64")


def minibatch_gradient_cosines(
    model: keras.Model,
    x: Any,
    y: Any,
    *,
    batch_sizes: Sequence[int],
    n_batches: int = 200,
    seed: int | None = None,
) -> pd.DataFrame:
    """Cosine similarity between minibatch gradients and the full-data gradient.

    For each batch size ``b``, draws ``n_batches`` minibatches of ``b`` distinct
    rows of ``x`` (as one shuffled epoch would cut them), computes each
    minibatch's gradient of the loss at the model's current weights, and
    compares its direction with the gradient over all rows. A cosine near 1
    means the step the optimizer would take points where the full data says;
    a spread of cosines down to 0 or below means a noisy, erratic step.

    Parameters
    ----------
    model : keras.Model
        A compiled model with one loss. It is not changed.
    x, y : array-like
        The training data, one row per example (``y`` as the loss expects it,
        e.g. one-hot rows for ``categorical_crossentropy``).
    batch_sizes : sequence of int
        The minibatch sizes to sample, each in ``[1, len(x)]``. A batch of
        ``len(x)`` rows is the full data: its cosine is 1. Each size once.
    n_batches : int, default=200
        Minibatches drawn per batch size, an int >= 1.
    seed : int, default=None
        Seed of the sampling stream; None draws one from NumPy's global
        stream, which :func:`~bdl_helpers.set_seed` seeds.

    Returns
    -------
    cosines : pandas.DataFrame of shape (n_batches, len(batch_sizes))
        One column per batch size (the column axis is named ``"batch size"``),
        one row per sampled minibatch (index ``"batch"``). NaN where a
        gradient is exactly zero.

    Raises
    ------
    ValueError
        If the model is not a compiled keras.Model, ``x`` and ``y`` differ in
        length, or an argument is out of range; the message says which.

    See Also
    --------
    bdl_helpers.plots.plot_score_boxplot : Draw the columns as box plots.

    Notes
    -----
    The gradient is that of the compiled loss's data term, averaged over the
    batch as Keras does, with the model in inference mode (no dropout).
    Weight penalties are left out: their gradient is the same for every batch.
    The per-example gradients are computed once with ``GradientTape.jacobian``,
    an array of ``len(x)`` by the number of weights, so this suits the
    course's small models. Used by chapter 02.

    Examples
    --------
    >>> import keras
    >>> from bdl_helpers import load_dataset, set_seed
    >>> from bdl_helpers.diagnostics import minibatch_gradient_cosines
    >>> _ = set_seed(1)
    >>> data = load_dataset("blobs", one_hot=True)
    >>> model = keras.Sequential(
    ...     [keras.Input((2,)), keras.layers.Dense(3, activation="softmax")]
    ... )
    >>> model.compile(loss="categorical_crossentropy", optimizer="sgd")
    >>> cosines = minibatch_gradient_cosines(
    ...     model, data.x_train, data.y_train, batch_sizes=[1, 32, 500],
    ...     n_batches=50, seed=0)
    >>> cosines.shape
    (50, 3)
    >>> cosines.columns.tolist()
    [1, 32, 500]
    >>> round(float(cosines[500].min()), 6)  # all 500 rows: the full gradient
    1.0
    >>> bool(cosines[32].mean() > cosines[1].mean())
    True
    """
    func = "minibatch_gradient_cosines"
    model = check_compiled_model(model, func)
    x, y = check_xy(x, y, func)
    sizes = _check_batch_sizes(batch_sizes, len(x), func)
    n_batches = check_int(n_batches, "n_batches", func, min_value=1)
    if seed is None:
        # Drawn from NumPy's global stream, which set_seed() seeds.
        seed = int(np.random.randint(0, 2**31 - 1))  # noqa: NPY002
    seed = check_int(seed, "seed", func, min_value=0)

    gradients = _per_example_gradients(model, x, y)
    full = gradients.mean(axis=0)
    full_norm = np.linalg.norm(full)
    rng = np.random.default_rng(seed)
    columns = {}
    for size in sizes:
        values = np.empty(n_batches)
        for i in range(n_batches):
            rows = rng.choice(len(x), size=size, replace=False)
            estimate = gradients[rows].mean(axis=0)
            norms = np.linalg.norm(estimate) * full_norm
            values[i] = estimate @ full / norms if norms > 0 else np.nan
        columns[size] = np.clip(values, -1.0, 1.0)
    cosines = pd.DataFrame(columns)
    cosines.columns.name = "batch size"
    cosines.index.name = "batch"
    return cosines
