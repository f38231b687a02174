"""Every use of Keras and TensorFlow internals by the engine, in one place.

Keras 3 has public APIs for everything the engine does except the few below.
Each is wrapped here with a comment saying why the engine needs it, and
:func:`missing_internals` lists any that the installed Keras or TensorFlow
lacks, so that an upgrade fails one test with a message that names the
internal instead of failing deep inside a traced graph.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable, Iterator
from contextlib import contextmanager
from typing import Any

from bdl_helpers import _env  # noqa: F401  (quiet TensorFlow before it loads)

import keras
import tensorflow as tf

# The methods of Keras's backend-neutral optimizer that write through a
# StatelessScope (the TensorFlow optimizer's own write to tf.Variable directly).
_NEUTRAL_OPTIMIZER_METHODS = (
    "assign",
    "assign_add",
    "assign_sub",
    "_apply_weight_decay",
    "_backend_update_step",
    "stateless_apply",
)


def missing_internals() -> list[str]:
    """The internals the engine needs that this Keras/TensorFlow does not have.

    Returns
    -------
    missing : list of str
        Dotted names; empty when everything is there.

    Examples
    --------
    >>> from bdl_helpers.training._internals import missing_internals
    >>> missing_internals()
    []
    """
    from keras.src.optimizers import base_optimizer

    missing = []
    checks = {
        "keras.Model._symbolic_build": hasattr(keras.Model, "_symbolic_build"),
        "keras.Model._compile_loss": hasattr(keras.Model, "_compile_loss")
        or "_compile_loss" in vars(_compiled_model()),
        "keras.Optimizer._var_key": hasattr(keras.optimizers.SGD(), "_var_key"),
        "keras.Optimizer._learning_rate": hasattr(
            keras.optimizers.SGD(), "_learning_rate"
        ),
        # ReduceLROnPlateau in the loop changes the rate inside the state.
        "keras.Optimizer._learning_rate in Optimizer.variables": (
            hasattr(keras.optimizers.SGD(), "_learning_rate")
            and learning_rate_index(keras.optimizers.SGD()) is not None
        ),
    }
    for name in _NEUTRAL_OPTIMIZER_METHODS:
        checks[f"keras.src.optimizers.base_optimizer.BaseOptimizer.{name}"] = hasattr(
            base_optimizer.BaseOptimizer, name
        )
    layer = keras.layers.Dense(1)
    checks["keras.layers.Layer._losses_override"] = hasattr(layer, "_losses_override")
    checks["keras.layers.Layer._call_has_training_arg"] = hasattr(
        layer, "_call_has_training_arg"
    )
    compiled = _compiled_model()
    checks["keras.Model._loss_tracker"] = hasattr(compiled, "_loss_tracker")
    checks["keras.Model._compile_metrics.build"] = hasattr(
        compiled._compile_metrics, "build"
    ) and hasattr(compiled._compile_loss, "build")
    try:
        from keras.src.backend import compute_output_spec  # noqa: F401
    except ImportError:
        checks["keras.src.backend.compute_output_spec"] = False
    try:
        from tensorflow.python.ops.parallel_for import pfor

        checks["tensorflow...pfor.RegisterPFor"] = hasattr(pfor, "RegisterPFor")
        checks["tensorflow...pfor._pfor_converter_registry"] = hasattr(
            pfor, "_pfor_converter_registry"
        )
        # The random-op converters (_vectorized_random) also need these.
        for name in ("wrap", "ConversionNotImplementedError"):
            checks[f"tensorflow...pfor.{name}"] = hasattr(pfor, name)
    except ImportError:
        checks["tensorflow.python.ops.parallel_for.pfor"] = False
    try:
        from tensorflow.python.ops.parallel_for import control_flow_ops

        # One model with random layers is vectorized by pfor itself (stack._vmap).
        checks["tensorflow...control_flow_ops.pfor"] = hasattr(control_flow_ops, "pfor")
    except ImportError:
        checks["tensorflow.python.ops.parallel_for.control_flow_ops"] = False
    # repeat seeds each copy through Keras's global seed attributes
    # (seeding.seeded).
    try:
        from keras.src.random import seed_generator
        from keras.src.utils import rng_utils

        checks["keras.src.random.seed_generator.GLOBAL_SEED_GENERATOR"] = hasattr(
            seed_generator, "GLOBAL_SEED_GENERATOR"
        )
        checks["keras.src.utils.rng_utils.GLOBAL_RANDOM_SEED"] = hasattr(
            rng_utils, "GLOBAL_RANDOM_SEED"
        )
    except ImportError:
        checks["keras.src.random.seed_generator, keras.src.utils.rng_utils"] = False
    missing.extend(name for name, ok in checks.items() if not ok)
    return missing


def _compiled_model() -> keras.Model:
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
    model.compile(loss="mse", metrics=["mae"])
    return model


def _is_built(model: keras.Model) -> bool:
    parts = (getattr(model, "_compile_metrics", None), model._compile_loss)
    return (
        model.built
        and model.optimizer.built
        and all(p is None or p.built for p in parts)
    )


def _state_spec(model: keras.Model) -> list:
    return [
        (tuple(v.shape), v.dtype)
        for v in [*model.metrics_variables, *model.optimizer.variables]
    ]


# What the symbolic build of an architecture found, kept across calls: the
# output spec of its forward pass and the shapes of its metric and optimizer
# state, keyed by the caller's (architecture, batch spec) key. A newly built
# copy of a known architecture (a widget's retrain, the next seed of a loop)
# then skips Keras's symbolic passes: 80 of the 110 ms of a small model's
# one-epoch fit.
_MAX_BUILD_SPECS = 64
_build_specs: OrderedDict[Hashable, tuple[Any, list]] = OrderedDict()


def symbolic_build_all(
    models: list[keras.Model], batch: Any, key: Hashable | None = None
) -> None:
    """Create the models', metrics' and optimizers' variables, as fit does.

    ``model.fit`` builds everything with ``_symbolic_build`` before tracing its
    step; the engine needs the same variables to exist before it stacks them.
    Models built by an earlier call are left alone (a second fit costs no
    symbolic pass). Keras's ``_symbolic_build`` traces three symbolic passes
    per model (the model, its metrics, its loss): about 0.1 s each time, a
    second and more for a repeat of ten models. Copies of one architecture
    need it once: a model whose layers are built gets its loss and metric
    containers built from the first model's output spec, and its optimizer
    from its own weights, without tracing. ``key`` (what must agree for two
    models to share that spec, with the batch's spec; see
    ``stack.signature``) keeps it across calls, so a copy built later needs
    no symbolic pass either. If a model's variables then differ from the
    first model's (a metric that creates its variables on first use), it
    gets the symbolic metric and loss passes after all.
    """
    pending = [m for m in models if not _is_built(m)]
    if not pending:
        return
    from keras.src.backend import compute_output_spec  # what _symbolic_build uses

    def symbolic(t):
        return keras.KerasTensor(t.shape, keras.backend.standardize_dtype(t.dtype))

    x, y, sample_weight = keras.utils.unpack_x_y_sample_weight(
        tf.nest.map_structure(symbolic, batch)
    )
    known = None if key is None else _build_specs.get(key)
    if known is None:
        first = pending.pop(0)
        first._symbolic_build(data_batch=batch)
        y_pred = compute_output_spec(first, x, training=False) if key else None
        reference = _state_spec(first)
        if key is not None:
            _build_specs[key] = (y_pred, reference)
            while len(_build_specs) > _MAX_BUILD_SPECS:
                _build_specs.popitem(last=False)
    else:
        _build_specs.move_to_end(key)
        y_pred, reference = known
    for model in pending:
        if not model.built:
            model._symbolic_build(data_batch=batch)
            continue
        if y_pred is None:
            y_pred = compute_output_spec(first, x, training=False)
        metrics = getattr(model, "_compile_metrics", None)
        if metrics is not None and not metrics.built:
            metrics.build(y, y_pred)
        if model._compile_loss is not None and not model._compile_loss.built:
            model._compile_loss.build(y, y_pred)
        if not model.optimizer.built:
            model.optimizer.build(model.trainable_variables)
        if _state_spec(model) != reference:
            compute_output_spec(
                model.compute_metrics, x, y, y_pred, sample_weight=sample_weight
            )


def call_kwargs(model: keras.Model, training: bool) -> dict:
    """``{"training": ...}`` if the model's ``call`` takes it (as Keras checks)."""
    return {"training": training} if model._call_has_training_arg else {}


