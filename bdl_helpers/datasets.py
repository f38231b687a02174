"""The book's synthetic problems, made exactly as the book makes them.

Every case study in *Better Deep Learning* draws its data from one scikit-learn
generator with a fixed seed, then takes the first ``n_train`` rows for training
and the rest for testing. :func:`load_dataset` repeats those calls, so a
notebook sees the same points as the book, and returns them in a small named
container, :class:`Dataset`.

This module uses NumPy and scikit-learn only; it never imports Keras.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from numbers import Integral
from types import MappingProxyType
from typing import Any

from bdl_helpers._validation import ArgumentError, check_float, check_int, check_option

import numpy as np
from sklearn.datasets import make_blobs, make_circles, make_moons, make_regression

__all__ = ["DATASET_DEFAULTS", "Dataset", "list_datasets", "load_dataset"]

_FUNC = "load_dataset"
_MAX_SEED = 2**32 - 1  # the largest seed NumPy's legacy RandomState accepts


@dataclass(frozen=True)
class _Preset:
    """How the book makes one dataset (private; see ``DATASET_DEFAULTS``)."""

    maker: Callable[..., tuple[np.ndarray, np.ndarray]]
    fixed: dict[str, Any]  # arguments the book fixes and we never change
    n_samples: int
    n_train: int
    noise: float | None  # None: the generator has no noise argument
    seed: int
    n_classes: int | None  # None: regression
    chapters: str


_PRESETS: dict[str, _Preset] = {
    "blobs": _Preset(
        maker=make_blobs,
        fixed={"centers": 3, "n_features": 2, "cluster_std": 2},
        n_samples=1000,
        n_train=500,
        noise=None,
        seed=2,
        n_classes=3,
        chapters="Ch3, 4, 5, 10, 11 (500/500); Ch20-26 change n_samples and n_train",
    ),
    "blobs20": _Preset(
        maker=make_blobs,
        fixed={"centers": 20, "n_features": 100, "cluster_std": 2},
        n_samples=1000,
        n_train=500,
        noise=None,
        seed=2,
        n_classes=20,
        chapters="Ch2 (capacity)",
    ),
    "circles": _Preset(
        maker=make_circles,
        fixed={},
        n_samples=1000,
        n_train=500,
        noise=0.1,
        seed=1,
        n_classes=2,
        chapters="Ch4, 7, 9 (1000 samples); Ch14, 16, 17 use n_samples=100, n_train=30",
    ),
    "moons": _Preset(
        maker=make_moons,
        fixed={},
        n_samples=100,
        n_train=30,
        noise=0.2,
        seed=1,
        n_classes=2,
        chapters="Ch13, 15, 18",
    ),
    "regression": _Preset(
        maker=make_regression,
        fixed={"n_features": 20},
        n_samples=1000,
        n_train=500,
        noise=0.1,
        seed=1,
        n_classes=None,
        chapters="Ch4, 6, 8",
    ),
}


def _describe(preset: _Preset) -> MappingProxyType:
    call = {"n_samples": preset.n_samples, **preset.fixed}
    if preset.noise is not None:
        call["noise"] = preset.noise
    call["random_state"] = preset.seed
    return MappingProxyType(
        {
            "generator": f"sklearn.datasets.{preset.maker.__name__}",
            "arguments": MappingProxyType(call),
            "n_train": preset.n_train,
            "n_classes": preset.n_classes,
            "chapters": preset.chapters,
        }
    )


DATASET_DEFAULTS: MappingProxyType = MappingProxyType(
    {name: _describe(preset) for name, preset in _PRESETS.items()}
)
"""Read-only description of each preset: the scikit-learn call the book makes
(``generator`` and ``arguments``), the book's ``n_train``, ``n_classes`` (None
for regression) and the ``chapters`` that use it."""


@dataclass(frozen=True, eq=False, repr=False)
class Dataset:
    """A train/test split of one of the book's problems.

    Parameters
    ----------
    x_train : ndarray of shape (n_train, n_features)
        Training inputs, float32.
    y_train : ndarray of shape (n_train,) or (n_train, n_classes)
        Training targets: int64 class labels, float32 one-hot rows, or float32
        regression targets.
    x_test : ndarray of shape (n_test, n_features)
        Test inputs, float32.
    y_test : ndarray of shape (n_test,) or (n_test, n_classes)
        Test targets, in the same form as ``y_train``.
    name : str
        The preset the data came from, e.g. ``"blobs"``.
    n_classes : int or None
        The number of classes, or None for regression.

    Notes
    -----
    Unpacks in the book's order, ``x_train, y_train, x_test, y_test = data``.
    ``data.train`` and ``data.test`` give ``(x, y)`` pairs ready for
    ``model.fit(*data.train, validation_data=data.test)``.

    Examples
    --------
    >>> from bdl_helpers.datasets import load_dataset
    >>> data = load_dataset("moons")
    >>> data
    Dataset('moons', train=(30, 2), test=(70, 2), n_classes=2)
    >>> x_train, y_train, x_test, y_test = data
    >>> x_train.shape, y_test.shape
    ((30, 2), (70,))
    >>> data.n_features
    2
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    name: str
    n_classes: int | None

    @property
    def train(self) -> tuple[np.ndarray, np.ndarray]:
        """The pair ``(x_train, y_train)``."""
        return self.x_train, self.y_train

    @property
    def test(self) -> tuple[np.ndarray, np.ndarray]:
        """The pair ``(x_test, y_test)``."""
        return self.x_test, self.y_test

    @property
    def n_features(self) -> int:
        """The number of input features (columns of ``x_train``)."""
        return int(self.x_train.shape[1])

    def __iter__(self) -> Iterator[np.ndarray]:
        return iter((self.x_train, self.y_train, self.x_test, self.y_test))

    def __repr__(self) -> str:
        return (
            f"Dataset({self.name!r}, train={tuple(self.x_train.shape)}, "
            f"test={tuple(self.x_test.shape)}, n_classes={self.n_classes})"
        )


