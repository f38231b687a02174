"""Tests for bdl_helpers.paired: per-seed comparisons with and without a technique."""


import bdl_helpers
from bdl_helpers import paired
from bdl_helpers.paired import compare_paired, paired_table

import numpy as np
import pandas as pd
import pytest


def test_compare_paired_differences_mean_and_standard_error():
    with_technique = [0.80, 0.82, 0.79, 0.81]
    without = [0.77, 0.78, 0.78, 0.77]
    result = compare_paired(with_technique, without)
    expected = np.subtract(with_technique, without)
    np.testing.assert_allclose(result.differences, expected)
    assert result.mean_difference == pytest.approx(expected.mean())
    assert result.standard_error == pytest.approx(expected.std(ddof=1) / 2.0)
    assert result.n_seeds == 4
    assert result.threshold == 3.0


def test_verdict_follows_the_threshold_and_the_sign():
    assert compare_paired([0.8, 0.81, 0.8], [0.7, 0.7, 0.71]).verdict == "higher"
    assert compare_paired([0.7, 0.7, 0.71], [0.8, 0.81, 0.8]).verdict == "lower"
    noisy = compare_paired([0.78, 0.77, 0.80], [0.77, 0.79, 0.78])
    assert noisy.verdict == "within noise"
    # The same differences count with a lower threshold.
    shifted = compare_paired([0.80, 0.79, 0.82], [0.77, 0.79, 0.78], threshold=3.0)
    assert shifted.verdict == "within noise"
    assert compare_paired([0.80, 0.79, 0.82], [0.77, 0.79, 0.78],
                          threshold=1.0).verdict == "higher"


def test_identical_differences_have_zero_spread():
    # Every seed 1/30 lower: a zero standard error, and the difference counts.
    result = compare_paired([0.967] * 5, [1.0] * 5)
    assert result.standard_error == 0.0
    assert result.verdict == "lower"
    assert compare_paired([0.5, 0.6], [0.5, 0.6]).verdict == "within noise"


def test_accepts_series_and_arrays():
    a = pd.Series([0.8, 0.81, 0.82])
    b = np.array([0.7, 0.7, 0.7], dtype=np.float32)
    assert compare_paired(a, b).n_seeds == 3


def test_str_is_one_line_with_the_verdict():
    text = str(compare_paired([0.80, 0.81, 0.79, 0.80], [0.77, 0.77, 0.76, 0.78]))
    assert text == "+0.030 (standard error 0.004, 4 paired seeds): higher"


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        (([0.8, 0.9], [0.7]), {}, "'without' parameter of compare_paired must hold"),
        (([0.8], [0.7]), {}, "at least 2 seeds"),
        (("abc", [0.7]), {}, "'with_technique' parameter of compare_paired"),
        (([0.8, "x"], [0.7, 0.6]), {}, "numbers only"),
        (([0.8, np.nan], [0.7, 0.6]), {}, "finite numbers"),
        ((0.8, [0.7, 0.6]), {}, "list, array or Series"),
        (([0.8, 0.9], [0.7, 0.6]), {"threshold": -1.0}, "'threshold' parameter"),
        (([0.8, 0.9], [0.7, 0.6]), {"threshold": 0.0}, "must be a float > 0"),
    ],
)
def test_compare_paired_rejects_bad_input(args, kwargs, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        compare_paired(*args, **kwargs)


def test_paired_table_rows_and_columns():
    table = paired_table({
        "dropout": ([0.80, 0.81, 0.79], [0.77, 0.77, 0.76]),
        "noise": ([0.78, 0.77, 0.80], [0.77, 0.79, 0.78]),
    })
    assert list(table.index) == ["dropout", "noise"]
    assert table.index.name == "comparison"
    assert list(table.columns) == [
        "with", "without", "difference", "standard error", "seeds", "verdict"]
    assert table.loc["dropout", "with"] == pytest.approx(0.8)
    assert table.loc["dropout", "without"] == pytest.approx(0.767)
    assert table.loc["dropout", "seeds"] == 3
    assert table.loc["noise", "verdict"] == "within noise"


def test_paired_table_rejects_bad_input():
    with pytest.raises(ValueError, match="non-empty dict"):
        paired_table({})
    with pytest.raises(ValueError, match="must map 'a' to a pair"):
        paired_table({"a": [0.1, 0.2, 0.3]})
    with pytest.raises(ValueError, match="comparison 'a'"):
        paired_table({"a": ([0.1, 0.2], [0.3])})
    with pytest.raises(ValueError, match="'decimals' parameter"):
        paired_table({"a": ([0.1, 0.2], [0.3, 0.4])}, decimals=-1)


def test_exports():
    assert set(paired.__all__) == {"PairedComparison", "compare_paired", "paired_table"}
    for name in ("compare_paired", "paired_table"):
        assert name in bdl_helpers.__all__
