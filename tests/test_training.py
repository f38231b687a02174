"""Fidelity tests of the training engine against ``model.fit``.

With ``shuffle=False`` and the same initial weights, :func:`bdl_helpers.fit`
and :func:`bdl_helpers.fit_many` must give the weights and history that
``model.fit`` gives, for every feature of Keras the course relies on.
"""

from __future__ import annotations

import bdl_helpers  # noqa: F401  (quiet TensorFlow before it loads)
from bdl_helpers import training
from bdl_helpers.training import CaptureWeights, fit, fit_many, repeat

import keras
import numpy as np
import pytest

EPOCHS = 3
# 100 rows at batch size 32: three full batches and a last partial batch of 4.
N_TRAIN = 100


def _data(kind: str):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(N_TRAIN + 50, 2)).astype("float32")
    score = x[:, 0] + 0.5 * x[:, 1]
    if kind == "categorical":
        labels = np.digitize(score, [-0.5, 0.5])
        y = keras.utils.to_categorical(labels, 3)
    elif kind == "sparse":
        y = np.digitize(score, [-0.5, 0.5]).astype("int64")
    elif kind == "binary":
        y = (score > 0).astype("float32")
    elif kind == "hinge":
        y = np.where(score > 0, 1.0, -1.0).astype("float32")
    else:  # regression
        y = (2 * score + 0.1 * rng.normal(size=score.shape)).astype("float32")
    return (x[:N_TRAIN], y[:N_TRAIN]), (x[N_TRAIN:], y[N_TRAIN:])


def _sgd(**kwargs):
    return keras.optimizers.SGD(learning_rate=0.05, momentum=0.9, **kwargs)


def _model(kind: str, hidden: list, optimizer, metrics=("accuracy",)):
    outputs = {
        "categorical": (3, "softmax", "categorical_crossentropy"),
        "sparse": (3, "softmax", "sparse_categorical_crossentropy"),
        "binary": (1, "sigmoid", "binary_crossentropy"),
        "hinge": (1, "tanh", "hinge"),
        "regression": (1, "linear", "mse"),
    }
    units, activation, loss = outputs[kind]
    model = keras.Sequential(
        [keras.Input((2,)), *hidden, keras.layers.Dense(units, activation=activation)]
    )
    model.compile(loss=loss, optimizer=optimizer, metrics=list(metrics))
    return model


def _dense(**kwargs):
    return keras.layers.Dense(16, activation="relu", **kwargs)


class _Halving(keras.optimizers.schedules.LearningRateSchedule):
    """A learner's schedule: no get_config (Keras asks for it only to save)."""

    def __call__(self, step):
        return 0.05 * 0.5 ** keras.ops.floor(keras.ops.cast(step, "float32") / 10)


# Each case: (data kind, hidden layers factory, optimizer factory, metrics).
CASES = {
    "sgd-momentum": ("categorical", lambda: [_dense()], _sgd, ("accuracy",)),
    "adam": (
        "categorical",
        lambda: [_dense()],
        lambda: keras.optimizers.Adam(0.01),
        ("accuracy",),
    ),
    "l2-kernel": (
        "categorical",
        lambda: [_dense(kernel_regularizer=keras.regularizers.L2(0.01))],
        _sgd,
        ("accuracy",),
    ),
    "l1-activity": (
        "binary",
        lambda: [_dense(activity_regularizer=keras.regularizers.L1(1e-3))],
        _sgd,
        ("accuracy",),
    ),
    "max-norm": (
        "binary",
        lambda: [_dense(kernel_constraint=keras.constraints.MaxNorm(0.5))],
        _sgd,
        ("accuracy",),
    ),
    "clipnorm": (
        "regression",
        lambda: [_dense()],
        lambda: _sgd(clipnorm=1.0),
        ("mse",),
    ),
    "clipvalue": (
        "regression",
        lambda: [_dense()],
        lambda: _sgd(clipvalue=0.5),
        ("mse",),
    ),
    "global-clipnorm": (
        "regression",
        lambda: [_dense()],
        lambda: _sgd(global_clipnorm=1.0),
        ("mse",),
    ),
    "inverse-time-decay": (
        "categorical",
        lambda: [_dense()],
        lambda: keras.optimizers.SGD(
            keras.optimizers.schedules.InverseTimeDecay(0.05, 1, 0.01)
        ),
        ("accuracy",),
    ),
    "custom-schedule-without-config": (
        "categorical",
        lambda: [_dense()],
        lambda: keras.optimizers.SGD(_Halving()),
        ("accuracy",),
    ),
    "batch-norm": (
        "binary",
        lambda: [_dense(), keras.layers.BatchNormalization()],
        _sgd,
        ("accuracy",),
    ),
    "sparse-categorical": ("sparse", lambda: [_dense()], _sgd, ("accuracy",)),
    "hinge": ("hinge", lambda: [_dense()], _sgd, ()),
    "mse": ("regression", lambda: [_dense()], _sgd, ("mae",)),
}


