"""Benchmark: the course's training engine against ``model.fit``, side by side.

Runs in one process, on the book's settings:

1. the circles listing of Part II (2 -> 500 ReLU -> 1 sigmoid, Adam, 30
   training rows, 4,000 epochs, validation every epoch), once through
   ``model.fit`` and once through ``bdl_helpers.fit``;
2. 30 repeats of it through ``bdl_helpers.repeat``, against 30 sequential
   ``model.fit`` runs (timed as one run of step 1, times 30: said so below);
3. the 500-row blobs model (2 -> 50 ReLU -> 3 softmax, SGD with momentum) at
   batch sizes 32 and 1;
4. random layers: the chapter-16 dropout listing (circles, 30 rows, 4,000
   epochs, 30 repeats) with Dropout(0.4) and with GaussianNoise(0.1), against
   the same repeat without them;
5. a 10-member bagging ensemble (bootstrap rows per member, one graph)
   against 10 separate ``bdl.fit`` runs;
6. snapshots: 1,000 epochs capturing the last 50 epochs' weights in the loop,
   against the same run without capturing;
7. the cost of a second call: ``bdl.fit`` of a small model again (the same
   model, and a newly built one), beyond its training steps;
8. the ``jit_compile="auto"`` rule: XLA against no XLA on both sides of its
   thresholds (long loops, wide layers, short loops of small models);
9. a grid over a setting (five dropout rates, five noise levels): the
   first value's call, which traces and compiles, against the next ones,
   which reuse its loop;
10. notebook 01's width sweep (7 architectures x 10 seeds x 100 epochs on
    Blobs-20): each width's call from an empty program cache against the
    same call again, its programs reused; the difference is tracing and
    compiling.
11. groups: the 30- and 10-repeat circles listings (with validation every
    epoch, and scored on the test rows only) as one stacked program against
    the groups the engine cuts them into, run in threads (and, for 30
    models, one group after the other).
12. builds: the 30 copies of the circles listing that ``bdl.repeat`` builds,
    each seeded as it seeds them (``seeding.seeded``) against each after
    ``keras.utils.set_random_seed``, whose ``tf.random.set_seed`` clears
    TensorFlow's cache of op kernels; and the share of building in the
    30-repeat run (its program reused).
13. row order: each epoch's shuffled order of 16 seeds x 30 rows for 4,000
    epochs under XLA, by XLA's sort against by counting ranks.

Every figure includes tracing and compilation (XLA's persistent cache is
off), and each variant of rows 4, 6 and 9 starts from an empty program cache;
rows 4, 6 and 10 also time the same call again, its program reused. The last
line is the speedup on the single circles model. Run it with ``make
benchmark`` (not part of CI)::

    python benchmarks/engine.py            # the book's full settings (~20 min)
    python benchmarks/engine.py --quick    # model.fit timed on 10% of the epochs
    python benchmarks/engine.py --only auto-rule   # section 4 or one of 5-13
"""

from __future__ import annotations

import argparse
import contextlib
import os
import time

# Every figure includes compilation: no compiled loops from an earlier run.
os.environ.setdefault("BDL_XLA_CACHE", "0")

import bdl_helpers as bdl  # noqa: E402

import keras  # noqa: E402
import numpy as np  # noqa: E402


def circles_model() -> keras.Model:
    """The circles listing of Part II: 2 -> 500 ReLU -> 1 sigmoid, Adam."""
    return circles_with(None)


def blobs_model(n_inputs: int = 2, units: int = 50, n_classes: int = 3) -> keras.Model:
    """The blobs model of Part I (2 -> 50 ReLU -> 3 softmax, SGD with
    momentum); other sizes give chapter 01's Blobs-20 models."""
    model = keras.Sequential(
        [
            keras.Input((n_inputs,)),
            keras.layers.Dense(
                units, activation="relu", kernel_initializer="he_uniform"
            ),
            keras.layers.Dense(n_classes, activation="softmax"),
        ]
    )
    model.compile(
        loss="categorical_crossentropy",
        optimizer=keras.optimizers.SGD(learning_rate=0.01, momentum=0.9),
        metrics=["accuracy"],
    )
    return model


