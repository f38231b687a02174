"""Tests for bdl_helpers.results: the book-vs-ours table and score summaries."""


from bdl_helpers import results
from bdl_helpers.results import book_vs_ours, summarize_scores

import numpy as np
import pandas as pd
import pytest

# --- book_vs_ours ---------------------------------------------------------------


def test_book_vs_ours_columns_index_and_values():
    table = book_vs_ours(
        {
            "batch=32": (0.842, [0.83, 0.85, 0.86]),
            "batch=1": (0.804, 0.79),
            "batch=500": (None, 0.71),
        }
    )
    assert list(table.columns) == ["book", "ours", "std", "runs", "ours - book"]
    assert list(table.index) == ["batch=32", "batch=1", "batch=500"]
    assert table.index.name == "case"
    row = table.loc["batch=32"]
    assert row["book"] == 0.842
    assert row["ours"] == pytest.approx(0.847)
    assert row["std"] == pytest.approx(round(np.std([0.83, 0.85, 0.86], ddof=1), 3))
    assert row["runs"] == 3
    assert row["ours - book"] == pytest.approx(0.005)
    assert np.isnan(table.loc["batch=1", "std"])
    assert table.loc["batch=1", "ours - book"] == pytest.approx(-0.014)
    assert np.isnan(table.loc["batch=500", "book"])
    assert np.isnan(table.loc["batch=500", "ours - book"])
    assert table["runs"].dtype == np.int64


def test_book_vs_ours_metric_name():
    table = book_vs_ours({"a": (1.0, 2.0)}, metric="test MSE")
    assert table.attrs["metric"] == "test MSE"
    assert table.columns.name == "test MSE"
    assert book_vs_ours({"a": (1.0, 2.0)}).columns.name == "test accuracy"


def test_book_vs_ours_rounds_to_decimals():
    table = book_vs_ours({"a": (0.12345, [0.11111, 0.22222])}, decimals=2)
    assert table.loc["a", "book"] == 0.12
    assert table.loc["a", "ours"] == 0.17
    table = book_vs_ours({"a": (0.12345, 0.5)}, decimals=0)
    assert table.loc["a", "book"] == 0.0


def test_book_vs_ours_accepts_numpy_values():
    table = book_vs_ours(
        {
            "array": (np.float32(0.5), np.array([0.6, 0.8])),
            "series": (0.5, pd.Series([0.7, 0.9])),
            "tuple": (np.int64(1), (1, 2, 3)),
        }
    )
    assert table.loc["array", "ours"] == pytest.approx(0.7)
    assert table.loc["series", "runs"] == 2
    assert table.loc["tuple", "ours - book"] == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ({}, r"non-empty dict"),
        ([("a", (0.8, 0.9))], r"must be a dict .*Got an object of type list"),
        ({"case A": (0.8,)}, r"pair \(book_value, ours\)\. Got \(0\.8,\) for 'case A'"),
        ({"case A": "0.8"}, r"pair .* for 'case A'"),
        ({"case A": ("high", 0.8)}, r"book's value as a number.*'case A'"),
        ({"case A": (True, 0.8)}, r"book's value as a number.*'case A'"),
        ({"case A": (0.8, "0.9")}, r"non-empty list of numbers.*'case A'"),
        ({"case A": (0.8, [])}, r"non-empty list of numbers.*'case A'"),
        ({"case A": (0.8, [0.9, None])}, r"non-empty list of numbers.*'case A'"),
        ({"case A": (0.8, None)}, r"non-empty list of numbers.*'case A'"),
    ],
)
def test_book_vs_ours_errors(rows, message):
    with pytest.raises(ValueError, match=message):
        book_vs_ours(rows)


def test_book_vs_ours_bad_decimals():
    with pytest.raises(ValueError, match=r"The 'decimals' parameter of book_vs_ours"):
        book_vs_ours({"a": (1.0, 1.0)}, decimals=-1)


# --- summarize_scores -----------------------------------------------------------


def test_summarize_scores():
    scores = {"raw": [0.80, 0.82, 0.78], "scaled": [0.91, 0.93], "once": 0.5}
    summary = summarize_scores(scores)
    assert list(summary.columns) == ["mean", "std", "min", "max", "runs"]
    assert list(summary.index) == ["raw", "scaled", "once"]
    assert summary.index.name == "setting"
    assert summary.loc["raw"].tolist() == pytest.approx([0.8, 0.02, 0.78, 0.82, 3])
    assert summary.loc["scaled", "std"] == pytest.approx(0.014)
    assert np.isnan(summary.loc["once", "std"])
    assert summary.loc["once", "runs"] == 1
    assert summary["runs"].dtype == np.int64


def test_summarize_scores_precision():
    scores = {"a": [1 / 3, 2 / 3]}
    assert summarize_scores(scores).loc["a", "mean"] == 0.5
    assert summarize_scores(scores).loc["a", "min"] == 0.333
    assert summarize_scores(scores, decimals=None).loc["a", "min"] == 1 / 3


@pytest.mark.parametrize(
    ("scores", "message"),
    [
        ({}, r"non-empty dict"),
        ([0.1, 0.2], r"must be a dict"),
        ({"raw": []}, r"non-empty list of numbers.*'raw'"),
        ({"raw": ["a"]}, r"non-empty list of numbers.*'raw'"),
    ],
)
def test_summarize_scores_errors(scores, message):
    with pytest.raises(ValueError, match=message):
        summarize_scores(scores)


# --- module -----------------------------------------------------------------------


def test_public_names():
    assert set(results.__all__) == {"book_vs_ours", "summarize_scores"}
