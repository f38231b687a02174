"""Tests of the seeding helpers: reproducible builds without side effects."""

from __future__ import annotations

import random

import bdl_helpers  # noqa: F401  (quiet TensorFlow before it loads)
from bdl_helpers.seeding import seeded, set_seed

import keras
import numpy as np
import pytest
from tensorflow.python.eager import context


def _build() -> keras.Model:
    model = keras.Sequential(
        [
            keras.Input((2,)),
            keras.layers.GaussianNoise(0.1),
            keras.layers.Dense(8, activation="relu"),
            keras.layers.Dropout(0.5),
            keras.layers.Dense(1, activation="sigmoid"),
        ]
    )
    model.compile(loss="binary_crossentropy", optimizer="adam")
    return model


def _training_output(model: keras.Model) -> np.ndarray:
    # The noise and dropout draws of one call in training mode.
    return keras.ops.convert_to_numpy(model(np.ones((4, 2)), training=True))


@pytest.mark.parametrize("seed", [0, 7])
def test_a_model_built_in_seeded_equals_one_built_after_set_random_seed(seed):
    keras.utils.set_random_seed(seed)
    expected = _build()
    with seeded(seed):
        got = _build()
    for a, b in zip(expected.get_weights(), got.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(_training_output(expected), _training_output(got))


def test_seeded_restores_python_numpy_and_keras_and_leaves_tensorflow_alone():
    set_seed(3)
    tf_seed = context.context()._seed
    expected = (random.random(), np.random.random(), float(keras.random.uniform(())))  # noqa: NPY002
    set_seed(3)
    with seeded(11):
        random.random(), np.random.random(), keras.random.uniform(())  # noqa: NPY002
    got = (random.random(), np.random.random(), float(keras.random.uniform(())))  # noqa: NPY002
    assert got == expected
    assert context.context()._seed == tf_seed
