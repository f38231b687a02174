"""Tests of the engine's vectorized stateless random ops per seed.

Fast unit tests of the converted ops (distribution, independence across
stacked seeds and successive draws, reproducibility, shapes and dtypes, with
and without XLA), of the Keras layers that use them, and a statistical check
that ``repeat`` with Dropout/GaussianNoise scores like TensorFlow's own
per-model loop.
"""

from __future__ import annotations

import contextlib

import bdl_helpers  # noqa: F401  (quiet TensorFlow before it loads)
from bdl_helpers.training import clear_cache, fit, fit_many, repeat
from bdl_helpers.training._vectorized_random import (
    CONVERTED_OPS,
    register_random_converters,
)

import keras
import numpy as np
import pytest
import tensorflow as tf
from scipy import stats
from tensorflow.python.ops.parallel_for import pfor

N_SEEDS = 16
SIZE = 4096
# Seeds as Keras's SeedGenerator makes them: [seed, step], step advancing.
SEEDS = [[1000 + i, 0] for i in range(N_SEEDS)]


@pytest.fixture
def fallbacks(monkeypatch):
    """The op types pfor hands to its while_loop fallback during the test."""
    seen: list[str] = []
    original = pfor._fallback_converter

    def spy(pfor_input, *args, **kwargs):
        seen.append(pfor_input.op_type)
        return original(pfor_input, *args, **kwargs)

    monkeypatch.setattr(pfor, "_fallback_converter", spy)
    return seen


@contextlib.contextmanager
def converters_absent():
    """TensorFlow as it ships: our converters taken out of pfor's registry."""
    registry = pfor._pfor_converter_registry
    ours = {k: registry.pop(k) for k in CONVERTED_OPS if k in registry}
    # The engine caches compiled programs by architecture and data shapes:
    # without this, the run "without converters" would reuse ours.
    clear_cache()
    try:
        yield
    finally:
        registry.update(ours)
        clear_cache()


def draw(fn, seeds=SEEDS, jit_compile=False, dtype=tf.int32):
    """``fn(seed)`` under tf.vectorized_map over stacked seeds, as numpy."""

    @tf.function(jit_compile=jit_compile)
    def run(stacked):
        return tf.vectorized_map(fn, stacked)

    return run(tf.constant(seeds, dtype)).numpy()


def uniform(seed):
    return tf.random.stateless_uniform([SIZE], seed=seed)


def normal(seed):
    return tf.random.stateless_normal([SIZE], seed=seed)


# --------------------------------------------------------------------------
# Registration
# --------------------------------------------------------------------------


def test_registration_is_idempotent_and_ours():
    register_random_converters()
    register_random_converters()
    for op in CONVERTED_OPS:
        converter = pfor._pfor_converter_registry[op]
        assert getattr(converter, "_bdl_random_converter", False), op


@pytest.mark.parametrize("fn", [uniform, normal], ids=["uniform", "normal"])
def test_no_while_loop_with_stacked_seed(fn, fallbacks):
    draw(fn)
    assert fallbacks == []


# --------------------------------------------------------------------------
# Distribution
# --------------------------------------------------------------------------


def test_uniform_distribution():
    values = draw(uniform)
    assert values.shape == (N_SEEDS, SIZE) and values.dtype == np.float32
    assert values.min() >= 0.0 and values.max() < 1.0
    flat = values.ravel()
    se = np.sqrt(1 / 12 / flat.size)
    assert abs(flat.mean() - 0.5) < 5 * se
    assert abs(flat.var() - 1 / 12) < 5 * np.sqrt(1 / 180 / flat.size)
    assert stats.kstest(flat, "uniform").pvalue > 1e-4
    for row in values:  # each model's own stream, not just the pool
        assert stats.kstest(row, "uniform").pvalue > 1e-5


def test_normal_distribution():
    values = draw(normal)
    assert values.shape == (N_SEEDS, SIZE) and values.dtype == np.float32
    flat = values.ravel()
    assert abs(flat.mean()) < 5 / np.sqrt(flat.size)
    assert abs(flat.var() - 1) < 5 * np.sqrt(2 / flat.size)
    assert abs(stats.skew(flat)) < 5 * np.sqrt(6 / flat.size)
    assert abs(stats.kurtosis(flat)) < 5 * np.sqrt(24 / flat.size)
    assert stats.kstest(flat, "norm").pvalue > 1e-4
    # Tails: P(|z| > 3) = 0.0027.
    tail = np.mean(np.abs(flat) > 3)
    assert abs(tail - 0.0027) < 5 * np.sqrt(0.0027 / flat.size)
    for row in values:
        assert stats.kstest(row, "norm").pvalue > 1e-5


