"""Checks of what a model is compiled with: the optimizer and the loss."""

from __future__ import annotations

import inspect
from collections.abc import Mapping, Sequence
from numbers import Real
from typing import TYPE_CHECKING, Any

from bdl_helpers._validation import check_float
from bdl_helpers.grading._messages import (
    _argument_error,
    _article,
    _close,
    _describe,
    _fail,
    _fmt,
    _norm,
    _wrong_object,
)
from bdl_helpers.grading.models import (
    _is_compiled,
    _keras,
    _not_compiled,
    _require_model,
)

if TYPE_CHECKING:
    import keras


def _require_optimizer(obj: Any) -> Any:
    keras = _keras()
    if isinstance(obj, keras.Model):
        if not _is_compiled(obj):
            raise _not_compiled("optimizer")
        return obj.optimizer
    if isinstance(obj, keras.optimizers.Optimizer):
        return obj
    hint = ""
    if isinstance(obj, str):
        hint = (
            "a name like 'sgd' gives the default settings; create the optimizer "
            "object instead, for example keras.optimizers.SGD(learning_rate=...)."
        )
    raise _wrong_object(
        obj,
        "The optimizer",
        "a compiled Keras model or a Keras optimizer",
        "model",
        hint,
    )


def check_optimizer(
    model_or_optimizer: Any,
    *,
    kind: str | None = None,
    learning_rate: float | None = None,
    decay_rate: float | None = None,
    momentum: float | None = None,
    clipnorm: float | None = None,
    clipvalue: float | None = None,
    global_clipnorm: float | None = None,
) -> keras.optimizers.Optimizer:
    """Check the optimizer of a compiled model, or an optimizer object.

    Only the settings that are passed are checked.

    Parameters
    ----------
    model_or_optimizer : keras.Model or keras.optimizers.Optimizer
        A compiled model (its ``model.optimizer`` is checked) or an optimizer.
    kind : str, default=None
        The optimizer's class name, such as ``"SGD"``, ``"Adam"``,
        ``"RMSprop"`` or ``"Adagrad"``; case does not matter.
    learning_rate : float, default=None
        The learning rate. If the optimizer uses a learning-rate schedule,
        this is compared with the schedule's ``initial_learning_rate``.
    decay_rate : float, default=None
        The book's ``decay=`` argument, which Keras 3 removed. The optimizer
        must use ``keras.optimizers.schedules.InverseTimeDecay`` with
        ``decay_steps=1`` and this ``decay_rate``: it computes
        ``initial_learning_rate / (1 + decay_rate * step)``, as ``decay=`` did.
    momentum : float, default=None
        The momentum (``SGD`` and ``RMSprop``).
    clipnorm, clipvalue, global_clipnorm : float, default=None
        The gradient clipping settings.

    Returns
    -------
    optimizer : keras.optimizers.Optimizer
        The optimizer that was checked.

    Raises
    ------
    GradingError
        If there is no optimizer (``None``, a model that is not compiled) or a
        setting differs. Floats are compared with a relative tolerance of
        1e-6, since Keras stores the learning rate as float32.

    See Also
    --------
    check_loss : Check the compiled loss.

    Notes
    -----
    Used by chapters 01-15.

    Examples
    --------
    >>> import keras
    >>> from bdl_helpers.grading import check_optimizer
    >>> optimizer = keras.optimizers.SGD(learning_rate=0.01, momentum=0.9)
    >>> _ = check_optimizer(optimizer, kind="sgd", learning_rate=0.01, momentum=0.9)
    >>> check_optimizer(optimizer, decay_rate=1e-4)
    Traceback (most recent call last):
    ...
    bdl_helpers.grading.GradingError: The optimizer has a fixed learning rate \
(0.01), but the exercise asks for one that decays with decay_rate=0.0001. Hint: \
Keras 3 removed the `decay=` argument; pass \
learning_rate=keras.optimizers.schedules.InverseTimeDecay(initial_learning_rate, \
decay_steps=1, decay_rate=...) to the optimizer instead.
    """
    func = "check_optimizer"
    if kind is not None and not isinstance(kind, str):
        raise _argument_error("kind", func, "an optimizer name such as 'SGD'", kind)
    given = {
        "learning_rate": learning_rate,
        "decay_rate": decay_rate,
        "momentum": momentum,
        "clipnorm": clipnorm,
        "clipvalue": clipvalue,
        "global_clipnorm": global_clipnorm,
    }
    floats = {
        name: check_float(value, name, func, min_value=0.0, allow_none=True)
        for name, value in given.items()
    }
    keras = _keras()
    optimizer = _require_optimizer(model_or_optimizer)
    class_name = type(optimizer).__name__

    if kind is not None:
        names = [_norm(cls.__name__) for cls in type(optimizer).__mro__]
        if _norm(kind) not in names:
            proper = next(
                (a for a in dir(keras.optimizers) if _norm(a) == _norm(kind)), kind
            )
            raise _fail(
                f"The optimizer is {class_name}, but the exercise asks for {proper}.",
                f"use keras.optimizers.{proper}(...).",
            )

    stored = getattr(optimizer, "_learning_rate", None)
    schedules = keras.optimizers.schedules
    schedule = stored if isinstance(stored, schedules.LearningRateSchedule) else None

    wanted = floats["learning_rate"]
    if wanted is not None and schedule is not None:
        initial = getattr(schedule, "initial_learning_rate", None)
        if not isinstance(initial, Real):
            raise _fail(
                f"The optimizer's learning rate is {_article(type(schedule).__name__)} "
                f"{type(schedule).__name__} "
                f"schedule, which has no initial_learning_rate to compare with "
                f"{_fmt(wanted)}.",
                "use a schedule with an initial_learning_rate, such as "
                "InverseTimeDecay, or a plain float.",
            )
        if not _close(float(initial), wanted):
            raise _fail(
                f"The optimizer uses {_article(type(schedule).__name__)} "
                f"{type(schedule).__name__} schedule whose "
                f"initial_learning_rate is {_fmt(float(initial))}, but the exercise "
                f"asks for a learning rate of {_fmt(wanted)}.",
                f"create the schedule with initial_learning_rate={_fmt(wanted)}.",
            )
    elif wanted is not None:
        actual = float(optimizer.learning_rate)
        if not _close(actual, wanted):
            raise _fail(
                f"The optimizer's learning rate is {_fmt(actual)}, but the exercise "
                f"asks for {_fmt(wanted)}.",
                f"create it with keras.optimizers.{class_name}"
                f"(learning_rate={_fmt(wanted)}).",
            )

    wanted = floats["decay_rate"]
    if wanted is not None and not (schedule is None and wanted == 0):
        _check_decay(optimizer, schedule, wanted)

    wanted = floats["momentum"]
    if wanted is not None:
        if not hasattr(optimizer, "momentum"):
            raise _fail(
                f"{class_name} has no momentum setting, but the exercise asks for "
                f"momentum={_fmt(wanted)}.",
                "use keras.optimizers.SGD(learning_rate=..., momentum=...).",
            )
        actual = float(optimizer.momentum)
        if not _close(actual, wanted):
            raise _fail(
                f"The optimizer's momentum is {_fmt(actual)}, but the exercise asks "
                f"for {_fmt(wanted)}.",
                f"pass momentum={_fmt(wanted)} to keras.optimizers.{class_name}(...).",
            )

    for attr in ("clipnorm", "clipvalue", "global_clipnorm"):
        wanted = floats[attr]
        if wanted is None:
            continue
        actual = getattr(optimizer, attr, None)
        if actual is None:
            hint = f"pass {attr}={_fmt(wanted)} to keras.optimizers.{class_name}(...)."
            if attr == "clipnorm" and getattr(optimizer, "global_clipnorm", None):
                hint += (
                    " global_clipnorm scales all gradients together by their joint"
                    " norm (what the book's Keras 2 clipnorm did); Keras 3's"
                    " clipnorm clips each gradient tensor on its own."
                )
            raise _fail(
                f"The optimizer has no {attr}, but the exercise asks for "
                f"{attr}={_fmt(wanted)}.",
                hint,
            )
        if not _close(float(actual), wanted):
            raise _fail(
                f"The optimizer has {attr}={_fmt(float(actual))}, but the exercise "
                f"asks for {attr}={_fmt(wanted)}.",
                f"pass {attr}={_fmt(wanted)} to keras.optimizers.{class_name}(...).",
            )
    return optimizer


