"""A fast training engine that keeps ``model.fit``'s meaning.

On the book's tiny problems, ``model.fit`` spends almost all its time outside
the model: TensorFlow's ``tf.data`` builds a new iterator every epoch, and every
step returns to Python. This module runs the same training inside compiled
TensorFlow loops that cover many epochs per call:

- :func:`fit` trains one compiled Keras model by calling Keras's own
  ``model.train_step`` and ``model.test_step`` inside one ``tf.function`` whose
  loop runs all the epochs of a chunk. Losses, metrics, regularization losses,
  constraints, gradient clipping, learning-rate schedules and the training
  behaviour of Dropout, GaussianNoise and BatchNormalization are Keras's own.
- :func:`fit_many` trains several models of the same architecture together,
  vectorized over the models with ``tf.vectorized_map`` and compiled with XLA.
  Each model keeps its own weights, optimizer state, metrics, shuffling and
  random streams; the step is Keras's stateless training step (the one its
  JAX trainer runs). :func:`repeat` builds ``n`` independently seeded copies
  of a model and trains them this way, returning their scores as a DataFrame.

Callbacks follow Keras's protocol through :class:`keras.callbacks.CallbackList`.
Callbacks that only read the logs (``History``, the progress bar) are replayed
after each chunk; :class:`CaptureWeights` ends chunks at the epochs it records;
any other callback (``EarlyStopping``, ``ModelCheckpoint``,
``ReduceLROnPlateau``, ``LearningRateScheduler``, your own) runs every epoch
with the model's live weights, exactly as under ``model.fit``.
"""

from __future__ import annotations

import logging
import math
import sys
import warnings
from collections.abc import Callable, Iterable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from bdl_helpers import _env  # noqa: F401  (quiet TensorFlow before it loads)
from bdl_helpers._validation import check_int

import keras
import numpy as np
import pandas as pd
import tensorflow as tf
from tqdm import tqdm

__all__ = [
    "CaptureWeights",
    "RepeatResult",
    "evaluate_splits",
    "fit",
    "fit_many",
    "repeat",
]

# Epochs per compiled call when nothing forces a shorter chunk: long enough that
# call overhead vanishes, short enough for a live progress bar.
_MAX_CHUNK = 500

# fit_many's jit_compile="auto": XLA's compile time (seconds) pays off from
# about this many loop iterations (epochs x batches) on the book's models.
_XLA_MIN_ITERATIONS = 2500

# Batch-level hooks the engine cannot call: whole epochs run inside the graph.
_BATCH_HOOKS = (
    "on_batch_begin",
    "on_batch_end",
    "on_train_batch_begin",
    "on_train_batch_end",
    "on_test_batch_begin",
    "on_test_batch_end",
)


# --------------------------------------------------------------------------
# Callbacks of the engine's own
# --------------------------------------------------------------------------


class CaptureWeights(keras.callbacks.Callback):
    """Record the model's weights at the end of chosen epochs.

    The snapshot, horizontal-voting and weight-averaging ensembles need the
    weights of particular epochs. This callback copies them with
    ``model.get_weights()`` at the end of each epoch in ``epochs`` (0-based,
    as in ``on_epoch_end``). It works under ``model.fit`` and under
    :func:`fit`, which ends its compiled chunks exactly at those epochs, so
    recording costs nothing in between.

    Parameters
    ----------
    epochs : iterable of int
        The 0-based epochs after which to record the weights.

    Attributes
    ----------
    weights : dict of int to list of ndarray
        The recorded weights, keyed by epoch.

    Examples
    --------
    >>> capture = CaptureWeights(epochs=[9, 19])
    >>> sorted(capture.epochs)
    [9, 19]
    """

    def __init__(self, epochs: Iterable[int]) -> None:
        super().__init__()
        epochs = list(epochs)
        for epoch in epochs:
            check_int(epoch, "epochs", "CaptureWeights", min_value=0)
        self.epochs = frozenset(int(e) for e in epochs)
        self.weights: dict[int, list[np.ndarray]] = {}

    def on_train_begin(self, logs: dict | None = None) -> None:
        # Allow instances to be re-used.
        self.weights = {}

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        if epoch in self.epochs:
            self.weights[epoch] = self.model.get_weights()


class _ProgressBar(keras.callbacks.Callback):
    """A tqdm bar over epochs that shows the latest logs; reads logs only."""

    def __init__(self, epochs: int, description: str) -> None:
        super().__init__()
        self._epochs = epochs
        self._description = description
        self._bar = None

    def on_train_begin(self, logs: dict | None = None) -> None:
        # The text bar, not the notebook widget: a saved notebook then shows the
        # final state of the bar (a widget saves only its first frame), and it
        # prints to stdout like Keras's own progress bar. delay: runs shorter
        # than a second never show a bar.
        self._bar = tqdm(
            total=self._epochs,
            desc=self._description,
            unit="epoch",
            delay=1.0,
            file=sys.stdout,
            dynamic_ncols=False,
            ncols=100,
        )

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        self.advance(1, logs)

    def advance(self, count: int, logs: dict | None) -> None:
        """Move the bar by ``count`` epochs and show the latest logs."""
        if logs:
            shown = {k: f"{v:.4g}" for k, v in logs.items() if k != "learning_rate"}
            self._bar.set_postfix(shown, refresh=False)
        self._bar.update(count)

    def on_train_end(self, logs: dict | None = None) -> None:
        self._bar.close()


def _is_passive(callback: keras.callbacks.Callback) -> bool:
    """True for callbacks that only read the logs, so replay after a chunk is exact."""
    return isinstance(callback, (keras.callbacks.History, _ProgressBar))


