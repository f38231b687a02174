"""Tests for bdl_helpers.curves: reading a history, and the measures of a curve."""

import bdl_helpers
from bdl_helpers.curves import curve, final_value, history_from, jitter, rise_above_best

import keras
import numpy as np
import pytest


def test_curve_reads_a_history_or_its_dict():
    history = history_from(loss=[0.9, 0.5], val_loss=[1.0, 0.7])
    assert isinstance(history, keras.callbacks.History)
    np.testing.assert_allclose(curve(history, "val_loss"), [1.0, 0.7])
    np.testing.assert_allclose(curve(history.history, "loss"), [0.9, 0.5])


def test_curve_names_the_metrics_it_has():
    with pytest.raises(bdl_helpers.ArgumentError, match=r"\['loss'\].*validation_data"):
        curve({"loss": [1.0]}, "val_loss")
    with pytest.raises(bdl_helpers.ArgumentError, match="keras History"):
        curve([0.1, 0.2], "loss")
    with pytest.raises(bdl_helpers.ArgumentError, match="one number per epoch"):
        curve({"loss": [[1.0, 2.0]]}, "loss")


def test_final_value_averages_the_last_epochs():
    assert final_value({"loss": [4.0, 3.0, 2.0, 1.0]}, "loss", epochs=2) == 1.5
    assert final_value({"loss": [4.0, 2.0]}, "loss") == 3.0  # fewer than 10 ran
    with pytest.raises(ValueError, match="'epochs' parameter of final_value"):
        final_value({"loss": [1.0]}, "loss", epochs=0)
    with pytest.raises(ValueError, match="empty"):
        final_value({"loss": []}, "loss")


def test_jitter_is_the_mean_absolute_change_from_start():
    values = [0.5, 0.9, 0.6, 0.8, 0.7]
    assert jitter({"val_accuracy": values}) == pytest.approx(
        np.mean([0.4, 0.3, 0.2, 0.1])
    )
    assert jitter({"accuracy": values}, "accuracy", start=2) == pytest.approx(0.15)
    with pytest.raises(ValueError, match="at least two epochs"):
        jitter({"val_accuracy": values}, start=4)


def test_rise_above_best_for_a_loss_and_an_accuracy():
    assert rise_above_best({"val_loss": [0.8, 0.4, 0.6]}, epochs=1) == pytest.approx(
        0.5
    )
    assert rise_above_best({"val_loss": [0.8, 0.4]}, epochs=1) == 0.0
    falls = {"val_accuracy": [0.5, 0.9, 0.81]}
    assert rise_above_best(
        falls, "val_accuracy", epochs=1, mode="max"
    ) == pytest.approx(0.1)
    with pytest.raises(ValueError, match="'mode' parameter"):
        rise_above_best(falls, "val_accuracy", mode="up")


def test_history_from_needs_curves_of_one_length():
    with pytest.raises(ValueError, match="same number of epochs"):
        history_from(loss=[1.0, 0.5], val_loss=[1.0])
    with pytest.raises(ValueError, match="at least one curve"):
        history_from()
    assert history_from(loss=np.array([0.3, 0.2])).history == {"loss": [0.3, 0.2]}


def test_public_names():
    from bdl_helpers import curves

    assert set(curves.__all__) <= set(bdl_helpers.__all__)
