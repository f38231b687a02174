"""``repeat``: ``n`` independently seeded copies of a model, trained and scored."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from bdl_helpers import _env  # noqa: F401  (quiet TensorFlow before it loads)
from bdl_helpers._validation import ArgumentError, check_int
from bdl_helpers.seeding import seeded
from bdl_helpers.training.fitting import fit_many
from bdl_helpers.training.predict import score_models

import keras
import pandas as pd


@dataclass
class RepeatResult:
    """The outcome of :func:`repeat`.

    Attributes
    ----------
    scores : pandas.DataFrame
        One row per repeat: ``seed``, then ``train_<key>`` and ``test_<key>``
        for the loss and each compiled metric, evaluated after training.
    histories : list of keras.callbacks.History
        The per-epoch history of each repeat.
    models : list of keras.Model
        The trained models.

    Examples
    --------
    >>> import pandas as pd
    >>> from bdl_helpers import RepeatResult
    >>> result = RepeatResult(
    ...     scores=pd.DataFrame({"seed": [0, 1, 2], "test_accuracy": [0.8, 0.9, 0.85]}),
    ...     histories=[], models=[])
    >>> result.summary().round(3)
                   mean   std  min  max
    test_accuracy  0.85  0.05  0.8  0.9
    """

    scores: pd.DataFrame
    histories: list = field(repr=False)
    models: list = field(repr=False)

    def summary(self) -> pd.DataFrame:
        """Mean, standard deviation, min and max of every score column."""
        return self.scores.drop(columns="seed").agg(["mean", "std", "min", "max"]).T


def repeat(
    build_model: Callable[[], keras.Model],
    n: int,
    x: Any,
    y: Any,
    *,
    epochs: int,
    batch_size: int = 32,
    validation_data: tuple[Any, Any] | None = None,
    test_data: tuple[Any, Any] | None = None,
    shuffle: bool = True,
    callbacks: Callable[[int], Sequence[keras.callbacks.Callback]] | None = None,
    seed: int = 0,
    rows: Any = None,
    validation_rows: Any = None,
    verbose: int = 1,
    jit_compile: bool | str = "auto",
    validation_models: int | None = None,
) -> RepeatResult:
    """Train ``n`` independently seeded copies of a model and score them.

    ``build_model()`` is called ``n`` times, repeat ``i`` with Keras seeded by
    ``seed + i``, so the copies start from different weights; each also
    shuffles with its own stream. They train together through
    :func:`fit_many`, then each is scored on the training data and on the
    test data in one compiled call. The process's random state is left as it
    was: a later cell draws the same numbers whether or not it ran.

    Parameters
    ----------
    build_model : callable
        Takes no argument and returns a compiled keras.Model.
    n : int
        Number of repeats, >= 1.
    x, y : array-like
        The training data.
    epochs, batch_size, shuffle, callbacks, rows, validation_rows, verbose, \
jit_compile
        As in :func:`fit_many`.
    validation_data : tuple of (x_val, y_val), default=None
        Scored every epoch (the histories' ``val_`` keys) and at the end.
    validation_models : int, default=None
        Score ``validation_data`` every epoch for the first this many repeats
        only (as in :func:`fit_many`), e.g. 1 when only seed 0's learning
        curves are drawn; every repeat is still scored at the end.
    test_data : tuple of (x_test, y_test), default=None
        Scored only at the end, when per-epoch curves are not needed. Defaults
        to ``validation_data``.
    seed : int, default=0
        Repeat ``i`` uses seed ``seed + i``.

    Returns
    -------
    result : RepeatResult
        ``result.scores`` (a DataFrame, one row per repeat),
        ``result.histories`` and ``result.models``.

    Examples
    --------
    >>> import keras
    >>> from bdl_helpers import load_dataset, repeat
    >>> data = load_dataset("blobs", one_hot=True)
    >>> def build_model():
    ...     model = keras.Sequential([keras.Input((2,)),
    ...                               keras.layers.Dense(3, activation="softmax")])
    ...     model.compile(loss="categorical_crossentropy", optimizer="sgd",
    ...                   metrics=["accuracy"])
    ...     return model
    >>> result = repeat(build_model, 3, data.x_train, data.y_train, epochs=2,
    ...                 test_data=data.test, verbose=0)
    >>> list(result.scores.columns)
    ['seed', 'train_loss', 'train_accuracy', 'test_loss', 'test_accuracy']
    >>> len(result.scores)
    3
    """
    func = "repeat"
    if not callable(build_model) or isinstance(build_model, keras.Model):
        raise ArgumentError(
            f"The 'build_model' parameter of {func} must be a function that "
            f"returns a new compiled model. Got {type(build_model).__name__}; "
            "pass the function itself, e.g. repeat(build_model, 10, ...), "
            "not build_model()."
        )
    n = check_int(n, "n", func, min_value=1)
    seed = check_int(seed, "seed", func, min_value=0)
    models = []
    for i in range(n):
        with seeded(seed + i):
            model = build_model()
        if not isinstance(model, keras.Model):
            raise ArgumentError(
                f"build_model() must return a compiled keras.Model. It returned "
                f"{type(model).__name__}. Did you forget `return model`?"
            )
        models.append(model)
    histories = fit_many(
        models,
        x,
        y,
        epochs=epochs,
        batch_size=batch_size,
        validation_data=validation_data,
        shuffle=shuffle,
        callbacks=callbacks,
        seed=seed,
        rows=rows,
        validation_rows=validation_rows,
        verbose=verbose,
        jit_compile=jit_compile,
        validation_models=validation_models,
    )
    test = test_data if test_data is not None else validation_data
    parts = [
        pd.DataFrame({"seed": [seed + i for i in range(n)]}),
        score_models(models, x, y, prefix="train_"),
    ]
    if test is not None:
        parts.append(score_models(models, test[0], test[1], prefix="test_"))
    scores = pd.concat(parts, axis=1)
    scores.index.name = "repeat"
    return RepeatResult(scores=scores, histories=histories, models=models)
