"""Several models of one architecture as one stacked state, and the compiled
programs that train, evaluate and predict on it.

A *program* is a ``tf.function`` built for one architecture (see
:func:`signature`), one data layout and one set of loop settings. It takes the
models' state (weights, optimizer state, metric state) and the data as
arguments and returns the new state, so it holds nothing of any particular
model: programs are cached, and a second call with the same architecture, data
shapes and settings reuses the compiled loop instead of tracing a new one,
even for a newly built model. Learning rates live in the optimizer's state, so
changing them needs no new trace either.

The step inside is Keras's stateless training step (``stateless_call``,
``stateless_compute_loss``, the optimizer's ``stateless_apply``, the metrics
in a ``StatelessScope``): the one Keras's JAX trainer runs. Several models are
trained at once with ``tf.vectorized_map`` over the stacked state.
"""

from __future__ import annotations

import types
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any

from bdl_helpers import _env  # noqa: F401  (quiet TensorFlow before it loads)
from bdl_helpers.training import _internals, settings
from bdl_helpers.training.data import as_float, epoch_orders, take

import keras
import numpy as np
import tensorflow as tf

# Epochs per compiled call when no callback needs the weights every epoch:
# long enough that call overhead vanishes, short enough for a live progress
# bar. Fixed, so that runs of any length share one compiled loop.
CHUNK = 250

# Rows per call when predicting or scoring large data (a 50,000-row holdout).
PREDICT_ROWS = 8192

# The models' state, in four parts that the programs take and return.
PARTS: tuple[Callable[[keras.Model], list], ...] = (
    lambda m: m.trainable_variables,
    lambda m: m.non_trainable_variables,
    lambda m: m.optimizer.variables,
    lambda m: m.metrics_variables,
)

# Compiled programs kept, most recently used first. Each holds its traced
# graphs (about 4 MiB in a chapter 00 kernel): 16 cover a grid, a widget's
# settings and the playground, and bound what a long notebook keeps (48 cost
# a chapter kernel up to 100 MiB more, against Binder's 2 GB).
_MAX_PROGRAMS = 16
_programs: OrderedDict[tuple, Any] = OrderedDict()


def clear_cache() -> None:
    """Forget every compiled program (they are rebuilt on the next call)."""
    _programs.clear()


# --------------------------------------------------------------------------
# State
# --------------------------------------------------------------------------


def stack_state(models: Sequence[keras.Model], parts: Sequence[int] = (0, 1, 2, 3)):
    """The chosen parts of the models' state, each variable stacked over models."""
    return [
        [
            tf.stack([tf.convert_to_tensor(v) for v in per_var])
            for per_var in zip(*[PARTS[p](m) for m in models], strict=True)
        ]
        for p in parts
    ]


def unstack_state(models: Sequence[keras.Model], state, parts=(0, 1, 2, 3)) -> None:
    """Write a stacked state back into the models' variables."""
    for p, stacked in zip(parts, state, strict=True):
        for j, big in enumerate(stacked):
            for model, value in zip(models, tf.unstack(big), strict=True):
                PARTS[p](model)[j].assign(value)


def weight_positions(model: keras.Model) -> list[tuple[int, int]]:
    """Where each of ``model.weights`` sits in the state: (part, index).

    ``model.get_weights()`` lists trainable and non-trainable weights in layer
    order; the state keeps them in two parts. Captured weights are returned in
    ``get_weights()`` order.
    """
    where = {}
    for p in (0, 1):
        for j, v in enumerate(PARTS[p](model)):
            where[id(v)] = (p, j)
    return [where[id(v)] for v in model.weights]


# --------------------------------------------------------------------------
# What must agree between models that share a program
# --------------------------------------------------------------------------


def _user_callables(obj: Any) -> list:
    """Functions defined outside Keras that a layer or model calls.

    Configs name a custom activation or loss by its name only; a notebook that
    redefines it must not reuse a loop traced with the old one.
    """
    found = []
    for value in vars(obj).values():
        if isinstance(value, types.FunctionType) and not value.__module__.startswith(
            ("keras", "tensorflow")
        ):
            found.append(value)
    return found


