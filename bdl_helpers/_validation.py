"""Argument checks shared by every public function of the package.

Each check raises an error in scikit-learn's shape, naming the parameter, the
function, what was expected and what came instead, so that the message alone
says how to fix the call::

    The 'noise' parameter of make_dataset must be a float >= 0. Got -0.1 instead.

Every such error is an :class:`ArgumentError`, raised by every public function
of the package for a bad argument.
"""

from __future__ import annotations

from collections.abc import Iterable
from numbers import Integral, Real
from typing import Any


class ArgumentError(ValueError, TypeError):
    """A bad argument to a function of the course's package.

    Both a ``ValueError`` and a ``TypeError`` (as scikit-learn's parameter
    errors are), so ``except ValueError`` and ``except TypeError`` both catch
    it, whether the value or its type was wrong. The message names the
    parameter, the function, what it must be and what came instead.

    Examples
    --------
    >>> import bdl_helpers as bdl
    >>> try:
    ...     bdl.load_dataset("moons", noise=-1.0)
    ... except bdl.ArgumentError as error:
    ...     print(error)
    The 'noise' parameter of load_dataset must be a float >= 0. Got -1.0 instead.
    >>> issubclass(bdl.ArgumentError, ValueError)
    True
    >>> issubclass(bdl.ArgumentError, TypeError)
    True
    """


def argument_error(
    name: str, func: str, expected: str, value: Any, *, show_type: bool = False
) -> ArgumentError:
    """The package's one message for a bad argument, as an :class:`ArgumentError`.

    ``show_type`` names the value's type instead of its repr (for objects whose
    repr is long, such as arrays, figures or models).
    """
    got = f"an object of type {type(value).__name__}" if show_type else repr(value)
    return ArgumentError(
        f"The {name!r} parameter of {func} must be {expected}. Got {got} instead."
    )


def check_int(
    value: Any,
    name: str,
    func: str,
    *,
    min_value: int | None = None,
    max_value: int | None = None,
) -> int:
    """Return ``value`` as an ``int`` or raise a ``ValueError`` naming the fix."""
    bounds = _bounds_text(min_value, max_value)
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise argument_error(name, func, f"an int{bounds}", value)
    if (min_value is not None and value < min_value) or (
        max_value is not None and value > max_value
    ):
        raise argument_error(name, func, f"an int{bounds}", value)
    return int(value)


def check_float(
    value: Any,
    name: str,
    func: str,
    *,
    min_value: float | None = None,
    max_value: float | None = None,
    allow_none: bool = False,
) -> float | None:
    """Return ``value`` as a ``float`` or raise a ``ValueError`` naming the fix."""
    if value is None and allow_none:
        return None
    bounds = _bounds_text(min_value, max_value)
    expected = f"a float{bounds}" + (" or None" if allow_none else "")
    if isinstance(value, bool) or not isinstance(value, Real):
        raise argument_error(name, func, expected, value)
    if value != value:  # NaN
        raise argument_error(name, func, expected, value)
    if (min_value is not None and value < min_value) or (
        max_value is not None and value > max_value
    ):
        raise argument_error(name, func, expected, value)
    return float(value)


def check_option(value: Any, name: str, func: str, options: Iterable[Any]) -> Any:
    """Return ``value`` if it is one of ``options``, else raise a ``ValueError``."""
    options = list(options)
    if value not in options:
        listed = ", ".join(repr(o) for o in options)
        raise argument_error(name, func, f"one of {listed}", value)
    return value


def check_text(value: Any, name: str, func: str) -> str:
    """``value`` as a non-empty str (a label, a title), else an ArgumentError.

    >>> check_text("validation", "val_label", "plot_learning_curves")
    'validation'
    """
    if not isinstance(value, str) or not value:
        raise argument_error(name, func, "a non-empty str", value)
    return value


def check_list(value: Any, name: str, func: str, expected: str) -> list:
    """``value`` as a list (any iterable but a string), or an :class:`ArgumentError`."""
    if isinstance(value, str | bytes):
        raise argument_error(name, func, expected, value)
    try:
        return list(value)
    except TypeError:
        raise argument_error(name, func, expected, value, show_type=True) from None


def _bounds_text(min_value: float | None, max_value: float | None) -> str:
    if min_value is not None and max_value is not None:
        return f" in the range [{min_value}, {max_value}]"
    if min_value is not None:
        return f" >= {min_value}"
    if max_value is not None:
        return f" <= {max_value}"
    return ""


def check_compiled_model(model: Any, func: str) -> Any:
    """Return ``model`` if it is a ``keras.Model`` compiled with a loss."""
    import keras

    if not isinstance(model, keras.Model):
        hint = ""
        if callable(model):
            hint = " Did you pass the function that builds it? Call it first."
        raise ArgumentError(
            f"The 'model' parameter of {func} must be a compiled keras.Model. "
            f"Got an object of type {type(model).__name__} instead.{hint}"
        )
    if getattr(model, "loss", None) is None:
        raise ArgumentError(
            f"The model passed to {func} is not compiled. Call "
            "model.compile(loss=..., optimizer=..., metrics=[...]) first."
        )
    return model


def check_inputs(x: Any, func: str) -> Any:
    """``x`` as a float32 array of at least one row of inputs (ndim >= 2)."""
    import numpy as np

    try:
        x = np.asarray(x, dtype="float32")
    except (TypeError, ValueError):
        raise ArgumentError(
            f"The 'x' parameter of {func} must be an array of numbers, one row "
            "per example."
        ) from None
    if x.ndim < 2 or len(x) == 0:
        raise ArgumentError(
            f"The 'x' parameter of {func} must hold at least one row of inputs "
            f"(an array of shape (n_rows, ...)). Got shape {x.shape} instead."
        )
    return x


def check_xy(x: Any, y: Any, func: str) -> tuple[Any, Any]:
    """``x`` and ``y`` as float32 arrays with the same number (>= 1) of rows."""
    import numpy as np

    try:
        x = np.asarray(x, dtype="float32")
        y = np.asarray(y, dtype="float32")
    except (TypeError, ValueError):
        raise ArgumentError(
            f"The 'x' and 'y' parameters of {func} must be arrays of numbers, "
            "one row per example."
        ) from None
    if x.ndim == 0 or y.ndim == 0 or len(x) != len(y) or len(x) == 0:
        raise ArgumentError(
            f"The 'x' and 'y' parameters of {func} must hold the same number "
            f"(>= 1) of rows. Got shapes {x.shape} and {y.shape} instead."
        )
    return x, y