def timed(function, *args, **kwargs):
    start = time.perf_counter()
    result = function(*args, **kwargs)
    return result, time.perf_counter() - start


def first_and_again(run):
    """Seconds of ``run()`` from an empty program cache (traced and
    compiled) and of the same call again (its programs reused), and the
    second call's result."""
    bdl.training.clear_cache()
    _, first = timed(run)
    result, again = timed(run)
    return first, again, result


def max_difference(first: dict, second: dict) -> float:
    return max(
        float(np.max(np.abs(np.subtract(first[key], second[key])))) for key in first
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        help="time model.fit on a tenth of the epochs and extrapolate",
    )
    parser.add_argument(
        "--only",
        choices=sorted(SECTIONS),
        help="run section 4 or one of the sections 5-13 alone (no speedup line)",
    )
    args = parser.parse_args()
    epochs = 4000
    keras_epochs = epochs // 10 if args.quick else epochs
    circles = bdl.load_dataset("circles", n_samples=100, n_train=30)
    blobs = bdl.load_dataset("blobs", one_hot=True)
    if args.only:
        SECTIONS[args.only](circles, blobs)
        return

    print("1. Circles listing: 500 ReLU units, Adam, 30 rows, validation every epoch")
    bdl.set_seed(1)
    reference = circles_model()
    start_weights = reference.get_weights()
    reference_history, keras_seconds = timed(
        reference.fit,
        *circles.train,
        epochs=keras_epochs,
        batch_size=32,
        validation_data=circles.test,
        shuffle=False,
        verbose=0,
    )
    keras_seconds *= epochs / keras_epochs
    note = (
        f" (timed on {keras_epochs} epochs, scaled to {epochs})" if args.quick else ""
    )
    print(f"   model.fit:        {keras_seconds:8.2f} s{note}")
    ours = circles_model()
    ours.set_weights(start_weights)
    our_history, our_seconds = timed(
        bdl.fit,
        ours,
        *circles.train,
        epochs=epochs,
        validation_data=circles.test,
        shuffle=False,
        verbose=0,
    )
    print(f"   bdl.fit:          {our_seconds:8.2f} s")
    compared = {k: v[:keras_epochs] for k, v in our_history.history.items()}
    print(
        "   largest difference of the histories over the epochs both ran: "
        f"{max_difference(reference_history.history, compared):.2e}"
    )
    single_speedup = keras_seconds / our_seconds

    print("2. Thirty repeats of the circles listing")
    result, repeat_seconds = timed(
        bdl.repeat,
        circles_model,
        30,
        *circles.train,
        epochs=epochs,
        validation_data=circles.test,
        verbose=0,
    )
    sequential_seconds = 30 * keras_seconds
    print(
        f"   30 x model.fit:   {sequential_seconds:8.2f} s "
        "(30 times the single run above, not run 30 times)"
    )
    print(
        f"   bdl.repeat(30):   {repeat_seconds:8.2f} s "
        f"({repeat_seconds / 30:.3f} s per model)"
    )
    print(
        "   test accuracy over the 30 runs: "
        f"{result.scores['test_accuracy'].mean():.3f}"
        f" +/- {result.scores['test_accuracy'].std():.3f}"
    )
    print(f"   speedup per model: {sequential_seconds / repeat_seconds:.0f}x")

    print("3. Blobs, 500 rows: time per optimizer step")
    for batch_size, keras_epochs_blobs, our_epochs in ((32, 20, 200), (1, 2, 20)):
        steps = int(np.ceil(500 / batch_size))
        bdl.set_seed(1)
        model = blobs_model()
        _, keras_blobs = timed(
            model.fit,
            *blobs.train,
            epochs=keras_epochs_blobs,
            batch_size=batch_size,
            validation_data=blobs.test,
            verbose=0,
        )
        model = blobs_model()
        _, our_blobs = timed(
            bdl.fit,
            model,
            *blobs.train,
            epochs=our_epochs,
            batch_size=batch_size,
            validation_data=blobs.test,
            verbose=0,
        )
        keras_step = keras_blobs / (keras_epochs_blobs * steps) * 1e6
        our_step = our_blobs / (our_epochs * steps) * 1e6
        print(
            f"   batch size {batch_size:>2}: model.fit {keras_step:7.0f} us/step "
            f"({keras_epochs_blobs} epochs), bdl.fit {our_step:5.0f} us/step "
            f"({our_epochs} epochs): {keras_step / our_step:.0f}x"
        )

    random_layers(circles, epochs, keras_seconds)
    bagging(blobs)
    snapshots(blobs)
    second_call(blobs)
    auto_rule(circles, blobs)
    setting_grid(circles)
    width_sweep()
    grouped_runs(circles)
    builds(circles)
    row_order()

    print(f"engine speedup over model.fit: {single_speedup:.0f}x")