def test_successive_values_are_uncorrelated():
    values = draw(uniform)
    lag1 = [np.corrcoef(row[:-1], row[1:])[0, 1] for row in values]
    assert np.max(np.abs(lag1)) < 5 / np.sqrt(SIZE)


def test_32_bit_hash_is_a_bijection_and_streams_are_not_shifted_copies():
    """float32 draws come from h(h(j ^ lo) + hi) of a stream key's halves:
    within a stream no hash repeats, and the streams of neighbouring keys
    are not one sequence at an offset or in another order."""
    from bdl_helpers.training._vectorized_random import _bits32, _mix

    n = 1 << 16
    streams = _mix(tf.constant([1, 2], tf.uint64))  # stream keys are mixed
    bits = _bits32(streams, n, 1).numpy()[..., 0]
    assert bits.dtype == np.uint32
    assert len(np.unique(bits[0])) == n
    # A shifted copy would share almost every value; by chance they share
    # about n * n / 2**32 = 1.
    assert len(np.intersect1d(bits[0], bits[1])) < 10


def test_float32_uniform_uses_24_bits():
    values = draw(uniform).ravel().astype(np.float64)
    assert np.all(values * 2**24 == np.floor(values * 2**24))
    assert len(np.unique(values)) > 0.99 * values.size


def test_truncated_normal_distribution():
    values = draw(lambda s: tf.random.stateless_truncated_normal([SIZE], seed=s))
    flat = values.ravel()
    assert np.abs(flat).max() <= 2.0
    law = stats.truncnorm(-2, 2)
    assert abs(flat.var() - law.var()) < 5 * np.sqrt(2 * law.var() ** 2 / flat.size)
    assert stats.kstest(flat, law.cdf).pvalue > 1e-4


def test_uniform_int_distribution():
    values = draw(
        lambda s: tf.random.stateless_uniform(
            [SIZE], seed=s, minval=-3, maxval=7, dtype=tf.int32
        )
    )
    assert values.dtype == np.int32 and values.min() == -3 and values.max() == 6
    counts = np.bincount(values.ravel() + 3, minlength=10)
    assert stats.chisquare(counts).pvalue > 1e-4


@pytest.mark.parametrize("dtype", [tf.float16, tf.bfloat16, tf.float64])
def test_other_float_dtypes(dtype):
    u = draw(lambda s: tf.random.stateless_uniform([SIZE], seed=s, dtype=dtype))
    z = draw(lambda s: tf.random.stateless_normal([SIZE], seed=s, dtype=dtype))
    assert u.dtype == dtype.as_numpy_dtype and z.dtype == dtype.as_numpy_dtype
    u, z = u.astype("float64"), z.astype("float64")
    assert u.min() >= 0 and u.max() < 1
    assert abs(u.mean() - 0.5) < 0.01 and abs(z.mean()) < 0.02
    assert abs(z.std() - 1) < 0.02


# --------------------------------------------------------------------------
# Independence and reproducibility
# --------------------------------------------------------------------------


def _max_cross_correlation(values):
    corr = np.corrcoef(values)
    return np.max(np.abs(corr[~np.eye(len(values), dtype=bool)]))


@pytest.mark.parametrize("fn", [uniform, normal], ids=["uniform", "normal"])
def test_streams_differ_between_seeds(fn):
    values = draw(fn)
    # Uncorrelated: |r| of 120 pairs of 4096 values stays under 5 / sqrt(n).
    assert _max_cross_correlation(values) < 5 / np.sqrt(SIZE)
    # The check has teeth: repeated seeds give identical, correlated rows.
    same = draw(fn, seeds=[SEEDS[0], SEEDS[1], SEEDS[0]])
    np.testing.assert_array_equal(same[0], same[2])
    assert _max_cross_correlation(same) > 0.99


def test_successive_draws_of_one_generator_differ():
    # A SeedGenerator's state [seed, step] advances by one each draw.
    seeds = [[7, step] for step in range(N_SEEDS)]
    assert _max_cross_correlation(draw(uniform, seeds=seeds)) < 5 / np.sqrt(SIZE)
    # Neighbouring seeds [s, t] and [s + 1, t] too, and int64 seeds.
    seeds = [[7 + i, 3] for i in range(N_SEEDS)]
    assert _max_cross_correlation(draw(normal, seeds=seeds)) < 5 / np.sqrt(SIZE)
    values = draw(uniform, seeds=seeds, dtype=tf.int64)
    assert _max_cross_correlation(values) < 5 / np.sqrt(SIZE)


