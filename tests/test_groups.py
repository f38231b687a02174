"""Tests of the grouped runs: many wide models under XLA trained as a few
groups of models, one thread each (bdl_helpers/training/groups.py)."""

from __future__ import annotations

import bdl_helpers  # noqa: F401  (quiet TensorFlow before it loads)
from bdl_helpers.training import CaptureWeights, fit_many, fitting
from bdl_helpers.training.groups import Groups, n_groups

import keras
import numpy as np
import pytest
import tensorflow as tf


def test_split_and_join_give_back_the_stack_with_padding_dropped():
    groups = Groups(5, 2)
    assert (groups.size, groups.padding) == (3, 1)
    stacked = tf.reshape(tf.range(15.0), (5, 3))
    rows = groups.split([stacked, {"s": tf.range(5)}], axis=0)
    assert [piece[0].shape[0] for piece in rows] == [3, 3]
    np.testing.assert_array_equal(rows[1][0][-1], stacked[-1])  # the copy
    joined = groups.join(rows, axis=0)
    np.testing.assert_array_equal(joined[0], stacked)
    np.testing.assert_array_equal(joined[1]["s"], np.arange(5))
    logs = tf.zeros((7, 5, 2))  # (epochs, models, keys): models on axis 1
    assert groups.join(groups.split(logs, axis=1), axis=1).shape == (7, 5, 2)
    assert groups.split(None, axis=0) == [None, None]
    shared = tf.ones(3)
    assert all(piece is shared for piece in groups.split(shared, axis=None))


@pytest.mark.parametrize(
    "n_models, wide, jit, expected",
    [
        (30, True, True, 2),
        (40, True, True, 3),
        (4, True, True, 2),
        (3, True, True, 1),
        (30, False, True, 1),
        (30, True, False, 1),
    ],
)
def test_only_runs_of_many_wide_models_under_xla_are_grouped(
    n_models, wide, jit, expected
):
    assert n_groups(n_models, wide=wide, jit_compile=jit) == expected


def _data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(100, 2)).astype("float32")
    y = (x[:, 0] * x[:, 1] > 0).astype("float32")
    return (x[:60], y[:60]), (x[60:], y[60:])


def _wide(seed: int, lr: float) -> keras.Model:
    keras.utils.set_random_seed(seed)
    model = keras.Sequential(
        [
            keras.Input((2,)),
            keras.layers.Dense(300, activation="relu"),
            keras.layers.Dropout(0.2),
            keras.layers.Dense(1, activation="sigmoid"),
        ]
    )
    model.compile(
        loss="binary_crossentropy",
        optimizer=keras.optimizers.Adam(lr),
        metrics=["accuracy"],
    )
    return model


def _close(ours, theirs):
    # Rounding errors scale with the array's largest values (a weight near
    # zero is a sum of larger terms), so the absolute tolerance does too.
    for a, b in zip(ours, theirs, strict=True):
        scale = max(float(np.max(np.abs(b), initial=0.0)), 0.1)
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5 * scale)


def _run(monkeypatch, grouped: bool):
    if not grouped:
        monkeypatch.setattr(fitting, "n_groups", lambda n, **_: 1)
    (x, y), val = _data()
    rates = (0.05, 0.001, 0.02, 0.01, 0.003)
    models = [_wide(i, lr) for i, lr in enumerate(rates)]
    assert models[0].count_params() >= fitting.XLA_WIDE_PARAMS
    stoppers = [
        keras.callbacks.EarlyStopping(
            monitor="val_loss", patience=3, restore_best_weights=True
        )
        for _ in rates
    ]
    captures = [CaptureWeights(epochs=[2, 9]) for _ in rates]
    histories = fit_many(
        models,
        x,
        y,
        epochs=40,
        validation_data=val,
        seed=3,
        callbacks=lambda i: [stoppers[i], captures[i]],
        jit_compile=True,
        verbose=0,
    )
    monkeypatch.undo()
    return models, histories, stoppers, captures


def test_a_grouped_run_gives_every_model_what_one_stack_gives(monkeypatch):
    """Five models (two groups of three, one a padding copy), with dropout,
    in-loop early stopping and captured weights: the same numbers up to float
    rounding (XLA compiles a 3-model and a 5-model stack differently)."""
    together = _run(monkeypatch, grouped=False)
    grouped = _run(monkeypatch, grouped=True)
    lengths = [len(h.epoch) for h in together[1]]
    assert len(set(lengths)) > 1, "the test needs models that stop apart"
    for a, b in zip(together[0], grouped[0], strict=True):
        _close(a.get_weights(), b.get_weights())
    for a, b in zip(together[1], grouped[1], strict=True):
        assert sorted(a.history) == sorted(b.history)
        _close([a.history[k] for k in a.history], [b.history[k] for k in a.history])
    for a, b in zip(together[2], grouped[2], strict=True):
        assert (a.best_epoch, a.stopped_epoch) == (b.best_epoch, b.stopped_epoch)
    for a, b in zip(together[3], grouped[3], strict=True):
        assert sorted(a.weights) == sorted(b.weights)
        for epoch in a.weights:
            _close(a.weights[epoch], b.weights[epoch])


def test_grouped_runs_score_only_the_first_models_every_epoch(monkeypatch):
    """validation_models=1 in two groups: model 0 has the curves of a run that
    scores everyone; the second group's first model (scored by the shared
    program) gets none."""
    monkeypatch.setattr(fitting, "REUSE_SCORING_ALL", 0)  # a loop of its own
    (x, y), val = _data()
    runs = []
    for validation_models in (None, 1):
        models = [_wide(i, 0.01) for i in range(5)]
        runs.append(
            fit_many(
                models,
                x,
                y,
                epochs=4,
                validation_data=val,
                seed=3,
                jit_compile=True,
                verbose=0,
                validation_models=validation_models,
            )
        )
    assert n_groups(5, wide=True, jit_compile=True) == 2
    everyone, first = runs
    assert sorted(first[0].history) == sorted(everyone[0].history)
    _close(
        [first[0].history[k] for k in everyone[0].history],
        [everyone[0].history[k] for k in everyone[0].history],
    )
    for history in first[1:]:
        assert sorted(history.history) == ["accuracy", "loss"]


def test_run_traces_once_before_the_threads_and_keeps_the_order(monkeypatch):
    import threading

    from bdl_helpers.training import groups as groups_module

    monkeypatch.setattr(groups_module, "_cores", lambda: 2)
    threads = []

    def program(stacked, shared):
        threads.append(threading.current_thread())
        return stacked * 2.0 + shared, tf.reduce_sum(stacked, axis=1)[None]

    groups = Groups(6, 3)
    stacked = tf.reshape(tf.range(12.0), (6, 2))
    for _ in range(2):
        doubled, sums = groups.run(program, [stacked, 1.0], (0, None), (0, 1))
        np.testing.assert_array_equal(doubled, stacked * 2.0 + 1.0)
        np.testing.assert_array_equal(sums[0], np.sum(stacked, axis=1))
    # The first call ran alone on the caller's thread; later ones in the pool.
    assert threads[0] is threading.current_thread()
    assert all(t is not threading.current_thread() for t in threads[3:])
