"""One call that makes a run reproducible on the same machine."""

from __future__ import annotations

from bdl_helpers import _env  # noqa: F401  (quiet TensorFlow before it loads)
from bdl_helpers._validation import check_int

__all__ = ["set_seed"]


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
    NumPy and the backend together. Used by every chapter notebook.

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