def _check_decay(optimizer: Any, schedule: Any, wanted: float) -> None:
    keras = _keras()
    code = (
        "learning_rate=keras.optimizers.schedules.InverseTimeDecay("
        "initial_learning_rate, decay_steps=1, decay_rate=...)"
    )
    if schedule is None:
        raise _fail(
            f"The optimizer has a fixed learning rate "
            f"({_fmt(float(optimizer.learning_rate))}), but the exercise asks for "
            f"one that decays with decay_rate={_fmt(wanted)}.",
            f"Keras 3 removed the `decay=` argument; pass {code} to the optimizer "
            "instead.",
        )
    name = type(schedule).__name__
    if not isinstance(schedule, keras.optimizers.schedules.InverseTimeDecay):
        raise _fail(
            f"The optimizer uses {_article(name)} {name} schedule, but the exercise "
            "asks for "
            "InverseTimeDecay, the Keras 3 replacement for the book's `decay=`.",
            f"pass {code} to the optimizer.",
        )
    if schedule.decay_steps != 1:
        raise _fail(
            f"The InverseTimeDecay schedule has decay_steps={schedule.decay_steps}, "
            "but the book's `decay=` lowered the rate after every batch.",
            "use decay_steps=1.",
        )
    actual = float(schedule.decay_rate)
    if not _close(actual, wanted):
        raise _fail(
            f"The InverseTimeDecay schedule has decay_rate={_fmt(actual)}, but the "
            f"exercise asks for decay_rate={_fmt(wanted)}.",
            f"create the schedule with decay_rate={_fmt(wanted)}.",
        )


