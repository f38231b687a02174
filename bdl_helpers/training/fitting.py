"""``fit`` and ``fit_many``: one driver that runs compiled chunks of epochs
and calls Keras callbacks around them, with ``model.fit``'s order and meaning."""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from typing import Any

from bdl_helpers import _env  # noqa: F401  (quiet TensorFlow before it loads)
from bdl_helpers._validation import (
    ArgumentError,
    check_compiled_model,
    check_int,
    check_list,
)
from bdl_helpers.training import settings, stack
from bdl_helpers.training.callbacks import (
    CaptureWeights,
    ProgressBar,
    check_callbacks,
    is_passive,
    replay,
)
from bdl_helpers.training.data import (
    check_data,
    check_indices,
    default_seed,
)
from bdl_helpers.training.groups import Groups, n_groups
from bdl_helpers.training.monitors import InLoopMonitors

import keras
import numpy as np
import tensorflow as tf

# jit_compile="auto" uses XLA when a run is long enough to pay for compiling
# it (2-3 s more than tracing alone), as measured in benchmarks/engine.py
# ("auto rule" rows). XLA saves about 0.1 ms per step of the compiled loop on
# the book's small models, whatever their number (it fuses the step's many
# small ops), so it pays from about 30,000 steps (epochs x batches); wide
# layers save much more per model (0.3-0.5 ms per step for Dense(500)), so
# there it pays from about 40,000 model-steps (models x steps). Deep narrow
# nets (15 layers of 5 units) gain nothing: XLA's small matrix products are
# slower, and their runs stay below 30,000 steps.
XLA_MIN_STEPS = 30_000
XLA_MIN_MODEL_STEPS = 40_000
XLA_WIDE_PARAMS = 1_000  # weights per model from which it counts as wide

# validation_models < n_models: a compiled loop that scores every model every
# epoch is used if one exists, rather than tracing and compiling one that
# scores fewer (2-3 s), up to this many model-epochs: scoring the 70 test rows
# of Part II's Dense(500) net costs 1.1 s per 120,000 (30 models, 4,000 epochs).
REUSE_SCORING_ALL = 250_000


def is_wide(model: keras.Model) -> bool:
    """True if ``model`` has enough weights to count as wide (see above)."""
    return model.count_params() >= XLA_WIDE_PARAMS


def use_xla(model: keras.Model, n_models: int, steps: int) -> bool:
    """The ``jit_compile="auto"`` decision: ``n_models`` copies of ``model``
    trained for ``steps`` steps (epochs x batches per epoch)."""
    if steps >= XLA_MIN_STEPS:
        return True
    return is_wide(model) and n_models * steps >= XLA_MIN_MODEL_STEPS


Callbacks = Sequence[keras.callbacks.Callback] | Callable[[int], Sequence[Any]] | None


def _check_model(model: Any, func: str) -> keras.Model:
    model = check_compiled_model(model, func)
    if model.optimizer is None:
        raise ArgumentError(
            f"The model passed to {func} is not compiled. Call "
            "model.compile(loss=..., optimizer=..., metrics=[...]) first."
        )
    if type(model).train_step is not keras.Model.train_step:
        raise ArgumentError(
            f"{func} runs Keras's standard training step, but "
            f"{type(model).__name__} overrides train_step(). Train it with "
            "model.fit(), or move the custom logic into the model's layers, "
            "loss or optimizer."
        )
    return model


def _check_jit(jit_compile: Any, func: str) -> bool | str:
    if jit_compile == "auto" or isinstance(jit_compile, bool):
        return jit_compile
    raise ArgumentError(
        f"The 'jit_compile' parameter of {func} must be True, False or 'auto'. "
        f"Got {jit_compile!r} instead."
    )


def _is_xla_failure(error: Exception) -> bool:
    """True for the errors TensorFlow raises when XLA cannot compile a graph."""
    text = str(error)
    return "XLA" in text or "tf2xla" in text or "compile-time constant" in text