def circles_with(layer_factory) -> keras.Model:
    """The circles listing with one more layer after the hidden one."""
    model = keras.Sequential(
        [
            keras.Input((2,)),
            keras.layers.Dense(500, activation="relu"),
            *([layer_factory()] if layer_factory else []),
            keras.layers.Dense(1, activation="sigmoid"),
        ]
    )
    model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
    return model


def random_layers(circles, epochs: int, keras_seconds: float | None = None) -> None:
    """Each variant from an empty program cache (its own trace and compile,
    as a notebook's first call pays), then once more (the program reused).
    Without ``keras_seconds`` (``--only random-layers``), no speedup column."""
    print("4. Random layers: 30 repeats of the chapter-16 listing, 4,000 epochs")
    variants = {
        "plain": None,
        "Dropout(0.4)": lambda: keras.layers.Dropout(0.4),
        "GaussianNoise(0.1)": lambda: keras.layers.GaussianNoise(0.1),
    }
    plain = None
    for name, factory in variants.items():
        first, second, result = first_and_again(
            lambda f=factory: bdl.repeat(
                lambda: circles_with(f),
                30,
                *circles.train,
                epochs=epochs,
                validation_data=circles.test,
                verbose=0,
            )
        )
        plain = plain or (first, second)
        print(
            f"   {name:<19} first call {first:6.2f} s = {first / plain[0]:4.2f}x "
            f"plain, again {second:6.2f} s = {second / plain[1]:4.2f}x; "
            + (
                f"{30 * keras_seconds / first:4.0f}x 30 model.fit runs; "
                if keras_seconds
                else ""
            )
            + f"test accuracy {result.scores['test_accuracy'].mean():.3f}"
        )


def bagging(blobs) -> None:
    print("5. Bagging: 10 members on bootstrap samples of 500 blobs rows, 200 epochs")
    rows = np.random.default_rng(0).integers(0, 500, size=(10, 500))
    models = [blobs_model() for _ in range(10)]
    _, together = timed(
        bdl.fit_many, models, *blobs.train, epochs=200, rows=rows, seed=0, verbose=0
    )
    start = time.perf_counter()
    for i in range(10):
        bdl.fit(
            blobs_model(),
            blobs.x_train[rows[i]],
            blobs.y_train[rows[i]],
            epochs=200,
            seed=i,
            verbose=0,
        )
    apart = time.perf_counter() - start
    print(
        f"   fit_many(rows=...): {together:6.2f} s; 10 x bdl.fit: {apart:6.2f} s "
        f"({apart / together:.1f}x)"
    )