def _check_callbacks(callbacks: Sequence[Any], func: str) -> list:
    callbacks = list(callbacks or ())
    for cb in callbacks:
        if not isinstance(cb, keras.callbacks.Callback):
            raise ValueError(
                f"The 'callbacks' parameter of {func} must be a list of "
                f"keras.callbacks.Callback instances. Got {cb!r} in it. "
                "Did you pass the class instead of an instance, e.g. "
                "EarlyStopping instead of EarlyStopping(patience=10)?"
            )
        if isinstance(cb, keras.callbacks.ProgbarLogger):
            raise ValueError(
                f"{func} draws its own progress bar: remove ProgbarLogger from "
                "'callbacks' and pass verbose=1 (or verbose=0 for silence)."
            )
        if isinstance(cb, keras.callbacks.ModelCheckpoint) and cb.save_freq != "epoch":
            raise ValueError(
                f"{func} runs whole epochs in a compiled loop, so "
                "ModelCheckpoint can only save per epoch. Pass "
                "save_freq='epoch' (the default), or train with model.fit."
            )
        if isinstance(cb, keras.callbacks.ModelCheckpoint):
            continue  # its batch hook is a no-op when save_freq="epoch"
        for hook in _BATCH_HOOKS:
            overridden = hook in vars(cb) or getattr(type(cb), hook) is not getattr(
                keras.callbacks.Callback, hook
            )
            if overridden:
                raise ValueError(
                    f"The callback {type(cb).__name__} defines {hook}(), but "
                    f"{func} runs whole epochs inside a compiled loop and "
                    "calls only the train and epoch hooks. Move the work to "
                    "on_epoch_end(), or train this model with model.fit."
                )
    return callbacks


# --------------------------------------------------------------------------
# Input checks
# --------------------------------------------------------------------------


def _check_model(model: Any, func: str) -> keras.Model:
    if not isinstance(model, keras.Model):
        hint = ""
        if callable(model):
            hint = " Did you pass the function that builds it? Call it first."
        raise ValueError(
            f"The 'model' parameter of {func} must be a compiled keras.Model. "
            f"Got {type(model).__name__} instead.{hint}"
        )
    if not getattr(model, "compiled", False) or model.optimizer is None:
        raise ValueError(
            f"The model passed to {func} is not compiled. Call "
            "model.compile(loss=..., optimizer=..., metrics=[...]) first."
        )
    return model


def _as_tensors(data: Any, name: str, func: str) -> Any:
    """Arrays (or a list/tuple/dict of arrays) as tensors; floats as float32."""

    def convert(array: Any) -> tf.Tensor:
        array = np.asarray(array)
        if array.dtype == object:
            raise ValueError(
                f"The {name!r} parameter of {func} must hold numbers. Got an "
                "array of Python objects; convert it with np.asarray(..., "
                "dtype='float32')."
            )
        if array.ndim == 0:
            raise ValueError(
                f"The {name!r} parameter of {func} must be an array with one "
                f"row per example. Got a scalar {array!r} instead."
            )
        if np.issubdtype(array.dtype, np.floating) or array.dtype == bool:
            array = array.astype("float32")
        return tf.constant(array)

    return tf.nest.map_structure(convert, data)


def _n_rows(data: Any) -> int:
    sizes = {int(t.shape[0]) for t in tf.nest.flatten(data)}
    if len(sizes) != 1:
        raise ValueError(
            f"All input arrays must have the same number of rows. Got {sorted(sizes)}."
        )
    return sizes.pop()


def _check_data(x: Any, y: Any, validation_data: Any, func: str):
    x = _as_tensors(x, "x", func)
    y = _as_tensors(y, "y", func)
    n = _n_rows(x)
    if _n_rows(y) != n:
        raise ValueError(
            f"x and y passed to {func} must have the same number of rows. "
            f"Got {n} rows in x and {_n_rows(y)} in y."
        )
    if n == 0:
        raise ValueError(f"The training data passed to {func} is empty.")
    val = None
    if validation_data is not None:
        if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
            raise ValueError(
                f"The 'validation_data' parameter of {func} must be a tuple "
                f"(x_val, y_val). Got {type(validation_data).__name__} instead."
            )
        x_val = _as_tensors(validation_data[0], "validation_data[0]", func)
        y_val = _as_tensors(validation_data[1], "validation_data[1]", func)
        for label, train_part, val_part in (("x", x, x_val), ("y", y, y_val)):
            train_shapes = [t.shape[1:] for t in tf.nest.flatten(train_part)]
            val_shapes = [t.shape[1:] for t in tf.nest.flatten(val_part)]
            if train_shapes != val_shapes:
                raise ValueError(
                    f"The validation {label} passed to {func} has rows of shape "
                    f"{[tuple(s) for s in val_shapes]}, but the training {label} "
                    f"has rows of shape {[tuple(s) for s in train_shapes]}. "
                    "Pass validation data prepared like the training data "
                    "(same features, same target encoding, e.g. one-hot)."
                )
        if _n_rows(x_val) != _n_rows(y_val):
            raise ValueError(
                f"validation_data passed to {func} has {_n_rows(x_val)} rows in "
                f"x_val but {_n_rows(y_val)} in y_val."
            )
        val = (x_val, y_val)
    return x, y, n, val


def _default_seed(seed: int | None, func: str) -> int:
    if seed is None:
        # Drawn from NumPy's global stream, which set_seed() seeds.
        return int(np.random.randint(0, 2**31 - 1))  # noqa: NPY002
    return check_int(seed, "seed", func, min_value=0)


def _build(model: keras.Model, x: Any, y: Any, batch_size: int) -> None:
    """Create the model's, metrics' and optimizer's variables, as fit does."""
    batch = tf.nest.map_structure(lambda t: t[:batch_size], (x, y))
    # The same symbolic build model.fit performs before tracing its step.
    model._symbolic_build(data_batch=batch)


def _mix(z: tf.Tensor) -> tf.Tensor:
    """SplitMix64's finalizer: a cheap, well-mixed hash of uint64 values."""
    for shift, factor in ((30, 0xBF58476D1CE4E5B9), (27, 0x94D049BB133111EB)):
        z = tf.bitwise.bitwise_xor(
            z, tf.bitwise.right_shift(z, tf.constant(shift, tf.uint64))
        )
        z = z * tf.constant(factor, tf.uint64)
    return tf.bitwise.bitwise_xor(
        z, tf.bitwise.right_shift(z, tf.constant(31, tf.uint64))
    )