def _build_case(name: str, seed: int = 1):
    kind, hidden, optimizer, metrics = CASES[name]
    keras.utils.set_random_seed(seed)
    return _model(kind, hidden(), optimizer(), metrics)


def _assert_same(keras_model, keras_history, our_model, our_history, atol=1e-5):
    assert sorted(our_history.history) == sorted(keras_history.history)
    assert our_history.epoch == keras_history.epoch
    for key, expected in keras_history.history.items():
        np.testing.assert_allclose(
            our_history.history[key], expected, rtol=1e-4, atol=atol, err_msg=key
        )
    for ours, theirs in zip(
        our_model.get_weights(), keras_model.get_weights(), strict=True
    ):
        np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=atol)


@pytest.mark.parametrize("engine", ["fit", "fit_many"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_engine_matches_model_fit(case, engine):
    """Same data order, same start: same weights and history as model.fit."""
    kind = CASES[case][0]
    (x, y), val = _data(kind)
    reference = _build_case(case)
    expected = reference.fit(
        x,
        y,
        epochs=EPOCHS,
        batch_size=32,
        shuffle=False,
        validation_data=val,
        verbose=0,
    )
    ours = _build_case(case)
    if engine == "fit":
        history = fit(
            ours, x, y, epochs=EPOCHS, shuffle=False, validation_data=val, verbose=0
        )
    else:
        (history,) = fit_many(
            [ours], x, y, epochs=EPOCHS, shuffle=False, validation_data=val, verbose=0
        )
    _assert_same(reference, expected, ours, history)


def test_multi_input_functional_model():
    """A functional model with two inputs trains as under model.fit."""

    def build():
        keras.utils.set_random_seed(3)
        left, right = keras.Input((2,)), keras.Input((3,))
        merged = keras.layers.Concatenate()(
            [
                keras.layers.Dense(8, activation="relu")(left),
                keras.layers.Dense(8, activation="relu")(right),
            ]
        )
        model = keras.Model([left, right], keras.layers.Dense(1)(merged))
        model.compile(loss="mse", optimizer=_sgd(), metrics=["mae"])
        return model

    rng = np.random.default_rng(1)
    x = [
        rng.normal(size=(70, 2)).astype("float32"),
        rng.normal(size=(70, 3)).astype("float32"),
    ]
    y = (x[0].sum(1) - x[1].sum(1)).astype("float32")
    val = ([a[:20] for a in x], y[:20])
    reference, ours = build(), build()
    expected = reference.fit(
        x, y, epochs=EPOCHS, shuffle=False, validation_data=val, verbose=0
    )
    history = fit(
        ours, x, y, epochs=EPOCHS, shuffle=False, validation_data=val, verbose=0
    )
    _assert_same(reference, expected, ours, history)


def test_batch_size_one_and_full_batch():
    """Batch sizes 1 and len(x) (stochastic and batch gradient descent)."""
    (x, y), val = _data("categorical")
    for batch_size in (1, N_TRAIN):
        reference, ours = _build_case("sgd-momentum"), _build_case("sgd-momentum")
        expected = reference.fit(
            x,
            y,
            epochs=2,
            batch_size=batch_size,
            shuffle=False,
            validation_data=val,
            verbose=0,
        )
        history = fit(
            ours,
            x,
            y,
            epochs=2,
            batch_size=batch_size,
            shuffle=False,
            validation_data=val,
            verbose=0,
        )
        _assert_same(reference, expected, ours, history, atol=1e-4)


# --------------------------------------------------------------------------
# Random layers: the streams differ, the statistics must not
# --------------------------------------------------------------------------


def test_dropout_and_noise_agree_statistically():
    """Mean test accuracy over 10 seeds agrees with model.fit's.

    Dropout and GaussianNoise draw from different random streams in the two
    engines, so single runs differ. Over 10 seeds each, the means must agree
    within four standard errors of their difference (a false alarm about once
    in 16,000 runs) plus 0.01 for the accuracy's granularity.
    """
    (x, y), val = _data("binary")
    seeds = range(10)

    def build():
        model = keras.Sequential(
            [
                keras.Input((2,)),
                keras.layers.GaussianNoise(0.3),
                keras.layers.Dense(32, activation="relu"),
                keras.layers.Dropout(0.5),
                keras.layers.Dense(1, activation="sigmoid"),
            ]
        )
        model.compile(
            loss="binary_crossentropy", optimizer=_sgd(), metrics=["accuracy"]
        )
        return model

    theirs = []
    for seed in seeds:
        keras.utils.set_random_seed(seed)
        model = build()
        model.fit(x, y, epochs=15, batch_size=32, verbose=0)
        theirs.append(model.evaluate(*val, verbose=0, return_dict=True)["accuracy"])
    ours = repeat(build, len(seeds), x, y, epochs=15, test_data=val, verbose=0)
    ours = ours.scores["test_accuracy"].to_numpy()
    theirs = np.asarray(theirs)
    standard_error = np.sqrt(ours.var(ddof=1) / 10 + theirs.var(ddof=1) / 10)
    assert abs(ours.mean() - theirs.mean()) <= 4 * standard_error + 0.01
    # The random layers really are random: the seeds disagree somewhere.
    assert ours.std() > 0 or theirs.std() > 0


# --------------------------------------------------------------------------
# Callbacks: same epochs as under model.fit
# --------------------------------------------------------------------------


def _both(callbacks_factory, case="sgd-momentum", epochs=30, kind="categorical"):
    (x, y), val = _data(kind)
    runs = []
    for engine in ("keras", "ours"):
        model = _build_case(case)
        callbacks = callbacks_factory()
        if engine == "keras":
            history = model.fit(
                x,
                y,
                epochs=epochs,
                shuffle=False,
                validation_data=val,
                callbacks=callbacks,
                verbose=0,
            )
        else:
            history = fit(
                model,
                x,
                y,
                epochs=epochs,
                shuffle=False,
                validation_data=val,
                callbacks=callbacks,
                verbose=0,
            )
        runs.append((model, history, callbacks))
    return runs


def test_early_stopping_stops_and_restores_like_model_fit():
    runs = _both(
        lambda: [
            keras.callbacks.EarlyStopping(
                monitor="val_loss",
                patience=3,
                min_delta=1e-3,
                restore_best_weights=True,
                mode="min",
            )
        ],
        epochs=200,
    )
    (k_model, k_hist, (k_cb,)), (o_model, o_hist, (o_cb,)) = runs
    assert k_cb.stopped_epoch > 0, "the test needs a run that stops early"
    assert o_cb.stopped_epoch == k_cb.stopped_epoch
    assert o_cb.best_epoch == k_cb.best_epoch
    _assert_same(k_model, k_hist, o_model, o_hist, atol=1e-4)


def test_early_stopping_auto_mode_finds_accuracy_direction():
    runs = _both(
        lambda: [keras.callbacks.EarlyStopping(monitor="val_accuracy", patience=2)],
        epochs=100,
    )
    (_, k_hist, (k_cb,)), (_, o_hist, (o_cb,)) = runs
    assert o_cb.monitor_op == k_cb.monitor_op
    assert len(o_hist.history["loss"]) == len(k_hist.history["loss"])


def test_early_stopping_docstring_example():
    """Keras's EarlyStopping example: only 4 epochs are run."""
    callback = keras.callbacks.EarlyStopping(monitor="loss", patience=3)
    model = keras.Sequential([keras.Input((20,)), keras.layers.Dense(10)])
    model.compile(keras.optimizers.SGD(), loss="mse")
    history = fit(
        model,
        np.arange(100).reshape(5, 20),
        np.zeros(5),
        epochs=10,
        batch_size=1,
        callbacks=[callback],
        verbose=0,
    )
    assert len(history.history["loss"]) == 4


def test_reduce_lr_on_plateau_changes_lr_at_the_same_epochs():
    runs = _both(
        lambda: [
            keras.callbacks.ReduceLROnPlateau(
                monitor="val_loss", factor=0.1, patience=2, min_delta=0.05
            )
        ],
        epochs=40,
    )
    (k_model, k_hist, _), (o_model, o_hist, _) = runs
    assert "learning_rate" in k_hist.history
    assert len(set(k_hist.history["learning_rate"])) > 1, "the LR must drop"
    _assert_same(k_model, k_hist, o_model, o_hist, atol=1e-4)


def test_learning_rate_scheduler_sets_lr_at_epoch_begin():
    def schedule(epoch, lr):
        return lr if epoch < 3 else lr * 0.5

    runs = _both(lambda: [keras.callbacks.LearningRateScheduler(schedule)], epochs=6)
    (k_model, k_hist, _), (o_model, o_hist, _) = runs
    _assert_same(k_model, k_hist, o_model, o_hist)


def test_model_checkpoint_saves_the_best_epoch(tmp_path):
    paths = iter([tmp_path / "keras.keras", tmp_path / "ours.keras"])
    runs = _both(
        lambda: [
            keras.callbacks.ModelCheckpoint(
                next(paths), monitor="val_loss", save_best_only=True
            )
        ],
        epochs=12,
    )
    (_, k_hist, _), (_, o_hist, _) = runs
    saved = [
        keras.models.load_model(tmp_path / f"{n}.keras") for n in ("keras", "ours")
    ]
    for ours, theirs in zip(
        saved[1].get_weights(), saved[0].get_weights(), strict=True
    ):
        np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-5)
    best = int(np.argmin(k_hist.history["val_loss"]))
    assert int(np.argmin(o_hist.history["val_loss"])) == best


def test_capture_weights_records_chosen_epochs():
    runs = _both(lambda: [CaptureWeights(epochs=[0, 4, 9])], epochs=10)
    (_, _, (k_cb,)), (_, _, (o_cb,)) = runs
    assert sorted(o_cb.weights) == [0, 4, 9]
    for epoch in (0, 4, 9):
        for ours, theirs in zip(o_cb.weights[epoch], k_cb.weights[epoch], strict=True):
            np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-5)