@contextmanager
def losses_override(model: keras.Model, losses: list) -> Iterator[None]:
    """Make ``model.losses`` return the losses of a ``stateless_call``.

    Keras's JAX trainer does the same: ``stateless_compute_loss`` adds
    ``model.losses`` (the regularization penalties), which must be the values
    computed in this step, not the layers' eager ones.
    """
    if not losses:
        yield
        return
    model._losses_override.clear()
    model._losses_override = losses
    try:
        yield
    finally:
        model._losses_override.clear()


def loss_tracker(model: keras.Model) -> keras.metrics.Mean:
    """The ``Mean`` that gives the history its ``loss`` (updated per batch)."""
    return model._loss_tracker


def learning_rate_index(optimizer: keras.optimizers.Optimizer) -> int | None:
    """Where the learning rate sits in ``optimizer.variables``, or None if it
    is a schedule or the optimizer wraps several (ReduceLROnPlateau then
    cannot be served in the loop).

    Keras keeps a learning rate given as a number in a variable of the
    optimizer (``_learning_rate``); the engine's state holds
    ``optimizer.variables`` stacked over models, so a callback's change of
    the learning rate is a change of that entry.
    """
    if hasattr(optimizer, "optimizers") or has_schedule(optimizer):
        return None
    for j, variable in enumerate(optimizer.variables):
        if variable is optimizer._learning_rate:
            return j
    return None


