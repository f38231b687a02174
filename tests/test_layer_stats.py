"""Tests for bdl_helpers.diagnostics.layer_stats: weight norms and layer activations."""


from bdl_helpers.diagnostics.layer_stats import (
    activation_stats,
    layer_outputs,
    unit_norms,
    weight_norms,
)

import keras
import numpy as np
import pytest


def _model(hidden_name="hidden", units=4, **dense_kwargs):
    return keras.Sequential([
        keras.Input((2,)),
        keras.layers.Dense(units, activation="relu", name=hidden_name, **dense_kwargs),
        keras.layers.Dense(1, activation="sigmoid", name="output"),
    ])


def test_unit_norms_are_the_column_norms_of_the_kernel():
    model = _model()
    kernel = keras.ops.convert_to_numpy(model.get_layer("hidden").kernel)
    np.testing.assert_allclose(unit_norms(model, "hidden"),
                               np.sqrt((kernel**2).sum(axis=0)), rtol=1e-6)
    assert unit_norms(model, 0).shape == (4,)
    assert unit_norms(model, -1).shape == (1,)


def test_unit_norms_of_several_models_stack_and_match_unit_norm_constraint():
    models = [_model(kernel_constraint=keras.constraints.UnitNorm()) for _ in range(3)]
    for model in models:  # apply the constraint as the optimizer does after a step
        layer = model.get_layer("hidden")
        layer.kernel.assign(layer.kernel_constraint(layer.kernel * 5.0))
    norms = unit_norms(models, "hidden")
    assert norms.shape == (3, 4)
    np.testing.assert_allclose(norms, 1.0, rtol=1e-5)


def test_unit_norms_of_a_convolution_are_per_filter():
    model = keras.Sequential([keras.Input((5, 5, 2)), keras.layers.Conv2D(3, 3)])
    kernel = keras.ops.convert_to_numpy(model.layers[0].kernel)  # (3, 3, 2, 3)
    expected = np.sqrt((kernel**2).sum(axis=(0, 1, 2)))
    np.testing.assert_allclose(unit_norms(model, 0), expected, rtol=1e-6)


def test_weight_norms_l2_and_l1_one_row_per_model():
    models = [_model(), _model()]
    table = weight_norms(models)
    assert list(table.columns) == ["hidden", "output"]
    assert len(table) == 2
    for row, model in zip(table.itertuples(index=False), models, strict=True):
        kernel = keras.ops.convert_to_numpy(model.get_layer("hidden").kernel)
        assert row.hidden == pytest.approx(np.sqrt((kernel**2).sum()), rel=1e-6)
    l1 = weight_norms(models, norm="l1")
    kernel = keras.ops.convert_to_numpy(models[1].get_layer("output").kernel)
    assert l1["output"][1] == pytest.approx(np.abs(kernel).sum(), rel=1e-6)


def test_weight_norms_label_unnamed_layers_by_position():
    models = [
        keras.Sequential([keras.Input((2,)), keras.layers.Dense(3),
                          keras.layers.Dropout(0.5), keras.layers.Dense(1)])
        for _ in range(2)
    ]
    assert list(weight_norms(models).columns) == ["layer 0", "layer 2"]
    assert list(weight_norms(models[0]).columns) == [
        models[0].layers[0].name, models[0].layers[2].name]


def test_weight_norms_follow_the_scale_of_the_kernel():
    model = _model()
    before = weight_norms(model)
    layer = model.get_layer("hidden")
    layer.kernel.assign(layer.kernel * 0.5)
    after = weight_norms(model)
    assert after["hidden"][0] == pytest.approx(0.5 * before["hidden"][0], rel=1e-6)
    assert after["output"][0] == pytest.approx(before["output"][0], rel=1e-6)


def test_layer_outputs_match_a_manual_forward_pass():
    model = _model()
    x = np.random.default_rng(1).normal(size=(6, 2)).astype("float32")
    kernel, bias = (keras.ops.convert_to_numpy(w)
                    for w in model.get_layer("hidden").weights)
    np.testing.assert_allclose(layer_outputs(model, "hidden", x),
                               np.maximum(x @ kernel + bias, 0.0), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(layer_outputs(model, -1, x),
                               keras.ops.convert_to_numpy(model(x)), rtol=1e-5)
    assert layer_outputs([model, _model()], "hidden", x).shape == (2, 6, 4)


def test_layer_outputs_are_in_inference_mode():
    model = keras.Sequential([keras.Input((3,)),
                              keras.layers.Dropout(0.9, name="drop")])
    x = np.ones((5, 3))
    np.testing.assert_array_equal(layer_outputs(model, "drop", x), x)


def test_layer_outputs_of_a_sequential_model_without_input():
    model = keras.Sequential([keras.layers.Dense(3, activation="relu", name="hidden"),
                              keras.layers.Dense(1)])
    model.build((None, 2))
    assert layer_outputs(model, "hidden", np.zeros((4, 2))).shape == (4, 3)


def test_activation_stats_count_zeros_and_dead_units():
    model = keras.Sequential([keras.Input((1,)),
                              keras.layers.Dense(3, activation="relu", name="hidden")])
    layer = model.get_layer("hidden")
    layer.kernel.assign([[1.0, -1.0, 0.0]])
    layer.bias.assign([0.0, 0.0, 0.0])
    stats = activation_stats([model, model], "hidden", [[1.0], [-2.0]])
    # outputs: row 1 -> [1, 0, 0]; row 2 -> [0, 2, 0]
    assert list(stats.columns) == ["mean", "zero_fraction", "dead_units"]
    assert len(stats) == 2
    assert stats["mean"][0] == pytest.approx(0.5)
    assert stats["zero_fraction"][0] == pytest.approx(4 / 6)
    assert stats["dead_units"][0] == pytest.approx(1 / 3)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda m: unit_norms("model", 0), "'models' parameter of unit_norms"),
        (lambda m: unit_norms([], 0), "non-empty list"),
        (lambda m: unit_norms(m, "nope"), "must name a layer of the model"),
        (lambda m: unit_norms(m, 5), "must be an index in"),
        (lambda m: unit_norms(m, 1.5), "name \\(str\\) or index \\(int\\)"),
        (lambda m: weight_norms(m, norm="l3"), "'norm' parameter of weight_norms"),
        (lambda m: layer_outputs(m, "hidden", np.zeros(2)), "at least one row"),
        (lambda m: layer_outputs(m, "hidden", [["a", "b"]]), "array of numbers"),
        (lambda m: activation_stats([m, 3], "hidden", np.zeros((1, 2))),
         "'models' parameter of activation_stats"),
    ],
)
def test_bad_arguments_raise_value_error(call, match):
    with pytest.raises(ValueError, match=match):
        call(_model())


def test_layers_without_a_kernel_are_refused():
    model = keras.Sequential([keras.Input((2,)),
                              keras.layers.Dropout(0.5, name="drop")])
    with pytest.raises(ValueError, match="has none"):
        unit_norms(model, "drop")
    with pytest.raises(ValueError, match="no layer with a kernel"):
        weight_norms(model)
