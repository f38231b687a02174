"""A playground: the book's small problems, a Keras model you set up with
controls, and its decision boundary and learning curves as it trains.

In the spirit of TensorFlow Playground, with the book's datasets and real
Keras: pick a problem, the network's depth and width, its activation, the
optimizer and its learning rate, the batch size and the number of epochs,
and the three regularizers of the book's second part (an L2 weight penalty,
dropout, input noise); the model is built and trained through the course's
engine, and the figure shows where it draws its boundary, how its training
and test curves went, and its final scores.

Every change trains a new model from the same seed, so two settings differ
only in what you changed. The engine traces a training loop once per
architecture, batch size and training-set size; a new penalty factor,
dropout rate or noise level, a new learning rate, number of epochs or
dataset of the same size reuses it, so such a move costs only the training
itself and the drawing. Short runs (under ``XLA_FROM_STEPS`` steps: the
default's 200 epochs of 16 batches) train without XLA, whose compile would
cost more than it saves; long runs and models with dropout or input noise
(whose random draws are cheap only under XLA) compile their loop with XLA.
Measured on the idle 2-core machine with the figure, a new XLA cache and the
default model: a move that reuses a loop 0.4-0.8 s; a new width, depth or
activation, or switching L2 on, 1.4-2.3 s; a loop compiled with XLA 2.6-3.0 s
the first time, 5-8 s with dropout or noise (tracing their random streams).
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Any

from bdl_helpers import _env  # noqa: F401  (quiet TensorFlow before it loads)
from bdl_helpers._validation import ArgumentError, check_option
from bdl_helpers.datasets import Dataset, load_dataset

__all__ = ["build_playground_model", "playground"]

_FUNC = "playground"
DATASETS = ("circles", "moons", "blobs")
# The controls: each a list of options, the first one... unless a default says
# otherwise (see DEFAULTS).
CONTROLS: dict[str, list] = {
    "dataset": list(DATASETS),
    "noise": [0.05, 0.1, 0.2, 0.3],
    "n_train": [30, 100, 500],
    "hidden_layers": [1, 2, 3, 4],
    "units": [2, 4, 8, 16, 32, 64, 128],
    "activation": ["relu", "tanh", "sigmoid"],
    "optimizer": ["adam", "sgd"],
    "learning_rate": [0.0001, 0.001, 0.01, 0.1, 1.0],
    "batch_size": [1, 8, 32, 128],
    "epochs": [50, 100, 200, 500],
    "l2": [0.0, 0.0001, 0.001, 0.01, 0.1],
    "dropout": [0.0, 0.1, 0.2, 0.4, 0.6],
    "input_noise": [0.0, 0.05, 0.1, 0.2, 0.4],
}
DEFAULTS: dict[str, Any] = {
    "dataset": "circles",
    "noise": 0.1,
    "n_train": 500,
    "hidden_layers": 1,
    "units": 16,
    "activation": "relu",
    "optimizer": "adam",
    "learning_rate": 0.01,
    "batch_size": 32,
    "epochs": 200,
    "l2": 0.0,
    "dropout": 0.0,
    "input_noise": 0.0,
}
_TEST_ROWS = 500
_SEED = 1
# From this many training steps (epochs x batches) a move compiles its loop
# with XLA. XLA's compile adds 1.5-2 s to every new loop and saves about
# 0.1 ms a step; without it a move of the default model takes 0.6-0.8 s with
# the figure (2026-12-03, idle 2-core machine), and a run below this bound
# stays under about 1 s.
XLA_FROM_STEPS = 5_000


@lru_cache(maxsize=16)
def _data(dataset: str, noise: float, n_train: int) -> Dataset:
    # blobs has no noise argument (its spread is the book's cluster_std=2).
    return load_dataset(
        dataset,
        n_samples=n_train + _TEST_ROWS,
        n_train=n_train,
        noise=None if dataset == "blobs" else noise,
        one_hot=dataset == "blobs",
    )


def build_playground_model(
    n_classes: int = 2,
    *,
    hidden_layers: int = 1,
    units: int = 16,
    activation: str = "relu",
    optimizer: str = "adam",
    learning_rate: float = 0.01,
    l2: float = 0.0,
    dropout: float = 0.0,
    input_noise: float = 0.0,
) -> Any:
    """Return the compiled Keras model the playground trains for one setting.

    Two inputs; ``GaussianNoise(input_noise)`` on them if ``input_noise > 0``;
    ``hidden_layers`` Dense layers of ``units`` units with ``activation``,
    an ``L2(l2)`` kernel penalty if ``l2 > 0`` and ``Dropout(dropout)`` after
    each if ``dropout > 0``; a sigmoid output for two classes, a softmax over
    ``n_classes`` otherwise; the optimizer ``"adam"`` or ``"sgd"`` at
    ``learning_rate``; cross-entropy loss and accuracy.

    Parameters
    ----------
    n_classes : int, default=2
        The number of classes of the problem (2 for circles and moons, 3 for
        blobs).
    hidden_layers, units, activation, optimizer, learning_rate, l2, dropout, \