def _check_validation_models(
    validation_models: Any, val: Any, per_model: list, func: str
) -> int:
    """How many models are scored on the validation data every epoch."""
    n_models = len(per_model)
    if validation_models is None:
        return n_models
    if val is None:
        raise ArgumentError(
            f"'validation_models' in {func} says how many models are scored on "
            "validation_data every epoch: pass validation_data=(x_val, y_val) too."
        )
    n_curves = check_int(validation_models, "validation_models", func, min_value=1)
    for i, cbs in enumerate(per_model[n_curves:], start=n_curves):
        for cb in cbs:
            if str(getattr(cb, "monitor", "")).startswith("val_"):
                raise ArgumentError(
                    f"Model {i}'s {type(cb).__name__} in {func} monitors "
                    f"{cb.monitor!r}, but validation_models={n_curves} scores only "
                    f"models 0 to {n_curves - 1} every epoch. Raise "
                    "validation_models, or leave it out to score every model."
                )
    return min(n_curves, n_models)


def _per_model_callbacks(callbacks: Callbacks, n_models: int, func: str) -> list:
    """Each model's own callbacks: a list for one model, or callbacks(i) for many."""
    if callbacks is None:
        return [[] for _ in range(n_models)]
    if callable(callbacks) and not isinstance(callbacks, keras.callbacks.Callback):
        lists = [check_callbacks(callbacks(i), func) for i in range(n_models)]
    elif n_models == 1:
        lists = [check_callbacks(callbacks, func)]
    else:
        raise ArgumentError(
            f"The 'callbacks' parameter of {func} must be a function that returns "
            "the callbacks of model i, e.g. callbacks=lambda i: "
            "[keras.callbacks.EarlyStopping(patience=200)]: every model needs its "
            "own callback objects, since a callback keeps state."
        )
    seen: dict[int, int] = {}
    for i, cbs in enumerate(lists):
        for cb in cbs:
            if id(cb) in seen and seen[id(cb)] != i:
                raise ArgumentError(
                    f"callbacks({i}) in {func} returned a callback object that "
                    f"callbacks({seen[id(cb)]}) returned too. Create new callback "
                    "objects inside the function, one set per model."
                )
            seen[id(cb)] = i
    return lists


def _log_keys(keys: list[str], with_val: bool) -> list[str]:
    """The history keys in fit's order: the metrics, then their ``val_`` twins."""
    return keys + ([f"val_{k}" for k in keys] if with_val else [])


