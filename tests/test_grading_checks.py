"""Unit tests for the nbgrader checks in :mod:`bdl_helpers.grading`.

Each check passes on a right object and fails with a ``GradingError`` whose
message names what was expected, what came back and a hint. No model is
trained: the models are tiny and the learning curves are synthetic.
"""


# bdl_helpers first: it quiets TensorFlow's start-up log before keras loads it.
import bdl_helpers  # isort: skip
from bdl_helpers import grading
from bdl_helpers.grading import (
    GradingError,
    check_choice,
    check_close,
    check_good_fit,
    check_history,
    check_layer,
    check_layers,
    check_loss,
    check_model,
    check_optimizer,
    check_overfits,
    check_trainable,
    check_underfits,
    diagnose_curves,
)

import keras
import numpy as np
import pytest


def build_model() -> keras.Model:
    """A learner's right answer: Dense, Dropout, Dense on two features."""
    return keras.Sequential(
        [
            keras.Input(shape=(2,)),
            keras.layers.Dense(
                8,
                activation="relu",
                kernel_initializer="he_uniform",
                kernel_regularizer=keras.regularizers.L2(0.01),
                kernel_constraint=keras.constraints.MaxNorm(3.0),
            ),
            keras.layers.Dropout(0.5),
            keras.layers.Dense(1, activation="sigmoid"),
        ]
    )


@pytest.fixture
def model() -> keras.Model:
    return build_model()


@pytest.fixture
def compiled() -> keras.Model:
    model = build_model()
    schedule = keras.optimizers.schedules.InverseTimeDecay(
        0.01, decay_steps=1, decay_rate=1e-4
    )
    model.compile(
        optimizer=keras.optimizers.SGD(
            learning_rate=schedule, momentum=0.9, clipnorm=1.0
        ),
        loss="binary_crossentropy",
        metrics=["accuracy"],
    )
    return model


def epochs(n: int = 100) -> np.ndarray:
    return np.arange(n, dtype=float)


def noise(n: int = 100, scale: float = 0.005) -> np.ndarray:
    return np.random.default_rng(0).normal(0.0, scale, n)


def overfit_curves() -> dict:
    """Training loss keeps falling; validation loss is U-shaped (min at 30)."""
    e = epochs()
    train = 0.6 * np.exp(-e / 20) + 0.05 + noise()
    val = 0.35 + 0.00005 * (e - 30) ** 2 + noise()
    return {"loss": train.tolist(), "val_loss": val.tolist()}


def underfit_curves() -> dict:
    """Both losses stay near the first epoch's 0.69 (chance level)."""
    e = epochs()
    train = 0.693 - 0.0003 * e + noise()
    val = 0.695 - 0.0003 * e + noise()
    accuracy = 0.5 + 0.0005 * e
    return {
        "loss": train.tolist(),
        "val_loss": val.tolist(),
        "accuracy": accuracy.tolist(),
    }


def good_fit_curves() -> dict:
    """Both losses fall and level off, validation slightly above training."""
    e = epochs()
    train = 0.3 + 0.4 * np.exp(-e / 10) + noise()
    val = 0.33 + 0.4 * np.exp(-e / 10) + noise()
    return {"loss": train.tolist(), "val_loss": val.tolist()}


# --------------------------------------------------------------------------
# GradingError and doctests
# --------------------------------------------------------------------------


def test_grading_error_is_an_assertion_error():
    assert issubclass(GradingError, AssertionError)


def test_all_names_exist():
    assert all(hasattr(grading, name) for name in grading.__all__)


# --------------------------------------------------------------------------
# check_model
# --------------------------------------------------------------------------


def test_check_model_passes_on_right_model(model):
    assert check_model(model, input_shape=(2,), output_units=1) is model


def test_check_model_accepts_compiled_model(compiled):
    assert check_model(compiled, compiled=True) is compiled


def test_check_model_none_says_forgot_return():
    with pytest.raises(GradingError, match=r"build_model\(\) returned None.*return"):
        check_model(None, name="build_model()")


def test_check_model_function_says_call_it():
    with pytest.raises(GradingError, match=r"you passed the function; call it"):
        check_model(build_model)


def test_check_model_class_says_create_it():
    with pytest.raises(GradingError, match=r"class Sequential.*Sequential\(\.\.\.\)"):
        check_model(keras.Sequential)