input_noise
        The playground's controls, as above.

    Returns
    -------
    model : keras.Model
        The compiled model.

    Examples
    --------
    >>> from bdl_helpers.playground import build_playground_model
    >>> model = build_playground_model(hidden_layers=2, units=8, dropout=0.2)
    >>> [type(layer).__name__ for layer in model.layers]
    ['Dense', 'Dropout', 'Dense', 'Dropout', 'Dense']
    >>> model.count_params()
    105
    """
    import keras

    check_option(activation, "activation", _FUNC, CONTROLS["activation"])
    check_option(optimizer, "optimizer", _FUNC, CONTROLS["optimizer"])
    layers: list = [keras.Input(shape=(2,))]
    if input_noise > 0:
        layers.append(keras.layers.GaussianNoise(input_noise))
    for _ in range(hidden_layers):
        layers.append(
            keras.layers.Dense(
                units,
                activation=activation,
                kernel_regularizer=keras.regularizers.L2(l2) if l2 > 0 else None,
            )
        )
        if dropout > 0:
            layers.append(keras.layers.Dropout(dropout))
    binary = n_classes == 2
    layers.append(
        keras.layers.Dense(
            1 if binary else n_classes, activation="sigmoid" if binary else "softmax"
        )
    )
    model = keras.Sequential(layers)
    make = keras.optimizers.Adam if optimizer == "adam" else keras.optimizers.SGD
    model.compile(
        loss="binary_crossentropy" if binary else "categorical_crossentropy",
        optimizer=make(learning_rate),
        metrics=["accuracy"],
    )
    return model


def _uses_xla(settings: dict[str, Any]) -> bool:
    """Whether a move to ``settings`` trains with XLA (see ``XLA_FROM_STEPS``).

    Models with dropout or input noise always do: without XLA a single model
    draws its masks with TensorFlow's Philox generator, which costs more than
    its training steps (a move to dropout 0.2 on the default model: 2.4 s
    without XLA, 0.4 s with it once compiled).
    """
    if settings["dropout"] > 0 or settings["input_noise"] > 0:
        return True
    batches = math.ceil(settings["n_train"] / settings["batch_size"])
    return batches * settings["epochs"] >= XLA_FROM_STEPS


def _draw(
    dataset: str,
    noise: float,
    n_train: int,
    epochs: int,
    batch_size: int,
    xla: bool = False,
    **model_settings: Any,
):
    """Train one setting from seed 1 and draw its boundary and curves
    (``xla``: compile the training loop with XLA)."""
    from bdl_helpers.plots import plot_decision_boundary
    from bdl_helpers.seeding import seeded
    from bdl_helpers.training import fit, predict_many

    import matplotlib.pyplot as plt

    data = _data(dataset, noise, n_train)
    # Seeded inside a block: a redraw does not reseed the learner's notebook.
    with seeded(_SEED):
        model = build_playground_model(data.n_classes, **model_settings)
        history = fit(
            model,
            data.x_train,
            data.y_train,
            epochs=epochs,
            batch_size=batch_size,
            validation_data=data.test,
            verbose=0,
            jit_compile=xla,
        )
    logs = history.history
    fig, (left, right) = plt.subplots(
        1, 2, figsize=(9.5, 4), layout="constrained", width_ratios=(1, 1.15)
    )
    plot_decision_boundary(
        # The engine's cached predictor: model.predict would trace anew for
        # every new model.
        lambda grid: predict_many(model, [model], grid)[0],
        data.x_test,
        data.y_test,
        resolution=80,
        ax=left,
        title="Test rows",
    )
    epochs_axis = range(1, len(logs["loss"]) + 1)
    right.plot(epochs_axis, logs["loss"], label="train loss")
    right.plot(epochs_axis, logs["val_loss"], label="test loss")
    right.set_xlabel("Epoch")
    right.set_ylabel("Cross-entropy loss")
    right.legend(loc="upper right")
    train, test = logs["accuracy"][-1], logs["val_accuracy"][-1]
    right.set_title(f"accuracy: train {train:.3f}, test {test:.3f}")
    shown = (
        f"{dataset}"
        + ("" if dataset == "blobs" else f" (noise {noise})")
        + f", {n_train} training rows; {model.count_params()} parameters"
    )
    fig.suptitle(shown)
    return fig


def playground(**defaults: Any) -> Any:
    """Make the playground widget: set up a model, watch it train.

    Parameters
    ----------
    **defaults
        The first setting shown (and the static figure of a notebook that has
        not run), as ``control=value``; each value must be one of the
        control's options (``bdl_helpers.playground.CONTROLS``). Unnamed
        controls start at ``bdl_helpers.playground.DEFAULTS``: a 16-unit
        ReLU layer with Adam on the circles, 500 training rows (the book's
        split), 200 epochs: a good fit.

    Returns
    -------
    figure : bdl_helpers.widgets.InteractiveFigure
        The widget (a live trainer): show it as the last expression of a cell.

    Raises
    ------
    ValueError
        If a default names no control or is not one of its options.

    See Also
    --------
    build_playground_model : The Keras model it trains, for one setting.
    bdl_helpers.widgets.interact : The widget machinery.

    Examples
    --------
    >>> import bdl_helpers as bdl
    >>> figure = bdl.playground(dataset="moons", n_train=30, epochs=50)
    >>> figure.settings["dataset"], figure.settings["units"]
    ('moons', 16)
    >>> figure.png[:4]  # the figure of this setting, drawn after training
    b'\\x89PNG'

    In a notebook, the last expression of a cell shows it: move a control and
    the model retrains (``bdl.playground(dataset="moons", n_train=30,
    units=128)`` starts from a model that overfits).
    """
    from bdl_helpers.widgets import interact

    unknown = sorted(set(defaults) - set(CONTROLS))
    if unknown:
        raise ArgumentError(
            f"{_FUNC}() has no control named {unknown[0]!r}. Its controls are "
            f"{', '.join(CONTROLS)}."
        )
    first = True

    def draw(**settings: Any):
        # The first figure (drawn when the cell runs: Run All, nbval, Binder)
        # trains without XLA, whose first compile would add 10 s and 160 MiB
        # to chapter 00's kernel; a slider move uses it where it pays.
        nonlocal first
        xla = not first and _uses_xla(settings)
        first = False
        return _draw(xla=xla, **settings)

    return interact(draw, defaults={**DEFAULTS, **defaults}, live=True, **CONTROLS)