def train(
    models: list[keras.Model],
    x: Any,
    y: Any,
    *,
    epochs: int,
    batch_size: int,
    validation_data: Any,
    shuffle: bool,
    callbacks: Callbacks,
    seeds: Sequence[int],
    rows: Any,
    validation_rows: Any,
    verbose: int,
    jit_compile: bool | str,
    func: str,
    description: str,
    validation_models: int | None = None,
) -> list[keras.callbacks.History]:
    """The engine behind :func:`fit` and :func:`fit_many` (arguments checked here)."""
    n_models = len(models)
    epochs = check_int(epochs, "epochs", func, min_value=0)
    batch_size = check_int(batch_size, "batch_size", func, min_value=1)
    verbose = check_int(verbose, "verbose", func, min_value=0)
    jit_compile = _check_jit(jit_compile, func)
    per_model = _per_model_callbacks(callbacks, n_models, func)
    x, y, n, val = check_data(x, y, validation_data, func)
    rows = check_indices(rows, "rows", func, n_models, n)
    if validation_rows is not None and val is None:
        raise ArgumentError(
            f"'validation_rows' in {func} selects rows of validation_data: pass "
            "validation_data=(x_val, y_val) too (it may be the training data)."
        )
    n_val = None if val is None else int(tf.nest.flatten(val[0])[0].shape[0])
    val_rows = check_indices(validation_rows, "validation_rows", func, n_models, n_val)
    n_curves = _check_validation_models(validation_models, val, per_model, func)
    if rows is None:
        rows = np.tile(np.arange(n, dtype="int32"), (n_models, 1))
    n_rows = rows.shape[1]

    batch = tf.nest.map_structure(lambda t: t[:batch_size], (x, y))
    reference = stack.build_all(models, batch)
    for i, model in enumerate(models[1:], start=1):
        if stack.signature(model) != reference:
            raise ArgumentError(
                f"Model {i} passed to {func} differs from model 0 in its layers, "
                "shapes, optimizer settings (other than the learning rate), loss "
                "or metrics, or a dropout rate, noise level or penalty factor is "
                "0 (or 1) in one and not in the other. fit_many trains copies of "
                "one architecture; train different models with separate fit() or "
                "fit_many() calls."
            )

    steps = math.ceil(n_rows / batch_size)
    if jit_compile == "auto":
        jit_compile = use_xla(models[0], n_models, epochs * steps)
    groups = Groups(
        n_models, n_groups(n_models, wide=is_wide(models[0]), jit_compile=jit_compile)
    )
    for cbs in per_model:
        for cb in cbs:
            late = [e for e in getattr(cb, "epochs", ()) if e >= epochs]
            if isinstance(cb, CaptureWeights) and late:
                raise ArgumentError(
                    f"CaptureWeights asks for the weights after epoch {min(late)}, "
                    f"but {func} trains only {epochs} epochs (0 to {epochs - 1}). "
                    "Capture epochs are 0-based: the last is epochs - 1."
                )
    metric_keys = list(models[0].get_metrics_result().keys())
    log_keys = _log_keys(metric_keys, val is not None)
    # EarlyStopping, best-only ModelCheckpoint and ReduceLROnPlateau (one of
    # each per model) are served inside the loop; any other callback that
    # acts on the model runs live, one epoch per compiled call.
    served = InLoopMonitors.serves(per_model, log_keys, models)
    live = any(
        not (is_passive(cb) or id(cb) in served) for cbs in per_model for cb in cbs
    )
    capture_epochs = set()
    if not live:
        for cbs in per_model:
            for cb in cbs:
                if isinstance(cb, CaptureWeights):
                    capture_epochs |= cb.epochs
    slot_of = {e: k for k, e in enumerate(sorted(capture_epochs))}

    histories = [keras.callbacks.History() for _ in models]
    callback_lists = [
        keras.callbacks.CallbackList(
            [*cbs, history], model=model, epochs=epochs, steps=steps, verbose=0
        )
        for model, cbs, history in zip(models, per_model, histories, strict=True)
    ]
    bar = ProgressBar(epochs, description) if verbose else None
    # The bar shows means over the models; val_ ones over those scored.
    scored = "model 0" if n_curves == 1 else f"models 0-{n_curves - 1}"
    bar_keys = [
        f"{key} ({scored})" if n_curves < n_models and key.startswith("val_") else key
        for key in log_keys
    ]

    program_args = dict(
        n_models=groups.size,
        x=x,
        y=y,
        n_rows=n_rows,
        batch_size=batch_size,
        shuffle=shuffle,
        val=val,
        val_per_model=val_rows is not None,
        n_slots=len(slot_of),
    )
    positions = stack.weight_positions(models[0])
    state = stack.stack_state(models)
    monitors = None
    if served and not live:
        monitors = InLoopMonitors(per_model, served, log_keys, state, positions)
        program_args["monitors"] = monitors.signature
    program_args["template_signature"] = reference
    if n_curves < n_models:
        # Every group runs one program: each scores its first models.
        program_args["val_models"] = min(n_curves, groups.size)
        program_args["reuse_wider"] = n_models * epochs <= REUSE_SCORING_ALL
    program, key = stack.train_program(
        models[0], jit_compile=jit_compile, **program_args
    )
    # Each model's history keys and their columns in the logs: the val_ ones
    # for the first n_curves models; ReduceLROnPlateau adds the learning rate.
    model_keys, model_columns = [], []
    for i in range(n_models):
        columns = list(range(len(log_keys) if i < n_curves else len(metric_keys)))
        if monitors and monitors.reduces_learning_rate(i):
            columns.append(len(log_keys))
        model_keys.append([[*log_keys, "learning_rate"][c] for c in columns])
        model_columns.append(columns)
    captures = (
        [
            tf.zeros((len(slot_of), *state[p][j].shape), state[p][j].dtype)
            for p, j in positions
        ]
        if slot_of
        else []
    )
    hp = tf.constant(settings.values(models))
    fixed = (
        x,
        y,
        val,
        tf.constant(rows),
        None if val_rows is None else tf.constant(val_rows),
        tf.constant(list(seeds), tf.int32),
    )

    def run_chunk(start: int, count: int):
        nonlocal program
        slots = np.full(stack.CHUNK, -1, "int32")
        for e in range(start, start + count):
            slots[e - start] = slot_of.get(e, -1)
        args = (
            state,
            hp,
            *fixed,
            tf.constant(active),
            tf.constant(slots),
            captures,
            *(([], [], []) if monitors is None else monitors.arguments),
            tf.constant(start, tf.int32),
            tf.constant(count, tf.int32),
        )

        def call():
            if groups.count == 1:
                return program(*args)
            return groups.run(program, args, stack.TRAIN_ARG_AXES, stack.TRAIN_OUT_AXES)

        try:
            return call()
        except (tf.errors.InvalidArgumentError, tf.errors.UnimplementedError) as error:
            if not (key[-1] and _is_xla_failure(error)):
                raise
            # XLA rejected an op before anything ran: same result, only slower.
            warnings.warn(
                f"{func}: XLA cannot compile this model "
                f"({str(error).splitlines()[0][:200]}); training without XLA.",
                RuntimeWarning,
                stacklevel=3,
            )
            program, _ = stack.train_program(
                models[0], jit_compile=False, **program_args
            )
            stack.replace_cached(key, program)
            return call()

    active = np.ones(n_models, bool)
    last_logs: list[dict | None] = [None] * n_models
    for model in models:
        model.stop_training = False
    for cbl in callback_lists:
        cbl.on_train_begin()
    if bar is not None:
        bar.on_train_begin()
    epoch = 0
    while epoch < epochs and active.any():
        count = 1 if live else min(stack.CHUNK, epochs - epoch)
        if live:
            # Callbacks may change weights or the learning rate at epoch begin.
            for i in np.flatnonzero(active):
                callback_lists[i].on_epoch_begin(epoch)
            state = stack.stack_state(models)
        state, logs, captures, now_active, monitor_state, kept = run_chunk(epoch, count)
        logs = np.swapaxes(logs.numpy()[:count], 0, 1)  # (models, epochs, keys)
        if n_curves < n_models:  # groups score their first models: drop extras
            logs = logs.copy()
            logs[n_curves:, :, len(metric_keys) : len(log_keys)] = np.nan
        if live:
            stack.unstack_state(models, state)
        if monitors is not None:
            monitors.update(monitor_state, kept)
        was_active = active.copy()
        for i in np.flatnonzero(was_active):
            run = count if monitors is None else monitors.epochs_run(i, epoch, count)
            keys = model_keys[i]
            rows_i = logs[i, :run][:, model_columns[i]]
            last = dict(zip(keys, rows_i[-1].tolist(), strict=True))
            if live:
                callback_lists[i].on_epoch_end(epoch, last)
                if models[i].stop_training:
                    active[i] = False
            else:
                replay(callback_lists[i], epoch, rows_i, keys, last)
            last_logs[i] = last
        if monitors is not None:
            active = now_active.numpy()
        if bar is not None:
            with warnings.catch_warnings():  # a diverged run: all-NaN logs
                warnings.simplefilter("ignore", RuntimeWarning)
                mean = np.nanmean(logs[was_active, -1, : len(log_keys)], axis=0)
            bar.advance(
                count,
                dict(zip(bar_keys, mean.tolist(), strict=True)),
                final=epoch + count >= epochs or not active.any(),
            )
        epoch += count

    if not live:
        stack.unstack_state(models, state)
    if monitors is not None:
        monitors.finish(models, state)
    if slot_of:
        buffers = [c.numpy() for c in captures]
        for i, cbs in enumerate(per_model):
            # A model that stopped early never reached its later epochs (as under
            # model.fit); its frozen weights were written there all the same.
            reached = len(histories[i].epoch)
            for cb in cbs:
                if isinstance(cb, CaptureWeights):
                    cb.weights = {
                        e: [b[slot_of[e], i] for b in buffers]
                        for e in sorted(cb.epochs)
                        if e in slot_of and e < reached
                    }
    if bar is not None:
        bar.on_train_end()
    for model, cbl, logs in zip(models, callback_lists, last_logs, strict=True):
        if epochs > 0:
            model.optimizer.finalize_variable_values(model.trainable_weights)
        cbl.on_train_end(logs=logs)
    for model, history in zip(models, histories, strict=True):
        model.history = history
    return histories