def _clean(config: Any, names: dict[str, int]) -> Any:
    """A config without names, seeds and initializers; layer names as indices."""
    if isinstance(config, dict):
        return {
            k: _clean(v, names)
            for k, v in config.items()
            if k not in ("name", "seed") and not k.endswith("initializer")
        }
    if isinstance(config, (list, tuple)):
        return [_clean(v, names) for v in config]
    if isinstance(config, str) and config in names:
        return f"#{names[config]}"
    return config


def _optimizer_config(optimizer: keras.optimizers.Optimizer) -> dict:
    """The optimizer's settings that shape its update, without its name.

    A learning rate held in a variable may differ between models; a schedule is
    part of the graph. A custom schedule need not define ``get_config`` (Keras
    asks for it only to save a model): then the schedule object itself is the
    key, so only optimizers holding that very schedule share a program (the
    cached program keeps it alive, so its ``id`` is not reused meanwhile).
    """
    learning_rate = optimizer._learning_rate
    schedule = _internals.has_schedule(optimizer)
    unserializable = False
    if schedule:
        try:
            learning_rate.get_config()
        except NotImplementedError:
            unserializable = True
    if unserializable:
        optimizer._learning_rate = 0.0  # a placeholder: get_config would raise
        try:
            config = dict(optimizer.get_config())
        finally:
            optimizer._learning_rate = learning_rate
        config["learning_rate"] = (type(learning_rate), id(learning_rate))
    else:
        config = dict(optimizer.get_config())
    config.pop("name", None)
    if not schedule:
        config.pop("learning_rate", None)  # a variable: may differ
    return config


def _compile_config(model: keras.Model) -> dict:
    """``model.get_compile_config()`` without the optimizer (keyed apart)."""
    config = getattr(model, "_compile_config", None)
    if not getattr(model, "compiled", False) or config is None:
        return {}
    rest = {k: v for k, v in config.config.items() if k != "optimizer"}
    return keras.saving.serialize_keras_object(rest)


def signature(model: keras.Model) -> tuple:
    """What must agree between models trained in one program (hashable).

    Layers (their classes, configs without names, seeds and initializers, and
    wiring), variable shapes, the optimizer's class and settings other than a
    learning rate held in a variable, the loss and the metrics. Models that
    agree on all of it can be trained together and can reuse each other's
    compiled loops.
    """
    names = {layer.name: i for i, layer in enumerate(model.layers)}
    try:
        with settings.neutral(model):  # per-model settings are arguments
            model_config = repr(_clean(model.get_config(), names))
    except NotImplementedError:
        model_config = id(model)  # a subclassed model: reuse its own loops only
    optimizer = getattr(model, "optimizer", None)  # None: built, not compiled
    optimizer_config = _optimizer_config(optimizer) if optimizer else {}
    compile_config = _compile_config(model)
    user = [f for layer in model.layers for f in _user_callables(layer)]
    user += [loss for loss in tf.nest.flatten(model.loss) if isinstance(loss, Callable)]
    return (
        type(model),
        tuple(type(layer) for layer in model.layers),
        model_config,
        tuple((tuple(v.shape), v.dtype) for v in model.trainable_variables),
        tuple((tuple(v.shape), v.dtype) for v in model.non_trainable_variables),
        type(optimizer),
        repr(sorted(optimizer_config.items())),
        repr(compile_config),
        tuple(user),
        type(model).train_step,
        settings.key(model),
    )


def spec(data: Any) -> tuple:
    """Shapes and dtypes of a structure of tensors (a hashable cache key)."""
    if data is None:
        return (None,)
    flat = tf.nest.flatten(data)
    structure = repr(tf.nest.map_structure(lambda _: 0, data))
    return (structure, tuple((tuple(t.shape), t.dtype.name) for t in flat))


