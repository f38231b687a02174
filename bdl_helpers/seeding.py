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
    Keras's global streams continue where they were.

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
    import keras
    from keras.src.backend.common import global_state

    # Keras keeps its global seed and seed generator as global attributes;
    # set_random_seed overwrites both (a Keras internal, restored as found).
    names = ("global_random_seed", "global_seed_generator")
    saved_keras = {name: global_state.get_global_attribute(name) for name in names}
    saved_python = random.getstate()
    saved_numpy = np.random.get_state()  # noqa: NPY002  (the legacy global stream)
    keras.utils.set_random_seed(seed)
    try:
        yield
    finally:
        random.setstate(saved_python)
        np.random.set_state(saved_numpy)  # noqa: NPY002
        for name, value in saved_keras.items():
            global_state.set_global_attribute(name, value)