def test_capture_weights_in_fit_many():
    (x, y), _ = _data("categorical")
    models = [_build_case("sgd-momentum", seed) for seed in (1, 2)]
    captures = [CaptureWeights(epochs=[2, 5]) for _ in models]
    fit_many(
        models,
        x,
        y,
        epochs=6,
        callbacks=lambda i: [captures[i]],
        seeds=[1, 2],
        verbose=0,
    )
    single = _build_case("sgd-momentum", 2)
    capture = CaptureWeights(epochs=[2, 5])
    fit(single, x, y, epochs=6, callbacks=[capture], seed=2, verbose=0)
    for epoch in (2, 5):
        for ours, theirs in zip(
            captures[1].weights[epoch], capture.weights[epoch], strict=True
        ):
            np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-5)


# --------------------------------------------------------------------------
# Shuffling and repeats
# --------------------------------------------------------------------------


def test_shuffle_is_seeded():
    (x, y), _ = _data("categorical")
    weights = []
    for seed in (5, 5, 6):
        model = _build_case("sgd-momentum")
        fit(model, x, y, epochs=3, seed=seed, verbose=0)
        weights.append(model.get_weights()[0])
    np.testing.assert_array_equal(weights[0], weights[1])
    assert not np.allclose(weights[0], weights[2])


