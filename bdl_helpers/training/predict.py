"""Scoring and prediction: many models, or many weight sets, in one call."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from bdl_helpers import _env  # noqa: F401  (quiet TensorFlow before it loads)
from bdl_helpers._validation import ArgumentError, check_list
from bdl_helpers.training import settings, stack
from bdl_helpers.training.data import as_tensors, check_data
from bdl_helpers.training.fitting import _check_model

import keras
import numpy as np
import pandas as pd
import tensorflow as tf


def score_models(
    models: Sequence[keras.Model], x: Any, y: Any, *, prefix: str = ""
) -> pd.DataFrame:
    """Loss and compiled metrics of several same-architecture models on data.

    Scored in inference mode, in one compiled, vectorized call (what
    ``model.evaluate`` gives for each model, without a Python loop).

    Parameters
    ----------
    models : sequence of keras.Model
        Compiled models of one architecture (as :func:`fit_many` takes).
    x, y : array-like
        The data to score.
    prefix : str, default=""
        Prepended to each column name, e.g. ``"test_"``.

    Returns
    -------
    scores : pandas.DataFrame
        One row per model, one column per key (``loss``, ``accuracy``, ...).

    Examples
    --------
    >>> import keras
    >>> from bdl_helpers import load_dataset
    >>> from bdl_helpers.training import score_models
    >>> data = load_dataset("blobs", one_hot=True)
    >>> def build():
    ...     model = keras.Sequential(
    ...         [keras.Input((2,)), keras.layers.Dense(3, activation="softmax")])
    ...     model.compile(loss="categorical_crossentropy", metrics=["accuracy"])
    ...     return model
    >>> list(score_models([build(), build()], *data.test, prefix="test_").columns)
    ['test_loss', 'test_accuracy']
    """
    func = "score_models"
    models = check_list(models, "models", func, "a list of compiled keras models")
    if not models:
        raise ArgumentError(f"The 'models' parameter of {func} must hold a model.")
    for model in models:
        _check_model(model, func)
    x, y, _, _ = check_data(x, y, None, func)
    template = models[0]
    batch = tf.nest.map_structure(lambda t: t[:1], (x, y))
    reference = stack.build_all(models, batch)  # metrics exist, as after fit
    if any(stack.signature(m) != reference for m in models[1:]):
        raise ArgumentError(
            f"The models passed to {func} must share one architecture and compile "
            "settings; score different models in separate calls."
        )
    tv, ntv, mv = stack.stack_state(models, parts=(0, 1, 3))
    hp = tf.constant(settings.values(models))
    mv = [tf.zeros_like(v) for v in mv]
    program = stack.score_program(template, len(models), x, y, (tv, ntv, mv, hp))
    # In slices of rows, as model.evaluate goes batch by batch: 30 models on a
    # 50,000-row holdout at once would hold every layer's outputs for all.
    n_rows = int(tf.nest.flatten(x)[0].shape[0])
    for begin in range(0, n_rows, stack.PREDICT_ROWS):
        part = slice(begin, begin + stack.PREDICT_ROWS)
        mv = program(
            tv,
            ntv,
            mv,
            hp,
            tf.nest.map_structure(lambda t, p=part: t[p], x),
            tf.nest.map_structure(lambda t, p=part: t[p], y),
        )
    values = stack.metrics_program(template, len(models))(mv).numpy()
    keys = list(template.get_metrics_result().keys())
    return pd.DataFrame(values, columns=[f"{prefix}{k}" for k in keys])


def predict_many(
    model: keras.Model,
    weights: Sequence[Any] | Mapping[Any, Any],
    x: Any,
) -> np.ndarray:
    """Predictions of many weight sets of one architecture, in one call.

    The ensembles of the book's last part average, vote on or stack the
    predictions of many members: separately trained models, or the weights of
    one run captured at several epochs. This runs them all at once, vectorized
    over the weight sets and compiled, in slices of rows, so 50 members on a
    50,000-row holdout take about a second.

    Parameters
    ----------
    model : keras.Model
        A built model of the architecture; its own weights are not used unless
        it is listed in ``weights``.
    weights : sequence or mapping
        The weight sets: models of the same architecture, or weight lists in
        ``model.get_weights()`` order (what :class:`CaptureWeights` records;
        a mapping such as ``capture.weights`` is taken in key order).
    x : array-like
        The inputs, one row per example.

    Returns
    -------
    predictions : ndarray of shape (n_sets, n_rows, ...)
        ``predictions[k]`` equals ``model.predict(x)`` with weight set ``k``.

    Examples
    --------
    >>> import keras
    >>> import numpy as np
    >>> from bdl_helpers.training import predict_many
    >>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(3)])
    >>> sets = [model.get_weights(), [w * 2 for w in model.get_weights()]]
    >>> predict_many(model, sets, np.ones((5, 2))).shape
    (2, 5, 3)
    """
    func = "predict_many"
    if not isinstance(model, keras.Model) or not model.built:
        raise ArgumentError(
            f"The 'model' parameter of {func} must be a built keras.Model (one of "
            f"the architecture). Got {type(model).__name__}."
        )
    if isinstance(weights, Mapping):
        weights = [weights[k] for k in sorted(weights)]
    weights = list(weights)
    if not weights:
        raise ArgumentError(f"The 'weights' parameter of {func} holds no weight sets.")
    x = as_tensors(x, "x", func)
    positions = stack.weight_positions(model)
    shapes = [tuple(v.shape) for v in model.weights]
    sets = []
    for k, item in enumerate(weights):
        values = item.get_weights() if isinstance(item, keras.Model) else list(item)
        got = [tuple(np.shape(v)) for v in values]
        if got != shapes:
            raise ArgumentError(
                f"Weight set {k} passed to {func} does not fit the model: expected "
                f"{len(shapes)} arrays of shapes {shapes}, got {len(got)} of "
                f"shapes {got}. Pass weights of this architecture, in "
                "model.get_weights() order."
            )
        sets.append(values)
    tv = [tf.convert_to_tensor(v) for v in model.trainable_variables]
    ntv = [tf.convert_to_tensor(v) for v in model.non_trainable_variables]
    state = [
        [tf.tile(t[None], [len(sets)] + [1] * len(t.shape)) for t in tv],
        [tf.tile(t[None], [len(sets)] + [1] * len(t.shape)) for t in ntv],
    ]
    for w, (p, j) in enumerate(positions):
        stacked = np.stack([np.asarray(values[w]) for values in sets])
        state[p][j] = tf.convert_to_tensor(stacked, dtype=state[p][j].dtype)
    return stack.predict_stacked(model, state[0], state[1], x)


def evaluate_splits(
    model: keras.Model, data: Any, *, metric: str = "accuracy"
) -> dict[str, float]:
    """Score a trained model on the training and the test split of a dataset.

    The book ends every case study with ``Train: 0.834, Test: 0.848``: the
    metric evaluated on each split after training (in inference mode, so not
    the epoch-mean training metric of the history). This returns both, as
    ``model.evaluate`` would, scored in one compiled call per split.

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
        results = score_models([model], *getattr(data, split)).iloc[0]
        if metric not in results:
            raise ArgumentError(
                f"The 'metric' parameter of evaluate_splits must be one of "
                f"{sorted(results.index)} for this model. Got {metric!r} instead; "
                "compile the model with that metric, e.g. metrics=['accuracy']."
            )
        scores[split] = float(results[metric])
    return scores
