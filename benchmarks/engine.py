"""Benchmark: the course's training engine against ``model.fit``, side by side.

Runs in one process, on the book's settings:

1. the circles listing of Part II (2 -> 500 ReLU -> 1 sigmoid, Adam, 30
   training rows, 4,000 epochs, validation every epoch), once through
   ``model.fit`` and once through ``bdl_helpers.fit``;
2. 30 repeats of it through ``bdl_helpers.repeat``, against 30 sequential
   ``model.fit`` runs (timed as one run of step 1, times 30: said so below);
3. the 500-row blobs model (2 -> 50 ReLU -> 3 softmax, SGD with momentum) at
   batch sizes 32 and 1.

Every figure includes tracing and compilation. The last line is the speedup on
the single circles model. Run it with ``make benchmark`` (not part of CI)::

    python benchmarks/engine.py            # the book's full settings (~5 min)
    python benchmarks/engine.py --quick    # model.fit timed on 10% of the epochs
"""

from __future__ import annotations

import argparse
import time

import bdl_helpers as bdl

import keras
import numpy as np


def circles_model() -> keras.Model:
    model = keras.Sequential(
        [
            keras.Input((2,)),
            keras.layers.Dense(500, activation="relu"),
            keras.layers.Dense(1, activation="sigmoid"),
        ]
    )
    model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
    return model


def blobs_model() -> keras.Model:
    model = keras.Sequential(
        [
            keras.Input((2,)),
            keras.layers.Dense(50, activation="relu", kernel_initializer="he_uniform"),
            keras.layers.Dense(3, activation="softmax"),
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
    args = parser.parse_args()
    epochs = 4000
    keras_epochs = epochs // 10 if args.quick else epochs
    circles = bdl.load_dataset("circles", n_samples=100, n_train=30)

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
    blobs = bdl.load_dataset("blobs", one_hot=True)
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

    print(f"engine speedup over model.fit: {single_speedup:.0f}x")


if __name__ == "__main__":
    main()
