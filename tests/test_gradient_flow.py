"""Tests for bdl_helpers.diagnostics.gradient_flow: per-layer gradients, weights."""


import matplotlib

matplotlib.use("Agg")

from bdl_helpers import fit, load_dataset
from bdl_helpers.diagnostics import gradient_flow
from bdl_helpers.diagnostics.gradient_flow import (
    GradientFlow,
    layer_gradient_norms,
    plot_gradient_flow,
)

import keras
import matplotlib.pyplot as plt
import numpy as np
import pytest
import tensorflow as tf


@pytest.fixture(scope="module")
def circles():
    return load_dataset("circles")


def _model(depth=2, activation="relu", seed=1, loss="binary_crossentropy"):
    keras.utils.set_random_seed(seed)
    model = keras.Sequential(
        [keras.Input((2,))]
        + [keras.layers.Dense(4, activation=activation) for _ in range(depth)]
        + [keras.layers.Dense(1, activation="sigmoid")]
    )
    model.compile(loss=loss, optimizer=keras.optimizers.SGD(learning_rate=0.1))
    return model


def test_norms_match_the_tape(circles):
    model = _model()
    x, y = circles.x_train, circles.y_train.astype("float32")
    norms = layer_gradient_norms(model, x, y)
    assert norms.shape == (3,)
    with tf.GradientTape() as tape:
        loss = keras.losses.BinaryCrossentropy()(y[:, None], model(x))
    kernels = [layer.kernel for layer in model.layers]
    expected = [np.linalg.norm(g.numpy()) for g in tape.gradient(loss, kernels)]
    np.testing.assert_allclose(norms, expected, rtol=1e-5)


def test_loss_object_and_name_agree(circles):
    by_name = layer_gradient_norms(_model(), *circles.train)
    by_object = layer_gradient_norms(
        _model(loss=keras.losses.BinaryCrossentropy()), *circles.train
    )
    np.testing.assert_allclose(by_name, by_object, rtol=1e-5)


def test_a_saturating_stack_vanishes(circles):
    model = _model(depth=8, activation="sigmoid")
    sigmoid = layer_gradient_norms(model, *circles.train)
    assert sigmoid[0] < sigmoid[-1] / 1000


def test_a_dead_layer_stops_the_gradient_below_it(circles):
    model = _model(depth=3)
    kernel, bias = model.layers[1].get_weights()
    model.layers[1].set_weights([kernel, np.full_like(bias, -100.0)])  # all dead
    norms = layer_gradient_norms(model, *circles.train)
    assert norms[0] == 0.0 and norms[1] == 0.0 and norms[2] == 0.0
    assert norms[3] == 0.0  # relu(zero biases) above the dead layer: zero input


def test_flow_records_before_and_after_the_chosen_epochs(circles):
    model = _model()
    flow = GradientFlow(*circles.train, epochs=[0, 2])
    initial = model.get_weights()
    fit(model, *circles.train, epochs=3, callbacks=[flow], verbose=0, seed=1)
    final = model.get_weights()
    table = flow.to_frame()
    assert list(table.columns) == [
        "epoch",
        "layer",
        "gradient_norm",
        "weight_norm",
        "weight_change",
    ]
    assert table["epoch"].tolist() == [0, 0, 0, 1, 1, 1, 3, 3, 3]
    assert table["layer"].tolist() == [1, 2, 3] * 3
    assert table.loc[table.epoch == 0, "weight_change"].isna().all()
    # The model keeps its trained weights.
    for a, b in zip(final, model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    # Epoch-0 norms are those of the initial weights; the last, of the final.
    fresh = _model()
    fresh.set_weights(initial)
    np.testing.assert_allclose(
        table.loc[table.epoch == 0, "gradient_norm"],
        layer_gradient_norms(fresh, *circles.train),
        rtol=1e-5,
    )
    np.testing.assert_allclose(
        table.loc[table.epoch == 3, "gradient_norm"],
        layer_gradient_norms(model, *circles.train),
        rtol=1e-5,
    )
    # Weight change: distance between records, per epoch in between.
    moved = np.linalg.norm(final[0] - flow.weights[0][0]) / 2
    change = table.loc[(table.epoch == 3) & (table.layer == 1), "weight_change"]
    assert change.item() == pytest.approx(moved, rel=1e-5)


def test_flow_works_under_model_fit(circles):
    model = _model()
    flow = GradientFlow(*circles.train, epochs=[1])
    model.fit(*circles.train, epochs=2, callbacks=[flow], verbose=0)
    assert flow.to_frame()["epoch"].unique().tolist() == [0, 2]


def test_plot_draws_one_panel_per_model_and_one_line_per_layer(circles):
    model = _model()
    flow = GradientFlow(*circles.train, epochs=[0, 1])
    fit(model, *circles.train, epochs=2, callbacks=[flow], verbose=0, seed=1)
    fig = plot_gradient_flow(
        {"a": flow, "b": flow.to_frame()}, quantity="weight_change", title="t"
    )
    assert len(fig.axes) == 2
    assert len(fig.axes[0].lines) == 3
    assert fig.axes[0].get_yscale() == "log"
    plt.close(fig)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda d: layer_gradient_norms(_model, *d.train), "Call it first"),
        (
            lambda d: layer_gradient_norms(
                keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)]), *d.train
            ),
            "compile",
        ),
        (
            lambda d: layer_gradient_norms(_model(), d.x_train, d.y_train[:5]),
            "same number",
        ),
        (lambda d: GradientFlow(*d.train, epochs=[]), "'epochs' parameter"),
        (lambda d: GradientFlow(*d.train, epochs=[-1]), "'epochs' parameter"),
        (lambda d: GradientFlow(*d.train, epochs=[1]).to_frame(), "not seen training"),
        (lambda d: plot_gradient_flow({}), "'flows' parameter"),
        (lambda d: plot_gradient_flow({"a": [1, 2]}), "'flows' parameter"),
        (
            lambda d: plot_gradient_flow({"a": GradientFlow(*d.train, epochs=[0])}),
            "not seen training",
        ),
        (lambda d: plot_gradient_flow({"a": None}, quantity="x"), "'quantity'"),
    ],
)
def test_bad_arguments_say_what_to_fix(circles, call, message):
    with pytest.raises(ValueError, match=message):
        call(circles)


def test_public_names():
    import bdl_helpers

    assert set(gradient_flow.__all__) == {
        "GradientFlow",
        "layer_gradient_norms",
        "plot_gradient_flow",
    }
    for name in gradient_flow.__all__:
        assert getattr(bdl_helpers, name) is getattr(gradient_flow, name)