@pytest.mark.parametrize(
    ("obj", "words"),
    [
        (keras.layers.Dense(1), "a Dense object.*single layer is not a model"),
        ("model", "the string 'model'"),
        (3, "the number 3"),
        (..., "placeholder"),
    ],
)
def test_check_model_names_what_it_got(obj, words):
    with pytest.raises(GradingError, match=words):
        check_model(obj)


def test_check_model_uncompiled(model):
    with pytest.raises(GradingError, match=r"not compiled.*model\.compile"):
        check_model(model, compiled=True)


def test_check_model_already_compiled(compiled):
    with pytest.raises(GradingError, match="already compiled"):
        check_model(compiled, compiled=False)


def test_check_model_wrong_input_shape(model):
    with pytest.raises(GradingError, match=r"\(2,\).*\(3,\).*keras\.Input"):
        check_model(model, input_shape=(3,))


def test_check_model_wrong_output_units(model):
    with pytest.raises(GradingError, match=r"1 output unit, but .* needs 3"):
        check_model(model, output_units=3)


def test_check_model_builds_unbuilt_model_from_input_shape():
    model = keras.Sequential([keras.layers.Dense(4), keras.layers.Dense(1)])
    assert check_model(model, input_shape=(2,), output_units=1) is model


def test_check_model_unbuilt_without_shape():
    model = keras.Sequential([keras.layers.Dense(1)])
    with pytest.raises(GradingError, match="no defined output size"):
        check_model(model, output_units=1)


def test_check_model_reports_a_model_that_raises():
    class Broken(keras.Model):
        def call(self, inputs):
            raise RuntimeError("shapes do not match")

    with pytest.raises(GradingError, match=r"raised RuntimeError: shapes do not"):
        check_model(Broken(), input_shape=(2,))


def test_check_model_rejects_bad_arguments(model):
    with pytest.raises(ValueError, match="'input_shape' parameter of check_model"):
        check_model(model, input_shape=(-1,))
    with pytest.raises(ValueError, match="'output_units' parameter of check_model"):
        check_model(model, output_units=0)


# --------------------------------------------------------------------------
# check_layers and check_layer
# --------------------------------------------------------------------------


def test_check_layers_passes_with_classes_or_names(model):
    assert check_layers(model, ["Dense", "Dropout", "Dense"]) is model
    check_layers(model, [keras.layers.Dense, "dropout", "dense"])


def test_check_layers_skips_input_layer_of_functional_model():
    inputs = keras.Input(shape=(2,))
    outputs = keras.layers.Dense(1)(keras.layers.Dense(4)(inputs))
    check_layers(keras.Model(inputs, outputs), ["Dense", "Dense"])


def test_check_layers_missing_layer(model):
    model = keras.Sequential(
        [keras.Input(shape=(2,)), keras.layers.Dense(8), keras.layers.Dense(1)]
    )
    expected = ["Dense", "Dropout", "Dense"]
    message = (
        r"Layer 1 should be a Dropout layer, but it is Dense\. "
        r"Expected: Dense, Dropout, Dense\. Found: Dense, Dense\. "
        r"Hint: add a keras\.layers\.Dropout layer after layer 0"
    )
    with pytest.raises(GradingError, match=message):
        check_layers(model, expected)


def test_check_layers_extra_layer(model):
    with pytest.raises(GradingError, match=r"remove layer 1 \(Dropout\)"):
        check_layers(model, ["Dense", "Dense"])


def test_check_layers_wrong_layer(model):
    with pytest.raises(GradingError, match=r"make layer 1 a .*BatchNormalization"):
        check_layers(model, ["Dense", "BatchNormalization", "Dense"])


def test_check_layers_rejects_unknown_name(model):
    with pytest.raises(ValueError, match="'Dence'"):
        check_layers(model, ["Dence"])
    with pytest.raises(bdl_helpers.ArgumentError, match="list of layer"):
        check_layers(model, "Dense")


def test_check_layers_none():
    with pytest.raises(GradingError, match=r"is None.*return model"):
        check_layers(None, ["Dense"])


def test_check_layer_passes_on_right_settings(model):
    layer = check_layer(
        model,
        0,
        units=8,
        activation="relu",
        kernel_initializer="HeUniform",
        kernel_regularizer={"l2": 0.01},
        kernel_constraint={"max_norm": 3.0},
        use_bias=True,
    )
    assert isinstance(layer, keras.layers.Dense)
    check_layer(model, 1, rate=0.5)
    check_layer(model, -1, units=1, activation="sigmoid")
    check_layer(model, 0, kernel_initializer="he_uniform")


