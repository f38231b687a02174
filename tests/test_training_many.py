"""Engine 2: per-model rows, in-loop snapshots, many-weight-set prediction,
per-member callbacks, cached programs, and the family's shared behaviour.

Each capability is checked against what the model's own ``model.fit`` (or
``fit``, itself checked against ``model.fit`` in test_training.py) gives.
"""

from __future__ import annotations

import random

import bdl_helpers  # noqa: F401  (quiet TensorFlow before it loads)
from bdl_helpers.training import (
    CaptureWeights,
    fit,
    fit_many,
    fitting,
    predict_many,
    repeat,
    score_models,
    stack,
)
from bdl_helpers.training._internals import missing_internals
from bdl_helpers.training.callbacks import ProgressBar

import keras
import numpy as np
import pandas as pd
import pytest

N = 60


def _data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(N + 40, 2)).astype("float32")
    y = (x[:, 0] + 0.5 * x[:, 1] > 0).astype("float32")
    return (x[:N], y[:N]), (x[N:], y[N:])


def _build(seed: int = 1, lr: float = 0.05, dropout: float = 0.0):
    keras.utils.set_random_seed(seed)
    layers = [keras.Input((2,)), keras.layers.Dense(8, activation="relu")]
    if dropout:
        layers.append(keras.layers.Dropout(dropout))
    model = keras.Sequential([*layers, keras.layers.Dense(1, activation="sigmoid")])
    model.compile(
        loss="binary_crossentropy",
        optimizer=keras.optimizers.SGD(lr, momentum=0.9),
        metrics=["accuracy"],
    )
    return model


def _close(ours, theirs, atol=1e-5):
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=atol)


def _together_and_apart(rates, callbacks_of, epochs):
    """Models at ``rates`` trained together by fit_many, then each alone by
    model.fit, each side with its own ``callbacks_of(side, i)`` (side "ours"
    or "theirs"). Returns two lists of (model, history, callbacks)."""
    (x, y), val = _data()
    settings = dict(epochs=epochs, shuffle=False, validation_data=val, verbose=0)
    callbacks = [callbacks_of("ours", i) for i in range(len(rates))]
    models = [_build(1, lr) for lr in rates]
    histories = fit_many(models, x, y, callbacks=lambda i: callbacks[i], **settings)
    ours = list(zip(models, histories, callbacks, strict=True))
    theirs = []
    for i, lr in enumerate(rates):
        reference, own = _build(1, lr), callbacks_of("theirs", i)
        theirs.append((reference, reference.fit(x, y, callbacks=own, **settings), own))
    return ours, theirs


def test_internals_the_engine_needs_are_present():
    missing = missing_internals()
    assert not missing, (
        "The installed Keras/TensorFlow lacks internals the engine uses: "
        f"{missing}. See bdl_helpers/training/_internals.py and pin a tested "
        "version (pyproject.toml)."
    )


def test_bagged_member_equals_model_fit_on_its_bootstrap_rows():
    (x, y), val = _data()
    rng = np.random.default_rng(3)
    rows = rng.integers(0, N, size=(3, N))  # three bootstrap samples
    models = [_build(seed) for seed in (1, 2, 3)]
    histories = fit_many(
        models,
        x,
        y,
        epochs=4,
        shuffle=False,
        rows=rows,
        validation_data=val,
        verbose=0,
    )
    for i, seed in enumerate((1, 2, 3)):
        reference = _build(seed)
        expected = reference.fit(
            x[rows[i]],
            y[rows[i]],
            epochs=4,
            batch_size=32,
            shuffle=False,
            validation_data=val,
            verbose=0,
        )
        _close(models[i].get_weights(), reference.get_weights())
        for key, values in expected.history.items():
            np.testing.assert_allclose(
                histories[i].history[key], values, rtol=1e-4, atol=1e-5
            )


