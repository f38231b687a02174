"""Tests for bdl_helpers.datasets: the book's data, exactly, and clear errors."""

import ast
import dataclasses
import inspect

from bdl_helpers import datasets
from bdl_helpers.datasets import DATASET_DEFAULTS, Dataset, list_datasets, load_dataset

import numpy as np
import pytest
from sklearn.datasets import make_blobs, make_circles, make_moons, make_regression

# The book's calls, written out by hand (not read from the module under test).
BOOK_CALLS = {
    "blobs": (
        make_blobs,
        {
            "n_samples": 1000,
            "centers": 3,
            "n_features": 2,
            "cluster_std": 2,
            "random_state": 2,
        },
        500,
    ),
    "blobs20": (
        make_blobs,
        {
            "n_samples": 1000,
            "centers": 20,
            "n_features": 100,
            "cluster_std": 2,
            "random_state": 2,
        },
        500,
    ),
    "circles": (
        make_circles,
        {"n_samples": 1000, "noise": 0.1, "random_state": 1},
        500,
    ),
    "moons": (make_moons, {"n_samples": 100, "noise": 0.2, "random_state": 1}, 30),
    "regression": (
        make_regression,
        {"n_samples": 1000, "n_features": 20, "noise": 0.1, "random_state": 1},
        500,
    ),
}


@pytest.mark.parametrize("name", list(BOOK_CALLS))
def test_load_dataset_reproduces_the_book_exactly(name):
    maker, kwargs, n_train = BOOK_CALLS[name]
    x, y = maker(**kwargs)
    data = load_dataset(name)
    np.testing.assert_array_equal(data.x_train, x[:n_train].astype(np.float32))
    np.testing.assert_array_equal(data.x_test, x[n_train:].astype(np.float32))
    np.testing.assert_array_equal(data.y_train, y[:n_train].astype(data.y_train.dtype))
    np.testing.assert_array_equal(data.y_test, y[n_train:].astype(data.y_test.dtype))


@pytest.mark.parametrize(
    ("name", "overrides", "maker", "kwargs", "n_train"),
    [
        (
            "circles",
            {"n_samples": 100, "n_train": 30},
            make_circles,
            {"n_samples": 100, "noise": 0.1, "random_state": 1},
            30,
        ),
        (
            "blobs",
            {"n_samples": 1100, "n_train": 100},
            make_blobs,
            {
                "n_samples": 1100,
                "centers": 3,
                "n_features": 2,
                "cluster_std": 2,
                "random_state": 2,
            },
            100,
        ),
        (
            "moons",
            {"noise": 0.0, "seed": 7},
            make_moons,
            {"n_samples": 100, "noise": 0.0, "random_state": 7},
            30,
        ),
        (
            "regression",
            {"noise": 5.0, "seed": 3, "n_train": 900},
            make_regression,
            {"n_samples": 1000, "n_features": 20, "noise": 5.0, "random_state": 3},
            900,
        ),
    ],
)
def test_load_dataset_overrides_match_sklearn(name, overrides, maker, kwargs, n_train):
    x, y = maker(**kwargs)
    data = load_dataset(name, **overrides)
    np.testing.assert_array_equal(data.x_train, x[:n_train].astype(np.float32))
    np.testing.assert_array_equal(data.x_test, x[n_train:].astype(np.float32))
    np.testing.assert_array_equal(data.y_train, y[:n_train].astype(data.y_train.dtype))
    np.testing.assert_array_equal(data.y_test, y[n_train:].astype(data.y_test.dtype))