def test_check_layer_regularizers_with_float32_factors():
    model = keras.Sequential(
        [
            keras.Input(shape=(2,)),
            keras.layers.Dense(
                4,
                kernel_regularizer=keras.regularizers.L1L2(l1=0.001, l2=0.01),
                activity_regularizer=keras.regularizers.L1(1e-4),
            ),
            keras.layers.GaussianNoise(0.1),
            keras.layers.Activation("tanh"),
        ]
    )
    check_layer(
        model,
        0,
        kernel_regularizer={"l1": 0.001, "l2": 0.01},
        activity_regularizer={"l1": 1e-4},
    )
    check_layer(model, 1, stddev=0.1)
    check_layer(model, 2, activation="tanh")
    with pytest.raises(GradingError, match=r"L2\(0\.01\), but it has L1L2\(l1=0\.001"):
        check_layer(model, 0, kernel_regularizer={"l2": 0.01})


@pytest.mark.parametrize(
    ("index", "settings", "words"),
    [
        (0, {"units": 16}, r"Layer 0 \(Dense\) should have 16 units, but it has 8"),
        (0, {"activation": "tanh"}, r"activation='tanh', but it uses 'relu'"),
        (1, {"rate": 0.2}, r"rate=0\.2, but it has rate=0\.5"),
        (1, {"units": 8}, r"Layer 1 \(Dropout\) has no `units`"),
        (0, {"kernel_regularizer": {"l1": 0.01}}, r"L1\(0\.01\), but it has L2"),
        (-1, {"kernel_regularizer": {"l2": 0.01}}, r"has no kernel_regularizer"),
        (0, {"kernel_constraint": {"max_norm": 2.0}}, r"MaxNorm\(max_value=2\)"),
        (-1, {"kernel_constraint": "non_neg"}, r"no kernel_constraint.*NonNeg"),
        (0, {"kernel_initializer": "glorot_uniform"}, r"but it uses HeUniform"),
        (0, {"use_bias": False}, r"use_bias=False, but it has use_bias=True"),
    ],
)
def test_check_layer_reports_wrong_settings(model, index, settings, words):
    with pytest.raises(GradingError, match=words):
        check_layer(model, index, **settings)


def test_check_layer_missing_activation_hint():
    model = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(1)])
    with pytest.raises(GradingError, match=r"uses 'linear'.*has no activation"):
        check_layer(model, 0, activation="relu")


def test_check_layer_index_out_of_range(model):
    with pytest.raises(GradingError, match=r"has 3 layers .* no layer 5"):
        check_layer(model, 5, units=1)
    with pytest.raises(GradingError, match=r"no layer -4"):
        check_layer(model, -4, units=1)


def test_check_layer_rejects_bad_expected_values(model):
    with pytest.raises(ValueError, match="'kernel_regularizer' parameter"):
        check_layer(model, 0, kernel_regularizer="lots")
    with pytest.raises(ValueError, match="'kernel_initializer' parameter"):
        check_layer(model, 0, kernel_initializer="not_an_initializer")
    with pytest.raises(ValueError, match="'index' parameter"):
        check_layer(model, 1.5)


def test_check_trainable_passes_and_returns_the_model(model):
    model.layers[0].trainable = False
    assert check_trainable(model, [False, True, True]) is model


def test_check_trainable_names_the_first_wrong_layer(model):
    model.layers[0].trainable = False
    with pytest.raises(GradingError, match=r"Layer 0 \(Dense\) should train.*"
                       r"Found: frozen, trains, trains.*trainable at True"):
        check_trainable(model, [True, True, True])
    with pytest.raises(GradingError, match=r"Layer 2 \(Dense\) should be frozen.*"
                       r"model.layers\[2\].trainable = False"):
        check_trainable(model, [False, True, False])


def test_check_trainable_wrong_number_of_layers(model):
    with pytest.raises(GradingError, match="has 3 layers, but the exercise needs 2"):
        check_trainable(model, [True, True])