def test_epoch_orders_are_permutations():
    import tensorflow as tf

    orders = training.data.epoch_orders(
        37, tf.constant([0, 1, 2]), tf.constant(4), True
    )
    orders = orders.numpy()
    for row in orders:
        assert sorted(row.tolist()) == list(range(37))
    assert not np.array_equal(orders[0], orders[1])


def test_rank_order_is_a_stable_argsort():
    import tensorflow as tf

    rng = np.random.default_rng(0)
    ties = rng.integers(0, 4, size=(5, 30)).astype("int64")  # many equal keys
    wide = rng.integers(-(2**62), 2**62, size=(5, 64), dtype="int64")
    for key in (ties, wide, ties[:, :1]):
        np.testing.assert_array_equal(
            training.data.rank_order(tf.constant(key)).numpy(),
            np.argsort(key, axis=1, kind="stable"),
        )


@pytest.mark.parametrize("n", [1, 2, 30, 64, 65])
def test_xla_programs_order_rows_as_the_sort_does(n):
    import tensorflow as tf

    @tf.function(jit_compile=True)
    def orders(seeds, epoch):
        return training.data.epoch_orders(n, seeds, epoch, True, by_rank=True)

    seeds = tf.constant([0, 1, 7, 123456])
    for epoch in (0, 1, 3999):
        np.testing.assert_array_equal(
            orders(seeds, tf.constant(epoch)).numpy(),
            training.data.epoch_orders(n, seeds, tf.constant(epoch), True).numpy(),
        )