def _epoch_orders(
    n: int, seeds: tf.Tensor, epoch: tf.Tensor, shuffle: bool
) -> tf.Tensor:
    """The order of the training rows in one epoch, one row per seed.

    A permutation of ``range(n)`` keyed by (seed, epoch): the rows sorted by a
    hash of (seed, epoch, row). It is one elementwise pass and one sort for all
    seeds, compiles with XLA (TensorFlow's stateless shuffles do not), and
    gives model ``i`` of :func:`fit_many` the order :func:`fit` gives with
    the same seed.
    """
    if not shuffle:
        return tf.tile(tf.range(n)[None, :], [tf.shape(seeds)[0], 1])
    golden = tf.constant(0x9E3779B97F4A7C15, tf.uint64)
    key = _mix(tf.cast(seeds, tf.uint64)[:, None] * golden + tf.cast(epoch, tf.uint64))
    key = _mix(key + tf.cast(tf.range(n), tf.uint64)[None, :])
    return tf.argsort(tf.bitcast(key, tf.int64), axis=1, stable=True)


def _take(data: Any, idx: tf.Tensor) -> Any:
    return tf.nest.map_structure(lambda t: tf.gather(t, idx), data)


def _as_float(value: Any) -> tf.Tensor:
    return tf.cast(tf.reshape(value, []), tf.float32)


# --------------------------------------------------------------------------
# The per-epoch driver shared by fit and fit_many
# --------------------------------------------------------------------------


def _plan_chunks(
    epochs: int, callbacks: Sequence[keras.callbacks.Callback], max_chunk: int
) -> tuple[set[int], int]:
    """Epochs after which the model must be live, and the chunk length."""
    needed: set[int] = set()
    for cb in callbacks:
        if _is_passive(cb):
            continue
        if isinstance(cb, CaptureWeights):
            needed |= {e for e in cb.epochs if e < epochs}
        else:
            return set(range(epochs)), 1
    return needed, max(1, min(max_chunk, epochs))


def _run_epochs(
    epochs: int,
    run_chunk: Callable[[int, int], np.ndarray],
    log_keys: list[str],
    callback_lists: Sequence[keras.callbacks.CallbackList],
    models: Sequence[keras.Model],
    needed: set[int],
    chunk: int,
    before_live: Callable[[], None],
    after_live: Callable[[], None],
) -> list[dict | None]:
    """Run the epochs in chunks, calling each model's callbacks in fit's order.

    ``run_chunk(start, count)`` trains ``count`` epochs and returns their logs
    as an array of shape (n_models, count, len(log_keys)). With ``chunk == 1``
    every epoch is live: the callbacks run through Keras's ``CallbackList``
    with the model's current weights. Otherwise the chunk's logs are replayed
    to the passive callbacks afterwards (see :func:`_replay`).
    """
    last_logs: list[dict | None] = [None] * len(models)
    for model in models:
        model.stop_training = False
    for cbl in callback_lists:
        cbl.on_train_begin()
    live = chunk == 1
    epoch = 0
    while epoch < epochs and not all(m.stop_training for m in models):
        end = min(epochs, epoch + chunk)
        later = [e for e in needed if epoch <= e < end - 1]
        if later:
            end = min(later) + 1
        if live:
            # Callbacks may change weights or the learning rate at epoch begin.
            for cbl in callback_lists:
                cbl.on_epoch_begin(epoch)
            before_live()
        rows = run_chunk(epoch, end - epoch)
        if live or (end - 1) in needed:
            after_live()
        for i, (model, cbl) in enumerate(zip(models, callback_lists, strict=True)):
            if model.stop_training:
                continue
            logs = dict(zip(log_keys, rows[i, -1].tolist(), strict=True))
            if live:
                cbl.on_epoch_end(epoch, logs)
            else:
                _replay(cbl, epoch, rows[i], log_keys, logs)
            last_logs[i] = logs
        epoch = end
    return last_logs


def _replay(
    cbl: keras.callbacks.CallbackList,
    start: int,
    rows: np.ndarray,
    log_keys: list[str],
    last: dict[str, float],
) -> None:
    """Give a finished chunk's epochs to callbacks that only read the logs.

    Only ``History``, the progress bar and :class:`CaptureWeights` run in
    chunks (:func:`_plan_chunks` makes every other callback live), so each gets
    the chunk in one call: far cheaper than a ``CallbackList`` call per epoch
    when 30 models train for 4,000 epochs.
    """
    count = len(rows)
    end = start + count
    for cb in cbl.callbacks:
        if isinstance(cb, keras.callbacks.History):
            cb.epoch.extend(range(start, end))
            for j, key in enumerate(log_keys):
                cb.history.setdefault(key, []).extend(rows[:, j].tolist())
        elif isinstance(cb, _ProgressBar):
            cb.advance(count, last)
        elif isinstance(cb, CaptureWeights):
            # The chunk ends at a capture epoch, with the model live there.
            if end - 1 in cb.epochs:
                cb.on_epoch_end(end - 1, last)
        else:  # pragma: no cover - _plan_chunks makes such callbacks live
            raise RuntimeError(f"{type(cb).__name__} cannot be replayed")


# --------------------------------------------------------------------------
# fit: one model, Keras's own train_step in a compiled loop
# --------------------------------------------------------------------------