def test_check_trainable_rejects_bad_arguments(model):
    with pytest.raises(bdl_helpers.ArgumentError, match="list of bools"):
        check_trainable(model, "frozen")
    with pytest.raises(bdl_helpers.ArgumentError, match="only bools"):
        check_trainable(model, [0, 1, 1])
    with pytest.raises(GradingError, match="Keras model"):
        check_trainable(None, [True])


# --------------------------------------------------------------------------
# check_optimizer and check_loss
# --------------------------------------------------------------------------


def test_check_optimizer_passes_on_right_settings(compiled):
    optimizer = check_optimizer(
        compiled,
        kind="sgd",
        learning_rate=0.01,
        decay_rate=1e-4,
        momentum=0.9,
        clipnorm=1.0,
    )
    assert optimizer is compiled.optimizer


def test_check_optimizer_plain_learning_rate_in_float32():
    optimizer = keras.optimizers.Adam(learning_rate=0.001, global_clipnorm=1.0)
    check_optimizer(optimizer, kind="Adam", learning_rate=0.001, global_clipnorm=1.0)
    with pytest.raises(GradingError, match=r"learning rate is 0\.001, .* for 0\.01"):
        check_optimizer(optimizer, learning_rate=0.01)


@pytest.mark.parametrize(
    ("settings", "words"),
    [
        ({"kind": "Adam"}, r"optimizer is SGD, but the exercise asks for Adam"),
        ({"learning_rate": 0.1}, r"InverseTimeDecay schedule whose initial_learning"),
        ({"decay_rate": 1e-3}, r"decay_rate=0\.0001, but .* decay_rate=0\.001"),
        ({"momentum": 0.5}, r"momentum is 0\.9, but .* 0\.5"),
        ({"clipvalue": 0.5}, r"no clipvalue"),
        ({"clipnorm": 2.0}, r"clipnorm=1, but .* clipnorm=2"),
    ],
)
def test_check_optimizer_reports_wrong_settings(compiled, settings, words):
    with pytest.raises(GradingError, match=words):
        check_optimizer(compiled, **settings)


def test_check_optimizer_explains_removed_decay_argument():
    optimizer = keras.optimizers.SGD(learning_rate=0.01)
    with pytest.raises(GradingError, match=r"removed the `decay=`.*InverseTimeDecay"):
        check_optimizer(optimizer, decay_rate=1e-4)


def test_check_optimizer_needs_decay_steps_one():
    schedule = keras.optimizers.schedules.InverseTimeDecay(0.01, 10, 1e-4)
    optimizer = keras.optimizers.SGD(learning_rate=schedule)
    with pytest.raises(GradingError, match="decay_steps=10"):
        check_optimizer(optimizer, decay_rate=1e-4)


def test_check_optimizer_no_momentum_on_adam():
    with pytest.raises(GradingError, match="Adam has no momentum"):
        check_optimizer(keras.optimizers.Adam(), momentum=0.9)


def test_check_optimizer_uncompiled_and_wrong_objects(model):
    with pytest.raises(GradingError, match="not compiled, so it has no optimizer"):
        check_optimizer(model)
    with pytest.raises(GradingError, match="the string 'adam'.*optimizer object"):
        check_optimizer("adam")
    with pytest.raises(GradingError, match=r"call it: build_model\(\)"):
        check_optimizer(build_model)


@pytest.mark.parametrize(
    ("compiled_loss", "expected"),
    [
        ("mse", "mean_squared_error"),
        ("mean_squared_error", keras.losses.MeanSquaredError),
        (keras.losses.MeanSquaredError(), "mse"),
        (keras.losses.mean_absolute_error, "mae"),
        ("msle", "mean_squared_logarithmic_error"),
        ("kld", keras.losses.KLDivergence),
        (keras.losses.KLDivergence(), "kl_divergence"),
        (keras.losses.KLDivergence, "kullback_leibler_divergence"),
        ("binary_crossentropy", keras.losses.BinaryCrossentropy()),
        ("hinge", "hinge"),
        ("sparse_categorical_crossentropy", "sparse_categorical_crossentropy"),
        (["categorical_crossentropy"], "categorical_crossentropy"),
    ],
)
def test_check_loss_accepts_aliases(compiled_loss, expected):
    model = build_model()
    model.compile(optimizer="sgd", loss=compiled_loss)
    assert check_loss(model, expected) is model


def test_check_loss_wrong_loss(compiled):
    message = (
        r"compiled with loss='binary_crossentropy', but the exercise asks for "
        r"hinge\. Hint: pass loss='hinge'"
    )
    with pytest.raises(GradingError, match=message):
        check_loss(compiled, "hinge")


