"""Tests for bdl_helpers.diagnostics.learning_speed: epochs to reach a level."""

import math

from bdl_helpers.diagnostics.learning_speed import epochs_to_reach

import keras
import numpy as np
import pytest


def _history(**curves):
    history = keras.callbacks.History()
    history.history = {k: list(v) for k, v in curves.items()}
    return history


def test_first_epoch_is_one_based_and_the_first_crossing():
    curve = {"accuracy": [0.5, 0.8, 0.7, 0.9]}
    assert epochs_to_reach(curve, 0.8) == 2.0
    assert epochs_to_reach(curve, 0.5) == 1.0
    assert epochs_to_reach(curve, 0.85) == 4.0


def test_never_reached_is_nan():
    assert math.isnan(epochs_to_reach({"accuracy": [0.1, 0.2]}, 0.9))


def test_accepts_a_keras_history_and_other_keys():
    history = _history(loss=[2.0, 1.0, 0.5], val_accuracy=[0.2, 0.6, 0.9])
    assert epochs_to_reach(history, 0.6, metric="val_accuracy") == 2.0
    assert epochs_to_reach(history, 1.0, metric="loss", mode="min") == 2.0


def test_a_list_of_runs_gives_an_array():
    runs = [_history(accuracy=[0.9]), {"accuracy": [0.1, 0.95]}, {"accuracy": [0.0]}]
    result = epochs_to_reach(runs, 0.9)
    assert isinstance(result, np.ndarray)
    np.testing.assert_array_equal(result, [1.0, 2.0, np.nan])


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"histories": {"accuracy": [0.5]}, "level": "high"}, "'level' parameter"),
        ({"histories": {"accuracy": [0.5]}, "level": 0.5, "mode": "up"}, "'mode'"),
        ({"histories": {"loss": [0.5]}, "level": 0.5}, "must be one of \\['loss'\\]"),
        ({"histories": 3, "level": 0.5}, "'histories' parameter"),
        ({"histories": [], "level": 0.5}, "at least one history"),
        ({"histories": {"accuracy": [[0.5]]}, "level": 0.5}, "one number per epoch"),
        ({"histories": {"accuracy": [0.5]}, "level": 0.5, "metric": 1}, "'metric'"),
    ],
)
def test_bad_arguments_raise_value_error(kwargs, match):
    with pytest.raises(ValueError, match=match):
        epochs_to_reach(**kwargs)