def test_validation_rows_score_each_model_on_its_own_fold():
    (x, y), _ = _data()
    folds = np.arange(N).reshape(3, N // 3)
    train_rows = np.stack([np.setdiff1d(np.arange(N), f) for f in folds])
    models = [_build(1) for _ in folds]
    histories = fit_many(
        models,
        x,
        y,
        epochs=3,
        shuffle=False,
        rows=train_rows,
        validation_data=(x, y),
        validation_rows=folds,
        verbose=0,
    )
    for i, fold in enumerate(folds):
        reference = _build(1)
        expected = reference.fit(
            x[train_rows[i]],
            y[train_rows[i]],
            epochs=3,
            batch_size=32,
            shuffle=False,
            validation_data=(x[fold], y[fold]),
            verbose=0,
        )
        np.testing.assert_allclose(
            histories[i].history["val_loss"],
            expected.history["val_loss"],
            rtol=1e-4,
            atol=1e-5,
        )


@pytest.mark.parametrize("per_model_rows", [False, True])
def test_validation_models_scores_the_first_models_only(per_model_rows, monkeypatch):
    """validation_models=2 of 4: the first two histories equal a run that
    scores every model, the other two have the same training logs and no
    ``val_`` keys, and the weights are the same."""
    monkeypatch.setattr(fitting, "REUSE_SCORING_ALL", 0)  # a loop of its own
    (x, y), val = _data()
    folds = np.arange(40).reshape(4, 10) if per_model_rows else None
    settings = dict(epochs=5, seed=3, validation_data=val, verbose=0)

    def run(**extra):
        models = [_build(i) for i in range(4)]
        histories = fit_many(models, x, y, validation_rows=folds, **settings, **extra)
        return models, histories

    all_models, everyone = run()
    first_models, first = run(validation_models=2)
    for i, (a, b) in enumerate(zip(everyone, first, strict=True)):
        expected = a.history if i < 2 else {"loss": 0, "accuracy": 0}
        assert sorted(b.history) == sorted(expected)
        for key in b.history:
            np.testing.assert_allclose(
                b.history[key], a.history[key], rtol=1e-5, atol=1e-6, err_msg=key
            )
    for a, b in zip(all_models, first_models, strict=True):
        _close(a.get_weights(), b.get_weights())


def test_repeat_with_validation_models_still_scores_every_repeat_at_the_end(
    monkeypatch, capsys
):
    class EagerBar(ProgressBar):
        def on_train_begin(self, logs=None):
            super().on_train_begin(logs)
            self._bar.delay = self._bar.mininterval = 0  # draw every update

    monkeypatch.setattr(fitting, "ProgressBar", EagerBar)
    (x, y), val = _data()
    settings = dict(epochs=3, validation_data=val)
    every = repeat(lambda: _build(0), 3, x, y, verbose=0, **settings)
    first = repeat(lambda: _build(0), 3, x, y, validation_models=1, **settings)
    assert "val_loss (model 0)=" in capsys.readouterr().out, "the bar says whose"
    assert [sorted(h.history) for h in first.histories] == [
        ["accuracy", "loss", "val_accuracy", "val_loss"],
        ["accuracy", "loss"],
        ["accuracy", "loss"],
    ]
    pd.testing.assert_frame_equal(first.scores, every.scores)


def test_validation_models_reuses_a_loop_that_scores_every_model(monkeypatch):
    """A compiled loop that scores every model serves a run that asks for
    fewer (no new trace); the extra scores are dropped."""
    (x, y), val = _data()
    settings = dict(epochs=3, seed=3, validation_data=val, verbose=0)
    everyone = fit_many([_build(i) for i in range(3)], x, y, **settings)
    built = []
    real = stack._build_train
    monkeypatch.setattr(stack, "_build_train", lambda *a: built.append(a) or real(*a))
    first = fit_many(
        [_build(i) for i in range(3)], x, y, validation_models=1, **settings
    )
    assert built == []
    assert sorted(first[0].history) == sorted(everyone[0].history)
    assert sorted(first[2].history) == ["accuracy", "loss"]
    monkeypatch.setattr(fitting, "REUSE_SCORING_ALL", 0)  # too long a run to reuse
    fit_many([_build(i) for i in range(3)], x, y, validation_models=1, **settings)
    assert len(built) == 1


def test_validation_models_is_explained_when_it_cannot_work():
    (x, y), val = _data()
    models = [_build(1), _build(2)]
    with pytest.raises(ValueError, match="pass validation_data"):
        fit_many(models, x, y, epochs=1, verbose=0, validation_models=1)
    with pytest.raises(ValueError, match="validation_models"):
        fit_many(
            models, x, y, epochs=1, verbose=0, validation_data=val, validation_models=0
        )
    with pytest.raises(ValueError, match=r"Model 1's EarlyStopping .* 'val_loss'"):
        fit_many(
            models,
            x,
            y,
            epochs=1,
            verbose=0,
            validation_data=val,
            validation_models=1,
            callbacks=lambda i: [keras.callbacks.EarlyStopping(monitor="val_loss")],
        )


def test_captured_snapshots_equal_runs_stopped_at_those_epochs():
    (x, y), _ = _data()
    captures = [CaptureWeights(epochs=[1, 4, 5]) for _ in range(2)]
    models = [_build(seed) for seed in (1, 2)]
    fit_many(
        models, x, y, epochs=6, seed=10, callbacks=lambda i: [captures[i]], verbose=0
    )
    for epoch in (1, 4):
        stopped = _build(2)
        fit(stopped, x, y, epochs=epoch + 1, seed=11, verbose=0)
        _close(captures[1].weights[epoch], stopped.get_weights())
    _close(captures[0].weights[5], models[0].get_weights())


def test_a_member_that_stopped_early_captures_only_the_epochs_it_reached():
    """As under model.fit, where the callback never sees the later epochs."""
    (x, y), val = _data()
    rates = (0.5, 0.01)
    stoppers = [
        keras.callbacks.EarlyStopping(monitor="val_loss", patience=2, min_delta=1e-3)
        for _ in rates
    ]
    captures = [CaptureWeights(epochs=range(60)) for _ in rates]
    histories = fit_many(
        [_build(1, lr) for lr in rates],
        x,
        y,
        epochs=60,
        shuffle=False,
        validation_data=val,
        callbacks=lambda i: [stoppers[i], captures[i]],
        verbose=0,
    )
    reached = [len(h.epoch) for h in histories]
    assert min(reached) < 60, "the test needs a member that stops early"
    for capture, epochs in zip(captures, reached, strict=True):
        assert sorted(capture.weights) == list(range(epochs))


def test_progress_bar_draws_an_early_end_once(capsys):
    """Every member stopped at epoch 50 of 100: one final line, at 50/100."""
    bar = ProgressBar(100, "fit_many")
    bar.on_train_begin()
    bar._bar.delay = bar._bar.mininterval = 0  # draw every update
    bar.advance(40, {"loss": 0.5})
    bar.advance(10, {"loss": 0.25}, final=True)
    bar.on_train_end()
    out = capsys.readouterr().out
    assert out.count("50/100") == 1, out
    assert "loss=0.25" in out


def test_capture_beyond_the_last_epoch_is_an_error():
    (x, y), _ = _data()
    with pytest.raises(ValueError, match="after epoch 7, but fit trains only 5"):
        fit(_build(), x, y, epochs=5, callbacks=[CaptureWeights([2, 7])], verbose=0)


def test_predict_many_equals_model_predict_for_each_weight_set():
    (x, y), val = _data()
    models = [_build(seed) for seed in (1, 2, 3)]
    fit_many(models, x, y, epochs=3, seed=0, verbose=0)
    predictions = predict_many(models[0], models, val[0])
    assert predictions.shape == (3, len(val[0]), 1)
    for k, model in enumerate(models):
        np.testing.assert_allclose(
            predictions[k], model.predict(val[0], verbose=0), rtol=1e-5, atol=1e-6
        )


def test_predict_many_handles_more_rows_than_one_slice(monkeypatch):
    monkeypatch.setattr(stack, "PREDICT_ROWS", 16)
    (x, y), _ = _data()
    model = _build()
    predictions = predict_many(model, [model.get_weights()], x)
    np.testing.assert_allclose(
        predictions[0], model.predict(x, verbose=0), rtol=1e-5, atol=1e-6
    )


def test_predict_many_rejects_weights_of_another_architecture():
    (x, _), _ = _data()
    wrong = [np.zeros((3, 8))]
    with pytest.raises(ValueError, match="does not fit the model"):
        predict_many(_build(), [wrong], x)


def test_score_models_equals_model_evaluate():
    (x, y), val = _data()
    models = [_build(seed) for seed in (1, 2)]
    fit_many(models, x, y, epochs=3, seed=0, verbose=0)
    scores = score_models(models, *val, prefix="test_")
    for i, model in enumerate(models):
        expected = model.evaluate(*val, verbose=0, return_dict=True)
        assert scores.loc[i, "test_loss"] == pytest.approx(expected["loss"], abs=1e-5)
        assert scores.loc[i, "test_accuracy"] == pytest.approx(
            expected["accuracy"], abs=1e-6
        )


def test_score_models_goes_through_large_data_in_slices(monkeypatch):
    """Loss and metrics accumulate over slices of rows as over evaluate's batches."""
    (x, y), val = _data()
    models = [_build(seed) for seed in (1, 2)]
    fit_many(models, x, y, epochs=3, seed=0, verbose=0)
    whole = score_models(models, x, y)
    monkeypatch.setattr(stack, "PREDICT_ROWS", 16)  # 60 rows: 16, 16, 16, 12
    sliced = score_models(models, x, y)
    np.testing.assert_allclose(sliced.to_numpy(), whole.to_numpy(), rtol=1e-5)


def test_early_stopping_stops_each_member_where_its_own_fit_stops():
    (x, y), val = _data()

    def stopper():
        return keras.callbacks.EarlyStopping(
            monitor="val_loss", patience=2, min_delta=1e-3, restore_best_weights=True
        )

    rates = (0.5, 0.01)
    models = [_build(1, lr) for lr in rates]
    callbacks = [stopper() for _ in rates]
    histories = fit_many(
        models,
        x,
        y,
        epochs=60,
        shuffle=False,
        validation_data=val,
        callbacks=lambda i: [callbacks[i]],
        verbose=0,
    )
    lengths = []
    for i, lr in enumerate(rates):
        reference = _build(1, lr)
        own = stopper()
        expected = reference.fit(
            x,
            y,
            epochs=60,
            shuffle=False,
            validation_data=val,
            callbacks=[own],
            verbose=0,
        )
        assert len(histories[i].history["loss"]) == len(expected.history["loss"])
        assert callbacks[i].best_epoch == own.best_epoch
        _close(models[i].get_weights(), reference.get_weights(), atol=1e-4)
        lengths.append(len(expected.history["loss"]))
    assert lengths[0] != lengths[1], "the test needs members that stop apart"


@pytest.mark.parametrize(
    "settings",
    [
        dict(monitor="val_accuracy", patience=3),
        dict(monitor="val_loss", patience=4, baseline=0.3, start_from_epoch=5),
        dict(monitor="loss", mode="max", patience=2, restore_best_weights=True),
    ],
    ids=["max-auto", "baseline-start", "mode-restore"],
)
def test_early_stopping_in_the_loop_matches_model_fit(settings):
    """Every EarlyStopping setting ends as model.fit ends: the epochs run, the
    callback's state and the weights, for each member on its own."""
    ours, theirs = _together_and_apart(
        (0.5, 0.02, 0.1),
        lambda side, i: [keras.callbacks.EarlyStopping(**settings)],
        epochs=40,
    )
    for (model, history, (cb,)), (reference, expected, (own,)) in zip(
        ours, theirs, strict=True
    ):
        assert history.epoch == expected.epoch
        for attribute in ("stopped_epoch", "best_epoch", "wait"):
            assert getattr(cb, attribute) == getattr(own, attribute)
        assert cb.best == pytest.approx(own.best, rel=1e-4)
        assert model.stop_training == reference.stop_training
        _close(model.get_weights(), reference.get_weights(), atol=1e-4)


@pytest.mark.parametrize(
    "settings",
    [
        dict(monitor="val_accuracy", save_best_only=True),
        dict(monitor="val_loss", save_best_only=True, initial_value_threshold=0.6),
        dict(monitor="val_loss", save_best_only=True, save_weights_only=True),
    ],
    ids=["accuracy", "threshold", "weights-only"],
)
@pytest.mark.filterwarnings("ignore:Skipping variable loading for optimizer")
def test_best_only_checkpoint_in_the_loop_matches_model_fit(settings, tmp_path):
    """Each member's best-only ModelCheckpoint (with its EarlyStopping beside
    it) writes the file model.fit writes, and ends with the same ``best``."""
    suffix = ".weights.h5" if settings.get("save_weights_only") else ".keras"
    rates = (0.5, 0.05)

    def callbacks_of(side, i):
        return [
            keras.callbacks.EarlyStopping(monitor="val_loss", patience=5),
            keras.callbacks.ModelCheckpoint(
                tmp_path / side / f"m{i}{suffix}", **settings
            ),
        ]

    ours, theirs = _together_and_apart(rates, callbacks_of, epochs=30)
    for i, lr in enumerate(rates):
        (model, history, cbs), (reference, expected, own) = ours[i], theirs[i]
        assert history.epoch == expected.epoch
        assert cbs[1].best == pytest.approx(own[1].best, rel=1e-4)
        saved = {}
        for side in ("ours", "theirs"):
            path = tmp_path / side / f"m{i}{suffix}"
            if settings.get("save_weights_only"):
                loaded = _build(9, lr)
                loaded.load_weights(path)
            else:
                loaded = keras.saving.load_model(path)
            saved[side] = loaded.get_weights()
        _close(saved["ours"], saved["theirs"], atol=1e-4)
        # Writing the best epoch's file leaves the model at its final state.
        _close(model.get_weights(), reference.get_weights(), atol=1e-4)


@pytest.mark.parametrize(
    "settings",
    [
        dict(monitor="val_loss", factor=0.5, patience=2, min_delta=0.01),
        dict(monitor="val_accuracy", factor=0.2, patience=1, cooldown=3, min_lr=0.01),
    ],
    ids=["loss", "accuracy-cooldown-floor"],
)
def test_reduce_lr_on_plateau_in_the_loop_matches_model_fit(settings, monkeypatch):
    """Each member's ReduceLROnPlateau (an EarlyStopping beside it) lowers its
    own learning rate at the epochs model.fit lowers it, logs it as
    ``learning_rate``, and ends in the same state; all in one compiled chunk."""
    chunks = []
    real = stack.train_program

    def counting(*args, **kwargs):
        program, key = real(*args, **kwargs)
        return (lambda *a: chunks.append(int(a[-1])) or program(*a)), key

    monkeypatch.setattr(stack, "train_program", counting)

    def callbacks_of(side, i):
        plateau = [keras.callbacks.ReduceLROnPlateau(**settings)] if i != 1 else []
        return [*plateau, keras.callbacks.EarlyStopping(monitor="loss", patience=6)]

    ours, theirs = _together_and_apart((0.5, 0.05, 0.2), callbacks_of, epochs=40)
    assert chunks == [40], "served in the loop: one chunk, no epoch-by-epoch calls"
    lowered = 0
    for i, ((model, history, cbs), (reference, expected, own)) in enumerate(
        zip(ours, theirs, strict=True)
    ):
        assert history.epoch == expected.epoch
        assert sorted(history.history) == sorted(expected.history)
        for key, values in expected.history.items():
            np.testing.assert_allclose(
                history.history[key], values, rtol=1e-4, atol=1e-5, err_msg=key
            )
        if i != 1:
            lowered += len(set(expected.history["learning_rate"])) > 1
            for attribute in ("wait", "cooldown_counter"):
                assert getattr(cbs[0], attribute) == getattr(own[0], attribute)
            assert cbs[0].best == pytest.approx(own[0].best, rel=1e-4)
        assert float(model.optimizer.learning_rate) == float(
            reference.optimizer.learning_rate
        )
        _close(model.get_weights(), reference.get_weights(), atol=1e-4)
    assert lowered, "the test needs a run whose learning rate drops"


def test_early_stopping_runs_in_the_loop_and_a_second_one_runs_live(monkeypatch):
    """One EarlyStopping per model needs no epoch-by-epoch calls; two fall back
    to Keras's own code, epoch by epoch, with the same result."""
    (x, y), val = _data()
    calls = []
    real = stack.train_program

    def counting(*args, **kwargs):
        program, key = real(*args, **kwargs)

        def run(*a):
            calls.append(int(a[-1]))  # the chunk's epoch count
            return program(*a)

        return run, key

    monkeypatch.setattr(stack, "train_program", counting)

    def stopper():
        return keras.callbacks.EarlyStopping(monitor="val_loss", patience=3)

    def train(extra: bool):
        calls.clear()
        model = _build(1, 0.5)
        cbs = [stopper(), stopper()] if extra else [stopper()]
        history = fit(
            model,
            x,
            y,
            epochs=60,
            validation_data=val,
            callbacks=cbs,
            shuffle=False,
            verbose=0,
        )
        return history, list(calls)

    in_loop, chunks = train(extra=False)
    live, epochs_one_by_one = train(extra=True)
    assert len(chunks) == 1 and len(epochs_one_by_one) == len(live.epoch)
    assert in_loop.epoch == live.epoch and len(in_loop.epoch) < 60


def test_fit_many_needs_callbacks_per_member():
    (x, y), _ = _data()
    models = [_build(1), _build(2)]
    with pytest.raises(ValueError, match="every model needs its own callback"):
        fit_many(
            models,
            x,
            y,
            epochs=1,
            verbose=0,
            callbacks=[keras.callbacks.EarlyStopping()],
        )
    shared = keras.callbacks.EarlyStopping()
    with pytest.raises(ValueError, match="one set per model"):
        fit_many(models, x, y, epochs=1, verbose=0, callbacks=lambda i: [shared])


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (np.full((2, 10), N), r"must index rows in \[0, 59\]"),
        (np.zeros((3, 10), int), "3 sets"),
        ([np.arange(5), np.arange(6)], "of lengths"),
        (np.zeros((2, 10)), "integer row indices"),
    ],
)
def test_bad_row_indices_are_explained(rows, message):
    (x, y), _ = _data()
    with pytest.raises(ValueError, match=message):
        fit_many([_build(1), _build(2)], x, y, epochs=1, rows=rows, verbose=0)