def has_schedule(optimizer: keras.optimizers.Optimizer) -> bool:
    """True if the learning rate is a schedule (part of the graph), not a variable."""
    return isinstance(
        optimizer._learning_rate, keras.optimizers.schedules.LearningRateSchedule
    )


@contextmanager
def stateless_optimizer(optimizer: keras.optimizers.Optimizer):
    """Let a TensorFlow-backend optimizer run Keras's stateless ``apply``.

    Keras's TensorFlow optimizer writes to its ``tf.Variable`` directly (for
    ``tf.distribute``), which bypasses ``StatelessScope``. Inside this block
    it uses the backend-neutral methods of ``BaseOptimizer`` instead, which
    write through the scope, as under the JAX backend. Yields the optimizer's
    ``stateless_apply(optimizer_variables, grads, trainable_variables)``.
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
        for name in _NEUTRAL_OPTIMIZER_METHODS[:-1]
    }
    patched["_var_key"] = var_key
    for name, method in patched.items():
        setattr(optimizer, name, method)
    try:
        yield base.stateless_apply.__get__(optimizer)
    finally:
        for name in patched:
            delattr(optimizer, name)


def register_bitcast_converter() -> None:
    """Teach ``tf.vectorized_map`` to batch ``tf.bitcast`` (idempotent).

    Keras's ``ops.argmax`` (inside ``CategoricalAccuracy``) calls ``signbit``,
    which bitcasts floats to integers. TensorFlow's ``vectorized_map`` has no
    converter for Bitcast and falls back to a loop over the models, which
    makes every softmax model pay per model. Bitcast acts on each element (or
    on the last axis), so the stacked input converts as is. Uses TensorFlow's
    private ``pfor.RegisterPFor``: there is no public way to add a converter.
    """
    from tensorflow.python.ops.parallel_for import pfor

    if "Bitcast" in pfor._pfor_converter_registry:
        return

    @pfor.RegisterPFor("Bitcast")
    def _convert_bitcast(pfor_input):  # noqa: ANN001, ANN202 (TensorFlow's API)
        stacked = pfor_input.stacked_input(0)
        return pfor.wrap(tf.bitcast(stacked, pfor_input.get_attr("type")), True)
