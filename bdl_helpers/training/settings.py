"""Layer settings that may differ between models that share a program.

A dropout rate, a noise level or a penalty factor is a number in a layer's
configuration. If the engine keyed its compiled programs on it, every value of
a grid (five dropout rates, six L2 factors) would be a new architecture: a new
trace, a new XLA compilation, seconds each. Instead these numbers enter the
programs as arguments, one row per model, as learning rates do: models that
differ only in them share one program, and can even train together.

While a program is traced, each such attribute of the template model holds a
:class:`_Value`: Python comparisons with numbers (Keras's ``if training and
self.rate > 0``) see the template's value, and arithmetic sees the model's own
tensor. Models share a program only if every comparison Keras makes comes out
the same for them: the key records, per setting, whether it is 0, 1 or in
between.

The settings served, with the Keras code paths checked for this use:

- ``rate`` of ``Dropout`` and ``SpatialDropout1D/2D/3D``;
- ``stddev`` of ``GaussianNoise``;
- ``l1`` / ``l2`` of the ``L1``, ``L2`` and ``L1L2`` regularizers held by a
  layer as its kernel, bias or activity regularizer (weight penalties read the
  same object through their variable).
"""

from __future__ import annotations

import numbers
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from typing import Any

from bdl_helpers import _env  # noqa: F401  (quiet TensorFlow before it loads)

import keras
import numpy as np
import tensorflow as tf

# Exact classes only: a subclass may use the number in ways not checked here.
_LAYER_SETTINGS: dict[type, tuple[str, ...]] = {
    keras.layers.Dropout: ("rate",),
    keras.layers.SpatialDropout1D: ("rate",),
    keras.layers.SpatialDropout2D: ("rate",),
    keras.layers.SpatialDropout3D: ("rate",),
    keras.layers.GaussianNoise: ("stddev",),
}
_REGULARIZER_SETTINGS: dict[type, tuple[str, ...]] = {
    keras.regularizers.L1: ("l1",),
    keras.regularizers.L2: ("l2",),
    keras.regularizers.L1L2: ("l1", "l2"),
}
_REGULARIZER_ATTRIBUTES = (
    "kernel_regularizer",
    "bias_regularizer",
    "activity_regularizer",
)


class _Value:
    """A per-model setting as a layer sees it while a program is traced.

    Compared with a Python number it behaves as ``representative`` (the
    template model's value: the program's key guarantees that every model
    compares the same way); in arithmetic and in TensorFlow ops it is the
    model's own scalar tensor.
    """

    def __init__(self, tensor: tf.Tensor, representative: float) -> None:
        self.tensor = tensor
        self.representative = float(representative)

    def _static(self, other: Any) -> bool:
        return isinstance(other, numbers.Real) and not isinstance(other, _Value)

    def _compare(self, other, op):
        if self._static(other):
            return op(self.representative, float(other))
        return op(self.tensor, other)

    def __eq__(self, other):
        return self._compare(other, lambda a, b: a == b)

    def __ne__(self, other):
        return self._compare(other, lambda a, b: a != b)

    def __lt__(self, other):
        return self._compare(other, lambda a, b: a < b)

    def __le__(self, other):
        return self._compare(other, lambda a, b: a <= b)

    def __gt__(self, other):
        return self._compare(other, lambda a, b: a > b)

    def __ge__(self, other):
        return self._compare(other, lambda a, b: a >= b)

    __hash__ = None  # type: ignore[assignment]

    def __bool__(self) -> bool:
        return bool(self.representative)

    def __float__(self) -> float:
        raise TypeError(
            "a per-model setting has no single float value inside the engine's "
            "programs; this layer uses its setting in a way the engine does "
            "not serve (see bdl_helpers/training/settings.py)"
        )

    def __neg__(self):
        return -self.tensor

    def __add__(self, other):
        return self.tensor + other

    def __radd__(self, other):
        return other + self.tensor

    def __sub__(self, other):
        return self.tensor - other

    def __rsub__(self, other):
        return other - self.tensor

    def __mul__(self, other):
        return self.tensor * other

    def __rmul__(self, other):
        return other * self.tensor

    def __truediv__(self, other):
        return self.tensor / other

    def __rtruediv__(self, other):
        return other / self.tensor

    def __pow__(self, other):
        return self.tensor**other

    def __repr__(self) -> str:
        return f"_Value({self.representative!r}, per model)"


# tf.nn.experimental.stateless_dropout accepts a rate that is a Python number or
# a tensor; as a "number" the value passes its range checks statically and is
# converted where it is used.
numbers.Real.register(_Value)
tf.register_tensor_conversion_function(
    _Value,
    lambda value, dtype=None, name=None, as_ref=False: tf.cast(
        value.tensor, dtype or value.tensor.dtype
    ),
)


def find(model: keras.Model) -> list[tuple[Any, str, str]]:
    """The model's per-model settings: ``(owner, attribute, path)`` in a fixed order.

    ``path`` names the setting by layer index and attribute; an object held
    twice (one regularizer given to two layers) is listed once.
    """
    found, seen = [], set()
    for index, layer in enumerate(model._flatten_layers(include_self=False)):
        for attribute in _LAYER_SETTINGS.get(type(layer), ()):
            found.append((layer, attribute, f"{index}.{attribute}"))
        for holder in _REGULARIZER_ATTRIBUTES:
            regularizer = getattr(layer, holder, None)
            attributes = _REGULARIZER_SETTINGS.get(type(regularizer), ())
            if not attributes or id(regularizer) in seen:
                continue
            seen.add(id(regularizer))
            for attribute in attributes:
                found.append((regularizer, attribute, f"{index}.{holder}.{attribute}"))
    return found


def _kind(value: float) -> str:
    # What Keras's own comparisons can tell apart: off, full, in between.
    return "0" if value == 0 else "1" if value == 1 else "x"


def key(model: keras.Model) -> tuple:
    """What models sharing a program must agree on: where the settings are, and
    for each whether it is 0, 1 or in between."""
    return tuple((path, _kind(float(getattr(o, a)))) for o, a, path in find(model))


@contextmanager
def _replaced(slots: list, new_values: Sequence[Any]) -> Iterator[None]:
    """Within the block, each slot's attribute holds its new value."""
    saved = [getattr(owner, attribute) for owner, attribute, _ in slots]
    try:
        for (owner, attribute, _), value in zip(slots, new_values, strict=True):
            setattr(owner, attribute, value)
        yield
    finally:
        for (owner, attribute, _), value in zip(slots, saved, strict=True):
            setattr(owner, attribute, value)


def neutral(model: keras.Model) -> AbstractContextManager[None]:
    """Within the block, every setting reads 0, 1 or 0.5 (its kind): configs of
    models that differ only in their settings' values compare equal."""
    slots = find(model)
    stand_ins = [
        {"0": 0.0, "1": 1.0}.get(_kind(float(getattr(o, a))), 0.5)
        for o, a, _ in slots
    ]
    return _replaced(slots, stand_ins)


def values(models: Sequence[keras.Model]) -> np.ndarray:
    """Each model's settings, one row per model (float32, shape (n, k))."""
    rows = [[float(getattr(o, a)) for o, a, _ in find(m)] for m in models]
    return np.asarray(rows, dtype="float32").reshape(len(models), -1)


def bound(template: keras.Model, row: tf.Tensor) -> AbstractContextManager[None]:
    """While tracing: the template's settings read one model's ``row`` of values."""
    slots = find(template)
    return _replaced(
        slots,
        [_Value(row[j], float(getattr(o, a))) for j, (o, a, _) in enumerate(slots)],
    )
