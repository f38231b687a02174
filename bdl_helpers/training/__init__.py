"""A fast training engine that keeps ``model.fit``'s meaning.

On the book's tiny problems, ``model.fit`` spends almost all its time outside
the model: TensorFlow's ``tf.data`` builds a new iterator every epoch, and every
step returns to Python. This package runs the same training inside compiled
TensorFlow loops that cover many epochs per call:

- :func:`fit` trains one compiled Keras model; :func:`fit_many` trains several
  models of one architecture together, vectorized over the models, each with
  its own weights, optimizer state, metrics, shuffling, random streams,
  training rows and callbacks; :func:`repeat` builds ``n`` seeded copies of a
  model, trains them with :func:`fit_many` and scores them.
- :func:`score_models` and :func:`predict_many` score or predict many models
  (or many captured weight sets) in one compiled call: the ensembles' tool.
- :class:`CaptureWeights` records weights at chosen epochs, inside the loop.

Random layers (Dropout, GaussianNoise and the like) draw each model's numbers
from its own seed in one vectorized pass (``_vectorized_random``): stacked
models do not fall back to a loop over the models.

The step is Keras's own, in its stateless form (the one its JAX trainer runs),
so losses, metrics, regularization, constraints, clipping, schedules and the
training behaviour of Dropout, noise and BatchNormalization are Keras's code.
Compiled loops are cached by architecture, data shapes and settings: a second
call reuses them. Learning rates, dropout rates, noise levels and penalty
factors are arguments of the loops, not part of the architecture
(``settings``): a grid over one of them compiles once. Callbacks follow
Keras's protocol through :class:`keras.callbacks.CallbackList`.

Modules: ``data`` (checks, row orders), ``callbacks`` (the engine's callbacks
and the replay of chunks), ``settings`` (per-model layer settings),
``stack`` (stacked state and compiled programs),
``fitting`` (fit, fit_many), ``repeat``, ``predict`` (scoring, prediction),
and ``_internals`` (every Keras/TensorFlow internal the engine touches).
"""

from __future__ import annotations

import logging

from bdl_helpers import _env  # noqa: F401  (quiet TensorFlow before it loads)
from bdl_helpers.training import _internals
from bdl_helpers.training._vectorized_random import register_random_converters
from bdl_helpers.training.callbacks import CaptureWeights
from bdl_helpers.training.fitting import fit, fit_many
from bdl_helpers.training.predict import evaluate_splits, predict_many, score_models
from bdl_helpers.training.repeat import RepeatResult, repeat
from bdl_helpers.training.stack import clear_cache

import tensorflow as tf

__all__ = [
    "CaptureWeights",
    "RepeatResult",
    "clear_cache",
    "evaluate_splits",
    "fit",
    "fit_many",
    "predict_many",
    "repeat",
    "score_models",
]

# Before anything compiles: cached programs keep whatever pfor did at trace time.
_internals.register_bitcast_converter()
register_random_converters()


class _QuietEngineNotes(logging.Filter):
    """Drop two TensorFlow notes that the engine's design makes meaningless.

    - tf.vectorized_map notes that it loops over an op it cannot batch. The
      loop is correct, only slower.
    - tf.function warns about "retracing" when programs for several
      architectures are built: each is compiled on purpose, once, and cached.
    """

    _NOTES = ("Using a while_loop for converting", "triggered tf.function retracing")

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return not any(note in message for note in self._NOTES)


tf.get_logger().addFilter(_QuietEngineNotes())