def fit(
    model: keras.Model,
    x: Any,
    y: Any,
    *,
    epochs: int,
    batch_size: int = 32,
    validation_data: tuple[Any, Any] | None = None,
    shuffle: bool = True,
    callbacks: Sequence[keras.callbacks.Callback] = (),
    seed: int | None = None,
    verbose: int = 1,
    jit_compile: bool = False,
) -> keras.callbacks.History:
    """Train a compiled Keras model like ``model.fit``, many times faster.

    Runs Keras's own ``model.train_step`` (and ``model.test_step`` for the
    validation data) inside one compiled ``tf.function`` per chunk of epochs,
    so that Python and ``tf.data`` are out of the loop. The history means what
    ``model.fit`` gives: the epoch-mean training loss and metrics, and the
    end-of-epoch validation loss and metrics.

    Parameters
    ----------
    model : keras.Model
        A compiled model. It is trained in place.
    x, y : array-like, or list/tuple/dict of array-like for x
        The training data, one row per example.
    epochs : int
        Number of passes over the training data.
    batch_size : int, default=32
        Examples per gradient step; the last batch of an epoch holds the rest,
        as in Keras.
    validation_data : tuple of (x_val, y_val), default=None
        Data scored at the end of every epoch (``val_`` keys in the history).
    shuffle : bool, default=True
        Shuffle the training rows every epoch, with a stream set by ``seed``.
    callbacks : sequence of keras.callbacks.Callback, default=()
        Callbacks, called with ``model.fit``'s order and meaning. Epoch and
        train hooks are supported; batch hooks are not (a clear error says so).
    seed : int, default=None
        Seed of the shuffling stream; None draws one from NumPy's global
        stream, which :func:`~bdl_helpers.set_seed` seeds.
    verbose : int, default=1
        1 shows a progress bar for runs longer than a second, 0 is silent.
    jit_compile : bool, default=False
        Compile the loop with XLA. Faster per call, slower to compile.

    Returns
    -------
    history : keras.callbacks.History
        ``history.history`` maps each key (``loss``, ``accuracy``,
        ``val_loss``, ...) to a list with one float per epoch.

    See Also
    --------
    fit_many : train several models of one architecture together.
    repeat : train ``n`` seeded copies of a model and score them.

    Notes
    -----
    Used by every chapter notebook. ``model.fit`` and this function give the
    same weights and history for the same data order (``shuffle=False``), up
    to float rounding; the validation data is scored in one batch, which
    gives the same mean loss and metrics as Keras's batches of 32.

    Examples
    --------
    >>> import keras
    >>> from bdl_helpers import fit, load_dataset
    >>> data = load_dataset("blobs", one_hot=True)
    >>> model = keras.Sequential(
    ...     [keras.Input((2,)), keras.layers.Dense(3, activation="softmax")]
    ... )
    >>> model.compile(
    ...     loss="categorical_crossentropy", optimizer="sgd", metrics=["accuracy"]
    ... )
    >>> history = fit(model, data.x_train, data.y_train, epochs=5,
    ...               validation_data=data.test, seed=1, verbose=0)
    >>> sorted(history.history)
    ['accuracy', 'loss', 'val_accuracy', 'val_loss']
    >>> len(history.history["loss"])
    5
    """
    func = "fit"
    model = _check_model(model, func)
    epochs = check_int(epochs, "epochs", func, min_value=0)
    batch_size = check_int(batch_size, "batch_size", func, min_value=1)
    callbacks = _check_callbacks(callbacks, func)
    seed = _default_seed(seed, func)
    x, y, n, val = _check_data(x, y, validation_data, func)
    _build(model, x, y, batch_size)

    history = keras.callbacks.History()
    extra = [_ProgressBar(epochs, "fit")] if verbose else []
    steps = math.ceil(n / batch_size)
    cbl = keras.callbacks.CallbackList(
        [*callbacks, *extra, history],
        model=model,
        epochs=epochs,
        steps=steps,
        verbose=0,
    )
    needed, chunk = _plan_chunks(epochs, callbacks, _MAX_CHUNK)
    keys = list(model.get_metrics_result().keys())
    run = _compile_single(
        model, x, y, n, val, batch_size, shuffle, seed, keys, chunk, jit_compile
    )

    def run_chunk(start: int, count: int) -> np.ndarray:
        out = run(tf.constant(start, tf.int32), tf.constant(count, tf.int32))
        return out.numpy()[None, :count]

    last = _run_epochs(
        epochs,
        run_chunk,
        _log_keys(keys, val is not None),
        [cbl],
        [model],
        needed,
        chunk,
        before_live=lambda: None,
        after_live=lambda: None,
    )
    if epochs > 0:
        model.optimizer.finalize_variable_values(model.trainable_weights)
    cbl.on_train_end(logs=last[0])
    model.history = history
    return history


def _is_xla_failure(error: Exception) -> bool:
    """True for the errors TensorFlow raises when XLA cannot compile a graph."""
    text = str(error)
    return "XLA" in text or "tf2xla" in text or "compile-time constant" in text


def _log_keys(keys: list[str], with_val: bool) -> list[str]:
    """The history keys in fit's order: the metrics, then their ``val_`` twins."""
    return keys + ([f"val_{k}" for k in keys] if with_val else [])


def _compile_single(
    model, x, y, n, val, batch_size, shuffle, seed, keys, chunk, jit_compile
):
    n_full, rest = divmod(n, batch_size)
    width = len(keys) * (2 if val is not None else 1)

    def epoch_logs() -> list[tf.Tensor]:
        results = model.get_metrics_result()
        return [_as_float(results[k]) for k in keys]

    @tf.function(jit_compile=jit_compile, autograph=True)
    def run(start: tf.Tensor, count: tf.Tensor) -> tf.Tensor:
        out = tf.TensorArray(tf.float32, size=chunk, element_shape=[width])
        for i in tf.range(count):
            order = _epoch_orders(n, tf.constant([seed]), start + i, shuffle)[0]
            model.reset_metrics()
            if n_full:  # a Python test: XLA compiles even a loop that never runs
                for step in tf.range(n_full):
                    idx = tf.slice(order, [step * batch_size], [batch_size])
                    model.train_step((_take(x, idx), _take(y, idx)))
            if rest:
                idx = order[n_full * batch_size :]
                model.train_step((_take(x, idx), _take(y, idx)))
            row = epoch_logs()
            if val is not None:
                model.reset_metrics()
                model.test_step(val)
                row += epoch_logs()
            out = out.write(i, tf.stack(row))
        return out.stack()

    return run


# --------------------------------------------------------------------------
# fit_many: several models of one architecture, vectorized
# --------------------------------------------------------------------------