@pytest.mark.parametrize(
    ("name", "n_train", "n_test", "n_features", "n_classes"),
    [
        ("blobs", 500, 500, 2, 3),
        ("blobs20", 500, 500, 100, 20),
        ("circles", 500, 500, 2, 2),
        ("moons", 30, 70, 2, 2),
        ("regression", 500, 500, 20, None),
    ],
)
def test_load_dataset_shapes_dtypes_and_layout(
    name, n_train, n_test, n_features, n_classes
):
    data = load_dataset(name)
    assert data.x_train.shape == (n_train, n_features)
    assert data.x_test.shape == (n_test, n_features)
    assert data.y_train.shape == (n_train,)
    assert data.y_test.shape == (n_test,)
    assert data.n_classes == n_classes
    assert data.n_features == n_features
    assert data.name == name
    y_dtype = np.float32 if n_classes is None else np.int64
    for array in (data.x_train, data.x_test):
        assert array.dtype == np.float32
        assert array.flags.c_contiguous
    for array in (data.y_train, data.y_test):
        assert array.dtype == y_dtype
        assert array.flags.c_contiguous


@pytest.mark.parametrize(("name", "n_classes"), [("blobs", 3), ("blobs20", 20)])
def test_load_dataset_one_hot(name, n_classes):
    labels = load_dataset(name)
    data = load_dataset(name, one_hot=True)
    for y, y_labels in ((data.y_train, labels.y_train), (data.y_test, labels.y_test)):
        assert y.shape == (len(y_labels), n_classes)
        assert y.dtype == np.float32
        assert y.flags.c_contiguous
        np.testing.assert_array_equal(y.sum(axis=1), 1.0)
        np.testing.assert_array_equal(y.argmax(axis=1), y_labels)
    np.testing.assert_array_equal(data.x_train, labels.x_train)


def test_one_hot_keeps_every_class_column_even_for_few_samples():
    data = load_dataset("blobs20", n_samples=4, n_train=2, one_hot=True)
    assert data.y_train.shape == (2, 20)


def test_load_dataset_split_is_the_first_rows_without_shuffling():
    x, y = make_moons(n_samples=100, noise=0.2, random_state=1)
    data = load_dataset("moons", n_train=60)
    np.testing.assert_array_equal(
        np.concatenate([data.x_train, data.x_test]), x.astype(np.float32)
    )
    np.testing.assert_array_equal(np.concatenate([data.y_train, data.y_test]), y)
    assert len(data.x_train) == 60


def test_load_dataset_is_deterministic_and_seed_changes_data():
    first, second = load_dataset("circles"), load_dataset("circles")
    np.testing.assert_array_equal(first.x_train, second.x_train)
    other = load_dataset("circles", seed=2)
    assert not np.array_equal(first.x_train, other.x_train)


def test_train_and_test_do_not_share_memory():
    data = load_dataset("moons")
    assert not np.shares_memory(data.x_train, data.x_test)
    assert not np.shares_memory(data.y_train, data.y_test)


def test_dataset_unpacks_in_the_books_order():
    data = load_dataset("moons")
    x_train, y_train, x_test, y_test = data
    assert x_train is data.x_train
    assert y_train is data.y_train
    assert x_test is data.x_test
    assert y_test is data.y_test


def test_dataset_train_and_test_pairs():
    data = load_dataset("moons")
    assert data.train[0] is data.x_train and data.train[1] is data.y_train
    assert data.test[0] is data.x_test and data.test[1] is data.y_test


def test_dataset_repr_shows_shapes_not_arrays():
    assert repr(load_dataset("blobs")) == (
        "Dataset('blobs', train=(500, 2), test=(500, 2), n_classes=3)"
    )
    assert repr(load_dataset("regression")) == (
        "Dataset('regression', train=(500, 20), test=(500, 20), n_classes=None)"
    )


def test_dataset_is_frozen():
    data = load_dataset("moons")
    assert isinstance(data, Dataset)
    with pytest.raises(dataclasses.FrozenInstanceError):
        data.name = "circles"


def test_list_datasets():
    assert list_datasets() == ["blobs", "blobs20", "circles", "moons", "regression"]