def test_check_loss_shows_alias_meaning():
    model = build_model()
    model.compile(optimizer="sgd", loss="mse")
    with pytest.raises(GradingError, match=r"'mse' \(mean_squared_error\)"):
        check_loss(model, "mae")


def test_check_loss_uncompiled_and_without_loss(model):
    with pytest.raises(GradingError, match="not compiled, so it has no loss"):
        check_loss(model, "mse")
    model.compile(optimizer="sgd")
    with pytest.raises(GradingError, match="compiled without a loss"):
        check_loss(model, "mse")


def test_check_loss_rejects_unknown_expected(compiled):
    with pytest.raises(ValueError, match="'expected' parameter of check_loss"):
        check_loss(compiled, "not_a_loss")


# --------------------------------------------------------------------------
# check_history
# --------------------------------------------------------------------------


def test_check_history_accepts_dict_and_history_object():
    data = {"loss": [0.7, 0.5, 0.4], "val_loss": [0.7, 0.6, 0.5]}
    assert check_history(data, keys=["loss", "val_loss"], epochs=3) == data
    history = keras.callbacks.History()
    history.history = data
    assert check_history(history, keys=("val_loss",), epochs=3) == data


def test_check_history_acc_versus_accuracy():
    data = {"loss": [0.7], "acc": [0.5], "val_loss": [0.7], "val_acc": [0.5]}
    with pytest.raises(GradingError, match=r"It has: 'loss', 'acc'.*metrics=\['acc"):
        check_history(data, keys=["val_accuracy"])


def test_check_history_missing_validation():
    with pytest.raises(GradingError, match=r"no 'val_loss'.*validation_data"):
        check_history({"loss": [0.7]}, keys=["val_loss"])


def test_check_history_missing_metric():
    with pytest.raises(GradingError, match=r"add 'accuracy' to model\.compile"):
        check_history({"loss": [0.7]}, keys=["accuracy"])


def test_check_history_wrong_epochs():
    with pytest.raises(GradingError, match=r"holds 2 epochs.* asks for 5.*epochs=5"):
        check_history({"loss": [0.7, 0.6]}, epochs=5)


def test_check_history_wrong_objects(model):
    with pytest.raises(GradingError, match=r"history is None.*return history"):
        check_history(None)
    with pytest.raises(GradingError, match="not the model"):
        check_history(model)


# --------------------------------------------------------------------------
# Learning curves
# --------------------------------------------------------------------------


def test_diagnose_curves_names_each_shape():
    assert diagnose_curves(overfit_curves()) == "overfit"
    assert diagnose_curves(underfit_curves()) == "underfit"
    assert diagnose_curves(good_fit_curves()) == "good fit"


def test_diagnose_curves_thresholds():
    curves = good_fit_curves()
    curves["val_loss"] = (np.array(curves["val_loss"]) + 0.2).tolist()
    assert diagnose_curves(curves) == "overfit"
    assert diagnose_curves(curves, max_gap=1.0) == "good fit"
    assert diagnose_curves(good_fit_curves(), max_drop=0.9) == "underfit"
    with pytest.raises(ValueError, match="'min_rise' parameter of diagnose_curves"):
        diagnose_curves(curves, min_rise=-0.1)


def test_check_overfits():
    check_overfits(overfit_curves())
    with pytest.raises(GradingError, match=r"barely falls.*underfits"):
        check_overfits(underfit_curves())
    with pytest.raises(GradingError, match=r"only [\d.]+% above its minimum"):
        check_overfits(good_fit_curves())


def test_check_overfits_validation_still_falling():
    falling = (0.7 - 0.004 * epochs()).tolist()
    curves = {"loss": falling, "val_loss": falling}
    with pytest.raises(GradingError, match=r"lowest near the end \(epoch 100 of 100\)"):
        check_overfits(curves)


def test_check_overfits_rise_too_small():
    curves = overfit_curves()
    val = np.minimum(np.array(curves["val_loss"]), 0.37)
    curves["val_loss"] = val.tolist()
    with pytest.raises(
        GradingError, match=r"only [\d.]+% above its minimum.*at least 10%"
    ):
        check_overfits(curves)
    check_overfits(overfit_curves(), min_rise=0.5)