def test_dropout_masks_of_two_models_are_independent():
    rate = 0.4

    def mask(seed):
        ones = tf.ones([SIZE])
        return tf.nn.experimental.stateless_dropout(ones, rate=rate, seed=seed) > 0

    masks = draw(mask, seeds=[[11, 0], [12, 0]])
    kept = masks.mean(axis=1)
    assert np.all(np.abs(kept - (1 - rate)) < 5 * np.sqrt(rate * (1 - rate) / SIZE))
    both = np.mean(masks[0] & masks[1])
    expected = (1 - rate) ** 2
    assert abs(both - expected) < 5 * np.sqrt(expected * (1 - expected) / SIZE)


def test_reproducible_and_independent_of_position():
    first = draw(normal)
    np.testing.assert_array_equal(first, draw(normal))
    # A model's numbers depend on its seed only, not on its neighbours.
    subset = draw(normal, seeds=[SEEDS[5], SEEDS[2]])
    np.testing.assert_array_equal(subset, first[[5, 2]])


def test_same_values_with_and_without_xla():
    for fn in (uniform, normal):
        plain = draw(fn, jit_compile=False)
        xla = draw(fn, jit_compile=True)
        np.testing.assert_allclose(plain, xla, rtol=1e-5, atol=1e-5)


def test_loop_invariant_seed_defers_to_tensorflow():
    # The seed is the same for every iteration: TensorFlow's own op (Philox).
    seed = tf.constant([3, 4])
    values = draw(
        lambda x: tf.random.stateless_uniform([8], seed=seed) + 0 * x,
        seeds=[[0.0]] * 3,
        dtype=tf.float32,
    )
    expected = tf.random.stateless_uniform([8], seed=seed).numpy()
    for row in values:
        np.testing.assert_array_equal(row[0] if row.ndim > 1 else row, expected)


def test_multidimensional_shape_and_partial_batch():
    values = draw(
        lambda s: tf.random.stateless_uniform([3, 5, 7], seed=s), jit_compile=True
    )
    assert values.shape == (N_SEEDS, 3, 5, 7)


# --------------------------------------------------------------------------
# The Keras layers, as fit_many calls them (stateless_call, stacked state)
# --------------------------------------------------------------------------


def _layer_outputs(layer, input_shape, n=6, jit_compile=False):
    layer.build(input_shape)
    state = [tf.convert_to_tensor(v) for v in layer.non_trainable_variables]
    # Each model's SeedGenerator state: [its seed, its step].
    ntv = [
        tf.stack([v + tf.constant([i, 0], v.dtype) for i in range(n)]) for v in state
    ]
    tv = [tf.stack([tf.convert_to_tensor(v)] * n) for v in layer.trainable_variables]
    x = tf.ones((n, *input_shape))

    @tf.function(jit_compile=jit_compile)
    def run(tv, ntv, x):
        return tf.vectorized_map(
            lambda a: layer.stateless_call(a[0], a[1], a[2], training=True),
            (tv, ntv, x),
        )

    out, new_ntv = run(tv, ntv, x)
    return out.numpy(), [v.numpy() for v in new_ntv]


@pytest.mark.parametrize("jit_compile", [False, True])
def test_dropout_layer(jit_compile, fallbacks):
    rate = 0.4
    out, ntv = _layer_outputs(
        keras.layers.Dropout(rate, seed=5), (64, 64), jit_compile=jit_compile
    )
    assert fallbacks == []
    assert set(np.unique(out)) <= {0.0, np.float32(1 / (1 - rate))}
    kept = (out > 0).reshape(len(out), -1)
    assert np.all(np.abs(kept.mean(axis=1) - (1 - rate)) < 0.03)
    assert _max_cross_correlation(kept.astype(float)) < 5 / np.sqrt(kept.shape[1])
    assert np.all(ntv[0][:, 1] == 1)  # each generator advanced by one draw


def test_noise_layers(fallbacks):
    noise, _ = _layer_outputs(keras.layers.GaussianNoise(0.1, seed=5), (64, 64))
    assert fallbacks == []
    noise = (noise - 1).reshape(len(noise), -1)
    assert abs(noise.std() - 0.1) < 0.003 and abs(noise.mean()) < 0.003
    assert _max_cross_correlation(noise) < 5 / np.sqrt(noise.shape[1])
    rate = 0.3
    mult, _ = _layer_outputs(keras.layers.GaussianDropout(rate, seed=5), (64, 64))
    assert fallbacks == []
    assert abs(mult.mean() - 1) < 0.01
    assert abs(mult.std() - np.sqrt(rate / (1 - rate))) < 0.02


