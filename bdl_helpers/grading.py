"""Checks that the nbgrader test cells call to grade a learner's exercise.

Every check raises :class:`GradingError` when the learner's answer is wrong.
``GradingError`` is an ``AssertionError``, so nbgrader and pytest count it as a
failed test. Its message says what was expected, what came back, and how to
fix it::

    Layer 1 should be a Dropout layer, but it is Dense. ... Hint: add a
    keras.layers.Dropout layer after layer 0 (Dense).

A broken object gets such a message too, never a traceback from deep inside
Keras: ``None`` from a missing ``return``, the function instead of its result,
an uncompiled model, or a model that raises when it is called.

Checks of a setting that the task states (layer types, units, learning rate,
loss) name the expected value. Checks of an answer the learner has to find
(:func:`check_choice`, :func:`check_close`) never reveal it.

A bad argument in the test cell itself (a negative tolerance, an option list
without the expected option) is the course author's mistake, not the
learner's: it raises ``ValueError`` or ``TypeError``, as everywhere else in the
package.

Layers are counted from 0 and the ``keras.Input`` is not counted, so for a
``keras.Sequential`` model, layer ``i`` is ``model.layers[i]``. Epochs in
messages are counted from 1, as in the progress bar of ``model.fit``.
"""

from __future__ import annotations

import inspect
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from numbers import Real
from typing import TYPE_CHECKING, Any

from bdl_helpers import _env  # noqa: F401  (quiet TensorFlow before it loads)
from bdl_helpers._validation import check_float, check_int

if TYPE_CHECKING:
    import keras

__all__ = [
    "GradingError",
    "answer_digest",
    "check_choice",
    "check_close",
    "check_digest",
    "check_good_fit",
    "check_history",
    "check_layer",
    "check_layers",
    "check_loss",
    "check_model",
    "check_optimizer",
    "check_overfits",
    "check_trainable",
    "check_underfits",
    "diagnose_curves",
]

# Settings stored by Keras as float32 differ from the Python float by ~1e-8.
_REL_TOL = 1e-6
_ABS_TOL = 1e-12

# Curve criteria shared by the curve checks and diagnose_curves.
_MIN_EPOCHS = 4
_MAX_DROP = 0.1  # a training loss that falls less than 10% is flat
_RISE = 0.1  # a validation loss 10% above its minimum has turned up
_MAX_GAP = 0.2  # validation loss at most 20% above training loss
_EARLY = 0.75  # the minimum must fall in the first 75% of the epochs


class GradingError(AssertionError):
    """A learner's answer fails a check; the message says how to fix it.

    A subclass of ``AssertionError``, so nbgrader and pytest report it as a
    failed test, while a test cell can still tell it apart from a plain
    ``assert``.

    In a notebook (IPython, and so nbgrader's Validate and autograde) it is
    shown as its message alone, without the frames of the checks' own source:
    the learner reads what is wrong and the hint, not ``grading.py``.

    Examples
    --------
    >>> from bdl_helpers.grading import GradingError
    >>> issubclass(GradingError, AssertionError)
    True
    >>> GradingError("ex1_model has 3 layers; expected 2.")._render_traceback_()
    ['GradingError: ex1_model has 3 layers; expected 2.']
    """

    def _render_traceback_(self) -> list[str]:
        # IPython's hook for an exception's own rendering (showtraceback).
        return [f"{type(self).__name__}: {self}"]


# --------------------------------------------------------------------------
# Messages
# --------------------------------------------------------------------------


def _fail(problem: str, hint: str = "") -> GradingError:
    return GradingError(f"{problem} Hint: {hint}" if hint else problem)


def _argument_error(name: str, func: str, expected: str, value: Any) -> ValueError:
    return ValueError(
        f"The {name!r} parameter of {func} must be {expected}. Got {value!r} instead."
    )


def _article(word: str) -> str:
    return "an" if word[:1].lower() in "aeiou" else "a"