def test_check_overfits_training_loss_must_keep_falling():
    e = epochs()
    curves = {
        "loss": (0.6 * np.exp(-e / 5) + 0.0001 * np.maximum(e - 30, 0) ** 2).tolist(),
        "val_loss": (0.35 + 0.00005 * (e - 30) ** 2).tolist(),
    }
    with pytest.raises(GradingError, match="does not keep falling after epoch 31"):
        check_overfits(curves)


def test_check_underfits():
    check_underfits(underfit_curves())
    with pytest.raises(GradingError, match=r"falls from .* does not underfit"):
        check_underfits(good_fit_curves())


def test_check_underfits_accuracy_ceiling():
    curves = good_fit_curves()
    curves["accuracy"] = [0.6] * 100
    check_underfits(curves, max_train_accuracy=0.7)
    curves["accuracy"] = [0.95] * 100
    with pytest.raises(GradingError, match=r"training accuracy ends at 0\.95"):
        check_underfits(curves, max_train_accuracy=0.7)
    with pytest.raises(GradingError, match=r"no 'acc'.*metrics=\['accuracy'\]"):
        check_underfits(curves, max_train_accuracy=0.7, metric="acc")


def test_check_good_fit():
    check_good_fit(good_fit_curves())
    with pytest.raises(GradingError, match=r"rises [\d.]+% from its minimum"):
        check_good_fit(overfit_curves())
    with pytest.raises(GradingError, match="barely falls"):
        check_good_fit(underfit_curves())


def test_check_good_fit_gap():
    curves = good_fit_curves()
    curves["val_loss"] = (np.array(curves["val_loss"]) + 0.2).tolist()
    with pytest.raises(GradingError, match=r"ends [\d.]+% above the training loss"):
        check_good_fit(curves)
    check_good_fit(curves, max_gap=1.0)


def test_curve_checks_need_enough_finite_epochs():
    with pytest.raises(GradingError, match="at least 4"):
        diagnose_curves({"loss": [0.7, 0.6], "val_loss": [0.7, 0.6]})
    nan = {"loss": [0.7, 0.6, float("nan"), 0.5], "val_loss": [0.7] * 4}
    with pytest.raises(GradingError, match=r"nan from epoch 3.*learning rate"):
        check_good_fit(nan)
    with pytest.raises(GradingError, match=r"no 'val_loss'.*validation_data"):
        check_overfits({"loss": [0.7, 0.6, 0.5, 0.4]})
    with pytest.raises(GradingError, match=r"call it: overfit_curves\(\)"):
        check_overfits(overfit_curves)
    with pytest.raises(GradingError, match="not a single curve"):
        check_overfits(overfit_curves()["loss"])
    with pytest.raises(GradingError, match="one value per epoch"):
        check_overfits({"loss": 0.5, "val_loss": 0.6})


# --------------------------------------------------------------------------
# check_choice and check_close
# --------------------------------------------------------------------------


def test_check_choice_right_answers():
    assert check_choice("B", ["A", "B", "C"], expected="B") == "B"
    assert check_choice("C", ["A", "B", "C"], expected={"B", "C"}) == "C"
    assert check_choice(2, [1, 2, 3]) == 2


def test_check_choice_wrong_answer_does_not_reveal_option():
    with pytest.raises(GradingError) as info:
        check_choice(
            "A",
            ["A", "B", "C"],
            expected="C",
            name="answer_2",
            hint="Look again at the validation curve.",
        )
    message = str(info.value)
    assert message.startswith("answer_2 is not the option the evidence supports.")
    assert "validation curve" in message
    assert "'C'" not in message and "'B'" not in message


@pytest.mark.parametrize(
    ("answer", "words"),
    [
        (None, r"answer_1 is None.*'A', 'B'"),
        (..., r"placeholder"),
        (" b", r"differs from 'B' only in case or spaces"),
        ("D", r"'D', which is not one of the options 'A', 'B'"),
        (check_choice, r"the function check_choice"),
    ],
)
def test_check_choice_not_an_option(answer, words):
    with pytest.raises(GradingError, match=words):
        check_choice(answer, ["A", "B"], expected="A", name="answer_1")


def test_check_choice_number_versus_string():
    with pytest.raises(GradingError, match=r"write answer = '2'"):
        check_choice(2, ["1", "2"])


