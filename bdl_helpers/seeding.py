"""One call that makes a run reproducible on the same machine."""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager

from bdl_helpers import _env  # noqa: F401  (quiet TensorFlow before it loads)
from bdl_helpers._validation import check_int

import numpy as np

__all__ = ["seeded", "set_seed"]


def set_seed(seed: int = 1, *, deterministic: bool = True) -> int:
    """Seed Python, NumPy and Keras, and ask TensorFlow for deterministic ops.

    Call it once at the top of a notebook. Every later random draw (weight
    initialization, shuffling, dropout masks) then repeats exactly when the
    notebook is re-run on the same machine.

    Parameters
    ----------
    seed : int, default=1
        The seed, an int >= 0.
    deterministic : bool, default=True
        Also turn on TensorFlow's deterministic ops, so that two runs with the
        same seed give bit-identical results on the same machine.

    Returns
    -------
    seed : int
        The seed that was set, for printing in the notebook.

    Notes
    -----
    Wraps :func:`keras.utils.set_random_seed`, which seeds Python's ``random``,
    NumPy and the backend together. Used by every chapter.

    Examples
    --------
    >>> from bdl_helpers import set_seed
    >>> set_seed(1)
    1
    """
    seed = check_int(seed, "seed", "set_seed", min_value=0)
    import keras
    import tensorflow as tf

    keras.utils.set_random_seed(seed)
    if deterministic:
        tf.config.experimental.enable_op_determinism()
    return seed


@contextmanager
def seeded(seed: int) -> Iterator[None]:
    """Seed Python, NumPy and Keras inside a block, then restore their state.

    :func:`~bdl_helpers.repeat` builds repeat ``i`` inside ``seeded(seed + i)``
    so that its initial weights depend only on that seed, without reseeding
    the notebook as a side effect: after the block, Python's, NumPy's and
    Keras's global streams continue where they were, and TensorFlow's global
    seed is never touched. A model built inside ``seeded(s)`` has the weights
    it has after ``keras.utils.set_random_seed(s)``.

    Parameters
    ----------
    seed : int
        The seed, an int >= 0.

    Examples
    --------
    >>> import random
    >>> from bdl_helpers.seeding import seeded
    >>> state = random.getstate()
    >>> with seeded(3):
    ...     first = random.random()
    >>> with seeded(3):
    ...     assert random.random() == first
    >>> random.getstate() == state
    True
    """
    seed = check_int(seed, "seed", "seeded", min_value=0)
    from keras.src.backend.common import global_state
    from keras.src.random.seed_generator import GLOBAL_SEED_GENERATOR
    from keras.src.utils.rng_utils import GLOBAL_RANDOM_SEED

    # What keras.utils.set_random_seed does, less tf.random.set_seed: Keras 3
    # draws initial weights and dropout masks from its own seed through
    # TensorFlow's stateless ops, so TensorFlow's global seed changes none of
    # them, and setting it clears TensorFlow's cache of op kernels (30 copies
    # of the circles listing took 0.84 s to build that way, 0.50 s without:
    # benchmarks/engine.py --only builds). Keras keeps its global seed and
    # seed generator as global attributes (Keras internals, restored as found;
    # checked by training._internals.missing_internals).
    names = (GLOBAL_RANDOM_SEED, GLOBAL_SEED_GENERATOR)
    saved_keras = {name: global_state.get_global_attribute(name) for name in names}
    saved_python = random.getstate()
    saved_numpy = np.random.get_state()  # noqa: NPY002  (the legacy global stream)
    global_state.set_global_attribute(GLOBAL_RANDOM_SEED, seed)
    global_state.set_global_attribute(GLOBAL_SEED_GENERATOR, None)  # re-made from it
    random.seed(seed)
    np.random.seed(seed)  # noqa: NPY002
    try:
        yield
    finally:
        random.setstate(saved_python)
        np.random.set_state(saved_numpy)  # noqa: NPY002
        for name, value in saved_keras.items():
            global_state.set_global_attribute(name, value)