def _short_repr(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _describe(obj: Any) -> str:
    """Say what ``obj`` is, in a few words, for a message."""
    if obj is None:
        return "None"
    if obj is Ellipsis:
        return "the placeholder `...`"
    if inspect.isclass(obj):
        return f"the class {obj.__name__}"
    if inspect.isroutine(obj):
        return f"the function {getattr(obj, '__name__', 'function')}"
    if isinstance(obj, bool):
        return f"the bool {obj}"
    if isinstance(obj, str):
        return f"the string {_short_repr(obj)}"
    if isinstance(obj, Real):
        return f"the number {obj!r}"
    name = type(obj).__name__
    return f"{_article(name)} {name} object"


def _wrong_object(
    obj: Any, name: str, expected: str, returned: str, hint: str = ""
) -> GradingError:
    """Build the message for a learner object of the wrong kind.

    ``returned`` is the variable a learner's function should end with
    (``return model``); ``hint`` is used for any other wrong object.
    """
    if obj is None:
        verb = "returned" if name.endswith("()") else "is"
        return _fail(
            f"{name} {verb} None, but it should be {expected}.",
            f"did you forget `return {returned}` at the end of your function?",
        )
    if obj is Ellipsis:
        return _fail(
            f"{name} is still the placeholder `...`.",
            f"replace `...` with your code, which should give {expected}.",
        )
    if inspect.isroutine(obj):
        func = getattr(obj, "__name__", "function")
        return _fail(
            f"{name} is the function {func} itself, not {expected}.",
            f"you passed the function; call it: {func}().",
        )
    if inspect.isclass(obj):
        return _fail(
            f"{name} is the class {obj.__name__}, not {expected}.",
            f"you passed the class; create one by calling it: {obj.__name__}(...).",
        )
    return _fail(f"{name} should be {expected}, but it is {_describe(obj)}.", hint)


def _error_text(error: BaseException, limit: int = 200) -> str:
    """First useful line of an exception raised inside Keras."""
    text = re.sub(r"\x1b\[[0-9;]*m", "", str(error))
    lines = [line.strip() for line in text.splitlines()]
    useful = []
    for line in lines:
        if line.startswith("Arguments received"):
            break
        if line and not line.startswith("Exception encountered"):
            useful.append(line)
    first = useful[0] if useful else type(error).__name__
    return first if len(first) <= limit else first[: limit - 3] + "..."


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" + ("" if number == 1 else "s")


def _fmt(value: float) -> str:
    """Format a float for a message: 0.009999999776 prints as 0.01."""
    return f"{value:.4g}"


def _close(actual: float, expected: float) -> bool:
    return math.isclose(actual, expected, rel_tol=_REL_TOL, abs_tol=_ABS_TOL)


def _norm(name: str) -> str:
    """``he_uniform``, ``HeUniform`` and ``heuniform`` all become ``heuniform``."""
    return name.replace("_", "").replace(" ", "").lower()


# --------------------------------------------------------------------------
# Models and layers
# --------------------------------------------------------------------------


def _keras():
    import keras

    return keras


def _require_model(obj: Any, name: str = "model") -> keras.Model:
    keras = _keras()
    if isinstance(obj, keras.Model):
        return obj
    hint = "build the model with keras.Sequential([keras.Input(shape=...), ...])."
    if isinstance(obj, keras.layers.Layer):
        hint = (
            "a single layer is not a model; put the layers in "
            "keras.Sequential([keras.Input(shape=...), ...])."
        )
    elif isinstance(obj, keras.callbacks.History):
        hint = "pass the model itself, not the History that model.fit() returns."
    elif isinstance(obj, tuple | list) and any(
        isinstance(item, keras.Model) for item in obj
    ):
        hint = "your function returns several things; pass only the model."
    raise _wrong_object(obj, name, "a Keras model", "model", hint)


def _is_compiled(model: keras.Model) -> bool:
    return bool(getattr(model, "compiled", False)) and (
        getattr(model, "optimizer", None) is not None
    )


def _not_compiled(what: str) -> GradingError:
    return _fail(
        f"The model is not compiled, so it has no {what} yet.",
        "call model.compile(optimizer=..., loss=...) before returning the model.",
    )


def _model_input_shape(model: keras.Model) -> tuple | None:
    """The model's input shape without the batch axis, or None if unknown."""
    try:
        shape = model.input_shape
    except (AttributeError, ValueError):  # not built yet, or subclassed
        return None
    if isinstance(shape, tuple) and all(d is None or isinstance(d, int) for d in shape):
        return tuple(shape[1:])
    return None


def _model_output_units(model: keras.Model) -> int | None:
    try:
        shape = model.output_shape
    except (AttributeError, ValueError):
        return None
    if isinstance(shape, tuple) and shape and isinstance(shape[-1], int):
        return shape[-1]
    return None


def _layers(model: keras.Model) -> list:
    keras = _keras()
    return [
        layer
        for layer in model.layers
        if not isinstance(layer, keras.layers.InputLayer)
    ]


def _layer_class(entry: Any, func: str) -> type:
    """Resolve a layer class or a name like ``"Dropout"`` to a Keras class."""
    keras = _keras()
    if inspect.isclass(entry) and issubclass(entry, keras.layers.Layer):
        return entry
    if isinstance(entry, str):
        for attr in dir(keras.layers):
            candidate = getattr(keras.layers, attr)
            if (
                _norm(attr) == _norm(entry)
                and inspect.isclass(candidate)
                and issubclass(candidate, keras.layers.Layer)
            ):
                return candidate
    raise _argument_error(
        "expected",
        func,
        "a list of Keras layer classes or their names, such as 'Dense'",
        entry,
    )


def _as_shape(value: Any, func: str) -> tuple:
    if isinstance(value, int) and not isinstance(value, bool):
        value = (value,)
    if not isinstance(value, tuple | list) or not all(
        isinstance(d, int) and not isinstance(d, bool) and d > 0 for d in value
    ):
        raise _argument_error(
            "input_shape", func, "a tuple of positive ints such as (2,)", value
        )
    return tuple(value)


def check_model(
    obj: Any,
    *,
    compiled: bool | None = None,
    input_shape: tuple[int, ...] | None = None,
    output_units: int | None = None,
    name: str = "model",
) -> keras.Model:
    """Check that ``obj`` is a Keras model with the right inputs and outputs.

    Parameters
    ----------
    obj : object
        What the learner's code gave, usually ``build_model()``.
    compiled : bool, default=None
        ``True``: the model must be compiled. ``False``: it must not be yet.
        ``None``: not checked.
    input_shape : tuple of int, default=None
        The shape of one example, without the batch axis, such as ``(2,)``.
        Compared with ``model.input_shape[1:]``.
    output_units : int, default=None
        The size of the model's output, ``model.output_shape[-1]``.
    name : str, default="model"
        How messages call ``obj``, for example ``"build_model()"``.

    Returns
    -------
    model : keras.Model
        ``obj``, so that a test cell can go on checking it.

    Raises
    ------
    GradingError
        If ``obj`` is not a model (``None``, the function itself, a layer),
        is not compiled when it should be, has the wrong input shape or
        output size, or raises when it is called on a batch of zeros.

    See Also
    --------
    check_layers, check_layer, check_optimizer, check_loss

    Notes
    -----
    Once the input shape is known (from ``input_shape`` or from the model),
    the model is called once on a batch of zeros of shape
    ``(1, *input_shape)``, so that a model whose ``call`` fails is reported
    here with the error's first line. Used by chapters 00-08, 10-13 and 15.

    Examples
    --------
    >>> import keras
    >>> from bdl_helpers.grading import check_model
    >>> model = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(1)])
    >>> check_model(model, input_shape=(2,), output_units=1) is model
    True
    >>> check_model(None, name="build_model()")
    Traceback (most recent call last):
    ...
    bdl_helpers.grading.GradingError: build_model() returned None, but it should be \
a Keras model. Hint: did you forget `return model` at the end of your function?
    """
    if compiled is not None and not isinstance(compiled, bool):
        raise _argument_error(
            "compiled", "check_model", "True, False or None", compiled
        )
    shape = None if input_shape is None else _as_shape(input_shape, "check_model")
    if output_units is not None:
        output_units = check_int(
            output_units, "output_units", "check_model", min_value=1
        )
    model = _require_model(obj, name)

    if compiled is not None:
        is_compiled = _is_compiled(model)
        if compiled and not is_compiled:
            raise _fail(
                f"{name} is not compiled.",
                "call model.compile(optimizer=..., loss=...) before returning it.",
            )
        if not compiled and is_compiled:
            raise _fail(
                f"{name} is already compiled, but this exercise wants it uncompiled.",
                "leave out model.compile(...); a later step compiles the model.",
            )

    actual_shape = _model_input_shape(model)
    if shape is not None and actual_shape is not None:
        matches = len(actual_shape) == len(shape) and all(
            a is None or a == e for a, e in zip(actual_shape, shape, strict=True)
        )
        if not matches:
            raise _fail(
                f"{name} takes inputs of shape {actual_shape}, "
                f"but the data has shape {shape}.",
                f"start the model with keras.Input(shape={shape}).",
            )
    probe = shape if shape is not None else actual_shape
    output = None
    if probe is not None and all(d is not None for d in probe):
        output = _call_model(model, probe, name)

    if output_units is not None:
        units = _model_output_units(model)
        out_shape = getattr(output, "shape", None)
        if out_shape is not None and len(out_shape) > 0:
            units = int(out_shape[-1])
        if units is None:
            raise _fail(
                f"{name} has no defined output size yet.",
                "start the model with keras.Input(shape=...) so that Keras builds it.",
            )
        if units != output_units:
            raise _fail(
                f"{name} has {_count(units, 'output unit')}, but the exercise "
                f"needs {output_units}.",
                f"make the last layer keras.layers.Dense({output_units}, ...).",
            )
    return model


def _call_model(model: keras.Model, shape: tuple, name: str) -> Any:
    import numpy as np

    batch = np.zeros((1, *shape), dtype="float32")
    try:
        return model(batch, training=False)
    except Exception as error:  # noqa: BLE001  (a learner's model fails in any way)
        raise _fail(
            f"Calling {name} on a batch of shape {batch.shape} raised "
            f"{type(error).__name__}: {_error_text(error).rstrip('.')}.",
            "run your model on one example, for example model(X[:1]), "
            "and fix the error it shows.",
        ) from None


def check_layers(model: Any, expected: Sequence[type | str]) -> keras.Model:
    """Check that the model's layers have these types, in this order.

    Parameters
    ----------
    model : keras.Model
        The learner's model. Its ``keras.Input`` is not counted.
    expected : sequence of layer classes or str
        One entry per layer, a class such as ``keras.layers.Dropout`` or its
        name (``"Dropout"``, ``"batch_normalization"``; case and underscores
        do not matter). A layer matches if it is an instance of the class, so
        a subclass of ``Dense`` counts as ``"Dense"``.

    Returns
    -------
    model : keras.Model
        ``model``, unchanged.

    Raises
    ------
    GradingError
        If ``model`` is not a model, or its layers differ. The message lists
        both sequences and points at the first difference.
    TypeError
        If ``expected`` is a string rather than a list.
    ValueError
        If an entry of ``expected`` does not name a Keras layer.

    See Also
    --------
    check_layer : Check one layer's settings.

    Notes
    -----
    Used by chapters 01-05 and 07-14.

    Examples
    --------
    >>> import keras
    >>> from bdl_helpers.grading import check_layers
    >>> model = keras.Sequential([
    ...     keras.Input(shape=(2,)),
    ...     keras.layers.Dense(8, activation="relu"),
    ...     keras.layers.Dense(1, activation="sigmoid"),
    ... ])
    >>> _ = check_layers(model, ["Dense", "Dense"])
    >>> check_layers(model, ["Dense", "Dropout", "Dense"])
    Traceback (most recent call last):
    ...
    bdl_helpers.grading.GradingError: Layer 1 should be a Dropout layer, but it \
is Dense. Expected: Dense, Dropout, Dense. Found: Dense, Dense. Hint: add a \
keras.layers.Dropout layer after layer 0 (Dense).
    """
    if isinstance(expected, str) or not isinstance(expected, Iterable):
        raise TypeError(
            "The 'expected' parameter of check_layers must be a list of layer "
            f"classes or names, such as ['Dense', 'Dropout']. Got {expected!r} instead."
        )
    classes = [_layer_class(entry, "check_layers") for entry in expected]
    model = _require_model(model)
    layers = _layers(model)

    def same(layer_list: list, class_list: list) -> bool:
        return len(layer_list) == len(class_list) and all(
            isinstance(layer, cls)
            for layer, cls in zip(layer_list, class_list, strict=True)
        )

    if same(layers, classes):
        return model

    index = 0
    while index < min(len(layers), len(classes)) and isinstance(
        layers[index], classes[index]
    ):
        index += 1
    wanted = [cls.__name__ for cls in classes]
    found = [type(layer).__name__ for layer in layers]
    listing = (
        f"Expected: {', '.join(wanted) or 'no layers'}. "
        f"Found: {', '.join(found) or 'no layers'}."
    )
    if index >= len(classes):
        problem = (
            f"The model has {len(layers)} layers, but the exercise needs "
            f"{len(classes)}: layer {index} ({found[index]}) is extra."
        )
    elif index >= len(layers):
        problem = (
            f"Layer {index} should be {_article(wanted[index])} {wanted[index]} "
            f"layer, but the model has only {len(layers)} layers."
        )
    else:
        problem = (
            f"Layer {index} should be {_article(wanted[index])} {wanted[index]} "
            f"layer, but it is {found[index]}."
        )

    if index < len(classes) and same(layers, classes[:index] + classes[index + 1 :]):
        where = f"after layer {index - 1} ({found[index - 1]})" if index else "first"
        hint = f"add a keras.layers.{wanted[index]} layer {where}."
    elif index < len(layers) and same(layers[:index] + layers[index + 1 :], classes):
        hint = f"remove layer {index} ({found[index]})."
    elif index >= len(layers):
        hint = f"add the missing layers: {', '.join(wanted[index:])}."
    elif index >= len(classes):
        hint = f"remove the extra layers from layer {index} on."
    else:
        hint = f"make layer {index} a keras.layers.{wanted[index]} layer."
    raise _fail(f"{problem} {listing}", hint)


def _activation_name(activation: Any) -> str:
    if activation is None:
        return "linear"
    if isinstance(activation, str):
        return activation
    name = getattr(activation, "__name__", None)
    return name if name else type(activation).__name__


def _numbers(config: Mapping) -> dict[str, float]:
    """The non-zero numeric entries of a regularizer's config."""
    return {
        str(key).lower(): float(value)
        for key, value in config.items()
        if isinstance(value, Real) and not isinstance(value, bool) and value != 0
    }


def _settings_text(values: Mapping[str, Any]) -> str:
    return ", ".join(
        f"{key}={_fmt(value) if isinstance(value, float) else repr(value)}"
        for key, value in values.items()
    )


def _expected_regularizer(expected: Any, argument: str) -> dict[str, float]:
    keras = _keras()
    if isinstance(expected, keras.regularizers.Regularizer):
        values = _numbers(expected.get_config())
    elif isinstance(expected, Mapping) and all(
        isinstance(v, Real) and not isinstance(v, bool) for v in expected.values()
    ):
        values = _numbers(expected)
    else:
        values = {}
    if not values:
        raise _argument_error(
            argument,
            "check_layer",
            "a dict of factors such as {'l2': 0.01} or a keras regularizer",
            expected,
        )
    return values


def _regularizer_code(values: Mapping[str, float]) -> str:
    if set(values) == {"l2"}:
        return f"keras.regularizers.L2({_fmt(values['l2'])})"
    if set(values) == {"l1"}:
        return f"keras.regularizers.L1({_fmt(values['l1'])})"
    if set(values) == {"l1", "l2"}:
        return (
            f"keras.regularizers.L1L2(l1={_fmt(values['l1'])}, l2={_fmt(values['l2'])})"
        )
    return f"a regularizer with {_settings_text(values)}"


def _check_regularizer(layer: Any, attr: str, expected: Any, label: str) -> None:
    wanted = _expected_regularizer(expected, attr)
    code = _regularizer_code(wanted)
    actual = getattr(layer, attr)
    if actual is None:
        raise _fail(
            f"{label} has no {attr}, but it should have {code}.",
            f"pass {attr}={code} to the layer.",
        )
    get_config = getattr(actual, "get_config", None)
    found = _numbers(get_config()) if callable(get_config) else {}
    kind = type(actual).__name__
    if set(found) != set(wanted) or not all(
        _close(found[key], wanted[key]) for key in wanted
    ):
        shown = f"{kind}({_settings_text(found)})" if found else _describe(actual)
        raise _fail(
            f"{label} should have {attr}={code}, but it has {shown}.",
            f"pass {attr}={code} to the layer.",
        )


def _expected_constraint(expected: Any) -> tuple[str, dict[str, Any]]:
    """Return (normalized class name, settings) for a constraint spec."""
    keras = _keras()
    if isinstance(expected, keras.constraints.Constraint):
        return _norm(type(expected).__name__), dict(expected.get_config())
    if isinstance(expected, str):
        return _norm(expected), {}
    if isinstance(expected, Mapping) and len(expected) == 1:
        ((kind, value),) = expected.items()
        if isinstance(kind, str):
            if isinstance(value, Mapping):
                return _norm(kind), dict(value)
            if (
                _norm(kind) == "maxnorm"
                and isinstance(value, Real)
                and not isinstance(value, bool)
            ):
                return "maxnorm", {"max_value": float(value)}
    raise _argument_error(
        "kernel_constraint",
        "check_layer",
        "a dict such as {'max_norm': 3.0}, a constraint name or a keras constraint",
        expected,
    )


def _check_constraint(layer: Any, expected: Any, label: str) -> None:
    keras = _keras()
    kind, settings = _expected_constraint(expected)
    classes = {}
    for attr in dir(keras.constraints):  # "MaxNorm" sorts before "max_norm"
        if inspect.isclass(getattr(keras.constraints, attr)):
            classes.setdefault(_norm(attr), attr)
    class_name = classes.get(kind, kind)
    code = f"keras.constraints.{class_name}({_settings_text(settings)})"
    actual = layer.kernel_constraint
    if actual is None:
        raise _fail(
            f"{label} has no kernel_constraint, but it should have {code}.",
            f"pass kernel_constraint={code} to the layer.",
        )
    found = dict(actual.get_config()) if hasattr(actual, "get_config") else {}
    ok = _norm(type(actual).__name__) == kind
    for key, value in settings.items():
        have = found.get(key)
        if isinstance(value, Real) and isinstance(have, Real):
            ok = ok and _close(float(have), float(value))
        else:
            ok = ok and have == value
    if not ok:
        shown = {key: found.get(key) for key in settings} or found
        raise _fail(
            f"{label} should have kernel_constraint={code}, but it has "
            f"{type(actual).__name__}({_settings_text(shown)}).",
            f"pass kernel_constraint={code} to the layer.",
        )


def _initializer_name(expected: Any) -> str:
    keras = _keras()
    if inspect.isclass(expected) and issubclass(
        expected, keras.initializers.Initializer
    ):
        return expected.__name__
    try:
        initializer = keras.initializers.get(expected)
    except (ValueError, TypeError):
        initializer = None
    if initializer is None:
        raise _argument_error(
            "kernel_initializer",
            "check_layer",
            "a Keras initializer or its name, such as 'he_uniform'",
            expected,
        )
    return type(initializer).__name__


def check_layer(
    model: Any,
    index: int,
    *,
    units: int | None = None,
    activation: str | Callable | None = None,
    rate: float | None = None,
    stddev: float | None = None,
    kernel_regularizer: Mapping[str, float] | Any = None,
    activity_regularizer: Mapping[str, float] | Any = None,
    kernel_constraint: Mapping[str, float] | str | Any = None,
    kernel_initializer: str | Any = None,
    use_bias: bool | None = None,
) -> keras.layers.Layer:
    """Check the settings of one layer of the model.

    Only the settings that are passed are checked.

    Parameters
    ----------
    model : keras.Model
        The learner's model.
    index : int
        Which layer, counted from 0 without the ``keras.Input``; negative
        values count from the end (``-1`` is the output layer).
    units : int, default=None
        The layer's ``units`` (``Dense``).
    activation : str or callable, default=None
        The activation's name: ``"relu"``, ``"sigmoid"``, ``"tanh"``,
        ``"softmax"`` or ``"linear"`` (no activation). Works for ``Dense``
        and ``Activation`` layers.
    rate : float, default=None
        The ``rate`` of a ``Dropout`` layer.
    stddev : float, default=None
        The ``stddev`` of a ``GaussianNoise`` layer.
    kernel_regularizer, activity_regularizer : dict or keras regularizer, default=None
        The penalty factors, such as ``{"l2": 0.01}``, ``{"l1": 0.0001}`` or
        ``{"l1": 0.001, "l2": 0.01}``. Factors of 0 are ignored, so
        ``{"l2": 0.01}`` also matches ``L1L2(l1=0, l2=0.01)``.
    kernel_constraint : dict, str or keras constraint, default=None
        ``{"max_norm": 3.0}`` for ``MaxNorm(max_value=3.0)``; in general
        ``{"name": {setting: value}}`` or a name such as ``"non_neg"``.
    kernel_initializer : str or keras initializer, default=None
        The initializer's name, ``"he_uniform"`` or ``"HeUniform"``.
    use_bias : bool, default=None
        Whether the layer has a bias.

    Returns
    -------
    layer : keras.layers.Layer
        The layer that was checked.

    Raises
    ------
    GradingError
        If ``model`` is not a model, has no layer ``index``, or the layer's
        settings differ. Floats are compared with a relative tolerance of
        1e-6, since Keras stores some settings as float32.
    ValueError
        If an expected setting cannot be understood (the test cell's mistake).

    See Also
    --------
    check_layers : Check the types and order of all layers.

    Notes
    -----
    Used by chapters 00-14.

    Examples
    --------
    >>> import keras
    >>> from bdl_helpers.grading import check_layer
    >>> model = keras.Sequential([
    ...     keras.Input(shape=(2,)),
    ...     keras.layers.Dense(
    ...         8, activation="relu", kernel_regularizer=keras.regularizers.L2(0.01)
    ...     ),
    ...     keras.layers.Dense(1, activation="sigmoid"),
    ... ])
    >>> check_layer(model, 0, units=8, kernel_regularizer={"l2": 0.01}).units
    8
    >>> check_layer(model, -1, activation="relu")
    Traceback (most recent call last):
    ...
    bdl_helpers.grading.GradingError: Layer 1 (Dense) should use \
activation='relu', but it uses 'sigmoid'. Hint: pass activation='relu' to the layer.
    """
    index = check_int(index, "index", "check_layer")
    model = _require_model(model)
    layers = _layers(model)
    count = len(layers)
    if not -count <= index < count:
        need = index + 1 if index >= 0 else -index
        raise _fail(
            f"The model has {count} layers (the Input is not counted), "
            f"so there is no layer {index}.",
            f"the exercise expects at least {need} layers; check that you added "
            "every layer it asks for.",
        )
    layer = layers[index]
    label = f"Layer {index % count} ({type(layer).__name__})"

    def need(attr: str, value: Any) -> Any:
        if not hasattr(layer, attr):
            raise _fail(
                f"{label} has no `{attr}` setting, so it cannot have {attr}={value!r}.",
                f"check that layer {index} is the right kind of layer and that the "
                "layers are in the order the exercise asks for.",
            )
        return getattr(layer, attr)

    if units is not None:
        units = check_int(units, "units", "check_layer", min_value=1)
        actual = need("units", units)
        if actual != units:
            raise _fail(
                f"{label} should have {units} units, but it has {actual}.",
                f"pass units={units} to the layer.",
            )
    if activation is not None:
        wanted = _activation_name(activation)
        try:
            wanted = _activation_name(_keras().activations.get(wanted))
        except (ValueError, TypeError):
            raise _argument_error(
                "activation", "check_layer", "an activation name such as 'relu'", wanted
            ) from None
        actual = _activation_name(need("activation", wanted))
        if _norm(actual) != _norm(wanted):
            hint = f"pass activation={wanted!r} to the layer."
            if _norm(actual) == "linear" and isinstance(layer, _keras().layers.Dense):
                hint = (
                    "a Dense layer has no activation unless you give one: "
                    f"pass activation={wanted!r} to the layer."
                )
            raise _fail(
                f"{label} should use activation={wanted!r}, but it uses {actual!r}.",
                hint,
            )
    for attr, value in (("rate", rate), ("stddev", stddev)):
        if value is None:
            continue
        value = check_float(value, attr, "check_layer", min_value=0.0)
        actual = need(attr, value)
        if not _close(float(actual), value):
            raise _fail(
                f"{label} should have {attr}={_fmt(value)}, but it has "
                f"{attr}={_fmt(float(actual))}.",
                f"pass {attr}={_fmt(value)} to the layer.",
            )
    for attr, value in (
        ("kernel_regularizer", kernel_regularizer),
        ("activity_regularizer", activity_regularizer),
    ):
        if value is not None:
            need(attr, value)
            _check_regularizer(layer, attr, value, label)
    if kernel_constraint is not None:
        need("kernel_constraint", kernel_constraint)
        _check_constraint(layer, kernel_constraint, label)
    if kernel_initializer is not None:
        wanted = _initializer_name(kernel_initializer)
        actual = type(need("kernel_initializer", kernel_initializer)).__name__
        if _norm(actual) != _norm(wanted):
            shown = (
                kernel_initializer if isinstance(kernel_initializer, str) else wanted
            )
            raise _fail(
                f"{label} should use kernel_initializer={shown!r}, "
                f"but it uses {actual}.",
                f"pass kernel_initializer={shown!r} to the layer.",
            )
    if use_bias is not None:
        if not isinstance(use_bias, bool):
            raise _argument_error("use_bias", "check_layer", "a bool", use_bias)
        actual = bool(need("use_bias", use_bias))
        if actual != use_bias:
            raise _fail(
                f"{label} should have use_bias={use_bias}, but it has "
                f"use_bias={actual}.",
                f"pass use_bias={use_bias} to the layer.",
            )
    return layer


def check_trainable(model: Any, expected: Sequence[bool]) -> keras.Model:
    """Check which layers of the model train and which are frozen.

    A frozen layer has ``layer.trainable = False``: training leaves its
    weights as they are (transfer learning's feature extraction).

    Parameters
    ----------
    model : keras.Model
        The learner's model. Its ``keras.Input`` is not counted.
    expected : sequence of bool
        One entry per layer: True for a layer that trains, False for a
        frozen one.

    Returns
    -------
    model : keras.Model
        ``model``, unchanged.

    Raises
    ------
    GradingError
        If ``model`` is not a model, has another number of layers, or a
        layer's ``trainable`` flag differs. The message names the first such
        layer and lists both sequences.
    TypeError
        If ``expected`` is not a sequence of bools.

    See Also
    --------
    check_layers : Check the types and order of the layers.

    Notes
    -----
    Used by chapter 10.

    Examples
    --------
    >>> import keras
    >>> from bdl_helpers.grading import check_trainable
    >>> model = keras.Sequential([
    ...     keras.Input(shape=(2,)),
    ...     keras.layers.Dense(5, activation="relu"),
    ...     keras.layers.Dense(3, activation="softmax"),
    ... ])
    >>> model.layers[0].trainable = False
    >>> _ = check_trainable(model, [False, True])
    >>> check_trainable(model, [True, True])
    Traceback (most recent call last):
    ...
    bdl_helpers.grading.GradingError: Layer 0 (Dense) should train, but it is \
frozen. Expected: trains, trains. Found: frozen, trains. Hint: leave \
model.layers[0].trainable at True (the default), then compile the model.
    """
    if isinstance(expected, str) or not isinstance(expected, Iterable):
        raise TypeError(
            "The 'expected' parameter of check_trainable must be a list of bools, "
            f"one per layer, such as [False, True]. Got {expected!r} instead."
        )
    expected = list(expected)
    if not all(isinstance(flag, bool) for flag in expected):
        raise TypeError(
            "The 'expected' parameter of check_trainable must hold only bools. "
            f"Got {expected!r} instead."
        )
    model = _require_model(model)
    layers = _layers(model)

    def words(flags: Iterable[bool]) -> str:
        return ", ".join("trains" if flag else "frozen" for flag in flags)

    found = [bool(layer.trainable) for layer in layers]
    listing = f"Expected: {words(expected)}. Found: {words(found)}."
    if len(layers) != len(expected):
        raise _fail(
            f"The model has {_count(len(layers), 'layer')}, but the exercise needs "
            f"{len(expected)}. {listing}",
            "build the model with the layers the exercise lists.",
        )
    for index, (layer, wanted, actual) in enumerate(
        zip(layers, expected, found, strict=True)
    ):
        if wanted == actual:
            continue
        label = f"Layer {index} ({type(layer).__name__})"
        if wanted:
            problem = f"{label} should train, but it is frozen."
            hint = (
                f"leave model.layers[{index}].trainable at True (the default), "
                "then compile the model."
            )
        else:
            problem = f"{label} should be frozen, but it trains."
            hint = (
                f"set model.layers[{index}].trainable = False, then compile the "
                "model."
            )
        raise _fail(f"{problem} {listing}", hint)
    return model


# --------------------------------------------------------------------------
# Optimizer and loss
# --------------------------------------------------------------------------


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
    floats = {
        "learning_rate": check_float(
            learning_rate, "learning_rate", func, min_value=0.0, allow_none=True
        ),
        "decay_rate": check_float(
            decay_rate, "decay_rate", func, min_value=0.0, allow_none=True
        ),
        "momentum": check_float(
            momentum, "momentum", func, min_value=0.0, allow_none=True
        ),
        "clipnorm": check_float(
            clipnorm, "clipnorm", func, min_value=0.0, allow_none=True
        ),
        "clipvalue": check_float(
            clipvalue, "clipvalue", func, min_value=0.0, allow_none=True
        ),
        "global_clipnorm": check_float(
            global_clipnorm, "global_clipnorm", func, min_value=0.0, allow_none=True
        ),
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


# --------------------------------------------------------------------------
# History and learning curves
# --------------------------------------------------------------------------


def _history_dict(history: Any, name: str = "history") -> dict[str, list]:
    data = getattr(history, "history", None)
    if not isinstance(data, Mapping) or inspect.isclass(history):
        data = history if isinstance(history, Mapping) else None
    if data is not None:
        curves = {}
        for key, values in data.items():
            if isinstance(values, str | bytes) or not isinstance(values, Iterable):
                raise _fail(
                    f"{name}[{key!r}] should be a list with one value per epoch, "
                    f"but it is {_describe(values)}.",
                    "pass the History that model.fit(...) returns.",
                )
            curves[str(key)] = list(values)
        return curves
    hint = "use the History that fit returns: history = model.fit(...)."
    if hasattr(history, "fit") and hasattr(history, "layers"):
        hint = "pass the History that model.fit(...) returns, not the model."
    elif isinstance(history, list | tuple):
        hint = (
            "pass the whole History (or history.history), not a single curve "
            "such as history.history['loss']."
        )
    raise _wrong_object(
        history, name, "the History that model.fit() returns", "history", hint
    )


def _keys_text(data: Mapping) -> str:
    return ", ".join(repr(key) for key in data) or "none"


def _missing_key(data: Mapping, key: str, name: str = "history") -> GradingError:
    found = _keys_text(data)
    swaps = {"acc": "accuracy", "accuracy": "acc"}
    prefix = "val_" if key.startswith("val_") else ""
    base = key[len(prefix) :]
    hints = []
    if base in swaps and swaps[base] in data:
        hints.append(
            "Keras 3 names a metric after what you pass to compile: "
            f"metrics=[{swaps[base]!r}] records {swaps[base]!r}. Compile with "
            f"metrics=[{base!r}] to get {key!r}."
        )
    elif base not in data and base != "loss":
        hints.append(f"add {base!r} to model.compile(metrics=[...]).")
    if prefix and not any(k.startswith("val_") for k in data):
        also = (
            "pass validation_data=(X_test, y_test) to model.fit() so that it "
            "records the val_ curves."
        )
        hints.append(also[0].upper() + also[1:] if hints else also)
    if not hints:
        hints.append("pass the History that model.fit(...) returns.")
    return _fail(f"{name} has no {key!r}. It has: {found}.", " ".join(hints))


def check_history(
    history: Any, *, keys: Iterable[str] = (), epochs: int | None = None
) -> dict[str, list]:
    """Check a training history: its curves and how many epochs it holds.

    Parameters
    ----------
    history : keras.callbacks.History or dict
        What ``model.fit`` returned, or its ``.history`` dict.
    keys : iterable of str, default=()
        Names that must be in the history, such as ``("loss", "val_loss",
        "val_accuracy")``.
    epochs : int, default=None
        How many epochs the history must hold (the length of ``"loss"``).

    Returns
    -------
    history : dict of str to list
        The curves, ``{"loss": [...], ...}``.

    Raises
    ------
    GradingError
        If ``history`` is not a history (``None``, the function, the model), a
        key is missing (the message lists the keys that exist, and explains
        ``'acc'`` versus ``'accuracy'``), or the number of epochs differs.

    See Also
    --------
    diagnose_curves : Read underfit, overfit or good fit from the curves.

    Notes
    -----
    Used by chapters 01-04, 08, 11-12 and 14.

    Examples
    --------
    >>> from bdl_helpers.grading import check_history
    >>> history = {"loss": [0.7, 0.5], "acc": [0.5, 0.8]}
    >>> sorted(check_history(history, keys=["loss"], epochs=2))
    ['acc', 'loss']
    >>> check_history(history, keys=["accuracy"])
    Traceback (most recent call last):
    ...
    bdl_helpers.grading.GradingError: history has no 'accuracy'. It has: 'loss', \
'acc'. Hint: Keras 3 names a metric after what you pass to compile: \
metrics=['acc'] records 'acc'. Compile with metrics=['accuracy'] to get 'accuracy'.
    """
    if isinstance(keys, str):
        keys = (keys,)
    keys = list(keys)
    if not all(isinstance(key, str) for key in keys):
        raise _argument_error("keys", "check_history", "a list of str", keys)
    if epochs is not None:
        epochs = check_int(epochs, "epochs", "check_history", min_value=1)
    data = _history_dict(history)
    for key in keys:
        if key not in data:
            raise _missing_key(data, key)
    if epochs is not None:
        counted = len(data["loss"]) if "loss" in data else None
        if counted is None:
            counted = max((len(values) for values in data.values()), default=0)
        if counted != epochs:
            raise _fail(
                f"history holds {counted} epochs, but the exercise asks for {epochs}.",
                f"pass epochs={epochs} to model.fit().",
            )
    return data


@dataclass(frozen=True)
class _Curves:
    """The numbers the curve criteria are stated in (epochs 0-based)."""

    epochs: int
    train_first: float
    train_end: float
    train_at_best: float | None = None
    best_epoch: int | None = None
    val_best: float | None = None
    val_end: float | None = None

    @property
    def drop(self) -> float:
        """How much lower the training loss ends than it starts, relatively."""
        return (self.train_first - self.train_end) / max(abs(self.train_first), 1e-12)

    @property
    def rise(self) -> float:
        """How far the validation loss ends above its minimum, relatively."""
        return (self.val_end - self.val_best) / max(abs(self.val_best), 1e-12)

    @property
    def gap(self) -> float:
        """How far the validation loss ends above the training loss, relatively."""
        return (self.val_end - self.train_end) / max(abs(self.train_end), 1e-12)

    @property
    def early(self) -> bool:
        """Whether the validation minimum falls in the first 75% of epochs."""
        return self.best_epoch + 1 <= _EARLY * self.epochs

    def where(self) -> str:
        return f"epoch {self.best_epoch + 1} of {self.epochs}"


def _tail_mean(values: Sequence[float]) -> float:
    count = max(1, len(values) // 10)
    tail = values[-count:]
    return sum(tail) / len(tail)


def _curve(data: Mapping, key: str) -> list[float]:
    if key not in data:
        raise _missing_key(data, key)
    try:
        values = [float(v) for v in data[key]]
    except (TypeError, ValueError):
        raise _fail(
            f"history[{key!r}] should be a list of numbers.",
            "pass the History that model.fit(...) returns.",
        ) from None
    if len(values) < _MIN_EPOCHS:
        raise _fail(
            f"history[{key!r}] has {len(values)} epochs; judging the learning "
            f"curves needs at least {_MIN_EPOCHS}.",
            "train for more epochs.",
        )
    for epoch, value in enumerate(values):
        if not math.isfinite(value):
            raise _fail(
                f"history[{key!r}] is {value} from epoch {epoch + 1} on.",
                "training diverged; try a smaller learning rate.",
            )
    return values


def _read_curves(history: Any, *, validation: bool = True) -> _Curves:
    data = _history_dict(history)
    train = _curve(data, "loss")
    if not validation:
        return _Curves(len(train), train[0], _tail_mean(train))
    val = _curve(data, "val_loss")
    if len(val) != len(train):
        raise _fail(
            f"history['loss'] has {len(train)} epochs but history['val_loss'] has "
            f"{len(val)}.",
            "pass the History of one call to model.fit().",
        )
    best = min(range(len(val)), key=val.__getitem__)
    return _Curves(
        epochs=len(train),
        train_first=train[0],
        train_end=_tail_mean(train),
        train_at_best=train[best],
        best_epoch=best,
        val_best=val[best],
        val_end=_tail_mean(val),
    )


def _percent(fraction: float) -> str:
    """A measured fraction: 0.0993 prints as 9.9%, so it never looks like 10%."""
    return f"{100 * fraction:.1f}%" if abs(fraction) < 1 else f"{100 * fraction:.0f}%"


def _limit(fraction: float) -> str:
    """A threshold: 0.1 prints as 10%."""
    return f"{100 * fraction:g}%"


def _flat_problem(curves: _Curves, max_drop: float) -> str | None:
    if curves.drop >= max_drop:
        return None
    return (
        f"The training loss barely falls: from {_fmt(curves.train_first)} to "
        f"{_fmt(curves.train_end)} ({_percent(curves.drop)} lower; a model that "
        f"learns lowers it by at least {_limit(max_drop)}), so the model underfits."
    )


def _overfit_problem(
    curves: _Curves, min_rise: float, max_drop: float = _MAX_DROP
) -> tuple[str, str] | None:
    """Why the curves are not the clear overfitting shape, or None if they are."""
    flat = _flat_problem(curves, max_drop)
    if flat:
        return flat, "give the model more capacity (units, layers) or more epochs."
    if not curves.early:
        return (
            f"The validation loss is lowest near the end ({curves.where()}), so it "
            "has not started to rise yet.",
            "train for more epochs, or use a larger model or fewer training "
            "examples, so that the model starts to memorize the training set.",
        )
    if curves.rise < min_rise:
        return (
            f"The validation loss is lowest at {curves.where()} "
            f"({_fmt(curves.val_best)}) and ends at {_fmt(curves.val_end)}, only "
            f"{_percent(curves.rise)} above its minimum; overfitting needs a rise "
            f"of at least {_limit(min_rise)}.",
            "train for more epochs, use a larger model or fewer training examples, "
            "and remove any regularization.",
        )
    if curves.train_end >= curves.train_at_best:
        return (
            f"The training loss does not keep falling after {curves.where()} "
            f"({_fmt(curves.train_at_best)} then, {_fmt(curves.train_end)} at the "
            "end), so the rising validation loss is not overfitting.",
            "a training loss that goes up often means the learning rate is too high.",
        )
    return None


def _good_fit_problem(
    curves: _Curves, max_gap: float, max_rise: float, max_drop: float = _MAX_DROP
) -> tuple[str, str] | None:
    """Why the curves are not a good fit, or None if they are."""
    flat = _flat_problem(curves, max_drop)
    if flat:
        return flat, "give the model more capacity (units, layers) or more epochs."
    if curves.rise >= max_rise:
        return (
            f"The validation loss rises {_percent(curves.rise)} from its minimum "
            f"({_fmt(curves.val_best)} at {curves.where()}) to {_fmt(curves.val_end)} "
            f"at the end (a good fit allows less than {_limit(max_rise)}), so the "
            "model overfits.",
            "stop training earlier (fewer epochs or EarlyStopping) or add "
            "regularization.",
        )
    if curves.gap > max_gap:
        return (
            f"The validation loss ends {_percent(curves.gap)} above the training "
            f"loss ({_fmt(curves.val_end)} against {_fmt(curves.train_end)}; a good "
            f"fit allows at most {_limit(max_gap)}), so the model overfits.",
            "add regularization or use a smaller model.",
        )
    return None


def check_overfits(history: Any, *, min_rise: float = _RISE) -> None:
    """Check that learning curves show overfitting.

    The curves overfit when all of these hold:

    1. the training loss falls: its end value is at least 10% below its
       first-epoch value (otherwise the model underfits);
    2. the validation loss reaches its minimum in the first 75% of the epochs
       (epoch ``e``, counted from 1, with ``e <= 0.75 * n``);
    3. the validation loss ends at least ``min_rise`` (relative) above that
       minimum;
    4. the training loss ends below its value at the epoch of that minimum,
       so the model keeps fitting the training set while the validation loss
       rises.

    Parameters
    ----------
    history : keras.callbacks.History or dict
        What ``model.fit`` returned, with ``"loss"`` and ``"val_loss"``.
    min_rise : float, default=0.1
        The smallest rise of the validation loss above its minimum, as a
        fraction of the minimum (0.1 is 10%).

    Raises
    ------
    GradingError
        If a criterion fails; the message gives the numbers found.

    See Also
    --------
    check_underfits, check_good_fit, diagnose_curves

    Notes
    -----
    All criteria read the history's ``"loss"`` and ``"val_loss"``. A curve's
    *end value* is the mean of its last ``max(1, n // 10)`` epochs (``n``
    epochs in all), which damps epoch-to-epoch noise; its *minimum* is the
    lowest single epoch. At least 4 epochs are needed.
    Used by chapter 00.

    Examples
    --------
    >>> from bdl_helpers.grading import check_overfits
    >>> history = {
    ...     "loss": [0.7, 0.5, 0.4, 0.3, 0.2, 0.15, 0.1, 0.08],
    ...     "val_loss": [0.7, 0.55, 0.5, 0.52, 0.56, 0.6, 0.66, 0.7],
    ... }
    >>> check_overfits(history)
    >>> check_overfits({"loss": [0.7, 0.5, 0.4, 0.3], "val_loss": [0.7, 0.5, 0.4, 0.3]})
    Traceback (most recent call last):
    ...
    bdl_helpers.grading.GradingError: The validation loss is lowest near the end \
(epoch 4 of 4), so it has not started to rise yet. Hint: train for more epochs, \
or use a larger model or fewer training examples, so that the model starts to \
memorize the training set.
    """
    min_rise = check_float(min_rise, "min_rise", "check_overfits", min_value=0.0)
    problem = _overfit_problem(_read_curves(history), min_rise)
    if problem:
        raise _fail(*problem)


def check_underfits(
    history: Any,
    *,
    max_drop: float = _MAX_DROP,
    max_train_accuracy: float | None = None,
    metric: str = "accuracy",
) -> None:
    """Check that learning curves show underfitting.

    The curves underfit when the training loss stays high, that is when
    either holds:

    1. the training loss is flat: its end value is less than ``max_drop``
       (relative, 10%) below its first-epoch value;
    2. ``max_train_accuracy`` is given and the training metric's end value
       is below it.

    Only the training curves are read: underfitting shows on the training
    set already.

    Parameters
    ----------
    history : keras.callbacks.History or dict
        What ``model.fit`` returned, with ``"loss"``.
    max_drop : float, default=0.1
        A training loss that falls by less than this fraction is flat.
    max_train_accuracy : float, default=None
        A training metric that ends below this ceiling also counts as
        underfitting, such as ``0.7`` for a model that cannot beat 70%
        accuracy.
    metric : str, default="accuracy"
        The history key that ``max_train_accuracy`` is compared with.

    Raises
    ------
    GradingError
        If neither criterion holds; the message gives the numbers found.

    See Also
    --------
    check_overfits, check_good_fit, diagnose_curves

    Notes
    -----
    All criteria read the history's ``"loss"`` and ``"val_loss"``. A curve's
    *end value* is the mean of its last ``max(1, n // 10)`` epochs (``n``
    epochs in all), which damps epoch-to-epoch noise; its *minimum* is the
    lowest single epoch. At least 4 epochs are needed.

    Examples
    --------
    >>> from bdl_helpers.grading import check_underfits
    >>> check_underfits({"loss": [0.70, 0.69, 0.69, 0.68, 0.68]})
    >>> check_underfits({"loss": [0.7, 0.5, 0.3, 0.2, 0.1]})
    Traceback (most recent call last):
    ...
    bdl_helpers.grading.GradingError: The training loss falls from 0.7 to 0.1 \
(85.7% lower), so the model learns the training set and does not underfit. Hint: \
make the model too small to learn the problem (for example one hidden unit), or \
train it for only a few epochs or with a tiny learning rate.
    """
    max_drop = check_float(max_drop, "max_drop", "check_underfits", min_value=0.0)
    ceiling = check_float(
        max_train_accuracy,
        "max_train_accuracy",
        "check_underfits",
        min_value=0.0,
        allow_none=True,
    )
    if not isinstance(metric, str):
        raise _argument_error("metric", "check_underfits", "a str", metric)
    curves = _read_curves(history, validation=False)
    if _flat_problem(curves, max_drop):
        return
    problem = (
        f"The training loss falls from {_fmt(curves.train_first)} to "
        f"{_fmt(curves.train_end)} ({_percent(curves.drop)} lower)"
    )
    if ceiling is not None:
        score = _tail_mean(_curve(_history_dict(history), metric))
        if score < ceiling:
            return
        problem += (
            f" and the training {metric} ends at {_fmt(score)}, not below "
            f"{_fmt(ceiling)}"
        )
    raise _fail(
        f"{problem}, so the model learns the training set and does not underfit.",
        "make the model too small to learn the problem (for example one hidden "
        "unit), or train it for only a few epochs or with a tiny learning rate.",
    )


def check_good_fit(
    history: Any, *, max_gap: float = _MAX_GAP, max_rise: float = _RISE
) -> None:
    """Check that learning curves show a good fit.

    The curves fit well when all of these hold:

    1. the training loss falls: its end value is at least 10% below its
       first-epoch value (otherwise the model underfits);
    2. the validation loss ends less than ``max_rise`` (relative, 10%) above
       its minimum, so it has settled rather than turned up;
    3. the validation loss ends at most ``max_gap`` (relative, 20%) above the
       training loss's end value. Ending below it is fine, as with dropout.

    Parameters
    ----------
    history : keras.callbacks.History or dict
        What ``model.fit`` returned, with ``"loss"`` and ``"val_loss"``.
    max_gap : float, default=0.2
        The largest gap between the validation and training loss at the end,
        as a fraction of the training loss.
    max_rise : float, default=0.1
        The validation loss must end less than this fraction above its
        minimum.

    Raises
    ------
    GradingError
        If a criterion fails; the message gives the numbers found.

    See Also
    --------
    check_overfits, check_underfits, diagnose_curves

    Notes
    -----
    All criteria read the history's ``"loss"`` and ``"val_loss"``. A curve's
    *end value* is the mean of its last ``max(1, n // 10)`` epochs (``n``
    epochs in all), which damps epoch-to-epoch noise; its *minimum* is the
    lowest single epoch. At least 4 epochs are needed.

    Examples
    --------
    >>> from bdl_helpers.grading import check_good_fit
    >>> check_good_fit({
    ...     "loss": [0.7, 0.5, 0.4, 0.35, 0.33, 0.32],
    ...     "val_loss": [0.7, 0.52, 0.43, 0.38, 0.36, 0.36],
    ... })
    >>> check_good_fit({
    ...     "loss": [0.7, 0.5, 0.3, 0.2, 0.1, 0.05],
    ...     "val_loss": [0.7, 0.5, 0.4, 0.4, 0.4, 0.4],
    ... })
    Traceback (most recent call last):
    ...
    bdl_helpers.grading.GradingError: The validation loss ends 700% above the \
training loss (0.4 against 0.05; a good fit allows at most 20%), so the model \
overfits. Hint: add regularization or use a smaller model.
    """
    max_gap = check_float(max_gap, "max_gap", "check_good_fit", min_value=0.0)
    max_rise = check_float(max_rise, "max_rise", "check_good_fit", min_value=0.0)
    problem = _good_fit_problem(_read_curves(history), max_gap, max_rise)
    if problem:
        raise _fail(*problem)


def diagnose_curves(
    history: Any,
    *,
    max_drop: float = _MAX_DROP,
    min_rise: float = _RISE,
    max_gap: float = _MAX_GAP,
) -> str:
    """Name what the learning curves show: underfit, overfit or good fit.

    The same criteria as the checks, with the same default thresholds,
    applied in this order:

    1. ``"underfit"`` if the training loss is flat (its end value is less than
       ``max_drop``, 10%, below its first-epoch value), as in
       :func:`check_underfits`;
    2. ``"overfit"`` if the curves pass :func:`check_overfits` with
       ``min_rise``;
    3. ``"good fit"`` if they pass :func:`check_good_fit` with ``max_gap``
       and ``max_rise=min_rise``;
    4. ``"overfit"`` otherwise: the training loss falls, but the validation
       loss turns up by ``min_rise`` (10%) or more, or ends more than
       ``max_gap`` (20%) above the training loss.

    So every curve that passes :func:`check_overfits` or
    :func:`check_good_fit` gets that name here; the ``"overfit"`` of step 4
    is broader than :func:`check_overfits`, which asks for the clear shape.

    Parameters
    ----------
    history : keras.callbacks.History or dict
        What ``model.fit`` returned, with ``"loss"`` and ``"val_loss"``.
    max_drop : float, default=0.1
        A training loss that falls by less than this fraction is flat.
    min_rise : float, default=0.1
        A validation loss that ends this fraction or more above its minimum
        has turned up.
    max_gap : float, default=0.2
        The largest gap between the validation and training loss at the end
        of a good fit, as a fraction of the training loss.

    Returns
    -------
    diagnosis : str
        ``"underfit"``, ``"overfit"`` or ``"good fit"``.

    Raises
    ------
    GradingError
        If ``history`` is not a history with at least 4 finite epochs of
        ``"loss"`` and ``"val_loss"``.

    See Also
    --------
    check_overfits, check_underfits, check_good_fit

    Notes
    -----
    All criteria read the history's ``"loss"`` and ``"val_loss"``. A curve's
    *end value* is the mean of its last ``max(1, n // 10)`` epochs (``n``
    epochs in all), which damps epoch-to-epoch noise; its *minimum* is the
    lowest single epoch. At least 4 epochs are needed.

    Examples
    --------
    >>> from bdl_helpers.grading import diagnose_curves
    >>> diagnose_curves({
    ...     "loss": [0.7, 0.5, 0.4, 0.3, 0.2, 0.15, 0.1, 0.08],
    ...     "val_loss": [0.7, 0.55, 0.5, 0.52, 0.56, 0.6, 0.66, 0.7],
    ... })
    'overfit'
    >>> diagnose_curves({"loss": [0.7, 0.69, 0.69, 0.68], "val_loss": [0.7] * 4})
    'underfit'
    """
    func = "diagnose_curves"
    max_drop = check_float(max_drop, "max_drop", func, min_value=0.0)
    min_rise = check_float(min_rise, "min_rise", func, min_value=0.0)
    max_gap = check_float(max_gap, "max_gap", func, min_value=0.0)
    curves = _read_curves(history)
    if _flat_problem(curves, max_drop):
        return "underfit"
    if _overfit_problem(curves, min_rise, max_drop) is None:
        return "overfit"
    if _good_fit_problem(curves, max_gap, min_rise, max_drop) is None:
        return "good fit"
    return "overfit"


# --------------------------------------------------------------------------
# Answers
# --------------------------------------------------------------------------


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, bool) != isinstance(b, bool):
        return False
    try:
        return bool(a == b)
    except (TypeError, ValueError):  # arrays and other odd objects
        return False


def _one_of(value: Any, options: Sequence) -> bool:
    return any(_same(value, option) for option in options)


def check_choice(
    answer: Any,
    options: Iterable[Any],
    *,
    expected: Any = None,
    name: str = "answer",
    hint: str = "",
) -> Any:
    """Check an answer variable of an evidence question.

    First the answer must be one of the options; then, if ``expected`` is
    given, it must be a right one. The message for a wrong option never says
    which option is right.

    Parameters
    ----------
    answer : object
        The learner's answer variable, such as ``answer_2``.
    options : iterable
        The options the question lists, such as ``["A", "B", "C"]``.
    expected : object or set, default=None
        The right option, or a set, tuple or list of acceptable options. If
        ``None``, only the format of ``answer`` is checked (for a visible
        test; the hidden test grades it).
    name : str, default="answer"
        The variable's name, for messages (``"answer_2"``).
    hint : str, default=""
        What to look at again when the answer is wrong, such as ``"Look
        again at the validation curve after epoch 50."``

    Returns
    -------
    answer : object
        ``answer``, unchanged.

    Raises
    ------
    GradingError
        If ``answer`` is not one of ``options`` (the message lists them, and
        says so if only case or spaces differ) or is not an expected option.
    ValueError
        If ``options`` is empty or ``expected`` is not among the options.

    See Also
    --------
    check_close : Check a number the learner computes.

    Notes
    -----
    Used by every chapter.

    Examples
    --------
    >>> from bdl_helpers.grading import check_choice
    >>> check_choice("B", ["A", "B", "C"], expected={"B", "C"}, name="answer_2")
    'B'
    >>> check_choice("b ", ["A", "B", "C"], name="answer_2")
    Traceback (most recent call last):
    ...
    bdl_helpers.grading.GradingError: answer_2 is 'b ', which is not one of the \
options 'A', 'B', 'C'. Hint: it differs from 'B' only in case or spaces; write \
answer_2 = 'B'.
    """
    if isinstance(options, str) or not isinstance(options, Iterable):
        raise _argument_error("options", "check_choice", "a list of options", options)
    options = list(options)
    if not options:
        raise _argument_error(
            "options", "check_choice", "a non-empty list of options", options
        )
    accepted = None
    if expected is not None:
        if _one_of(expected, options):
            accepted = [expected]
        elif isinstance(expected, set | frozenset | tuple | list) and expected:
            accepted = list(expected)
        if accepted is None or not all(_one_of(item, options) for item in accepted):
            raise _argument_error(
                "expected",
                "check_choice",
                "one of the options or a set of them",
                expected,
            )
    listed = ", ".join(_short_repr(option) for option in options)

    if not _one_of(answer, options):
        if answer is None or answer is Ellipsis:
            shown = "None" if answer is None else "still the placeholder `...`"
            raise _fail(
                f"{name} is {shown}.",
                f"set {name} to one of the options: {listed}.",
            )
        if inspect.isroutine(answer) or inspect.isclass(answer):
            raise _fail(
                f"{name} is {_describe(answer)}, not one of the options {listed}.",
                f"set {name} to one of the options.",
            )
        problem = (
            f"{name} is {_short_repr(answer)}, which is not one of the options "
            f"{listed}."
        )
        text = str(answer)
        for option in options:
            if isinstance(answer, str) and isinstance(option, str):
                if answer.strip().lower() == option.strip().lower():
                    raise _fail(
                        problem,
                        f"it differs from {option!r} only in case or spaces; "
                        f"write {name} = {option!r}.",
                    )
            elif text.strip() == str(option).strip():
                raise _fail(
                    problem,
                    f"it is {_describe(answer)}, but the option is "
                    f"{_describe(option)}; write {name} = {option!r}.",
                )
        raise _fail(problem, "copy one of the options exactly.")

    if accepted is not None and not _one_of(answer, accepted):
        raise _fail(
            f"{name} is not the option the evidence supports.",
            hint
            or "look again at the evidence above (the curves and the table) and "
            "at what each option claims.",
        )
    return answer


def check_close(
    value: Any,
    expected: float,
    *,
    tol: float,
    name: str = "value",
    hint: str = "",
) -> float:
    """Check that a number the learner computed is close to the expected one.

    The message for a wrong number never shows the expected number.

    Parameters
    ----------
    value : float, NumPy scalar, 0-d array or tensor
        The learner's number.
    expected : float
        The right number.
    tol : float
        The largest absolute difference allowed, ``|value - expected| <= tol``.
    name : str, default="value"
        The variable's name, for messages.
    hint : str, default=""
        How to find the number, shown when it is wrong.

    Returns
    -------
    value : float
        ``value`` as a Python float.

    Raises
    ------
    GradingError
        If ``value`` is not a single number (``None``, a string, an array with
        several numbers), is NaN or infinite, or is not within ``tol``.
    ValueError
        If ``expected`` or ``tol`` is not a valid float.

    See Also
    --------
    check_choice : Check an answer chosen from options.

    Notes
    -----
    Used by chapters 02-05, 08, 10, 12-13 and 15.

    Examples
    --------
    >>> from bdl_helpers.grading import check_close
    >>> check_close(0.8134, 0.81, tol=0.01, name="mean_accuracy")
    0.8134
    >>> check_close(0.7, 0.81, tol=0.01, name="mean_accuracy",
    ...             hint="Average the test accuracy over all 10 repeats.")
    Traceback (most recent call last):
    ...
    bdl_helpers.grading.GradingError: mean_accuracy is 0.7, which is not within \
0.01 of the expected value. Hint: Average the test accuracy over all 10 repeats.
    """
    expected = check_float(expected, "expected", "check_close")
    tol = check_float(tol, "tol", "check_close", min_value=0.0)
    number = _as_number(value, name)
    if math.isnan(number):
        raise _fail(
            f"{name} is NaN (not a number).",
            "NaN comes from a diverging training run or from 0/0; check how you "
            "compute it.",
        )
    if math.isinf(number):
        raise _fail(
            f"{name} is infinite.",
            "check for a division by zero or a diverging training run.",
        )
    if abs(number - expected) > tol:
        raise _fail(
            f"{name} is {_fmt(number)}, which is not within {_fmt(tol)} of the "
            "expected value.",
            hint or "check how you compute it.",
        )
    return number


def _as_number(value: Any, name: str) -> float:
    import numpy as np

    if value is None or value is Ellipsis or inspect.isroutine(value):
        raise _wrong_object(value, name, "a number", name)
    if isinstance(value, bool):
        raise _fail(f"{name} is the bool {value}, not a number.", "compute the number.")
    if isinstance(value, str):
        try:
            float(value)
        except ValueError:
            hint = "compute the number and assign it, without quotes."
        else:
            hint = "remove the quotes around the number."
        raise _fail(f"{name} is the string {_short_repr(value)}, not a number.", hint)
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise _fail(
            f"{name} should be a number, but it is {_describe(value)}.",
            "assign the number itself.",
        ) from None
    if array.size != 1:
        raise _fail(
            f"{name} should be a single number, but it has shape {array.shape}.",
            "reduce it to one number, for example with np.mean(...).",
        )
    return float(array.reshape(()))


def _normal_form(value: Any) -> str | None:
    """The text a digest is taken of, or None for a type that has none.

    Case, surrounding spaces and runs of spaces of a string do not count;
    ``3``, ``3.0`` and ``np.int64(3)`` are one number; lists and tuples keep
    their order, sets do not.
    """
    import numpy as np

    if isinstance(value, np.generic):
        value = value.item()
    if value is None or isinstance(value, bool):
        return repr(value)
    if isinstance(value, str):
        return "s:" + " ".join(value.split()).casefold()
    if isinstance(value, Real):
        number = float(value)
        if math.isfinite(number) and number == round(number):
            return f"n:{int(round(number))}"
        return f"n:{number:.6g}"
    if isinstance(value, list | tuple):
        parts = [_normal_form(item) for item in value]
        return None if None in parts else "[" + ",".join(parts) + "]"
    if isinstance(value, set | frozenset):
        parts = [_normal_form(item) for item in value]
        return None if None in parts else "{" + ",".join(sorted(parts)) + "}"
    return None


def answer_digest(answer: Any, *, salt: str) -> str:
    """The salted digest of an answer, for a self-check that keeps it hidden.

    A visible test cell can hold the digest of the right answer and compare
    the learner's answer with it through :func:`check_digest`: the learner
    learns whether the answer is right, and reading the test does not tell
    what it is. The course author computes the digest once, with this function.

    Parameters
    ----------
    answer : str, int, float, bool, None, or a list, tuple or set of them
        The answer. Strings are compared without case and extra spaces,
        numbers by value (``3 == 3.0``; other floats to 6 significant
        digits), sets without order.
    salt : str
        A text unique to the question, such as ``"ch00-ex1-run-a"``, so that
        the same answer to two questions has two digests.

    Returns
    -------
    digest : str
        16 hexadecimal characters.

    Raises
    ------
    TypeError
        If ``answer`` is of another type.
    ValueError
        If ``salt`` is not a non-empty string.

    See Also
    --------
    check_digest : Compare a learner's answer with a digest.

    Examples
    --------
    >>> from bdl_helpers.grading import answer_digest
    >>> answer_digest("Overfit ", salt="demo") == answer_digest("overfit", salt="demo")
    True
    >>> answer_digest(3, salt="demo") == answer_digest(3.0, salt="demo")
    True
    >>> len(answer_digest(("a", 2), salt="demo"))
    16
    """
    import hashlib

    if not isinstance(salt, str) or not salt:
        raise _argument_error("salt", "answer_digest", "a non-empty string", salt)
    text = _normal_form(answer)
    if text is None:
        raise TypeError(
            "The 'answer' parameter of answer_digest must be a str, number, bool, "
            f"None, or a list, tuple or set of them. Got {_describe(answer)} instead."
        )
    return hashlib.sha256(f"{salt}\x00{text}".encode()).hexdigest()[:16]


def check_digest(
    answer: Any,
    digest: str,
    *,
    salt: str,
    options: Iterable[Any] | None = None,
    kind: type | tuple[type, ...] | None = None,
    name: str = "answer",
    hint: str = "",
) -> Any:
    """A learner's self-check: is the answer right? Without saying what is.

    The visible test cell of an exercise holds the digest of the right answer
    (from :func:`answer_digest`), not the answer. First the answer's format
    is checked: one of ``options`` if they are given (as
    :func:`check_choice` does), of type ``kind`` if it is given. Then its
    digest must equal ``digest``. The hidden tests still grade the answer.

    Parameters
    ----------
    answer : object
        The learner's answer variable.
    digest : str
        ``answer_digest(right_answer, salt=salt)``.
    salt : str
        The salt the digest was made with.
    options : iterable, default=None
        The options of a multiple-choice question.
    kind : type or tuple of types, default=None
        The type the answer must have, such as ``int``; a bool is not an int
        here, and any integral NumPy scalar is.
    name : str, default="answer"
        The variable's name, for messages.
    hint : str, default=""
        What to look at again when the answer is wrong.

    Returns
    -------
    answer : object
        ``answer``, unchanged.

    Raises
    ------
    GradingError
        If the answer is not one of ``options``, not of type ``kind``, of a
        type that has no digest, or wrong. The message never shows the right
        answer.
    ValueError
        If ``digest`` or ``salt`` is not a non-empty string.

    See Also
    --------
    answer_digest : Make the digest.
    check_choice : The format check of a multiple-choice answer.

    Notes
    -----
    The visible self-checks of chapters 00-02 use it.

    Examples
    --------
    >>> from bdl_helpers.grading import answer_digest, check_digest
    >>> right = answer_digest("B", salt="demo-q1")
    >>> check_digest("b", right, salt="demo-q1", options=["A", "B"], name="answer_1")
    'b'
    >>> check_digest("A", right, salt="demo-q1", options=["A", "B"], name="answer_1")
    Traceback (most recent call last):
    ...
    bdl_helpers.grading.GradingError: answer_1 is not right yet. Hint: look again \
at the evidence you produced and at what each option claims.
    """
    import numpy as np

    if not isinstance(digest, str) or not digest:
        raise _argument_error("digest", "check_digest", "a non-empty string", digest)
    if options is not None:
        options = list(options)
        if not any(
            isinstance(answer, str)
            and isinstance(option, str)
            and _normal_form(answer) == _normal_form(option)
            for option in options
        ):
            check_choice(answer, options, name=name)
    if kind is not None:
        kinds = kind if isinstance(kind, tuple) else (kind,)
        value = answer.item() if isinstance(answer, np.generic) else answer
        is_bool = isinstance(value, bool) and bool not in kinds
        if is_bool or not isinstance(value, kinds):
            wanted = " or ".join(k.__name__ for k in kinds)
            expected = f"{_article(wanted)} {wanted}"
            hint = f"make {name} {expected}."
            raise _wrong_object(answer, name, expected, name, hint)
    if _normal_form(answer) is None:
        raise _fail(
            f"{name} is {_describe(answer)}, which is not an answer the check can "
            "compare.",
            "give a string, a number, or a list of them.",
        )
    if answer_digest(answer, salt=salt) != digest:
        raise _fail(
            f"{name} is not right yet.",
            hint or "look again at the evidence you produced and at what each "
            "option claims.",
        )
    return answer