def snapshots(blobs) -> None:
    """Each variant from an empty program cache, then once more."""
    print("6. Snapshots: 1,000 epochs, the last 50 epochs' weights captured")
    for label, callbacks in (
        ("no capture", lambda: []),
        ("capture 50", lambda: [bdl.CaptureWeights(range(950, 1000))]),
    ):
        first, again, model = first_and_again(
            lambda c=callbacks: _fitted(
                blobs_model(), blobs, epochs=1000, callbacks=c(), seed=1
            )
        )
        size = sum(w.nbytes for w in model.get_weights()) * (50 if callbacks() else 0)
        print(
            f"   {label:<11} first call {first:6.2f} s, again {again:6.2f} s "
            f"(buffer {size / 1024:.0f} KiB)"
        )


def _fitted(model: keras.Model, data, **kwargs) -> keras.Model:
    """``model`` after ``bdl.fit`` on ``data``'s training rows (quietly)."""
    bdl.fit(model, *data.train, verbose=0, **kwargs)
    return model


def second_call(blobs) -> None:
    """The best of five one-epoch calls, less one epoch's steps (measured as
    the difference between an 11-epoch and a 1-epoch call of the same model)."""
    print("7. Second call: bdl.fit of the blobs model for 1 epoch (16 steps)")
    model = blobs_model()
    bdl.fit(model, *blobs.train, epochs=1, validation_data=blobs.test, verbose=0)

    def best_of_five(make, epochs: int = 1) -> float:
        return min(
            timed(
                bdl.fit,
                make(),
                *blobs.train,
                epochs=epochs,
                validation_data=blobs.test,
                verbose=0,
            )[1]
            for _ in range(5)
        )

    same = best_of_five(lambda: model)
    per_epoch = (best_of_five(lambda: model, epochs=11) - same) / 10
    new = best_of_five(blobs_model)
    for label, seconds in (("same model", same), ("new model", new)):
        print(
            f"   {label:<10} {seconds * 1e3:6.1f} ms per call, of which "
            f"{(seconds - per_epoch) * 1e3:5.1f} ms overhead beyond the epoch's steps"
        )


def deep_narrow_model(n_hidden: int = 15) -> keras.Model:
    """Chapter 06's deep ReLU net: ``n_hidden`` layers of 5 units, SGD."""
    model = keras.Sequential([keras.Input((2,))])
    for _ in range(n_hidden):
        model.add(
            keras.layers.Dense(5, activation="relu", kernel_initializer="he_uniform")
        )
    model.add(keras.layers.Dense(1, activation="sigmoid"))
    model.compile(
        loss="binary_crossentropy",
        optimizer=keras.optimizers.SGD(learning_rate=0.01, momentum=0.9),
        metrics=["accuracy"],
    )
    return model


