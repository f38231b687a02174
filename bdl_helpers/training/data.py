"""Training data: checks, tensors, and each model's order of rows per epoch."""

from __future__ import annotations

from typing import Any

from bdl_helpers import _env  # noqa: F401  (quiet TensorFlow before it loads)
from bdl_helpers._validation import ArgumentError, check_int

import numpy as np
import tensorflow as tf


def as_tensors(data: Any, name: str, func: str) -> Any:
    """Arrays (or a list/tuple/dict of arrays) as tensors; floats as float32."""

    def convert(array: Any) -> tf.Tensor:
        array = np.asarray(array)
        if array.dtype == object:
            raise ArgumentError(
                f"The {name!r} parameter of {func} must hold numbers. Got an "
                "array of Python objects; convert it with np.asarray(..., "
                "dtype='float32')."
            )
        if array.ndim == 0:
            raise ArgumentError(
                f"The {name!r} parameter of {func} must be an array with one "
                f"row per example. Got a scalar {array!r} instead."
            )
        if np.issubdtype(array.dtype, np.floating) or array.dtype == bool:
            array = array.astype("float32")
        return tf.constant(array)

    return tf.nest.map_structure(convert, data)


def n_rows(data: Any) -> int:
    sizes = {int(t.shape[0]) for t in tf.nest.flatten(data)}
    if len(sizes) != 1:
        raise ArgumentError(
            f"All input arrays must have the same number of rows. Got {sorted(sizes)}."
        )
    return sizes.pop()


def check_data(x: Any, y: Any, validation_data: Any, func: str):
    x = as_tensors(x, "x", func)
    y = as_tensors(y, "y", func)
    n = n_rows(x)
    if n_rows(y) != n:
        raise ArgumentError(
            f"x and y passed to {func} must have the same number of rows. "
            f"Got {n} rows in x and {n_rows(y)} in y."
        )
    if n == 0:
        raise ArgumentError(f"The training data passed to {func} is empty.")
    val = None
    if validation_data is not None:
        if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
            raise ArgumentError(
                f"The 'validation_data' parameter of {func} must be a tuple "
                f"(x_val, y_val). Got {type(validation_data).__name__} instead."
            )
        x_val = as_tensors(validation_data[0], "validation_data[0]", func)
        y_val = as_tensors(validation_data[1], "validation_data[1]", func)
        for label, train_part, val_part in (("x", x, x_val), ("y", y, y_val)):
            train_shapes = [t.shape[1:] for t in tf.nest.flatten(train_part)]
            val_shapes = [t.shape[1:] for t in tf.nest.flatten(val_part)]
            if train_shapes != val_shapes:
                raise ArgumentError(
                    f"The validation {label} passed to {func} has rows of shape "
                    f"{[tuple(s) for s in val_shapes]}, but the training {label} "
                    f"has rows of shape {[tuple(s) for s in train_shapes]}. "
                    "Pass validation data prepared like the training data "
                    "(same features, same target encoding, e.g. one-hot)."
                )
        if n_rows(x_val) != n_rows(y_val):
            raise ArgumentError(
                f"validation_data passed to {func} has {n_rows(x_val)} rows in "
                f"x_val but {n_rows(y_val)} in y_val."
            )
        val = (x_val, y_val)
    return x, y, n, val


def default_seed(seed: int | None, func: str) -> int:
    if seed is None:
        # Drawn from NumPy's global stream, which set_seed() seeds.
        return int(np.random.randint(0, 2**31 - 1))  # noqa: NPY002
    return check_int(seed, "seed", func, min_value=0)


def mix(z: tf.Tensor) -> tf.Tensor:
    """SplitMix64's finalizer: a cheap, well-mixed hash of uint64 values."""
    for shift, factor in ((30, 0xBF58476D1CE4E5B9), (27, 0x94D049BB133111EB)):
        z = tf.bitwise.bitwise_xor(
            z, tf.bitwise.right_shift(z, tf.constant(shift, tf.uint64))
        )
        z = z * tf.constant(factor, tf.uint64)
    return tf.bitwise.bitwise_xor(
        z, tf.bitwise.right_shift(z, tf.constant(31, tf.uint64))
    )


# Up to this many rows, an XLA program orders them by counting (see
# rank_order) instead of sorting: the same permutation, for Part II's 30
# rows, 16 seeds and 4,000 epochs in 0.07 s against 0.17 s (benchmarks/engine.py
# --only row-order).
RANK_ROWS = 64