def test_second_call_reuses_the_compiled_loop():
    (x, y), val = _data()
    fit(_build(1), x, y, epochs=3, validation_data=val, verbose=0)
    programs = dict(stack._programs)
    traced = {
        k: p.experimental_get_tracing_count()
        for k, p in programs.items()
        if hasattr(p, "experimental_get_tracing_count")
    }
    fit(_build(2, lr=0.2), x, y, epochs=5, validation_data=val, verbose=0)
    assert dict(stack._programs).keys() == programs.keys()
    for key, count in traced.items():
        assert programs[key].experimental_get_tracing_count() == count


def test_a_redefined_activation_gets_a_new_loop():
    (x, y), _ = _data()

    def build(activation):
        model = keras.Sequential(
            [keras.Input((2,)), keras.layers.Dense(1, activation=activation)]
        )
        model.compile(loss="mse", optimizer="sgd")
        return model

    def act(z):
        return z

    first = stack.signature(build(act))

    def act(z):  # noqa: F811  (a notebook cell run again after an edit)
        return 2 * z

    assert stack.signature(build(act)) != first


def test_repeat_leaves_the_global_random_state_alone():
    (x, y), val = _data()
    random.seed(5)
    np.random.seed(5)  # noqa: NPY002
    expected = (random.random(), np.random.random())  # noqa: NPY002
    random.seed(5)
    np.random.seed(5)  # noqa: NPY002
    repeat(lambda: _build(), 2, x, y, epochs=1, test_data=val, verbose=0)
    assert (random.random(), np.random.random()) == expected  # noqa: NPY002


