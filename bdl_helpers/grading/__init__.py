"""Checks that the nbgrader test cells call to grade a learner's exercise.

Every check raises :class:`GradingError` when the learner's answer is wrong.
``GradingError`` is an ``AssertionError``, so nbgrader and pytest count it as a
failed test. Its message says what was expected, what came back, and how to
fix it::

    Layer 1 should be a Dropout layer, but it is Dense. ... Hint: add a
    keras.layers.Dropout layer after layer 0 (Dense).

A broken object gets such a message too, never a traceback from deep inside
Keras: ``None`` from a missing ``return``, the function instead of its result,
an uncompiled model, or a model that raises when it is called.

Checks of a setting that the task states (layer types, units, learning rate,
loss) name the expected value. Checks of an answer the learner has to find
(:func:`check_choice`, :func:`check_close`) never reveal it.

A bad argument in the test cell itself (a negative tolerance, an option list
without the expected option) is the course author's mistake, not the
learner's: it raises :class:`bdl_helpers.ArgumentError` (a ``ValueError``
and a ``TypeError``), as everywhere else in the package.

Layers are counted from 0 and the ``keras.Input`` is not counted, so for a
``keras.Sequential`` model, layer ``i`` is ``model.layers[i]``. Epochs in
messages are counted from 1, as in the progress bar of ``model.fit``.

The checks live in submodules by what they check, and are all importable from
here (``bdl.grading.check_model``): :mod:`~bdl_helpers.grading.models` (a
model and its layers), :mod:`~bdl_helpers.grading.compile_settings` (the
optimizer and the loss), :mod:`~bdl_helpers.grading.history` (a History and
its learning curves) and :mod:`~bdl_helpers.grading.answers` (a choice, a
number, a digest); :mod:`~bdl_helpers.grading._messages` builds the messages
they share.
"""

from bdl_helpers.grading._messages import GradingError
from bdl_helpers.grading.answers import (
    answer_digest,
    check_choice,
    check_close,
    check_digest,
)
from bdl_helpers.grading.compile_settings import check_loss, check_optimizer
from bdl_helpers.grading.history import (
    check_good_fit,
    check_history,
    check_overfits,
    check_underfits,
    diagnose_curves,
)
from bdl_helpers.grading.models import (
    check_layer,
    check_layers,
    check_model,
    check_trainable,
)

# Shown as bdl_helpers.grading.GradingError, where learners meet it.
GradingError.__module__ = __name__

__all__ = [
    "GradingError",
    "answer_digest",
    "check_choice",
    "check_close",
    "check_digest",
    "check_good_fit",
    "check_history",
    "check_layer",
    "check_layers",
    "check_loss",
    "check_model",
    "check_optimizer",
    "check_overfits",
    "check_trainable",
    "check_underfits",
    "diagnose_curves",
]