def build_all(models: Sequence[keras.Model], batch: Any) -> tuple:
    """Create the models' variables as ``model.fit`` does (see
    ``_internals.symbolic_build_all``) and return the first one's
    :func:`signature`.

    A built model's signature holds through that build (which adds metric
    and optimizer variables, not layers), so it is computed once, and keys
    the build's reuse by a later copy of the architecture.
    """
    reference = signature(models[0]) if models[0].built else None
    key = None if reference is None else (reference, spec(batch))
    _internals.symbolic_build_all(list(models), batch, key=key)
    return signature(models[0]) if reference is None else reference


def _cached(key: tuple, build: Callable[[], Any]) -> Any:
    program = _programs.get(key)
    if program is None:
        program = build()
        _programs[key] = program
        while len(_programs) > _MAX_PROGRAMS:
            _programs.popitem(last=False)
    else:
        _programs.move_to_end(key)
    return program


def replace_cached(key: tuple, program: Any) -> None:
    """Store ``program`` under ``key`` (the no-XLA twin of one XLA rejected)."""
    _programs[key] = program


# --------------------------------------------------------------------------
# The stateless pieces, shared by every program of one template model
# --------------------------------------------------------------------------


class _Steps:
    """Keras's stateless forward pass, loss, metrics and update for a template."""

    def __init__(self, template: keras.Model) -> None:
        self.template = template

    @property
    def keys(self) -> list[str]:
        return list(self.template.get_metrics_result().keys())

    @property
    def metric_vars(self) -> list:
        return self.template.metrics_variables

    def forward(self, tv, ntv, mv, xb, yb, training: bool, hp):
        """Loss and outputs of one model; ``hp`` holds its settings (settings.py)."""
        model = self.template
        kwargs = _internals.call_kwargs(model, training)
        with settings.bound(model, hp):
            y_pred, ntv, losses = model.stateless_call(
                tv, ntv, xb, return_losses=True, **kwargs
            )
            with _internals.losses_override(model, losses):
                loss, (_, ntv, mv) = model.stateless_compute_loss(
                    tv, ntv, mv, x=xb, y=yb, y_pred=y_pred, training=training
                )
        return loss, y_pred, ntv, mv

    def update_metrics(self, mv, loss, xb, yb, y_pred):
        model = self.template
        with keras.StatelessScope(
            state_mapping=list(zip(self.metric_vars, mv, strict=True))
        ) as scope:
            batch = tf.shape(tf.nest.flatten(xb)[0])[0]
            _internals.loss_tracker(model).update_state(loss, sample_weight=batch)
            model.compute_metrics(xb, yb, y_pred, None)
        new = []
        for v in self.metric_vars:
            value = scope.get_current_value(v)
            new.append(v.value if value is None else value)
        return new

    def metrics_row(self, mv) -> tf.Tensor:
        with keras.StatelessScope(
            state_mapping=list(zip(self.metric_vars, mv, strict=True))
        ):
            results = self.template.get_metrics_result()
        return tf.stack([as_float(results[k]) for k in self.keys])

    def train_step(self, state, xb, yb, hp):
        tv, ntv, ov, mv = state
        with tf.GradientTape() as tape:
            tape.watch(tv)
            loss, y_pred, ntv, mv = self.forward(tv, ntv, mv, xb, yb, True, hp)
            scaled = self.template.optimizer.scale_loss(loss)
        grads = tape.gradient(scaled, tv)
        with _internals.stateless_optimizer(self.template.optimizer) as apply:
            tv, ov = apply(ov, grads, tv)
        mv = self.update_metrics(mv, loss, xb, yb, y_pred)
        return [tv, ntv, ov, mv]

    def accumulate(self, tv, ntv, mv, hp, xv, yv):
        """The metric state ``mv`` updated with one slice of data, as
        ``model.evaluate`` updates it batch after batch (inference mode)."""
        loss, y_pred, _, mv = self.forward(tv, ntv, mv, xv, yv, False, hp)
        return self.update_metrics(mv, loss, xv, yv, y_pred)

    def score(self, tv, ntv, mv, hp, xv, yv) -> tf.Tensor:
        """Loss and metrics on one dataset, from fresh metric state."""
        mv = [tf.zeros_like(v) for v in mv]
        return self.metrics_row(self.accumulate(tv, ntv, mv, hp, xv, yv))

    def predict(self, tv, ntv, xv):
        model = self.template
        y_pred, _ = model.stateless_call(
            tv, ntv, xv, **_internals.call_kwargs(model, False)
        )
        return y_pred