def list_datasets() -> list[str]:
    """Return the names :func:`load_dataset` accepts.

    Returns
    -------
    names : list of str
        The preset names, in the order the book introduces them.

    See Also
    --------
    load_dataset : Make one of them.
    DATASET_DEFAULTS : The book's arguments for each.

    Examples
    --------
    >>> from bdl_helpers.datasets import list_datasets
    >>> list_datasets()
    ['blobs', 'blobs20', 'circles', 'moons', 'regression']
    """
    return list(_PRESETS)


def load_dataset(
    name: str,
    *,
    n_samples: int | None = None,
    n_train: int | None = None,
    noise: float | None = None,
    seed: int | None = None,
    one_hot: bool = False,
) -> Dataset:
    """Make one of the book's synthetic problems and split it into train and test.

    The data comes from the same scikit-learn call the book makes, with the
    same seed. The first ``n_train`` rows are the training set and the rest the
    test set, without shuffling, as in the book's
    ``trainX, testX = X[:n_train, :], X[n_train:, :]``.

    Parameters
    ----------
    name : {"blobs", "blobs20", "circles", "moons", "regression"}
        The problem:

        - ``"blobs"``: ``make_blobs(n_samples=1000, centers=3, n_features=2,
          cluster_std=2, random_state=2)``, 500 training rows.
        - ``"blobs20"``: ``make_blobs(n_samples=1000, centers=20,
          n_features=100, cluster_std=2, random_state=2)``, 500 training rows.
        - ``"circles"``: ``make_circles(n_samples=1000, noise=0.1,
          random_state=1)``, 500 training rows.
        - ``"moons"``: ``make_moons(n_samples=100, noise=0.2,
          random_state=1)``, 30 training rows.
        - ``"regression"``: ``make_regression(n_samples=1000, n_features=20,
          noise=0.1, random_state=1)``, 500 training rows.
    n_samples : int, default=None
        The number of rows, train and test together, at least 2. None means
        the book's value for ``name``. Changing it changes every point, not
        only the count (the generator draws all rows from one seed).
    n_train : int, default=None
        The number of training rows, in ``[1, n_samples - 1]``. None means the
        book's value for ``name``.
    noise : float, default=None
        The generator's ``noise`` (a float >= 0) for ``"circles"``, ``"moons"``
        and ``"regression"``. None means the book's value. The blobs presets
        have no noise parameter: leave it None for them.
    seed : int, default=None
        Passed to the generator as ``random_state`` (an int >= 0). None means
        the book's seed for ``name``.
    one_hot : bool, default=False
        Return class labels as float32 one-hot rows of shape
        ``(n, n_classes)``, as the book's ``to_categorical(y)`` does.
        Classification only.

    Returns
    -------
    data : Dataset
        ``x_train`` of shape (n_train, n_features) and ``x_test`` of shape
        (n_samples - n_train, n_features), float32. ``y_train`` and
        ``y_test`` are int64 labels of shape (n,), float32 one-hot rows of
        shape (n, n_classes) if ``one_hot``, or float32 targets of shape (n,)
        for ``"regression"``. All arrays are C-contiguous.

    Raises
    ------
    ValueError
        If ``name`` is unknown, an argument is out of range, ``noise`` is
        given for a blobs preset, or ``one_hot=True`` for ``"regression"``.

    See Also
    --------
    list_datasets : The names accepted.
    DATASET_DEFAULTS : The book's arguments for each name.

    Notes
    -----
    Part I (Ch2-11) uses ``"blobs"``, ``"blobs20"``, ``"circles"`` and
    ``"regression"`` with 500/500 splits. Part II uses ``"moons"`` and
    ``load_dataset("circles", n_samples=100, n_train=30)``. Part III uses
    blobs with other sizes, e.g. ``load_dataset("blobs", n_samples=1100,
    n_train=100)``.

    Examples
    --------
    >>> from bdl_helpers.datasets import load_dataset
    >>> data = load_dataset("blobs")
    >>> data
    Dataset('blobs', train=(500, 2), test=(500, 2), n_classes=3)
    >>> print(data.x_train.dtype, data.y_train.dtype)
    float32 int64
    >>> data.y_train[:5].tolist()
    [2, 2, 2, 0, 1]

    Part II's small circles problem, with one-hot labels:

    >>> small = load_dataset("circles", n_samples=100, n_train=30, one_hot=True)
    >>> small.x_train.shape, small.y_train.shape
    ((30, 2), (30, 2))

    Regression targets are floats:

    >>> reg = load_dataset("regression")
    >>> reg.n_classes is None, reg.n_features
    (True, 20)
    >>> round(float(reg.y_train[0]), 2)
    283.44
    """
    preset = _preset(name)
    n_samples = preset.n_samples if n_samples is None else n_samples
    n_samples = check_int(n_samples, "n_samples", _FUNC, min_value=2)
    n_train_given = n_train is not None
    n_train = n_train if n_train_given else preset.n_train
    is_int = isinstance(n_train, Integral) and not isinstance(n_train, bool)
    if not (is_int and 1 <= n_train < n_samples):
        # check_int cannot say "n_samples - 1", so the message is built here,
        # in the same shape.
        hint = "" if n_train_given else f" (the book's value for {name!r})"
        raise ArgumentError(
            f"The 'n_train' parameter of {_FUNC} must be an int in the range "
            f"[1, n_samples - 1] = [1, {n_samples - 1}], so that at least one "
            f"row is left for testing. Got {n_train!r} instead{hint}."
        )
    n_train = int(n_train)
    seed = preset.seed if seed is None else seed
    seed = check_int(seed, "seed", _FUNC, min_value=0, max_value=_MAX_SEED)
    one_hot = bool(check_option(one_hot, "one_hot", _FUNC, (False, True)))

    kwargs: dict[str, Any] = {"n_samples": n_samples, **preset.fixed}
    if preset.noise is None:
        if noise is not None:
            raise ArgumentError(
                f"The 'noise' parameter of {_FUNC} must be None for {name!r}: "
                f"the blobs presets have no noise parameter (their spread is "
                f"cluster_std=2). Got {noise!r} instead. Leave noise=None, or "
                f"use 'circles', 'moons' or 'regression' to change the noise."
            )
    else:
        noise = preset.noise if noise is None else noise
        kwargs["noise"] = check_float(noise, "noise", _FUNC, min_value=0)
    if one_hot and preset.n_classes is None:
        raise ArgumentError(
            f"The 'one_hot' parameter of {_FUNC} must be False for {name!r}: "
            f"its targets are real numbers, not classes. Got True instead."
        )

    x, y = preset.maker(**kwargs, random_state=seed)
    x = np.ascontiguousarray(x, dtype=np.float32)
    if preset.n_classes is None:
        y = np.ascontiguousarray(y, dtype=np.float32)
    elif one_hot:
        y = np.eye(preset.n_classes, dtype=np.float32)[y]
    else:
        y = np.ascontiguousarray(y, dtype=np.int64)
    return Dataset(
        x_train=x[:n_train].copy(),
        y_train=y[:n_train].copy(),
        x_test=x[n_train:].copy(),
        y_test=y[n_train:].copy(),
        name=str(name),
        n_classes=preset.n_classes,
    )


def _preset(name: Any) -> _Preset:
    """Return the preset called ``name``, or raise naming the closest one."""
    if isinstance(name, str) and name in _PRESETS:
        return _PRESETS[name]
    try:
        check_option(name, "name", _FUNC, _PRESETS)
    except ValueError as error:
        message = str(error)
    else:  # an object equal to a name but not a str, e.g. numpy.str_
        return _PRESETS[str(name)]
    if isinstance(name, str):
        close = difflib.get_close_matches(name.lower(), _PRESETS, n=1, cutoff=0.7)
        if close:
            message += f" Did you mean {close[0]!r}?"
    raise ArgumentError(message)