def auto_rule(circles, blobs) -> None:
    """XLA against no XLA on both sides of the rule's thresholds: long loops
    (batch size 1), wide layers (the circles listing), and short loops of
    small models (blobs at batch 32 and 8, chapter 06's 15 x 5 units)."""
    print(
        "8. jit_compile: XLA against no XLA (steps = epochs x batches; "
        "model-steps = models x steps)"
    )
    circles500 = bdl.load_dataset("circles", n_samples=1000, n_train=500)
    cases = (
        ("1 circles model, 4,000 epochs", 1, circles, circles_model, 4000, 32),
        ("10 circles models, 4,000 epochs", 10, circles, circles_model, 4000, 32),
        ("30 circles models, 4,000 epochs", 30, circles, circles_model, 4000, 32),
        ("10 blobs models, 200 epochs x 16", 10, blobs, blobs_model, 200, 32),
        ("10 blobs models, 500 epochs x 16", 10, blobs, blobs_model, 500, 32),
        ("10 blobs models, batch 8, 70 x 63", 10, blobs, blobs_model, 70, 8),
        ("1 blobs model, batch 1, 200 x 500", 1, blobs, blobs_model, 200, 1),
        ("10 nets, 15 x 5 units, 500 x 16", 10, circles500, deep_narrow_model, 500, 32),
    )
    for jit in (False, True):  # TensorFlow's and XLA's one-off start-up
        bdl.fit(circles_model(), *circles.train, epochs=2, verbose=0, jit_compile=jit)
    for label, n, data, build, epochs, batch_size in cases:
        seconds = {}
        for jit in (False, True):
            bdl.training.clear_cache()
            models = [build() for _ in range(n)]
            _, seconds[jit] = timed(
                bdl.fit_many,
                models,
                *data.train,
                epochs=epochs,
                batch_size=batch_size,
                validation_data=data.test,
                seed=0,
                verbose=0,
                jit_compile=jit,
            )
        steps = epochs * int(np.ceil(len(data.x_train) / batch_size))
        auto = bdl.training.fitting.use_xla(models[0], n, steps)
        best = seconds[True] < seconds[False]
        print(
            f"   {label:<34} {steps:>6} steps, {n * steps:>7} model-steps: "
            f"no XLA {seconds[False]:6.2f} s, "
            f"XLA {seconds[True]:6.2f} s; auto picks {'XLA' if auto else 'no XLA'}"
            f"{'' if auto == best else ' (not the faster one)'}"
        )


def setting_grid(circles) -> None:
    """A grid over a dropout rate or a noise level compiles once."""
    print("9. A grid over a setting: 10 circles models, 1,000 epochs, per value")
    grids = (
        ("Dropout rate", lambda v: keras.layers.Dropout(v), (0.1, 0.2, 0.4, 0.6, 0.8)),
        (
            "Noise stddev",
            lambda v: keras.layers.GaussianNoise(v),
            (0.01, 0.03, 0.1, 0.3, 1.0),
        ),
    )
    for label, layer, values in grids:
        bdl.training.clear_cache()
        seconds = []
        for value in values:
            _, took = timed(
                bdl.repeat,
                lambda v=value, make=layer: circles_with(lambda: make(v)),
                10,
                *circles.train,
                epochs=1000,
                validation_data=circles.test,
                verbose=0,
            )
            seconds.append(took)
        later = float(np.mean(seconds[1:]))
        print(
            f"   {label:<13} first value {seconds[0]:6.2f} s (traced), the next "
            f"{len(values) - 1} {later:6.2f} s each: {seconds[0] / later:.1f}x"
        )


def width_sweep() -> None:
    """Notebook 01's first sweep, twice: the second call reuses the programs."""
    print("10. Notebook 01's width sweep: 7 widths x 10 seeds x 100 epochs")
    blobs20 = bdl.load_dataset("blobs20", one_hot=True)

    first = again = 0.0
    for n_nodes in range(1, 8):
        # Each width twice in a row (seven widths' programs outnumber the cache).
        seconds = first_and_again(
            lambda n=n_nodes: bdl.repeat(
                lambda: blobs_model(100, n, 20),
                10,
                *blobs20.train,
                epochs=100,
                test_data=blobs20.test,
                seed=0,
                verbose=0,
            )
        )
        first, again = first + seconds[0], again + seconds[1]
    print(
        f"    the sweep {first:6.2f} s, again {again:6.2f} s: tracing and "
        f"compiling are {(first - again) / first:.0%} of the first"
    )