@contextmanager
def _stateless_optimizer(optimizer: keras.optimizers.Optimizer):
    """Let a TensorFlow-backend optimizer run Keras's stateless ``apply``.

    Keras's TensorFlow optimizer writes to its ``tf.Variable`` directly (for
    ``tf.distribute``), which bypasses ``StatelessScope``. Inside this block
    it uses the backend-neutral methods of ``BaseOptimizer`` instead, which
    write through the scope, as under the JAX backend.
    """
    from keras.src.optimizers import base_optimizer

    base = base_optimizer.BaseOptimizer
    tf_var_key = type(optimizer)._var_key

    def var_key(variable: Any) -> Any:
        # Key by the underlying tf.Variable, not by its value in the scope.
        if isinstance(variable, keras.Variable):
            variable = variable._value
        return tf_var_key(optimizer, variable)

    patched = {
        name: getattr(base, name).__get__(optimizer)
        for name in (
            "assign",
            "assign_add",
            "assign_sub",
            "_apply_weight_decay",
            "_backend_update_step",
        )
    }
    patched["_var_key"] = var_key
    for name, method in patched.items():
        setattr(optimizer, name, method)
    try:
        yield base.stateless_apply.__get__(optimizer)
    finally:
        for name in patched:
            delattr(optimizer, name)


def _signature(model: keras.Model) -> tuple:
    """What must agree between models trained in one vectorized graph."""

    def layer_config(layer: keras.layers.Layer) -> dict:
        config = dict(layer.get_config())
        config.pop("name", None)
        for key in ("seed",):
            config.pop(key, None)
        return {k: v for k, v in config.items() if not k.endswith("initializer")}

    optimizer_config = dict(model.optimizer.get_config())
    optimizer_config.pop("name", None)
    if not isinstance(
        model.optimizer._learning_rate, keras.optimizers.schedules.LearningRateSchedule
    ):
        optimizer_config.pop("learning_rate", None)  # a variable: may differ
    return (
        tuple(type(layer).__name__ for layer in model.layers),
        repr([layer_config(layer) for layer in model.layers]),
        tuple((tuple(v.shape), v.dtype) for v in model.trainable_variables),
        tuple((tuple(v.shape), v.dtype) for v in model.non_trainable_variables),
        type(model.optimizer).__name__,
        repr(sorted(optimizer_config.items())),
        repr(
            {
                k: v
                for k, v in (model.get_compile_config() or {}).items()
                if k != "optimizer"
            }
        ),
    )


class _Group:
    """The stacked state of several same-shaped models, and its compiled loop."""

    def __init__(
        self,
        models: list[keras.Model],
        x,
        y,
        n,
        val,
        batch_size,
        shuffle,
        seeds,
        rows,
        keys,
        chunk,
        jit_compile,
    ) -> None:
        self.models = models
        self.jit_compile = jit_compile
        template = models[0]
        self.template = template
        self.keys = keys
        self.with_val = val is not None
        self.parts = (
            lambda m: m.trainable_variables,
            lambda m: m.non_trainable_variables,
            lambda m: m.optimizer.variables,
            lambda m: m.metrics_variables,
        )
        self.stacked = [
            [
                tf.Variable(
                    tf.stack([tf.convert_to_tensor(v) for v in per_var]),
                    trainable=False,
                )
                for per_var in zip(*[part(m) for m in models], strict=True)
            ]
            for part in self.parts
        ]
        self.seeds = tf.constant(seeds, tf.int32)
        self.rows = None if rows is None else tf.constant(rows, tf.int32)
        n_rows = n if rows is None else rows.shape[1]
        self.run = self._compile(
            x, y, n_rows, val, batch_size, shuffle, chunk, jit_compile
        )

    # -- state transfer between the stacked variables and the models --------
    def to_models(self) -> None:
        for part, stacked in zip(self.parts, self.stacked, strict=True):
            for j, big in enumerate(stacked):
                values = big.numpy()
                for i, model in enumerate(self.models):
                    part(model)[j].assign(values[i])

    def from_models(self) -> None:
        for part, stacked in zip(self.parts, self.stacked, strict=True):
            for j, big in enumerate(stacked):
                big.assign(np.stack([np.asarray(part(m)[j]) for m in self.models]))

    # -- the vectorized step -------------------------------------------------
    def _compile(self, x, y, n_rows, val, batch_size, shuffle, chunk, jit_compile):
        template = self.template
        keys = self.keys
        n_full, rest = divmod(n_rows, batch_size)
        width = len(keys) * (2 if val is not None else 1)
        metric_vars = template.metrics_variables

        def forward(tv, ntv, mv, xb, yb, training):
            kwargs = {"training": training} if template._call_has_training_arg else {}
            y_pred, ntv, losses = template.stateless_call(
                tv, ntv, xb, return_losses=True, **kwargs
            )
            if losses:
                template._losses_override.clear()
                template._losses_override = losses
            loss, (_, ntv, mv) = template.stateless_compute_loss(
                tv, ntv, mv, x=xb, y=yb, y_pred=y_pred, training=training
            )
            if losses:
                template._losses_override.clear()
            return loss, y_pred, ntv, mv

        def update_metrics(mv, loss, xb, yb, y_pred):
            mapping = list(zip(metric_vars, mv, strict=True))
            with keras.StatelessScope(state_mapping=mapping) as scope:
                batch = tf.shape(tf.nest.flatten(xb)[0])[0]
                template._loss_tracker.update_state(loss, sample_weight=batch)
                template.compute_metrics(xb, yb, y_pred, None)
                results = template.get_metrics_result()
            new = []
            for v in metric_vars:
                value = scope.get_current_value(v)
                new.append(v.value if value is None else value)
            return new, [_as_float(results[k]) for k in keys]

        def train_step(state, xb, yb):
            tv, ntv, ov, mv = state
            with tf.GradientTape() as tape:
                tape.watch(tv)
                loss, y_pred, ntv, mv = forward(tv, ntv, mv, xb, yb, True)
                scaled = template.optimizer.scale_loss(loss)
            grads = tape.gradient(scaled, tv)
            with _stateless_optimizer(template.optimizer) as stateless_apply:
                tv, ov = stateless_apply(ov, grads, tv)
            mv, _ = update_metrics(mv, loss, xb, yb, y_pred)
            return [tv, ntv, ov, mv]

        def zeros(mv):
            return [tf.zeros_like(v) for v in mv]

        def metrics_row(mv):
            with keras.StatelessScope(
                state_mapping=list(zip(metric_vars, mv, strict=True))
            ):
                results = template.get_metrics_result()
            return tf.stack([_as_float(results[k]) for k in keys])

        def validate(tv, ntv, mv):
            loss, y_pred, _, mv = forward(tv, ntv, zeros(mv), val[0], val[1], False)
            mv, _ = update_metrics(mv, loss, val[0], val[1], y_pred)
            return metrics_row(mv)

        def step(state, orders, begin, size):
            idx = tf.slice(orders, [0, begin], [n_models, size])
            xb, yb = _take((x, y), idx)
            return tf.vectorized_map(lambda a: train_step(*a), (state, xb, yb))

        stacked = self.stacked
        seeds = self.seeds
        rows = self.rows
        n_models = len(self.models)

        @tf.function(jit_compile=jit_compile)
        def run(start: tf.Tensor, count: tf.Tensor) -> tf.Tensor:
            out = tf.TensorArray(
                tf.float32, size=chunk, element_shape=[n_models, width]
            )
            for i in tf.range(count):
                state = [[v.read_value() for v in part] for part in stacked]
                epoch = start + i
                orders = _epoch_orders(n_rows, seeds, epoch, shuffle)
                if rows is not None:
                    orders = tf.gather(rows, orders, batch_dims=1)
                state = [
                    state[0],
                    state[1],
                    state[2],
                    [tf.zeros_like(v) for v in state[3]],
                ]
                if n_full:
                    for b in tf.range(n_full):
                        state = step(state, orders, b * batch_size, batch_size)
                if rest:
                    state = step(state, orders, n_full * batch_size, rest)
                row = tf.vectorized_map(metrics_row, state[3])
                if val is not None:
                    val_row = tf.vectorized_map(
                        lambda a: validate(*a), (state[0], state[1], state[3])
                    )
                    row = tf.concat([row, val_row], axis=1)
                out = out.write(i, row)
                for part, values in zip(stacked, state, strict=True):
                    for variable, value in zip(part, values, strict=True):
                        variable.assign(value)
            return out.stack()

        return run