def test_check_choice_rejects_bad_arguments():
    with pytest.raises(ValueError, match="'options' parameter"):
        check_choice("A", [])
    with pytest.raises(ValueError, match="'expected' parameter"):
        check_choice("A", ["A", "B"], expected="Z")


def test_check_close():
    assert check_close(np.float32(0.8134), 0.81, tol=0.01) == pytest.approx(0.8134)
    assert check_close(np.array([0.5]), 0.5, tol=0.0) == 0.5


def test_check_close_wrong_value_does_not_reveal_expected():
    with pytest.raises(GradingError) as info:
        check_close(0.5, 0.8125, tol=0.01, name="mean_acc", hint="Average them.")
    message = str(info.value)
    assert "mean_acc is 0.5, which is not within 0.01" in message
    assert "Average them." in message
    assert "0.81" not in message


@pytest.mark.parametrize(
    ("value", "words"),
    [
        (None, r"is None.*return"),
        (float("nan"), "NaN"),
        (float("inf"), "infinite"),
        ("0.8", "remove the quotes"),
        (np.array([0.8, 0.9]), r"single number.*shape \(2,\)"),
        (True, "bool"),
        (np.mean, r"call it: mean\(\)"),
    ],
)
def test_check_close_broken_values(value, words):
    with pytest.raises(GradingError, match=words):
        check_close(value, 0.8, tol=0.01)


def test_check_close_rejects_bad_tolerance():
    with pytest.raises(ValueError, match="'tol' parameter of check_close"):
        check_close(0.8, 0.8, tol=-1)


# --------------------------------------------------------------------------
# answer_digest and check_digest (self-checks that keep the answer hidden)
# --------------------------------------------------------------------------


def test_answer_digest_normalizes_and_salts():
    from bdl_helpers.grading import answer_digest

    assert answer_digest(" Over  fit ", salt="q") == answer_digest("over fit", salt="q")
    assert answer_digest(np.int64(3), salt="q") == answer_digest(3.0, salt="q")
    assert answer_digest({2, 1}, salt="q") == answer_digest({1, 2}, salt="q")
    assert answer_digest((1, 2), salt="q") != answer_digest((2, 1), salt="q")
    assert answer_digest("B", salt="q1") != answer_digest("B", salt="q2")
    assert answer_digest(True, salt="q") != answer_digest(1, salt="q")
    with pytest.raises(bdl_helpers.ArgumentError, match="'answer' parameter"):
        answer_digest(object(), salt="q")
    with pytest.raises(ValueError, match="'salt' parameter"):
        answer_digest("B", salt="")


def test_check_digest_right_and_wrong_answers():
    from bdl_helpers.grading import answer_digest, check_digest

    right = answer_digest("grow", salt="ch99-ex1")
    assert check_digest("Grow", right, salt="ch99-ex1", options=["shrink", "grow"]) == (
        "Grow"
    )
    with pytest.raises(GradingError) as info:
        check_digest("shrink", right, salt="ch99-ex1", options=["shrink", "grow"],
                     name="answer_3", hint="Compare batch 4 with batch 450.")
    message = str(info.value)
    assert message.startswith("answer_3 is not right yet.")
    assert "Compare batch 4" in message and "grow" not in message
    with pytest.raises(GradingError, match="not one of the options"):
        check_digest("fast", right, salt="ch99-ex1", options=["shrink", "grow"])


@pytest.mark.parametrize(
    ("answer", "words"),
    [
        (12.0, r"ex_epoch should be an int, but it is the number 12.0"),
        (True, r"should be an int, but it is the bool True"),
        ("12", r"should be an int, but it is the string '12'"),
        (None, r"ex_epoch is None, but it should be an int"),
    ],
)
def test_check_digest_names_the_type_expected(answer, words):
    from bdl_helpers.grading import answer_digest, check_digest

    right = answer_digest(12, salt="ch99-ex2")
    assert check_digest(np.int64(12), right, salt="ch99-ex2", kind=int) == 12
    with pytest.raises(GradingError, match=words):
        check_digest(answer, right, salt="ch99-ex2", kind=int, name="ex_epoch")


def test_check_digest_rejects_bad_arguments():
    from bdl_helpers.grading import check_digest

    with pytest.raises(ValueError, match="'digest' parameter"):
        check_digest("A", "", salt="q")
    with pytest.raises(GradingError, match="not an answer the check can compare"):
        check_digest(object(), "0123456789abcdef", salt="q")