def _vmap(n_models: int, fn: Callable, args: Any, always: bool = False) -> Any:
    """``fn`` applied to each model's slice of ``args``, stacked again.

    One model needs no vectorization: its slice runs as is, unless ``always``
    (a model with random layers compiled with XLA: vectorized, it draws from
    the engine's hashed streams, 8x faster there than XLA's CPU Philox;
    without XLA, Philox is the faster one).
    """
    if n_models > 1:
        return tf.vectorized_map(lambda a: fn(*a), args)
    if always:
        # tf.vectorized_map treats a first dimension of 1 as loop-invariant
        # (broadcast), which would hand the random ops back to Philox; pfor
        # with a gather on the loop index keeps the one model's seed stacked.
        from tensorflow.python.ops.parallel_for import control_flow_ops

        return control_flow_ops.pfor(
            lambda i: fn(*tf.nest.map_structure(lambda t: tf.gather(t, i), args)), 1
        )
    # squeeze/expand_dims, not t[0]/t[None]: one op each instead of a strided
    # slice and its three constants, for every state tensor (a new loop of a
    # single small model traces 10-15% faster, the same numbers).
    out = fn(*tf.nest.map_structure(lambda t: tf.squeeze(t, 0), args))
    return tf.nest.map_structure(lambda t: tf.expand_dims(t, 0), out)


def has_random_layers(model: keras.Model) -> bool:
    """True if the model draws random numbers in training (Dropout, noise...).

    Such layers keep a ``SeedGenerator``, whose state is a non-trainable
    variable of the model.
    """
    return any(
        isinstance(value, keras.random.SeedGenerator)
        for layer in model._flatten_layers()
        for value in vars(layer).values()
    )


def _capture(captures: list, current: list, slot: tf.Tensor) -> list:
    """Write the current weights into the capture buffers at ``slot`` (if >= 0)."""

    def write():
        return [
            tf.tensor_scatter_nd_update(c, [[slot]], v[None])
            for c, v in zip(captures, current, strict=True)
        ]

    return tf.cond(slot >= 0, write, lambda: list(captures))


def _where(active: tf.Tensor, new: tf.Tensor, old: tf.Tensor) -> tf.Tensor:
    mask = tf.reshape(active, [-1] + [1] * (len(new.shape) - 1))
    return tf.where(mask, new, old)


# Monitors: the in-graph form of keras.callbacks.EarlyStopping, of
# ModelCheckpoint(save_best_only=True) and of ReduceLROnPlateau, one slot per
# kind, each model with its own settings and running state, as stacked
# tensors (see monitors.py).
# What a slot keeps of each model at its best epoch: nothing, the weights
# (EarlyStopping's restore_best_weights) or the state a saved model holds
# (ModelCheckpoint: weights and optimizer state).
KEEP_NOTHING, KEEP_WEIGHTS, KEEP_MODEL = "nothing", "weights", "model"


def _better(params: dict, a: tf.Tensor, b: tf.Tensor) -> tf.Tensor:
    """``a`` beats ``b`` in each model's direction (Keras's ``monitor_op``)."""
    return tf.where(params["maximize"], a > b, a < b)