def _build_penalized(factor: float, l1: float | None = None, seed: int = 1):
    keras.utils.set_random_seed(seed)
    hidden = keras.layers.Dense(
        8,
        activation="relu",
        kernel_regularizer=keras.regularizers.L2(factor),
        activity_regularizer=keras.regularizers.L1L2(
            l1=factor if l1 is None else l1, l2=factor
        ),
    )
    model = keras.Sequential(
        [keras.Input((2,)), hidden, keras.layers.Dense(1, activation="sigmoid")]
    )
    model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
    return model


def _build_noisy(rate: float, stddev: float, seed: int):
    keras.utils.set_random_seed(seed)
    model = keras.Sequential(
        [
            keras.Input((2,)),
            keras.layers.GaussianNoise(stddev),
            keras.layers.Dense(8, activation="relu"),
            keras.layers.Dropout(rate),
            keras.layers.Dense(1, activation="sigmoid"),
        ]
    )
    model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
    return model


def test_models_differing_in_penalty_factors_train_together_as_model_fit_would():
    """Factors are per-model arguments of one program (settings.py), in the
    training loss and in the validation loss alike."""
    (x, y), val = _data()
    factors = (0.1, 0.003)
    models = [_build_penalized(f) for f in factors]
    histories = fit_many(
        models, x, y, epochs=20, shuffle=False, validation_data=val, verbose=0
    )
    for model, history, factor in zip(models, histories, factors, strict=True):
        reference = _build_penalized(factor)
        expected = reference.fit(
            x, y, epochs=20, shuffle=False, validation_data=val, verbose=0
        )
        _close(model.get_weights(), reference.get_weights())
        for key in ("loss", "val_loss"):
            np.testing.assert_allclose(
                history.history[key], expected.history[key], rtol=1e-4
            )