def fit(
    model: keras.Model,
    x: Any,
    y: Any,
    *,
    epochs: int,
    batch_size: int = 32,
    validation_data: tuple[Any, Any] | None = None,
    shuffle: bool = True,
    callbacks: Sequence[keras.callbacks.Callback] | None = None,
    seed: int | None = None,
    verbose: int = 1,
    jit_compile: bool | str = "auto",
) -> keras.callbacks.History:
    """Train a compiled Keras model like ``model.fit``, many times faster.

    Runs Keras's own training step (its stateless form: the model's layers,
    loss, metrics, regularization, constraints, clipping and schedules) inside
    one compiled ``tf.function`` per chunk of epochs, so that Python and
    ``tf.data`` are out of the loop. The history means what ``model.fit``
    gives: the epoch-mean training loss and metrics, and the end-of-epoch
    validation loss and metrics. A second call for a model of the same
    architecture, with data of the same shapes and the same settings, reuses
    the compiled loop.

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
    callbacks : sequence of keras.callbacks.Callback, default=None
        Callbacks, called with ``model.fit``'s order and meaning. Epoch and
        train hooks are supported; batch hooks are not (a clear error says so).
    seed : int, default=None
        Seed of the shuffling stream; None draws one from NumPy's global
        stream, which :func:`~bdl_helpers.set_seed` seeds.
    verbose : int, default=1
        1 shows a progress bar for runs longer than a second, 0 is silent.
    jit_compile : bool or "auto", default="auto"
        Compile the loop with XLA. ``"auto"`` decides by the amount of work,
        by a rule measured in ``benchmarks/engine.py``; leave it alone.

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
    Used by chapters 00-05, 07-08, 10 and 14-15. ``model.fit`` and this
    function give the same weights and history for the same data order
    (``shuffle=False``), up
    to float rounding; the validation data is scored in one batch, which
    gives the same mean loss and metrics as Keras's batches of 32. A model
    that overrides ``train_step`` is refused: train it with ``model.fit``.

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
    (history,) = train(
        [model],
        x,
        y,
        epochs=epochs,
        batch_size=batch_size,
        validation_data=validation_data,
        shuffle=shuffle,
        callbacks=callbacks,
        seeds=[default_seed(seed, func)],
        rows=None,
        validation_rows=None,
        verbose=verbose,
        jit_compile=jit_compile,
        func=func,
        description="fit",
    )
    return history


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
    seed: int | Sequence[int] | None = None,
    rows: Any = None,
    validation_rows: Any = None,
    verbose: int = 1,
    jit_compile: bool | str = "auto",
    seeds: Sequence[int] | None = None,
    sample_indices: Any = None,
    validation_models: int | None = None,
) -> list[keras.callbacks.History]:
    """Train several compiled models of one architecture together.

    The models are stacked and trained in one compiled graph, vectorized over
    the models, so 30 copies cost little more than one (many wide models
    under XLA train as a few such stacks side by side, one thread each: see
    ``groups.py``). Each model keeps its
    own weights, optimizer state, metrics, shuffling order, random streams
    (dropout, noise), training rows and callbacks. Their learning rates may
    differ, and so may the rates of ``Dropout`` layers, the ``stddev`` of
    ``GaussianNoise`` layers and the factors of ``L1``/``L2``/``L1L2``
    penalties (kept apart only where Keras itself tests the value: a rate or
    factor of 0 or 1); everything else about them must agree (layers, shapes,
    optimizer settings, loss, metrics). The same holds for reusing compiled
    loops: a grid over a dropout rate or a penalty factor traces one program.

    Parameters
    ----------
    models : sequence of keras.Model
        Compiled models with the same architecture and compile settings.
        They are trained in place.
    x, y : array-like
        The training data.
    epochs, batch_size, validation_data, shuffle, verbose, jit_compile
        As in :func:`fit`.
    callbacks : callable, default=None
        ``callbacks(i)`` returns the callbacks of model ``i`` (new objects for
        each model). Any epoch-level Keras callback works, as under
        ``model.fit``: ``EarlyStopping`` stops model ``i`` alone while the
        others go on. :class:`CaptureWeights` and callbacks that only read the
        logs cost nothing; others need the weights every epoch, which is
        slower for long runs.
    seed : int or sequence of int, default=None
        Shuffling seeds: an int gives model ``i`` the seed ``seed + i``, a
        sequence gives one seed per model, None draws them from NumPy's
        global stream.
    rows : array-like of shape (n_models, n_rows), default=None
        The rows of ``x`` and ``y`` that each model trains on, repetition
        allowed (a bootstrap sample, the training folds of a k-fold split);
        the same number for every model. None: every model trains on all rows.
    validation_rows : array-like of shape (n_models, n_val), default=None
        The rows of ``validation_data`` that each model is scored on every
        epoch (a held-out fold). None: all of them.
    validation_models : int, default=None
        Score ``validation_data`` every epoch for the first this many models
        only; the others' histories have no ``val_`` keys (so none of their
        callbacks may monitor one). None: every model. Scoring 70 rows each
        epoch costs about half of Part II's training step, so a run that
        draws one model's curves but compares all models' final scores saves
        that for the rest.
    seeds, sample_indices
        Older names of ``seed`` (a sequence) and ``rows``.

    Returns
    -------
    histories : list of keras.callbacks.History
        One history per model, as :func:`fit` returns.

    Notes
    -----
    Used by chapters 02, 04, 09-10 and 15. The step is
    Keras's stateless training step, the one its JAX trainer runs, so
    regularization, constraints, clipping and schedules are Keras's own.

    Examples
    --------
    >>> import keras
    >>> import numpy as np
    >>> from bdl_helpers import fit_many, load_dataset
    >>> data = load_dataset("blobs", one_hot=True)
    >>> def build(rate):
    ...     model = keras.Sequential(
    ...         [keras.Input((2,)), keras.layers.Dense(3, activation="softmax")])
    ...     model.compile(loss="categorical_crossentropy",
    ...                   optimizer=keras.optimizers.SGD(rate), metrics=["accuracy"])
    ...     return model
    >>> models = [build(rate) for rate in (0.1, 0.01)]
    >>> bootstrap = np.random.default_rng(0).integers(0, 500, size=(2, 500))
    >>> histories = fit_many(models, *data.train, epochs=3, rows=bootstrap,
    ...                      seed=0, verbose=0)
    >>> [len(h.history["loss"]) for h in histories]
    [3, 3]
    """
    func = "fit_many"
    models = check_list(models, "models", func, "a list of compiled keras models")
    if not models:
        raise ArgumentError(
            f"The 'models' parameter of {func} must hold at least one model."
        )
    for model in models:
        _check_model(model, func)
    if len({id(m) for m in models}) != len(models):
        raise ArgumentError(f"The models passed to {func} must be distinct objects.")
    if seeds is not None:
        if seed is not None:
            raise ArgumentError(f"Pass either 'seed' or 'seeds' to {func}, not both.")
        seed = list(seeds)
    if sample_indices is not None:
        if rows is not None:
            raise ArgumentError(f"Pass either 'rows' or 'sample_indices' to {func}.")
        rows = sample_indices
    if seed is None:
        seed_list = [default_seed(None, func) for _ in models]
    elif isinstance(seed, (int, np.integer)) and not isinstance(seed, bool):
        first = check_int(seed, "seed", func, min_value=0)
        seed_list = [first + i for i in range(len(models))]
    else:
        seed_list = [check_int(s, "seed", func, min_value=0) for s in seed]
        if len(seed_list) != len(models):
            raise ArgumentError(
                f"{func} needs one seed per model: got {len(seed_list)} seeds for "
                f"{len(models)} models."
            )
    return train(
        models,
        x,
        y,
        epochs=epochs,
        batch_size=batch_size,
        validation_data=validation_data,
        shuffle=shuffle,
        callbacks=callbacks,
        seeds=seed_list,
        rows=rows,
        validation_rows=validation_rows,
        verbose=verbose,
        jit_compile=jit_compile,
        func=func,
        description=f"{len(models)} models",
        validation_models=validation_models,
    )