def _improvement(params: dict, mon: dict, row: tf.Tensor, applicable: tf.Tensor):
    """Each model's monitored value (float64, as Keras compares the logged
    Python floats), that value less the signed ``min_delta``, and whether it
    improves on the best so far (Keras's ``_is_improvement``; the first value
    always does) where ``applicable``."""
    column = params["column"]
    current = tf.cast(
        tf.gather(row, tf.maximum(column, 0), axis=1, batch_dims=1), tf.float64
    )
    shifted = current - params["min_delta"]
    improved = applicable & (~mon["has_best"] | _better(params, shifted, mon["best"]))
    return current, shifted, improved


def _monitor(params: dict, mon: dict, row: tf.Tensor, epoch, active):
    """One epoch of ``EarlyStopping.on_epoch_end`` for every model, in the graph.

    Mirrors Keras 3.15's logic line by line (improvement = ``op(current -
    min_delta, best)`` with ``min_delta`` already signed as Keras signs it; the
    wait restarts only when the baseline is beaten too; no stop at epoch 0),
    in float64 as Keras compares the logged Python floats. ModelCheckpoint's
    ``save_best_only`` rule is the same with ``min_delta = 0``, a patience no
    run reaches, and its ``initial_value_threshold`` as the first best.
    Returns the new state, whether each model improved (its best is kept),
    and which models stop.
    """
    applicable = active & (params["column"] >= 0) & (epoch >= params["start"])
    wait = tf.where(applicable, mon["wait"] + 1, mon["wait"])
    current, shifted, improved = _improvement(params, mon, row, applicable)
    baseline = params["baseline"]
    beats_baseline = tf.math.is_nan(baseline) | _better(params, shifted, baseline)
    wait = tf.where(improved & beats_baseline, tf.zeros_like(wait), wait)
    stops = applicable & ~improved & (wait >= params["patience"]) & (epoch > 0)
    new = {
        "best": tf.where(improved, current, mon["best"]),
        "has_best": mon["has_best"] | improved,
        "best_epoch": tf.where(improved, epoch, mon["best_epoch"]),
        "wait": wait,
        "stopped": tf.where(stops, epoch, mon["stopped"]),
    }
    return new, improved, stops


def _plateau(params: dict, mon: dict, row: tf.Tensor, lr: tf.Tensor, active):
    """One epoch of ``ReduceLROnPlateau.on_epoch_end`` for every model.

    Keras 3.15's logic line by line: a cooldown epoch counts down and clears
    the wait; an improvement (as :func:`_monitor` judges it) resets the wait;
    otherwise, out of cooldown, the wait grows, and at ``patience`` a learning
    rate above ``float32(min_lr)`` becomes ``max(lr * factor, min_lr)``
    (computed in float64 from the float32 rate, as Keras does with Python
    floats), the cooldown starts and the wait clears. Returns the new state
    and the models' learning rates ``lr`` (shape (n_models,)) after it.
    """
    applicable = active & (params["column"] >= 0)
    cooling = applicable & (mon["cooldown"] > 0)
    cooldown = tf.where(cooling, mon["cooldown"] - 1, mon["cooldown"])
    wait = tf.where(cooling, tf.zeros_like(mon["wait"]), mon["wait"])
    current, _, improved = _improvement(params, mon, row, applicable)
    wait = tf.where(improved, tf.zeros_like(wait), wait)
    counting = applicable & ~improved & (cooldown <= 0)
    wait = tf.where(counting, wait + 1, wait)
    reduce = (
        counting
        & (wait >= params["patience"])
        & (lr > tf.cast(params["min_lr"], lr.dtype))
    )
    lowered = tf.maximum(tf.cast(lr, tf.float64) * params["factor"], params["min_lr"])
    new = {
        "best": tf.where(improved, current, mon["best"]),
        "has_best": mon["has_best"] | improved,
        "wait": tf.where(reduce, tf.zeros_like(wait), wait),
        "cooldown": tf.where(reduce, params["cooldown"], cooldown),
    }
    return new, tf.where(reduce, tf.cast(lowered, lr.dtype), lr)


# --------------------------------------------------------------------------
# Programs
# --------------------------------------------------------------------------