_LOSS_ALIASES = {
    "kullbackleiblerdivergence": "kl_divergence",
    "logcosh": "log_cosh",
}


def _loss_name(loss: Any) -> str | None:
    """Keras's function name for a loss: 'mse' and MeanSquaredError() both give
    'mean_squared_error'. None if ``loss`` is not a loss."""
    keras = _keras()
    if isinstance(loss, str):
        text = _LOSS_ALIASES.get(_norm(loss), loss)
        try:
            return _loss_name(keras.losses.get(text))
        except (ValueError, TypeError):
            return None
    if inspect.isclass(loss) and issubclass(loss, keras.losses.Loss):
        try:
            loss = loss()
        except TypeError:  # a Loss subclass that needs arguments
            return loss.__name__
    if isinstance(loss, keras.losses.Loss):
        fn = getattr(loss, "fn", None)
        if callable(fn) and getattr(fn, "__name__", None):
            return fn.__name__
        return type(loss).__name__
    if callable(loss):
        return getattr(loss, "__name__", None)
    return None


def check_loss(model: Any, expected: str | type | Any) -> keras.Model:
    """Check the loss the model is compiled with.

    Parameters
    ----------
    model : keras.Model
        The learner's compiled model.
    expected : str, keras loss class, instance or function
        The loss, such as ``"binary_crossentropy"``, ``"mse"``, ``"hinge"``,
        ``"sparse_categorical_crossentropy"``, ``"kl_divergence"`` or
        ``keras.losses.KLDivergence``. Aliases match: ``"mse"``,
        ``"mean_squared_error"`` and ``keras.losses.MeanSquaredError()`` are
        the same loss, as are ``"kld"`` and ``"kl_divergence"``.

    Returns
    -------
    model : keras.Model
        ``model``, unchanged.

    Raises
    ------
    GradingError
        If ``model`` is not a compiled model, has no loss, or has another
        loss.
    ValueError
        If ``expected`` is not a Keras loss (the test cell's mistake).

    See Also
    --------
    check_optimizer : Check the compiled optimizer.

    Notes
    -----
    Keras 3 keeps ``model.loss`` exactly as it was passed to ``compile``: a
    string (``"mse"`` stays ``"mse"``), a function, a ``Loss`` instance or
    class. Only the kind of loss is compared, not its settings (such as
    ``from_logits``). Used by every chapter.

    Examples
    --------
    >>> import keras
    >>> from bdl_helpers.grading import check_loss
    >>> model = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(1)])
    >>> model.compile(optimizer="sgd", loss="mse")
    >>> _ = check_loss(model, "mean_squared_error")
    >>> check_loss(model, "mae")
    Traceback (most recent call last):
    ...
    bdl_helpers.grading.GradingError: The model is compiled with loss='mse' \
(mean_squared_error), but the exercise asks for mean_absolute_error. Hint: pass \
loss='mean_absolute_error' to model.compile().
    """
    wanted = _loss_name(expected)
    if wanted is None:
        raise _argument_error(
            "expected",
            "check_loss",
            "a Keras loss or its name, such as 'mse'",
            expected,
        )
    model = _require_model(model)
    if not _is_compiled(model):
        raise _not_compiled("loss")
    loss = model.loss
    if isinstance(loss, Mapping) and len(loss) == 1:
        loss = next(iter(loss.values()))
    elif isinstance(loss, Sequence) and not isinstance(loss, str) and len(loss) == 1:
        loss = loss[0]
    if loss is None:
        raise _fail(
            "The model is compiled without a loss.",
            "pass loss=... to model.compile().",
        )
    if isinstance(loss, Mapping | Sequence) and not isinstance(loss, str):
        raise _fail(
            f"The model is compiled with {len(loss)} losses, one per output, but "
            "the exercise expects one loss.",
            "pass a single loss to model.compile(loss=...).",
        )
    actual = _loss_name(loss)
    if actual != wanted:
        if isinstance(loss, str):
            shown = f"loss={loss!r}"
        elif inspect.isclass(loss):
            shown = f"loss={loss.__name__}"
        elif isinstance(loss, _keras().losses.Loss):
            shown = f"loss={type(loss).__name__}()"
        else:
            shown = f"loss={getattr(loss, '__name__', _describe(loss))}"
        if actual is not None and actual != _describe_loss_text(loss):
            shown += f" ({actual})"
        raise _fail(
            f"The model is compiled with {shown}, but the exercise asks for {wanted}.",
            f"pass loss={wanted!r} to model.compile().",
        )
    return model


def _describe_loss_text(loss: Any) -> str:
    return loss if isinstance(loss, str) else getattr(loss, "__name__", "")
