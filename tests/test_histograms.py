"""Tests for bdl_helpers.plots.histograms: the figure's contents, clear errors."""

import matplotlib

matplotlib.use("Agg")  # also set in conftest.py; repeated so this file runs alone


from bdl_helpers.plots import (
    histograms,  # noqa: E402
    plot_histograms,  # noqa: E402
)

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def bar_total(ax):
    return sum(patch.get_height() for patch in ax.patches)


def test_one_panel_per_variable_in_order():
    rng = np.random.default_rng(1)
    fig = plot_histograms(
        {"b": rng.normal(size=50), "a": rng.normal(size=80)}, title="Inputs"
    )
    assert isinstance(fig, Figure)
    assert [ax.get_title() for ax in fig.axes] == ["b", "a"]
    assert [bar_total(ax) for ax in fig.axes] == [50, 80]
    assert fig._suptitle.get_text() == "Inputs"


def test_bins_and_labels():
    fig = plot_histograms(
        {"y": np.arange(100.0)}, bins=10, xlabel="Target", ylabel="Rows"
    )
    (ax,) = fig.axes
    assert len(ax.patches) == 10
    assert ax.get_xlabel() == "Target"
    assert ax.get_ylabel() == "Rows"


def test_arrays_are_flattened():
    fig = plot_histograms({"column": np.ones((20, 1))})
    assert bar_total(fig.axes[0]) == 20


def test_stats_box_shows_mean_and_range():
    fig = plot_histograms({"x": [0.0, 1.0, 2.0, 3.0]})
    texts = [text.get_text() for text in fig.axes[0].texts]
    assert len(texts) == 1
    assert "mean 1.5" in texts[0] and "min 0" in texts[0] and "max 3" in texts[0]


def test_stats_box_can_be_hidden():
    fig = plot_histograms({"x": [0.0, 1.0]}, show_stats=False)
    assert len(fig.axes[0].texts) == 0


def test_grid_layout_and_unused_panels_removed():
    values = {f"x{i}": np.arange(5.0) + i for i in range(5)}
    fig = plot_histograms(values, ncols=2)
    assert len(fig.axes) == 5
    # only the first column carries the y label
    labelled = [bool(ax.get_ylabel()) for ax in fig.axes]
    assert labelled == [True, False, True, False, True]


def test_default_puts_up_to_three_in_a_row():
    fig = plot_histograms({f"x{i}": [1.0, 2.0] for i in range(4)})
    positions = {round(ax.get_position().y0, 3) for ax in fig.axes}
    assert len(positions) == 2


def test_sharex_gives_one_range():
    fig = plot_histograms({"small": [0.0, 1.0], "large": [-100.0, 100.0]}, sharex=True)
    assert fig.axes[0].get_xlim() == fig.axes[1].get_xlim()
    fig = plot_histograms({"small": [0.0, 1.0], "large": [-100.0, 100.0]})
    assert fig.axes[0].get_xlim() != fig.axes[1].get_xlim()


def test_does_not_change_global_rcparams():
    before = dict(matplotlib.rcParams)
    plot_histograms({"x": [1.0, 2.0, 3.0]})
    assert dict(matplotlib.rcParams) == before


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"values": [1.0, 2.0]}, "'values' parameter of plot_histograms must be"),
        ({"values": {}}, "must be a non-empty dict"),
        ({"values": {"x": []}}, "non-empty array of numbers. Got [] for 'x'"),
        ({"values": {"x": ["a", "b"]}}, "non-empty array of numbers"),
        ({"values": {"y": [1.0, np.nan]}}, "'y' has 1 NaN or infinite value(s) of 2"),
        ({"values": {"x": [1.0]}, "bins": 0}, "'bins' parameter"),
        ({"values": {"x": [1.0]}, "bins": 2.5}, "'bins' parameter"),
        ({"values": {"x": [1.0]}, "ncols": 0}, "'ncols' parameter"),
        ({"values": {"x": [1.0]}, "figsize": (3,)}, "'figsize' parameter"),
    ],
)
def test_errors_name_the_parameter(kwargs, message):
    values = kwargs.pop("values")
    with pytest.raises(ValueError) as error:
        plot_histograms(values, **kwargs)
    assert message in str(error.value)
    assert plt.get_fignums() == []  # nothing drawn before the check failed


def test_public_names():
    assert set(histograms.__all__) == {"plot_histograms"}


def test_exported_by_the_package():
    import bdl_helpers

    assert bdl_helpers.plot_histograms is plot_histograms
    assert "plot_histograms" in bdl_helpers.__all__
