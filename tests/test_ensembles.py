"""Tests of bdl_helpers.ensembles: size curves, weighted accuracy, the figure."""

import itertools

from bdl_helpers import ensemble_curve, plot_ensemble_curve, weighted_accuracy

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest


@pytest.fixture
def members():
    rng = np.random.default_rng(0)
    probabilities = rng.dirichlet([1.0, 1.0, 1.0], size=(5, 200))
    labels = rng.integers(0, 3, size=200)
    return probabilities, labels


def test_ensemble_curve_matches_soft_voting_by_hand(members):
    probabilities, labels = members
    curve = ensemble_curve(probabilities, labels)
    assert list(curve.index) == [1, 2, 3, 4, 5]
    for size in range(1, 6):
        single = (probabilities[size - 1].argmax(1) == labels).mean()
        ensemble = (probabilities[:size].mean(0).argmax(1) == labels).mean()
        assert curve.loc[size, "single"] == pytest.approx(single)
        assert curve.loc[size, "ensemble"] == pytest.approx(ensemble)


def test_ensemble_curve_takes_one_hot_labels(members):
    probabilities, labels = members
    one_hot = np.eye(3)[labels]
    pd.testing.assert_frame_equal(
        ensemble_curve(probabilities, one_hot), ensemble_curve(probabilities, labels)
    )


def test_weighted_accuracy_matches_tensordot(members):
    probabilities, labels = members
    rng = np.random.default_rng(1)
    vectors = rng.random((300, 5))
    vectors[:20] = np.round(vectors[:20])  # zeros and ties among the weights
    vectors[:20, 0] += 1.0
    expected = [
        (np.tensordot(w, probabilities, axes=1).argmax(1) == labels).mean()
        for w in vectors
    ]
    np.testing.assert_allclose(
        weighted_accuracy(probabilities, labels, vectors, chunk_size=7), expected
    )


def test_weighted_accuracy_breaks_exact_ties_like_argmax():
    # Two classes with equal weighted sums: argmax picks the lower class.
    probabilities = np.array([[[0.5, 0.5], [0.5, 0.5]]])
    assert weighted_accuracy(probabilities, [0, 1], [1.0]) == 0.5


def test_weighted_accuracy_one_vector_gives_a_float(members):
    probabilities, labels = members
    score = weighted_accuracy(probabilities, labels, np.ones(5))
    assert isinstance(score, float)
    curve = ensemble_curve(probabilities, labels)
    assert score == pytest.approx(curve["ensemble"].iloc[-1])


def test_weighted_accuracy_runs_the_books_grid(members):
    probabilities, labels = members
    grid = np.array(list(itertools.product(np.linspace(0, 1, 11), repeat=5)))[1:]
    scores = weighted_accuracy(probabilities, labels, grid)
    assert scores.shape == (11**5 - 1,)


@pytest.mark.parametrize(
    ("probabilities", "y", "weights", "message"),
    [
        (np.ones((2, 3)), [0, 1], [1, 1], "shape \\(n_members, n_rows, n_classes\\)"),
        (np.ones((2, 3, 2)), [0, 1], [1, 1], "one class label per row"),
        (np.ones((2, 2, 2)), [0.5, 1], [1, 1], "integer class labels"),
        (np.ones((2, 2, 2)), [0, 1], [1, 1, 1], "one weight per member"),
        (np.ones((2, 2, 2)), [0, 1], [1, -1], "weights >= 0"),
        (np.ones((2, 2, 2)), [0, 1], [0, 0], "positive sum"),
    ],
)
def test_bad_input_raises_a_clear_error(probabilities, y, weights, message):
    with pytest.raises(ValueError, match=message):
        weighted_accuracy(probabilities, y, weights)


def test_plot_ensemble_curve_draws_one_or_several_curves(members):
    probabilities, labels = members
    curve = ensemble_curve(probabilities, labels)
    fig = plot_ensemble_curve(curve, title="one")
    assert len(fig.axes[0].lines) == 2
    plt.close(fig)
    fig = plot_ensemble_curve({"a": curve, "b": curve}, title="two")
    labels_drawn = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert labels_drawn[0] == "a: single member" and len(labels_drawn) == 4
    plt.close(fig)
    with pytest.raises(ValueError, match="columns 'single' and 'ensemble'"):
        plot_ensemble_curve({"a": pd.DataFrame({"x": [1]})})