def test_dataset_defaults_describe_the_book_calls_and_are_read_only():
    assert list(DATASET_DEFAULTS) == list_datasets()
    for name, (maker, kwargs, n_train) in BOOK_CALLS.items():
        entry = DATASET_DEFAULTS[name]
        assert entry["generator"] == f"sklearn.datasets.{maker.__name__}"
        assert dict(entry["arguments"]) == kwargs
        assert entry["n_train"] == n_train
    with pytest.raises(TypeError):
        DATASET_DEFAULTS["blobs"] = {}
    with pytest.raises(TypeError):
        DATASET_DEFAULTS["blobs"]["arguments"]["n_samples"] = 5


# --- errors -------------------------------------------------------------------


def test_unknown_name_lists_names_and_suggests_the_closest():
    with pytest.raises(
        ValueError, match=r"one of 'blobs', 'blobs20'.*Did you mean 'moons'"
    ):
        load_dataset("moon")
    with pytest.raises(
        ValueError, match=r"Got 'Blob' instead\. Did you mean 'blobs'\?"
    ):
        load_dataset("Blob")


def test_unknown_name_without_a_close_match():
    with pytest.raises(ValueError, match=r"Got 'mnist' instead\.$"):
        load_dataset("mnist")


@pytest.mark.parametrize("n_train", [1000, 1500, 0, -3, 2.5, True])
def test_n_train_out_of_range(n_train):
    with pytest.raises(
        ValueError,
        match=(
            r"The 'n_train' parameter of load_dataset must be an int in the range "
            r"\[1, n_samples - 1\] = \[1, 999\]"
        ),
    ):
        load_dataset("blobs", n_train=n_train)


def test_n_train_default_too_large_for_a_small_n_samples_says_so():
    with pytest.raises(ValueError, match=r"Got 500 instead \(the book's value"):
        load_dataset("blobs", n_samples=100)


@pytest.mark.parametrize("n_samples", [1, 0, -5, 10.0])
def test_n_samples_too_small(n_samples):
    with pytest.raises(
        ValueError,
        match=r"The 'n_samples' parameter of load_dataset must be an int >= 2",
    ):
        load_dataset("moons", n_samples=n_samples)


def test_smallest_valid_split():
    data = load_dataset("moons", n_samples=2, n_train=1)
    assert data.x_train.shape == (1, 2) and data.x_test.shape == (1, 2)


@pytest.mark.parametrize("name", ["circles", "moons", "regression"])
def test_negative_noise(name):
    with pytest.raises(
        ValueError,
        match=r"The 'noise' parameter of load_dataset must be a float >= 0\. "
        r"Got -0\.1 instead\.",
    ):
        load_dataset(name, noise=-0.1)


@pytest.mark.parametrize("name", ["blobs", "blobs20"])
def test_blobs_have_no_noise(name):
    with pytest.raises(ValueError, match=r"blobs presets have no noise parameter"):
        load_dataset(name, noise=0.1)


@pytest.mark.parametrize("seed", [-1, 2**32, 1.5])
def test_bad_seed(seed):
    with pytest.raises(ValueError, match=r"The 'seed' parameter of load_dataset"):
        load_dataset("moons", seed=seed)


def test_one_hot_for_regression():
    with pytest.raises(
        ValueError, match=r"The 'one_hot' parameter of load_dataset must be False"
    ):
        load_dataset("regression", one_hot=True)


def test_one_hot_must_be_a_bool():
    with pytest.raises(ValueError, match=r"The 'one_hot' parameter of load_dataset"):
        load_dataset("moons", one_hot="yes")


# --- module hygiene -----------------------------------------------------------


def test_module_does_not_import_keras_or_tensorflow():
    tree = ast.parse(inspect.getsource(datasets))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    assert not imported & {"keras", "tensorflow", "torch", "jax"}


def test_public_names():
    assert set(datasets.__all__) == {
        "DATASET_DEFAULTS",
        "Dataset",
        "list_datasets",
        "load_dataset",
    }