def test_repeat_with_one_run_equals_fit():
    (x, y), val = _data("categorical")

    def build():
        return _model("categorical", [_dense()], _sgd())

    result = repeat(build, 1, x, y, epochs=4, validation_data=val, seed=7, verbose=0)
    keras.utils.set_random_seed(7)
    model = build()
    history = fit(model, x, y, epochs=4, validation_data=val, seed=7, verbose=0)
    _assert_same(model, history, result.models[0], result.histories[0], atol=1e-5)
    evaluated = model.evaluate(*val, verbose=0, return_dict=True)
    assert result.scores.loc[0, "test_accuracy"] == pytest.approx(
        evaluated["accuracy"], abs=1e-6
    )


def test_repeat_runs_are_independent_and_reproducible():
    (x, y), val = _data("categorical")

    def build():
        return _model("categorical", [_dense()], _sgd())

    first = repeat(build, 3, x, y, epochs=3, test_data=val, seed=0, verbose=0)
    again = repeat(build, 3, x, y, epochs=3, test_data=val, seed=0, verbose=0)
    weights = [m.get_weights()[0] for m in first.models]
    assert not np.allclose(weights[0], weights[1])
    assert not np.allclose(weights[1], weights[2])
    np.testing.assert_array_equal(first.scores.to_numpy(), again.scores.to_numpy())
    assert list(first.scores["seed"]) == [0, 1, 2]
    summary = first.summary()
    assert {"mean", "std"} <= set(summary.columns)


def test_fit_many_allows_different_learning_rates():
    (x, y), val = _data("categorical")
    models = []
    for lr in (0.1, 0.01):
        keras.utils.set_random_seed(1)
        models.append(
            _model("categorical", [_dense()], keras.optimizers.SGD(learning_rate=lr))
        )
    histories = fit_many(models, x, y, epochs=3, seeds=[1, 1], verbose=0)
    for lr, history in zip((0.1, 0.01), histories, strict=True):
        keras.utils.set_random_seed(1)
        single = _model(
            "categorical", [_dense()], keras.optimizers.SGD(learning_rate=lr)
        )
        expected = fit(single, x, y, epochs=3, seed=1, verbose=0)
        np.testing.assert_allclose(
            history.history["loss"], expected.history["loss"], rtol=1e-4
        )


# --------------------------------------------------------------------------
# Clear errors
# --------------------------------------------------------------------------


def test_uncompiled_model_is_rejected():
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    with pytest.raises(ValueError, match="not compiled"):
        fit(model, np.zeros((4, 2)), np.zeros(4), epochs=1, verbose=0)


def test_builder_function_instead_of_model():
    with pytest.raises(ValueError, match="Call it first"):
        fit(lambda: None, np.zeros((4, 2)), np.zeros(4), epochs=1)


def test_x_and_y_lengths_must_match():
    model = _build_case("mse")
    with pytest.raises(ValueError, match="same number of rows"):
        fit(model, np.zeros((4, 2)), np.zeros(5), epochs=1, verbose=0)


@pytest.mark.parametrize("batch_size", [0, -3, 2.5])
def test_batch_size_must_be_positive_int(batch_size):
    model = _build_case("mse")
    with pytest.raises(ValueError, match="'batch_size' parameter of fit"):
        fit(model, np.zeros((4, 2)), np.zeros(4), epochs=1, batch_size=batch_size)


def test_validation_data_of_wrong_shape():
    (x, y), _ = _data("categorical")
    model = _build_case("sgd-momentum")
    with pytest.raises(ValueError, match="one-hot"):
        fit(model, x, y, epochs=1, validation_data=(x[:10], np.zeros(10)), verbose=0)
    with pytest.raises(ValueError, match="rows of shape"):
        fit(
            model,
            x,
            y,
            epochs=1,
            validation_data=(np.zeros((10, 3)), y[:10]),
            verbose=0,
        )
    with pytest.raises(ValueError, match="tuple"):
        fit(model, x, y, epochs=1, validation_data=x, verbose=0)


def test_callback_class_instead_of_instance():
    model = _build_case("mse")
    with pytest.raises(ValueError, match="instead of an instance"):
        fit(
            model,
            np.zeros((4, 2)),
            np.zeros(4),
            epochs=1,
            callbacks=[keras.callbacks.EarlyStopping],
        )