def fit_many(
    models: Sequence[keras.Model],
    x: Any,
    y: Any,
    *,
    epochs: int,
    batch_size: int = 32,
    validation_data: tuple[Any, Any] | None = None,
    shuffle: bool = True,
    callbacks: Callable[[int], Sequence[keras.callbacks.Callback]] | None = None,
    seeds: Sequence[int] | None = None,
    sample_indices: np.ndarray | None = None,
    verbose: int = 1,
    jit_compile: bool | str = "auto",
) -> list[keras.callbacks.History]:
    """Train several compiled models of one architecture together.

    The models are stacked and trained in one XLA-compiled graph, vectorized
    over the models, so 30 copies cost little more than one. Each model keeps
    its own weights, optimizer state, metrics, shuffling order and random
    streams (dropout, noise); their learning rates may differ, everything else
    about them must agree (layers, shapes, optimizer settings, loss, metrics).

    Parameters
    ----------
    models : sequence of keras.Model
        Compiled models with the same architecture and compile settings.
        They are trained in place.
    x, y : array-like
        The training data shared by all models.
    epochs, batch_size, validation_data, shuffle
        As in :func:`fit`.
    callbacks : callable, default=None
        ``callbacks(i)`` returns the callbacks of model ``i``. Supported:
        callbacks that only read the logs, and :class:`CaptureWeights`.
    seeds : sequence of int, default=None
        One shuffling seed per model; None draws them from NumPy's global
        stream.
    sample_indices : ndarray of shape (n_models, n_rows), default=None
        Rows of ``x`` and ``y`` that each model trains on (for example
        bootstrap samples); None means every row for every model.
    verbose : int, default=1
        1 shows a progress bar for runs longer than a second, 0 is silent.
    jit_compile : bool or "auto", default="auto"
        Compile the loop with XLA. XLA costs a few seconds to compile and then
        runs each step far faster, so it pays off on long runs; ``"auto"``
        uses it when the run has at least 2,500 loop iterations (epochs times
        batches per epoch), such as the 4,000-epoch listings of Part II, and
        not for 100 epochs of 16 batches.

    Returns
    -------
    histories : list of keras.callbacks.History
        One history per model, as :func:`fit` returns.

    Notes
    -----
    The step is Keras's stateless training step (``stateless_call``,
    ``stateless_compute_loss``, the optimizer's ``stateless_apply`` and the
    metrics in a ``StatelessScope``), the one Keras's JAX trainer runs, so
    regularization, constraints, clipping and schedules are Keras's own.
    Used by the chapters with repeats, grids and ensembles.
    """
    func = "fit_many"
    models = list(models)
    if not models:
        raise ValueError(
            f"The 'models' parameter of {func} must hold at least one model."
        )
    for model in models:
        _check_model(model, func)
    if len({id(m) for m in models}) != len(models):
        raise ValueError(f"The models passed to {func} must be distinct objects.")
    epochs = check_int(epochs, "epochs", func, min_value=0)
    batch_size = check_int(batch_size, "batch_size", func, min_value=1)
    x, y, n, val = _check_data(x, y, validation_data, func)
    if seeds is None:
        seeds = [_default_seed(None, func) for _ in models]
    seeds = [check_int(s, "seeds", func, min_value=0) for s in seeds]
    if len(seeds) != len(models):
        raise ValueError(
            f"fit_many needs one seed per model: got {len(seeds)} seeds for "
            f"{len(models)} models."
        )
    rows = None
    if sample_indices is not None:
        rows = np.asarray(sample_indices)
        if rows.ndim != 2 or rows.shape[0] != len(models):
            raise ValueError(
                "The 'sample_indices' parameter of fit_many must be an int array "
                f"of shape (n_models, n_rows) = ({len(models)}, n_rows). Got shape "
                f"{rows.shape} instead."
            )
        if rows.size and (rows.min() < 0 or rows.max() >= n):
            raise ValueError(
                f"sample_indices must index rows of x, in [0, {n - 1}]. Got values "
                f"from {rows.min()} to {rows.max()}."
            )
    per_model = [
        _check_callbacks(callbacks(i) if callbacks else (), func)
        for i in range(len(models))
    ]
    for cbs in per_model:
        for cb in cbs:
            if not (_is_passive(cb) or isinstance(cb, CaptureWeights)):
                raise ValueError(
                    f"fit_many trains the models together, so it supports only "
                    f"callbacks that read the logs and CaptureWeights. Got "
                    f"{type(cb).__name__}; train such a model with fit()."
                )

    for model in models:
        _build(model, x, y, batch_size)
    reference = _signature(models[0])
    for i, model in enumerate(models[1:], start=1):
        if _signature(model) != reference:
            raise ValueError(
                f"Model {i} passed to {func} differs from model 0 in its layers, "
                "shapes, optimizer settings (other than the learning rate), loss "
                "or metrics. fit_many trains copies of one architecture; train "
                "different models with separate fit() or fit_many() calls."
            )

    histories = [keras.callbacks.History() for _ in models]
    steps = math.ceil((n if rows is None else rows.shape[1]) / batch_size)
    if jit_compile == "auto":
        jit_compile = epochs * steps >= _XLA_MIN_ITERATIONS
    elif not isinstance(jit_compile, bool):
        raise ValueError(
            "The 'jit_compile' parameter of fit_many must be True, False or "
            f"'auto'. Got {jit_compile!r} instead."
        )
    progress = _ProgressBar(epochs, f"{len(models)} models") if verbose else None
    callback_lists = []
    for i, model in enumerate(models):
        extra = [progress] if (progress is not None and i == 0) else []
        callback_lists.append(
            keras.callbacks.CallbackList(
                [*per_model[i], *extra, histories[i]],
                model=model,
                epochs=epochs,
                steps=steps,
                verbose=0,
            )
        )
    needed = set()
    for cbs in per_model:
        needed |= _plan_chunks(epochs, cbs, _MAX_CHUNK)[0]
    chunk = max(1, min(_MAX_CHUNK, epochs))
    keys = list(models[0].get_metrics_result().keys())

    def make_group(xla: bool) -> _Group:
        return _Group(
            models,
            x,
            y,
            n,
            val,
            batch_size,
            shuffle,
            seeds,
            rows,
            keys,
            chunk,
            jit_compile=xla,
        )

    group = make_group(jit_compile)

    def run_chunk(start: int, count: int) -> np.ndarray:
        nonlocal group
        args = (tf.constant(start, tf.int32), tf.constant(count, tf.int32))
        try:
            out = group.run(*args)
        except (tf.errors.InvalidArgumentError, tf.errors.UnimplementedError) as error:
            if not (group.jit_compile and _is_xla_failure(error)):
                raise
            # XLA rejected an op before anything ran: same result, only slower.
            warnings.warn(
                "fit_many: XLA cannot compile this model "
                f"({str(error).splitlines()[0][:200]}); training without XLA.",
                RuntimeWarning,
                stacklevel=2,
            )
            group = make_group(False)
            out = group.run(*args)
        return np.swapaxes(out.numpy()[:count], 0, 1)  # (models, epochs, keys)

    last = _run_epochs(
        epochs,
        run_chunk,
        _log_keys(keys, val is not None),
        callback_lists,
        models,
        needed,
        chunk,
        before_live=group.from_models,
        after_live=group.to_models,
    )
    group.to_models()
    for model, cbl, logs in zip(models, callback_lists, last, strict=True):
        if epochs > 0:
            model.optimizer.finalize_variable_values(model.trainable_weights)
        cbl.on_train_end(logs=logs)
    for model, history in zip(models, histories, strict=True):
        model.history = history
    return histories


