"""bdl.playground: the widget trains the model its controls describe."""

from __future__ import annotations

import importlib
import random

import bdl_helpers as bdl
from bdl_helpers.playground import CONTROLS, DEFAULTS, build_playground_model

import keras
import numpy as np
import pytest


def test_defaults_are_options_of_their_controls():
    assert set(DEFAULTS) == set(CONTROLS)
    for name, value in DEFAULTS.items():
        assert value in CONTROLS[name], name


def test_the_model_follows_the_settings():
    model = build_playground_model(
        3,
        hidden_layers=2,
        units=4,
        activation="tanh",
        optimizer="sgd",
        learning_rate=0.1,
        l2=0.01,
        dropout=0.2,
        input_noise=0.1,
    )
    kinds = [type(layer).__name__ for layer in model.layers]
    assert kinds == ["GaussianNoise", "Dense", "Dropout", "Dense", "Dropout", "Dense"]
    hidden = model.layers[1]
    assert hidden.units == 4 and hidden.activation.__name__ == "tanh"
    assert hidden.kernel_regularizer.l2 == pytest.approx(0.01)
    assert model.layers[-1].units == 3
    assert isinstance(model.optimizer, keras.optimizers.SGD)
    assert float(model.optimizer.learning_rate) == pytest.approx(0.1)
    assert model.loss == "categorical_crossentropy"


def test_off_settings_add_no_layer():
    model = build_playground_model()
    assert [type(layer).__name__ for layer in model.layers] == ["Dense", "Dense"]
    assert model.layers[0].kernel_regularizer is None
    assert model.loss == "binary_crossentropy"


def test_the_widget_trains_and_retrains_when_a_control_moves():
    figure = bdl.playground(n_train=30, epochs=50)
    assert figure.settings == {**DEFAULTS, "n_train": 30, "epochs": 50}
    assert figure.png[:4] == b"\x89PNG"
    first = figure.png
    figure.controls["dataset"].value = "blobs"  # three classes, one-hot labels
    figure.redraw()
    assert figure.png[:4] == b"\x89PNG" and figure.png != first


@pytest.mark.parametrize(
    ("defaults", "message"),
    [
        ({"width": 8}, "no control named 'width'"),
        ({"dataset": "spirals"}, "dataset"),
    ],
)
def test_bad_defaults_are_explained(defaults, message):
    with pytest.raises(ValueError, match=message):
        bdl.playground(**defaults)


def test_bad_settings_of_the_model_are_explained():
    with pytest.raises(ValueError, match="'activation' parameter of playground"):
        build_playground_model(activation="relu6")


def test_a_redraw_leaves_the_notebooks_random_state_alone():
    random.seed(5)
    np.random.seed(5)  # noqa: NPY002
    expected = (random.random(), np.random.random())  # noqa: NPY002
    random.seed(5)
    np.random.seed(5)  # noqa: NPY002
    bdl.playground(n_train=30, epochs=50)
    assert (random.random(), np.random.random()) == expected  # noqa: NPY002


def test_moves_compile_with_xla_only_where_it_pays(monkeypatch):
    import matplotlib.pyplot as plt

    module = importlib.import_module("bdl_helpers.playground")
    used = []

    def fake_draw(xla: bool = False, **settings):
        used.append(xla)
        return plt.figure(figsize=(1, 1))

    monkeypatch.setattr(module, "_draw", fake_draw)
    figure = bdl.playground()  # 500 rows, batch 32, 200 epochs: 3,200 steps
    # Each move a setting not seen before (a seen one redraws from a cache).
    moves = [
        ("learning_rate", 0.1, False),  # a short run: no compile
        ("epochs", 500, True),  # 8,000 steps
        ("epochs", 100, False),
        ("batch_size", 8, True),  # 63 batches x 100 epochs
        ("batch_size", 128, False),
        ("units", 8, False),
        ("dropout", 0.2, True),  # random layers draw cheaply under XLA only
        ("input_noise", 0.1, True),
    ]
    for name, value, _ in moves:
        figure.controls[name].value = value
    plt.close("all")
    # The first figure (a notebook's run) never compiles.
    assert used == [False] + [xla for _, _, xla in moves]
    assert module.XLA_FROM_STEPS == 5_000