def grouped_runs(circles) -> None:
    """Many wide models under XLA: one stack against the engine's groups.

    Each variant is timed from an empty program cache and once more (its
    program reused), each for itself, in the same process.
    """
    from bdl_helpers.training import fitting, groups

    print("11. Groups: repeats of the circles listing, 4,000 epochs, under XLA")
    rule = fitting.n_groups
    variants = {
        "one stack": lambda n, **_: 1,
        "groups one after another": rule,
        "groups in threads (the engine)": rule,
    }
    # TensorFlow's and XLA's one-off start-up, not charged to the first case.
    bdl.fit(circles_model(), *circles.train, epochs=2, verbose=0, jit_compile=True)
    for n, scoring in (
        (30, {"validation_data": circles.test}),
        (30, {"test_data": circles.test}),
        (10, {"validation_data": circles.test}),
    ):
        label = "validation every epoch" if "validation_data" in scoring else "test"
        for name, choose in variants.items():
            if n < 30 and name == "groups one after another":
                continue
            fitting.n_groups = choose
            cores = groups._cores
            if name == "groups one after another":
                groups._cores = lambda: 1
            try:
                first, again, _ = first_and_again(
                    lambda n=n, scoring=scoring: bdl.repeat(
                        circles_model,
                        n,
                        *circles.train,
                        epochs=4000,
                        verbose=0,
                        jit_compile=True,
                        **scoring,
                    )
                )
            finally:
                fitting.n_groups, groups._cores = rule, cores
            count = choose(n, wide=True, jit_compile=True)
            print(
                f"    {n} models, {label:<22} {name:<31} ({count} x "
                f"{-(-n // count):>2}): first {first:6.2f} s, again {again:6.2f} s"
            )


def builds(circles) -> None:
    """Building repeats' models: seeded without and with TensorFlow's seed."""
    from bdl_helpers.seeding import seeded

    print("12. Builds: the 30 models of a repeat of the circles listing")

    def build_all(seed_with) -> float:
        start = time.perf_counter()
        for i in range(30):
            with seed_with(i):
                circles_model()
        return time.perf_counter() - start

    @contextlib.contextmanager
    def set_random_seed(seed: int):
        keras.utils.set_random_seed(seed)  # what repeat did before
        yield

    build_all(seeded)  # Keras's one-off start-up, not charged to either
    for _ in range(2):
        old, new = build_all(set_random_seed), build_all(seeded)
        print(
            f"    after keras.utils.set_random_seed {old:5.2f} s, in seeded "
            f"{new:5.2f} s ({old / new:.1f}x)"
        )
    run = lambda: bdl.repeat(  # noqa: E731
        circles_model, 30, *circles.train, epochs=4000, test_data=circles.test,
        verbose=0,
    )
    _, again, _ = first_and_again(run)
    print(
        f"    the 30-repeat run (4,000 epochs, program reused) {again:5.2f} s, "
        f"of which building {new:4.2f} s"
    )


def row_order() -> None:
    """Each epoch's row order under XLA: sorting against counting ranks."""
    from bdl_helpers.training.data import epoch_orders

    import tensorflow as tf

    print("13. Row order: 16 seeds x 30 rows x 4,000 epochs under XLA")
    seeds = tf.range(16)
    for by_rank, name in ((False, "sort"), (True, "ranks")):

        @tf.function(jit_compile=True)
        def orders(seeds, by_rank=by_rank):
            total = tf.zeros((16, 30), tf.int32)
            for epoch in tf.range(4000):
                total += epoch_orders(30, seeds, epoch, True, by_rank=by_rank)
            return total

        orders(seeds)  # compiled
        _, seconds = timed(lambda f=orders: f(seeds).numpy())
        print(f"    by {name}: {seconds:5.2f} s")


SECTIONS = {
    "random-layers": lambda circles, blobs: random_layers(circles, 4000),
    "bagging": lambda circles, blobs: bagging(blobs),
    "snapshots": lambda circles, blobs: snapshots(blobs),
    "second-call": lambda circles, blobs: second_call(blobs),
    "auto-rule": auto_rule,
    "grid": lambda circles, blobs: setting_grid(circles),
    "width-sweep": lambda circles, blobs: width_sweep(),
    "groups": lambda circles, blobs: grouped_runs(circles),
    "builds": lambda circles, blobs: builds(circles),
    "row-order": lambda circles, blobs: row_order(),
}


if __name__ == "__main__":
    main()