# --------------------------------------------------------------------------
# repeat: n seeded copies, scored
# --------------------------------------------------------------------------


@dataclass
class RepeatResult:
    """The outcome of :func:`repeat`.

    Attributes
    ----------
    scores : pandas.DataFrame
        One row per repeat: ``seed``, then ``train_<key>`` and ``test_<key>``
        for the loss and each compiled metric, evaluated after training.
    histories : list of keras.callbacks.History
        The per-epoch history of each repeat.
    models : list of keras.Model
        The trained models.
    """

    scores: pd.DataFrame
    histories: list = field(repr=False)
    models: list = field(repr=False)

    def summary(self) -> pd.DataFrame:
        """Mean, standard deviation, min and max of every score column."""
        return self.scores.drop(columns="seed").agg(["mean", "std", "min", "max"]).T


def repeat(
    build_model: Callable[[], keras.Model],
    n: int,
    x: Any,
    y: Any,
    *,
    epochs: int,
    batch_size: int = 32,
    validation_data: tuple[Any, Any] | None = None,
    test_data: tuple[Any, Any] | None = None,
    shuffle: bool = True,
    seed: int = 0,
    verbose: int = 1,
    jit_compile: bool | str = "auto",
) -> RepeatResult:
    """Train ``n`` independently seeded copies of a model and score them.

    ``build_model()`` is called ``n`` times, each after seeding Keras with
    ``seed + i``, so the copies start from different weights; each also
    shuffles with its own stream. They train together through
    :func:`fit_many`, then each is evaluated on the training data and on the
    test data.

    Parameters
    ----------
    build_model : callable
        Takes no argument and returns a compiled keras.Model.
    n : int
        Number of repeats, >= 1.
    x, y : array-like
        The training data.
    epochs, batch_size, shuffle, verbose, jit_compile
        As in :func:`fit_many`.
    validation_data : tuple of (x_val, y_val), default=None
        Scored every epoch (the histories' ``val_`` keys) and at the end.
    test_data : tuple of (x_test, y_test), default=None
        Scored only at the end, when per-epoch curves are not needed. Defaults
        to ``validation_data``.
    seed : int, default=0
        Repeat ``i`` uses seed ``seed + i``.

    Returns
    -------
    result : RepeatResult
        ``result.scores`` (a DataFrame, one row per repeat),
        ``result.histories`` and ``result.models``.

    Examples
    --------
    >>> import keras
    >>> from bdl_helpers import load_dataset, repeat
    >>> data = load_dataset("blobs", one_hot=True)
    >>> def build_model():
    ...     model = keras.Sequential([keras.Input((2,)),
    ...                               keras.layers.Dense(3, activation="softmax")])
    ...     model.compile(loss="categorical_crossentropy", optimizer="sgd",
    ...                   metrics=["accuracy"])
    ...     return model
    >>> result = repeat(build_model, 3, data.x_train, data.y_train, epochs=2,
    ...                 test_data=data.test, verbose=0)
    >>> list(result.scores.columns)
    ['seed', 'train_loss', 'train_accuracy', 'test_loss', 'test_accuracy']
    >>> len(result.scores)
    3
    """
    func = "repeat"
    if not callable(build_model) or isinstance(build_model, keras.Model):
        raise ValueError(
            f"The 'build_model' parameter of {func} must be a function that "
            f"returns a new compiled model. Got {type(build_model).__name__}; "
            "pass the function itself, e.g. repeat(build_model, 10, ...), "
            "not build_model()."
        )
    n = check_int(n, "n", func, min_value=1)
    seed = check_int(seed, "seed", func, min_value=0)
    models = []
    for i in range(n):
        keras.utils.set_random_seed(seed + i)
        model = build_model()
        if not isinstance(model, keras.Model):
            raise ValueError(
                f"build_model() must return a compiled keras.Model. It returned "
                f"{type(model).__name__}. Did you forget `return model`?"
            )
        models.append(model)
    histories = fit_many(
        models,
        x,
        y,
        epochs=epochs,
        batch_size=batch_size,
        validation_data=validation_data,
        shuffle=shuffle,
        seeds=[seed + i for i in range(n)],
        verbose=verbose,
        jit_compile=jit_compile,
    )
    test = test_data if test_data is not None else validation_data
    rows = []
    for i, model in enumerate(models):
        row: dict[str, float] = {"seed": seed + i}
        row.update(_evaluate(model, x, y, "train"))
        if test is not None:
            row.update(_evaluate(model, test[0], test[1], "test"))
        rows.append(row)
    scores = pd.DataFrame(rows)
    scores.index.name = "repeat"
    return RepeatResult(scores=scores, histories=histories, models=models)