# The model axis of each argument and result of a training program (None:
# shared by all models), to run its models in groups (see groups.py).
TRAIN_ARG_AXES = (0, 0, None, None, None, 0, 0, 0, 0, None, 1, 0, 0, 0, None, None)
TRAIN_OUT_AXES = (0, 1, 1, 0, 0, 0)


def train_program(
    template: keras.Model,
    *,
    n_models: int,
    x: Any,
    y: Any,
    n_rows: int,
    batch_size: int,
    shuffle: bool,
    val: Any,
    val_per_model: bool,
    n_slots: int,
    jit_compile: bool,
    monitors: tuple[tuple[str, str], ...] = (),
    template_signature: tuple | None = None,
    val_models: int | None = None,
    reuse_wider: bool = False,
) -> Callable:
    """The compiled loop that trains ``n_models`` stacked models for a chunk.

    ``run(state, hp, x, y, val, rows, val_rows, seeds, active, slots, captures,
    monitor_params, monitor_state, kept, start, count)`` (``hp``: the models'
    settings, one row each, see settings.py) trains ``count <=
    CHUNK`` epochs from epoch ``start`` and returns ``(state, logs, captures,
    active, monitor_state, kept)``: the new state, the epochs' logs of shape
    (CHUNK, n_models, n_keys), the capture buffers with the weights of every
    epoch whose ``slots`` entry is >= 0 written at that slot, and the
    monitors' outputs. Models whose ``active`` entry is False keep their
    state. ``monitors`` gives each monitor slot's kind (``"stop"``,
    ``"checkpoint"`` or ``"plateau"``) and what it keeps at a model's best
    epoch (``KEEP_*``); its ``monitor_*`` arguments and ``kept`` buffers are
    lists with one entry per slot (see :func:`_monitor` and
    :func:`_plateau`): ``kept[k]`` is empty, the weights in
    ``get_weights()`` order, or state parts 0-2. With a ``"plateau"`` slot
    the logs have one more column: each model's learning rate that epoch.
    ``template_signature``: ``signature(template)`` if the caller has it.
    ``val_models``: only the first this many models are scored on ``val``
    every epoch (None: all); the others' ``val_`` columns hold NaN, or, with
    ``reuse_wider`` and a cached program that scores every model, their
    scores (that program is returned instead of tracing a new one).
    """
    if val_models is not None and val_models >= n_models:
        val_models = None
    key = (
        signature(template) if template_signature is None else template_signature,
        "train",
        n_models,
        spec(x),
        spec(y),
        n_rows,
        batch_size,
        shuffle,
        spec(val),
        val_per_model,
        n_slots,
        monitors,
        val_models,
        jit_compile,  # last: the driver reads it from the key
    )
    wider = (*key[:-2], None, key[-1])
    if val_models is not None and reuse_wider and wider in _programs:
        _programs.move_to_end(wider)
        return _programs[wider], wider
    return _cached(
        key,
        lambda: _build_train(
            template,
            n_models,
            n_rows,
            batch_size,
            shuffle,
            val is not None,
            val_per_model,
            n_slots,
            jit_compile,
            monitors,
            val_models,
        ),
    ), key