def test_dropout_rates_and_noise_levels_per_member_equal_separate_runs():
    (x, y), _ = _data()
    settings = [(0.2, 0.1, 1), (0.6, 0.5, 2)]
    together = [_build_noisy(*s) for s in settings]
    fit_many(together, x, y, epochs=5, seed=[7, 8], verbose=0)
    for model, setting, seed in zip(together, settings, (7, 8), strict=True):
        # Alone in a stack of its own (a single model runs unvectorized).
        alone = [_build_noisy(*setting), _build_noisy(0.4, 0.3, 9)]
        fit_many(alone, x, y, epochs=5, seed=[seed, 9], verbose=0)
        _close(model.get_weights(), alone[0].get_weights())


def test_a_grid_over_a_setting_traces_one_program():
    (x, y), _ = _data()
    stack.clear_cache()  # a full cache would evict programs as new ones come
    for first, second in (
        (lambda: _build(1, dropout=0.2), lambda: _build(1, dropout=0.7)),
        (lambda: _build_penalized(0.1), lambda: _build_penalized(1e-4)),
    ):
        repeat(first, 2, x, y, epochs=2, verbose=0)
        programs = set(stack._programs)
        repeat(second, 2, x, y, epochs=2, verbose=0)
        assert set(stack._programs) == programs


def test_settings_that_keras_tests_keep_models_apart():
    """L1L2 skips its L1 term when l1 == 0: that model traces another graph."""
    (x, y), _ = _data()
    models = [_build_penalized(0.01, l1=0.0), _build_penalized(0.01)]
    with pytest.raises(ValueError, match="differs from model 0"):
        fit_many(models, x, y, epochs=1, verbose=0)


def test_dropout_members_draw_independent_masks():
    (x, y), _ = _data()
    models = [_build(seed, dropout=0.5) for seed in (1, 2)]
    models[1].set_weights(models[0].get_weights())  # they differ only in masks
    fit_many(models, x, y, epochs=2, seed=[4, 4], verbose=0)
    assert not np.allclose(models[0].get_weights()[0], models[1].get_weights()[0])
