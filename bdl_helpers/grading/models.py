"""Checks of a learner's model and its layers: architecture, settings, trainability."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Mapping, Sequence
from numbers import Real
from typing import TYPE_CHECKING, Any

from bdl_helpers._validation import check_float, check_int
from bdl_helpers.grading._messages import (
    GradingError,
    _argument_error,
    _article,
    _close,
    _count,
    _describe,
    _error_text,
    _fail,
    _fmt,
    _norm,
    _wrong_object,
)

if TYPE_CHECKING:
    import keras


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
    ArgumentError
        If ``expected`` is a string rather than a list (also a ``TypeError``).
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
        raise _argument_error(
            "expected",
            "check_layers",
            "a list of layer classes or names, such as ['Dense', 'Dropout']",
            expected,
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
    ArgumentError
        If ``expected`` is not a sequence of bools (also a ``TypeError``).

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
        raise _argument_error(
            "expected",
            "check_trainable",
            "a list of bools, one per layer, such as [False, True]",
            expected,
        )
    expected = list(expected)
    if not all(isinstance(flag, bool) for flag in expected):
        raise _argument_error(
            "expected", "check_trainable", "a list holding only bools", expected
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
                f"set model.layers[{index}].trainable = False, then compile the model."
            )
        raise _fail(f"{problem} {listing}", hint)
    return model
