"""Helpers for the interactive course *Better Deep Learning* in Keras 3.

Every chapter notebook starts with one import line::

    import bdl_helpers as bdl

and then calls ``bdl.load_dataset(...)``, ``bdl.fit(...)``, ``bdl.plot_learning_curves(...)``.
The package keeps the plumbing (data, training loop, plots, repeats, grading checks)
out of the lessons, so that a notebook shows only the Keras code it teaches.
"""

from bdl_helpers import _env  # noqa: F401  (must run before TensorFlow is imported)
from bdl_helpers.seeding import set_seed

__all__ = ["set_seed"]
__version__ = "0.1.0"