def epoch_orders(
    n: int, seeds: tf.Tensor, epoch: tf.Tensor, shuffle: bool, by_rank: bool = False
) -> tf.Tensor:
    """The order of the training rows in one epoch, one row per seed.

    A permutation of ``range(n)`` keyed by (seed, epoch): the rows sorted by a
    hash of (seed, epoch, row). It is one elementwise pass and one sort for all
    seeds, compiles with XLA (TensorFlow's stateless shuffles do not), and
    gives model ``i`` of :func:`fit_many` the order :func:`fit` gives with
    the same seed. ``by_rank`` (for XLA programs): up to :data:`RANK_ROWS`
    rows, the same permutation by :func:`rank_order`.
    """
    if not shuffle:
        return tf.tile(tf.range(n)[None, :], [tf.shape(seeds)[0], 1])
    golden = tf.constant(0x9E3779B97F4A7C15, tf.uint64)
    key = mix(tf.cast(seeds, tf.uint64)[:, None] * golden + tf.cast(epoch, tf.uint64))
    key = tf.bitcast(mix(key + tf.cast(tf.range(n), tf.uint64)[None, :]), tf.int64)
    if by_rank and n <= RANK_ROWS:
        return rank_order(key)
    return tf.argsort(key, axis=1, stable=True)


def rank_order(key: tf.Tensor) -> tf.Tensor:
    """``tf.argsort(key, axis=1, stable=True)`` for a few columns, by counting.

    Column ``i`` goes to position ``rank[i]``: the number of columns with a
    smaller key, or an equal key and a smaller index. Work grows with the
    square of the columns, but it is elementwise, which XLA fuses.
    """
    index = tf.range(tf.shape(key)[1])
    smaller = key[:, None, :] < key[:, :, None]
    tied_before = (key[:, None, :] == key[:, :, None]) & (
        index[None, None, :] < index[None, :, None]
    )
    rank = tf.reduce_sum(tf.cast(smaller | tied_before, tf.int32), axis=2)
    at = tf.cast(tf.equal(rank[:, None, :], index[None, :, None]), tf.int32)
    return tf.reduce_sum(at * index, axis=2)


def take(data: Any, idx: tf.Tensor) -> Any:
    return tf.nest.map_structure(lambda t: tf.gather(t, idx), data)


def as_float(value: Any) -> tf.Tensor:
    return tf.cast(tf.reshape(value, []), tf.float32)


def check_indices(
    indices: Any, name: str, func: str, n_models: int, n_available: int
) -> np.ndarray | None:
    """Per-model row indices as an int32 array of shape (n_models, n_rows).

    Rows may repeat (a bootstrap sample); every model takes the same number of
    rows, so that the models train in lockstep.
    """
    if indices is None:
        return None
    try:
        rows = np.asarray(
            [np.asarray(r).reshape(-1) for r in indices]
            if not isinstance(indices, np.ndarray)
            else indices
        )
    except ValueError:
        rows = None
    if rows is None or rows.dtype == object or rows.ndim != 2:
        lengths = sorted({len(np.asarray(r).reshape(-1)) for r in indices})
        raise ArgumentError(
            f"The {name!r} parameter of {func} must hold one set of row indices "
            f"per model, all of the same length. Got sets of lengths {lengths}; "
            "draw the same number of rows for every model (for example "
            "rng.choice(n, size=n) for a bootstrap sample)."
        )
    if rows.shape[0] != n_models:
        raise ArgumentError(
            f"The {name!r} parameter of {func} must hold one set of row indices "
            f"per model: {n_models} sets for {n_models} models. Got "
            f"{rows.shape[0]} sets."
        )
    if not np.issubdtype(rows.dtype, np.integer):
        raise ArgumentError(
            f"The {name!r} parameter of {func} must hold integer row indices. "
            f"Got an array of {rows.dtype}."
        )
    if rows.shape[1] == 0:
        raise ArgumentError(f"The {name!r} parameter of {func} selects no rows.")
    if rows.min() < 0 or rows.max() >= n_available:
        raise ArgumentError(
            f"The {name!r} parameter of {func} must index rows in [0, "
            f"{n_available - 1}]. Got indices from {rows.min()} to {rows.max()}."
        )
    return rows.astype("int32")