def test_spatial_dropout_layers(fallbacks):
    out, _ = _layer_outputs(keras.layers.SpatialDropout1D(0.5, seed=5), (2, 9, 256))
    assert fallbacks == []
    # One mask per (example, channel), shared along the steps.
    assert np.all(out == out[:, :, :1, :])
    channels = (out[:, :, 0, :] > 0).reshape(len(out), -1).astype(float)
    assert abs(channels.mean() - 0.5) < 0.06
    assert _max_cross_correlation(channels) < 5 / np.sqrt(channels.shape[1])
    out, _ = _layer_outputs(keras.layers.SpatialDropout2D(0.5, seed=5), (2, 4, 4, 64))
    assert fallbacks == []
    assert np.all(out == out[:, :, :1, :1, :])


# --------------------------------------------------------------------------
# Training: fit_many and repeat
# --------------------------------------------------------------------------


def _circles(n_train=100, n_test=200):
    data = bdl_helpers.load_dataset(
        "circles", n_samples=n_train + n_test, n_train=n_train
    )
    return data


def _build(extra, seed=None):
    def build():
        model = keras.Sequential(
            [
                keras.Input((2,)),
                keras.layers.Dense(64, activation="relu"),
                *extra(seed),
                keras.layers.Dense(1, activation="sigmoid"),
            ]
        )
        model.compile(
            loss="binary_crossentropy",
            optimizer=keras.optimizers.Adam(0.01),
            metrics=["accuracy"],
        )
        return model

    return build


def test_fit_many_models_draw_their_own_masks(fallbacks):
    """Same initial weights and data order: only the dropout masks differ."""
    data = _circles()

    def models(dropout_seeds):
        keras.utils.set_random_seed(0)
        template = _build(lambda s: [keras.layers.Dropout(0.4, seed=s)], 1)()
        out = []
        for s in dropout_seeds:
            model = _build(lambda _, s=s: [keras.layers.Dropout(0.4, seed=s)])()
            model.set_weights(template.get_weights())
            out.append(model)
        return out

    trained = models([1, 2, 1])
    fit_many(
        trained,
        *data.train,
        epochs=5,
        shuffle=False,
        seeds=[0, 0, 0],
        verbose=0,
        jit_compile=False,
    )
    assert fallbacks == []
    w = [m.layers[-1].get_weights()[0] for m in trained]
    np.testing.assert_allclose(w[0], w[2], rtol=1e-5)  # same seed, same masks
    assert np.abs(w[0] - w[1]).max() > 1e-3  # different seeds, different masks


@pytest.mark.parametrize(
    "extra",
    [
        lambda s: [keras.layers.Dropout(0.4)],
        lambda s: [keras.layers.GaussianNoise(0.1)],
    ],
    ids=["Dropout(0.4)", "GaussianNoise(0.1)"],
)
def test_repeat_agrees_statistically_with_tensorflows_loop(extra):
    """Mean test accuracy over 10 seeds agrees with the per-model loop's.

    With the converters absent, pfor runs TensorFlow's own ops (Philox) per
    model. The two means must agree within four standard errors of their
    difference plus 0.01, as in tests/test_training.py.
    """
    data = _circles()
    kwargs = dict(epochs=150, test_data=data.test, verbose=0, jit_compile=False)
    ours = repeat(_build(extra), 10, *data.train, **kwargs)
    with converters_absent():
        theirs = repeat(_build(extra), 10, *data.train, **kwargs)
    ours = ours.scores["test_accuracy"].to_numpy()
    theirs = theirs.scores["test_accuracy"].to_numpy()
    standard_error = np.sqrt(ours.var(ddof=1) / 10 + theirs.var(ddof=1) / 10)
    print(
        f"ours {ours.mean():.4f} +- {ours.std(ddof=1):.4f}, "
        f"loop {theirs.mean():.4f} +- {theirs.std(ddof=1):.4f}"
    )
    assert abs(ours.mean() - theirs.mean()) <= 4 * standard_error + 0.01
    # Different streams (the engine really rebuilt its program without them).
    assert not np.array_equal(ours, theirs)


def test_one_model_with_xla_draws_what_it_draws_among_many(fallbacks):
    """Compiled with XLA, a single model's dropout masks come from the same
    vectorized streams as those of the same-seed member of a larger run (XLA's
    CPU Philox would cost more than the step), so the two train alike."""
    data = _circles()

    def model(seed):
        keras.utils.set_random_seed(seed)
        return _build(lambda s: [keras.layers.Dropout(0.4)])()

    alone = model(1)
    fit(alone, *data.train, epochs=5, shuffle=False, verbose=0, jit_compile=True)
    pair = [model(1), model(2)]
    fit_many(pair, *data.train, epochs=5, shuffle=False, verbose=0, jit_compile=True)
    assert fallbacks == []
    for a, b in zip(alone.get_weights(), pair[0].get_weights(), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert np.abs(alone.get_weights()[-2] - pair[1].get_weights()[-2]).max() > 1e-3
