"""Checks of a training history and of what its learning curves show."""

from __future__ import annotations

import inspect
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bdl_helpers._validation import check_float, check_int
from bdl_helpers.curves import final_value
from bdl_helpers.grading._messages import (
    GradingError,
    _argument_error,
    _describe,
    _fail,
    _fmt,
    _wrong_object,
)

if TYPE_CHECKING:
    pass


# Curve criteria shared by the curve checks and diagnose_curves.
_MIN_EPOCHS = 4
_MAX_DROP = 0.1  # a training loss that falls less than 10% is flat
_RISE = 0.1  # a validation loss 10% above its minimum has turned up
_MAX_GAP = 0.2  # validation loss at most 20% above training loss
_EARLY = 0.75  # the minimum must fall in the first 75% of the epochs


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
    # Where a curve ended: bdl.final_value, over the last tenth of the run (a
    # check judges runs of 20 to 4,000 epochs with one rule).
    return final_value({"curve": values}, "curve", epochs=max(1, len(values) // 10))


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
