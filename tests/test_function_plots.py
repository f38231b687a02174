"""Tests for bdl_helpers.plots.functions: what the figure contains, and clear errors."""

import matplotlib

matplotlib.use("Agg")  # also set in conftest.py; repeated so this file runs alone


from bdl_helpers.plots import functions as function_plots  # noqa: E402
from bdl_helpers.plots import plot_functions  # noqa: E402

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def legend_texts(ax):
    return [text.get_text() for text in ax.get_legend().get_texts()]


def test_one_line_per_function_in_order_with_values():
    x = np.linspace(-2, 2, 5)
    fig = plot_functions(
        {"square": lambda v: v**2, "abs": np.abs},
        x,
        title="Losses",
        xlabel="Error",
        ylabel="Loss",
    )
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert legend_texts(ax) == ["square", "abs"]
    assert ax.get_title() == "Losses"
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("Error", "Loss")
    np.testing.assert_allclose(ax.lines[0].get_xdata(), x)
    np.testing.assert_allclose(ax.lines[0].get_ydata(), x**2)
    np.testing.assert_allclose(ax.lines[1].get_ydata(), np.abs(x))


def test_equal_functions_stay_distinguishable():
    x = np.linspace(0.1, 1, 10)
    fig = plot_functions({"a": np.log, "b": np.log, "c": np.log}, x)
    lines = fig.axes[0].lines
    assert len({line.get_linestyle() for line in lines}) == 3
    assert len({line.get_color() for line in lines}) == 3


def test_accepts_values_constants_and_lists():
    x = [0.0, 1.0, 2.0]
    fig = plot_functions({"given": [3.0, 2.0, 1.0], "constant": lambda v: 1.0}, x)
    ax = fig.axes[0]
    np.testing.assert_allclose(ax.lines[0].get_ydata(), [3, 2, 1])
    np.testing.assert_allclose(ax.lines[1].get_ydata(), [1, 1, 1])


def test_defaults_and_ylim():
    fig = plot_functions({"f": lambda v: 100 * v}, np.arange(3.0), ylim=(0, 5))
    ax = fig.axes[0]
    assert (ax.get_xlabel(), ax.get_ylabel(), ax.get_title()) == ("x", "f(x)", "")
    assert ax.get_ylim() == (0.0, 5.0)


def test_draws_on_a_given_ax():
    fig, axes = plt.subplots(1, 2)
    out = plot_functions({"f": np.sin}, np.linspace(0, 3, 7), ax=axes[1])
    assert out is fig
    assert len(axes[1].lines) == 1 and not axes[0].lines


def test_the_function_gets_a_copy_of_x():
    x = np.linspace(0, 1, 4)

    def clobber(values):
        values[:] = 7.0
        return values

    fig = plot_functions({"clobber": clobber, "identity": lambda v: v}, x)
    np.testing.assert_allclose(x, np.linspace(0, 1, 4))
    np.testing.assert_allclose(fig.axes[0].lines[1].get_ydata(), x)


def failing(values):
    if values > 0:  # ambiguous on an array: the message says to use NumPy
        return values
    return -values


@pytest.mark.parametrize(
    ("functions", "x", "kwargs", "message"),
    [
        ([np.abs], [0, 1], {}, "'functions' parameter of plot_functions must be"),
        ({}, [0, 1], {}, "must be a non-empty dict"),
        ({"f": np.abs}, [1.0], {}, "at least 2 numbers"),
        ({"f": np.abs}, [[0, 1], [2, 3]], {}, "shape (2, 2)"),
        ({"f": np.abs}, [0.0, np.nan], {}, "1 NaN or infinite value(s)"),
        ({"f": np.abs}, ["a", "b"], {}, "'x' parameter"),
        ({"f": failing}, [0.0, 1.0], {}, "'f' passed to plot_functions raised"),
        ({"f": lambda v: v[:1]}, [0.0, 1.0], {}, "gave values of shape (1,)"),
        ({"f": "text"}, [0.0, 1.0], {}, "must map 'f' to a function of x"),
        ({"f": np.abs}, [0, 1], {"ylim": (1, 0)}, "'ylim' parameter"),
        ({"f": np.abs}, [0, 1], {"ylim": 3}, "'ylim' parameter"),
        ({"f": np.abs}, [0, 1], {"figsize": (3,)}, "'figsize' parameter"),
        ({"f": np.abs}, [0, 1], {"ax": "axes"}, "'ax' parameter"),
    ],
)
def test_errors_name_the_problem(functions, x, kwargs, message):
    with pytest.raises(ValueError) as error:
        plot_functions(functions, x, **kwargs)
    assert message in str(error.value)
    if "ax" not in kwargs:
        assert plt.get_fignums() == []  # nothing drawn before the check failed


def test_public_names():
    assert set(function_plots.__all__) == {"plot_functions"}


def test_exported_by_the_package():
    import bdl_helpers

    assert bdl_helpers.plot_functions is plot_functions
    assert "plot_functions" in bdl_helpers.__all__