def _build_train(
    template,
    n_models,
    n_rows,
    batch_size,
    shuffle,
    with_val,
    val_per_model,
    n_slots,
    jit_compile,
    monitors,
    val_models=None,
):
    steps = _Steps(template)
    plateau = any(kind == "plateau" for kind, _ in monitors)
    lr_index = _internals.learning_rate_index(template.optimizer) if plateau else None
    width = len(steps.keys) * (2 if with_val else 1) + plateau
    n_full, rest = divmod(n_rows, batch_size)
    positions = weight_positions(template)
    hashed = jit_compile and has_random_layers(template)

    def run(
        state,
        hp,
        x,
        y,
        val,
        rows,
        val_rows,
        seeds,
        active,
        slots,
        captures,
        monitor_params,
        monitor_state,
        kept,
        start,
        count,
    ):
        def step(s, orders, begin, size):
            idx = tf.slice(orders, [0, begin], [n_models, size])
            xb, yb = take((x, y), idx)
            return _vmap(n_models, steps.train_step, (s, xb, yb, hp), always=hashed)

        def validate(tv, ntv, mv):
            # Scoring costs about half a training step: with val_models, the
            # models whose curves nobody asked for skip it (their columns: NaN).
            scored = n_models if val_models is None else val_models
            first, rows_v = (tv, ntv, mv, hp), val_rows
            if scored < n_models:
                first = tf.nest.map_structure(lambda t: t[:scored], first)
                rows_v = None if val_rows is None else val_rows[:scored]
            if val_per_model:
                xv, yv = take(val, rows_v)
                scores = _vmap(scored, steps.score, (*first, xv, yv))
            else:
                scores = _vmap(
                    scored, lambda a, b, c, h: steps.score(a, b, c, h, *val), first
                )
            if scored == n_models:
                return scores
            rest = tf.fill([n_models - scored, len(steps.keys)], float("nan"))
            return tf.concat([scores, rest], axis=0)

        out = tf.TensorArray(tf.float32, size=CHUNK, element_shape=[n_models, width])
        # A while loop, not `for i in tf.range(count)`: XLA would take the
        # range's length as a compile-time constant and compile the program
        # again for every chunk length (a 100-epoch run after a 200-epoch one).
        i = tf.constant(0)
        while i < count:
            epoch = start + i
            order = epoch_orders(n_rows, seeds, epoch, shuffle, by_rank=jit_compile)
            orders = tf.gather(rows, order, batch_dims=1)
            s = [state[0], state[1], state[2], [tf.zeros_like(v) for v in state[3]]]
            if n_full:  # a Python test: XLA compiles even a loop that never runs
                for b in tf.range(n_full):
                    s = step(s, orders, b * batch_size, batch_size)
            if rest:
                s = step(s, orders, n_full * batch_size, rest)
            row = _vmap(n_models, steps.metrics_row, (s[3],))
            if with_val:
                row = tf.concat([row, validate(s[0], s[1], s[3])], axis=1)
            if plateau:  # the rate the epoch trained with, as Keras logs it
                learning_rate = tf.cast(s[2][lr_index], tf.float32)[:, None]
                row = tf.concat([row, learning_rate], axis=1)
            out = out.write(i, row)
            state = [
                [_where(active, new, old) for new, old in zip(ns, os, strict=True)]
                for ns, os in zip(s, state, strict=True)
            ]
            if n_slots:
                current = [state[p][j] for p, j in positions]
                captures = _capture(captures, current, slots[i])
            if monitors:
                # Every monitor sees the epoch (Keras calls all callbacks),
                # then the models that any of them stopped are frozen.
                # A checkpoint keeps the learning rate of before a plateau's
                # change in the same epoch (they coincide only when the two
                # watch different quantities).
                before, monitor_state, kept = active, list(monitor_state), list(kept)
                for k, (kind, keep) in enumerate(monitors):
                    if kind == "plateau":
                        continue
                    monitor_state[k], improved, stops = _monitor(
                        monitor_params[k], monitor_state[k], row, epoch, before
                    )
                    active = active & ~stops
                    if keep == KEEP_WEIGHTS:
                        kept[k] = [
                            _where(improved, state[p][j], b)
                            for (p, j), b in zip(positions, kept[k], strict=True)
                        ]
                    elif keep == KEEP_MODEL:
                        kept[k] = [
                            [
                                _where(improved, v, b)
                                for v, b in zip(vs, bs, strict=True)
                            ]
                            for vs, bs in zip(state[:3], kept[k], strict=True)
                        ]
                for k, (kind, _) in enumerate(monitors):
                    if kind != "plateau":
                        continue
                    monitor_state[k], rates = _plateau(
                        monitor_params[k],
                        monitor_state[k],
                        row,
                        state[2][lr_index],
                        before,
                    )
                    # A new list, not an item assignment: autograph would
                    # make state[2][lr_index] a loop variable of its own.
                    optimizer_state = [
                        rates if j == lr_index else v for j, v in enumerate(state[2])
                    ]
                    state = [state[0], state[1], optimizer_state, state[3]]
            i += 1
        return state, out.stack(), captures, active, monitor_state, kept

    return tf.function(run, jit_compile=jit_compile)


