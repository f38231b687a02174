"""Tests for bdl_helpers.diagnostics.gradient_noise: minibatch vs. full gradients."""


from bdl_helpers import load_dataset
from bdl_helpers.diagnostics import gradient_noise
from bdl_helpers.diagnostics.gradient_noise import minibatch_gradient_cosines

import keras
import numpy as np
import pytest
import tensorflow as tf


@pytest.fixture(scope="module")
def blobs():
    return load_dataset("blobs", one_hot=True)


def _model(loss="categorical_crossentropy", seed=1):
    keras.utils.set_random_seed(seed)
    model = keras.Sequential(
        [
            keras.Input((2,)),
            keras.layers.Dense(8, activation="relu", kernel_initializer="he_uniform"),
            keras.layers.Dense(3, activation="softmax"),
        ]
    )
    model.compile(loss=loss, optimizer="sgd")
    return model


def test_shape_columns_and_range(blobs):
    cosines = minibatch_gradient_cosines(
        _model(), *blobs.train, batch_sizes=[1, 4, 64], n_batches=30, seed=0
    )
    assert cosines.shape == (30, 3)
    assert cosines.columns.tolist() == [1, 4, 64]
    assert cosines.columns.name == "batch size"
    assert cosines.index.name == "batch"
    values = cosines.to_numpy()
    assert np.all((values >= -1.0) & (values <= 1.0))


def test_full_batch_gives_the_full_gradient(blobs):
    cosines = minibatch_gradient_cosines(
        _model(), *blobs.train, batch_sizes=[500], n_batches=3, seed=0
    )
    np.testing.assert_allclose(cosines[500].to_numpy(), 1.0, atol=1e-9)


def test_larger_batches_agree_better(blobs):
    cosines = minibatch_gradient_cosines(
        _model(), *blobs.train, batch_sizes=[1, 16, 256], n_batches=200, seed=0
    )
    means = cosines.mean()
    assert means[1] < means[16] < means[256]
    assert cosines[1].std() > cosines[256].std()


def test_per_example_gradients_match_the_tape(blobs):
    """The mean of per-example gradients is the gradient of the batch's mean loss."""
    model = _model()
    x, y = blobs.x_train[:20], blobs.y_train[:20]
    rows = gradient_noise._per_example_gradients(model, x, y)
    assert rows.shape == (20, model.count_params())
    with tf.GradientTape() as tape:
        loss = keras.losses.CategoricalCrossentropy()(y, model(x, training=False))
    grads = tape.gradient(loss, model.trainable_variables)
    flat = np.concatenate([g.numpy().ravel() for g in grads])
    np.testing.assert_allclose(rows.mean(axis=0), flat, rtol=1e-4, atol=1e-6)


def test_loss_object_and_name_agree(blobs):
    by_name = minibatch_gradient_cosines(
        _model(), *blobs.train, batch_sizes=[4], n_batches=20, seed=3
    )
    by_object = minibatch_gradient_cosines(
        _model(loss=keras.losses.CategoricalCrossentropy()),
        *blobs.train,
        batch_sizes=[4],
        n_batches=20,
        seed=3,
    )
    np.testing.assert_allclose(by_name.to_numpy(), by_object.to_numpy(), atol=1e-6)


def test_seed_makes_it_reproducible_and_leaves_the_model_alone(blobs):
    model = _model()
    before = [w.copy() for w in model.get_weights()]
    first = minibatch_gradient_cosines(
        model, *blobs.train, batch_sizes=[2, 8], n_batches=10, seed=5
    )
    second = minibatch_gradient_cosines(
        model, *blobs.train, batch_sizes=[2, 8], n_batches=10, seed=5
    )
    np.testing.assert_array_equal(first.to_numpy(), second.to_numpy())
    for old, new in zip(before, model.get_weights(), strict=True):
        np.testing.assert_array_equal(old, new)


def test_seed_none_follows_numpys_global_stream(blobs):
    model = _model()
    np.random.seed(7)  # noqa: NPY002
    first = minibatch_gradient_cosines(
        model, *blobs.train, batch_sizes=[2], n_batches=10
    )
    np.random.seed(7)  # noqa: NPY002
    second = minibatch_gradient_cosines(
        model, *blobs.train, batch_sizes=[2], n_batches=10
    )
    np.testing.assert_array_equal(first.to_numpy(), second.to_numpy())


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"batch_sizes": [0]}, "The 'batch_sizes' parameter"),
        ({"batch_sizes": [501]}, r"\[1, 500\]"),
        ({"batch_sizes": []}, "empty list"),
        ({"batch_sizes": 32}, "The 'batch_sizes' parameter"),
        ({"batch_sizes": [4, 4]}, "each batch size once"),
        ({"batch_sizes": [4], "n_batches": 0}, "The 'n_batches' parameter"),
        ({"batch_sizes": [4], "seed": -1}, "The 'seed' parameter"),
    ],
)
def test_bad_arguments_name_the_parameter(blobs, kwargs, message):
    with pytest.raises(ValueError, match=message):
        minibatch_gradient_cosines(_model(), *blobs.train, **kwargs)


def test_bad_model_or_data(blobs):
    with pytest.raises(ValueError, match="Call it first"):
        minibatch_gradient_cosines(_model, *blobs.train, batch_sizes=[1])
    uncompiled = keras.Sequential([keras.Input((2,)), keras.layers.Dense(3)])
    with pytest.raises(ValueError, match="compile"):
        minibatch_gradient_cosines(uncompiled, *blobs.train, batch_sizes=[1])
    with pytest.raises(ValueError, match="same number"):
        minibatch_gradient_cosines(
            _model(), blobs.x_train, blobs.y_train[:10], batch_sizes=[1]
        )


def test_public_names():
    import bdl_helpers

    assert set(gradient_noise.__all__) == {"minibatch_gradient_cosines"}
    assert "minibatch_gradient_cosines" in bdl_helpers.__all__
    assert bdl_helpers.minibatch_gradient_cosines is minibatch_gradient_cosines