def _evaluate(model: keras.Model, x: Any, y: Any, prefix: str) -> dict[str, float]:
    x, y, _, _ = _check_data(x, y, None, "repeat")
    model.reset_metrics()
    results = model.test_step((x, y))
    out = {f"{prefix}_{k}": float(v) for k, v in results.items()}
    model.reset_metrics()
    return out


def _register_bitcast_converter() -> None:
    """Teach tf.vectorized_map to batch ``tf.bitcast``.

    Keras's ``ops.argmax`` (inside ``CategoricalAccuracy``) calls ``signbit``,
    which bitcasts floats to integers. TensorFlow 2.21's ``vectorized_map`` has
    no converter for Bitcast and falls back to a loop over the models, which
    makes every softmax model in :func:`fit_many` pay per model. Bitcast acts
    on each element (or on the last axis), so the stacked input converts as is.
    """
    from tensorflow.python.ops.parallel_for import pfor

    if "Bitcast" in pfor._pfor_converter_registry:
        return

    @pfor.RegisterPFor("Bitcast")
    def _convert_bitcast(pfor_input):  # noqa: ANN001, ANN202 (TensorFlow's API)
        stacked = pfor_input.stacked_input(0)
        return pfor.wrap(tf.bitcast(stacked, pfor_input.get_attr("type")), True)


_register_bitcast_converter()


class _QuietEngineNotes(logging.Filter):
    """Drop two TensorFlow notes that the engine's design makes meaningless.

    - tf.vectorized_map notes that it loops over an op it cannot batch: the
      random ops of Dropout and GaussianNoise. The loop is correct, only slower.
    - tf.function warns about "retracing" when a notebook calls fit() several
      times: each call compiles its own loop on purpose, once.
    """

    _NOTES = ("Using a while_loop for converting", "triggered tf.function retracing")

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return not any(note in message for note in self._NOTES)


tf.get_logger().addFilter(_QuietEngineNotes())


def evaluate_splits(
    model: keras.Model, data: Any, *, metric: str = "accuracy"
) -> dict[str, float]:
    """Score a trained model on the training and the test split of a dataset.

    The book ends every case study with ``Train: 0.834, Test: 0.848``: the
    metric evaluated on each split after training (in inference mode, so not
    the epoch-mean training metric of the history). This returns both.

    Parameters
    ----------
    model : keras.Model
        A compiled, trained model.
    data : Dataset
        A :class:`~bdl_helpers.datasets.Dataset` (``data.train``, ``data.test``).
    metric : str, default="accuracy"
        A key of ``model.evaluate(..., return_dict=True)``: ``"loss"`` or a
        compiled metric.

    Returns
    -------
    scores : dict
        ``{"train": float, "test": float}``.

    Examples
    --------
    >>> import keras
    >>> from bdl_helpers import evaluate_splits, load_dataset
    >>> data = load_dataset("blobs", one_hot=True)
    >>> model = keras.Sequential(
    ...     [keras.Input((2,)), keras.layers.Dense(3, activation="softmax")]
    ... )
    >>> model.compile(loss="categorical_crossentropy", metrics=["accuracy"])
    >>> sorted(evaluate_splits(model, data))
    ['test', 'train']
    """
    _check_model(model, "evaluate_splits")
    scores = {}
    for split in ("train", "test"):
        results = model.evaluate(*getattr(data, split), verbose=0, return_dict=True)
        if metric not in results:
            raise ValueError(
                f"The 'metric' parameter of evaluate_splits must be one of "
                f"{sorted(results)} for this model. Got {metric!r} instead; "
                "compile the model with that metric, e.g. metrics=['accuracy']."
            )
        scores[split] = float(results[metric])
    return scores