def test_batch_level_callback_is_refused():
    class PerBatch(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            pass

    model = _build_case("mse")
    with pytest.raises(ValueError, match="on_train_batch_end"):
        fit(model, np.zeros((4, 2)), np.zeros(4), epochs=1, callbacks=[PerBatch()])
    lambda_cb = keras.callbacks.LambdaCallback(
        on_train_batch_end=lambda batch, logs: None
    )
    with pytest.raises(ValueError, match="on_train_batch_end"):
        fit(model, np.zeros((4, 2)), np.zeros(4), epochs=1, callbacks=[lambda_cb])


def test_fit_many_refuses_different_architectures():
    (x, y), _ = _data("categorical")
    small = _model("categorical", [_dense()], _sgd())
    wide = _model("categorical", [keras.layers.Dense(32, activation="relu")], _sgd())
    with pytest.raises(ValueError, match="differs from model 0"):
        fit_many([small, wide], x, y, epochs=1, verbose=0)
    momentum = _model(
        "categorical", [_dense()], keras.optimizers.SGD(0.05, momentum=0.5)
    )
    with pytest.raises(ValueError, match="optimizer settings"):
        fit_many([small, momentum], x, y, epochs=1, verbose=0)


def test_repeat_needs_a_builder_that_returns_a_model():
    (x, y), _ = _data("categorical")
    with pytest.raises(ValueError, match="forget `return model`"):
        repeat(lambda: None, 2, x, y, epochs=1, verbose=0)
    with pytest.raises(ValueError, match="not build_model()"):
        repeat(_build_case("sgd-momentum"), 2, x, y, epochs=1, verbose=0)


def test_progress_bar_is_silent_under_verbose_zero(capsys):
    (x, y), _ = _data("categorical")
    fit(_build_case("sgd-momentum"), x, y, epochs=2, verbose=0)
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


def test_evaluate_splits_scores_train_and_test():
    data = bdl_helpers.load_dataset("blobs", one_hot=True)
    model = _model("categorical", [_dense()], _sgd())
    fit(model, *data.train, epochs=2, verbose=0)
    scores = training.evaluate_splits(model, data)
    expected = model.evaluate(*data.test, verbose=0, return_dict=True)["accuracy"]
    assert scores["test"] == pytest.approx(expected)
    with pytest.raises(ValueError, match="'metric' parameter of evaluate_splits"):
        training.evaluate_splits(model, data, metric="mse")


def test_fit_many_falls_back_without_xla(monkeypatch):
    """A model XLA cannot compile still trains, with a warning that says so."""
    from bdl_helpers.training import stack

    import tensorflow as tf

    real = stack.train_program

    def refusing_program(template, *, jit_compile, **kwargs):
        program, key = real(template, jit_compile=jit_compile, **kwargs)
        if not jit_compile:
            return program, key

        def refuse(*_):
            raise tf.errors.InvalidArgumentError(None, None, "tf2xla conversion failed")

        return refuse, key

    monkeypatch.setattr(stack, "train_program", refusing_program)
    stack.clear_cache()
    (x, y), val = _data("categorical")
    model = _build_case("sgd-momentum")
    with pytest.warns(RuntimeWarning, match="training without XLA"):
        (history,) = fit_many(
            [model],
            x,
            y,
            epochs=2,
            shuffle=False,
            validation_data=val,
            verbose=0,
            jit_compile=True,
        )
    stack.clear_cache()
    reference = _build_case("sgd-momentum")
    expected = fit(
        reference, x, y, epochs=2, shuffle=False, validation_data=val, verbose=0
    )
    _assert_same(reference, expected, model, history)


def test_fit_many_jit_compile_must_be_bool_or_auto():
    (x, y), _ = _data("categorical")
    with pytest.raises(ValueError, match="'jit_compile' parameter of fit_many"):
        fit_many([_build_case("sgd-momentum")], x, y, epochs=1, jit_compile="yes")


def test_auto_xla_rule_by_steps_and_width():
    """XLA for long loops, and for shorter ones of many wide models
    (benchmarks/engine.py, "auto rule")."""
    from bdl_helpers.training.fitting import use_xla

    def mlp(width, depth):
        model = keras.Sequential([keras.Input((2,))])
        for _ in range(depth):
            model.add(keras.layers.Dense(width, activation="relu"))
        model.add(keras.layers.Dense(1, activation="sigmoid"))
        return model

    narrow, wide = mlp(5, 15), mlp(500, 1)
    assert use_xla(wide, 10, 4_000) and not use_xla(wide, 1, 4_000)
    assert not use_xla(narrow, 10, 8_000)  # chapter 06's 15 layers of 5 units
    assert use_xla(narrow, 1, 100_000)  # chapter 02's batch size 1
    assert not use_xla(narrow, 150, 1_000)