def _any_rows(data: Any) -> Any:
    """Tensor specs of ``data`` with the number of rows left open."""
    return tf.nest.map_structure(
        lambda t: tf.TensorSpec([None, *t.shape[1:]], t.dtype), data
    )


def score_program(
    template: keras.Model, n_models: int, x: Any, y: Any, state: Any
) -> Callable:
    """``run(tv, ntv, mv, hp, x, y)``: each model's metric state ``mv`` updated
    with the rows ``x, y`` (``hp``: the models' settings, see settings.py).

    Traced once for data of any number of rows (``state`` gives the specs of
    the stacked ``[tv, ntv, mv, hp]``): the slices of a large dataset, and the
    training and the test split, share one program. :func:`metrics_program`
    turns the final state into each model's loss and metrics.
    """
    x_spec, y_spec = _any_rows(x), _any_rows(y)
    key = (signature(template), "score", n_models, repr(x_spec), repr(y_spec))

    def build():
        steps = _Steps(template)

        def run(tv, ntv, mv, hp, x, y):
            return _vmap(
                n_models,
                lambda a, b, c, h: steps.accumulate(a, b, c, h, x, y),
                (tv, ntv, mv, hp),
            )

        state_spec = tf.nest.map_structure(
            lambda t: tf.TensorSpec(t.shape, t.dtype), list(state)
        )
        return tf.function(run, input_signature=[*state_spec, x_spec, y_spec])

    return _cached(key, build)


def metrics_program(template: keras.Model, n_models: int) -> Callable:
    """``run(mv)``: each model's loss and metrics from its metric state,
    shape (n_models, keys)."""
    key = (signature(template), "metrics", n_models)

    def build():
        steps = _Steps(template)

        def run(mv):  # a def: autograph mistakes this lambda for another
            return _vmap(n_models, steps.metrics_row, (mv,))

        return tf.function(run)

    return _cached(key, build)


def predict_program(template: keras.Model, n_models: int, x: Any) -> Callable:
    """``run(tv, ntv, x)``: each model's predictions, stacked over models."""
    key = (signature(template), "predict", n_models, spec(x))

    def build():
        steps = _Steps(template)

        def run(tv, ntv, x):
            return _vmap(n_models, lambda a, b: steps.predict(a, b, x), (tv, ntv))

        return tf.function(run)

    return _cached(key, build)


def predict_stacked(template: keras.Model, tv, ntv, x: Any) -> np.ndarray:
    """Predictions of stacked weight sets on ``x``, in slices of rows.

    Every slice is padded to the same number of rows, so one compiled program
    serves data of any length. Returns an array (n_sets, n_rows, ...).
    """
    n_sets = int(tv[0].shape[0]) if tv else int(ntv[0].shape[0])
    n = int(tf.nest.flatten(x)[0].shape[0])
    size = min(n, PREDICT_ROWS)
    program = None
    parts = []
    for begin in range(0, n, size):
        piece = tf.nest.map_structure(lambda t, b=begin: t[b : b + size], x)
        short = size - int(tf.nest.flatten(piece)[0].shape[0])
        if short:  # repeat the last row: every slice has the same shape
            piece = tf.nest.map_structure(
                lambda t, k=short: tf.concat([t, tf.repeat(t[-1:], k, axis=0)], 0),
                piece,
            )
        if program is None:
            program = predict_program(template, n_sets, piece)
        out = program(tv, ntv, piece).numpy()
        parts.append(out[:, : size - short])
    return np.concatenate(parts, axis=1)
