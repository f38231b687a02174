"""Tests for bdl_helpers.plots: what each figure contains, and clear errors."""

import matplotlib

matplotlib.use("Agg")  # also set in conftest.py; repeated so this file runs alone

import ast  # noqa: E402
from pathlib import Path  # noqa: E402

import bdl_helpers  # noqa: E402
from bdl_helpers import plots  # noqa: E402
from bdl_helpers.plots import (  # noqa: E402
    plot_dataset,
    plot_decision_boundary,
    plot_learning_curve_grid,
    plot_learning_curves,
    plot_metric_by_setting,
    plot_score_boxplot,
)

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def make_history(n_epochs=5, *, validation=True, metric="accuracy"):
    """A plain dict shaped like keras History.history."""
    epochs = np.arange(1, n_epochs + 1)
    logs = {"loss": (1 / epochs).tolist(), metric: (1 - 1 / (epochs + 1)).tolist()}
    if validation:
        logs["val_loss"] = (1.1 / epochs).tolist()
        logs[f"val_{metric}"] = (1 - 1.2 / (epochs + 1)).tolist()
    return logs


class FakeHistory:
    """Stands in for keras.callbacks.History: only the .history dict."""

    def __init__(self, logs):
        self.history = logs


def legend_texts(legend):
    return [text.get_text() for text in legend.get_texts()]


# --- plot_learning_curves -------------------------------------------------------


def test_learning_curves_two_panels():
    fig = plot_learning_curves(make_history(7), title="Blobs")
    assert isinstance(fig, Figure)
    loss_ax, metric_ax = fig.axes
    assert loss_ax.get_title() == "Cross-entropy loss"
    assert loss_ax.get_ylabel() == "Loss"
    assert metric_ax.get_title() == "Accuracy"
    assert metric_ax.get_ylabel() == "Accuracy"
    assert metric_ax.get_xlabel() == "Epoch"
    assert fig.get_suptitle() == "Blobs"
    for ax in fig.axes:
        assert len(ax.get_lines()) == 2
        assert legend_texts(ax.get_legend()) == ["train", "test"]
        np.testing.assert_array_equal(ax.get_lines()[0].get_xdata(), np.arange(1, 8))


def test_learning_curves_plot_the_values():
    logs = make_history(4)
    fig = plot_learning_curves(logs)
    loss_ax, metric_ax = fig.axes
    np.testing.assert_allclose(loss_ax.get_lines()[0].get_ydata(), logs["loss"])
    np.testing.assert_allclose(loss_ax.get_lines()[1].get_ydata(), logs["val_loss"])
    np.testing.assert_allclose(
        metric_ax.get_lines()[1].get_ydata(), logs["val_accuracy"]
    )


def test_learning_curves_accept_a_history_object():
    fig = plot_learning_curves(FakeHistory(make_history()))
    assert len(fig.axes) == 2


def test_learning_curves_loss_only():
    fig = plot_learning_curves(make_history(), metric=None)
    assert len(fig.axes) == 1
    assert fig.axes[0].get_xlabel() == "Epoch"
    assert fig.get_size_inches().tolist() == [7, 3]


def test_learning_curves_without_validation_draw_train_only():
    fig = plot_learning_curves(make_history(validation=False))
    for ax in fig.axes:
        assert len(ax.get_lines()) == 1
        assert legend_texts(ax.get_legend()) == ["train"]


def test_learning_curves_labels_and_size():
    fig = plot_learning_curves(
        make_history(metric="mse"),
        metric="mse",
        loss_label="Mean squared error loss",
        figsize=(6, 4),
    )
    assert fig.axes[0].get_title() == "Mean squared error loss"
    assert fig.axes[1].get_title() == "Mean squared error"
    assert fig.get_size_inches().tolist() == [6, 4]
    fig = plot_learning_curves(make_history(), metric_label="Classification accuracy")
    assert fig.axes[1].get_title() == "Classification accuracy"
    assert fig.axes[1].get_ylabel() == "Classification accuracy"


def test_learning_curves_name_held_out_rows_as_validation():
    fig = plot_learning_curves(make_history(), val_label="validation")
    for ax in fig.axes:
        assert legend_texts(ax.get_legend()) == ["train", "validation"]
    fig = plot_learning_curve_grid({"a": make_history()}, val_label="validation")
    assert legend_texts(fig.legends[0]) == ["train", "validation"]
    for plot, arg in (
        (plot_learning_curves, make_history()),
        (plot_learning_curve_grid, {"a": make_history()}),
    ):
        with pytest.raises(ValueError, match=r"'val_label'.*non-empty str"):
            plot(arg, val_label="")


def test_learning_curves_missing_metric_lists_existing_keys():
    with pytest.raises(ValueError, match=r"'acc'.*keys 'loss', 'accuracy', 'val_loss'"):
        plot_learning_curves(make_history(), metric="acc")


def test_learning_curves_missing_loss():
    with pytest.raises(ValueError, match=r"needs the key 'loss'"):
        plot_learning_curves({"accuracy": [0.5]})


def test_learning_curves_reject_non_history():
    with pytest.raises(
        ValueError, match=r"The 'history' parameter of plot_learning_curves"
    ):
        plot_learning_curves([0.1, 0.2])


def test_learning_curves_bad_figsize():
    with pytest.raises(ValueError, match=r"The 'figsize' parameter"):
        plot_learning_curves(make_history(), figsize=(7,))


def test_learning_curves_do_not_change_global_rcparams():
    before = dict(matplotlib.rcParams)
    plot_learning_curves(make_history())
    assert dict(matplotlib.rcParams) == before


# --- plot_learning_curve_grid ---------------------------------------------------


def test_grid_of_eight_panels():
    labels = [f"lr={lr}" for lr in (1, 0.1, 0.01, 0.001, 1e-4, 1e-5, 1e-6, 1e-7)]
    fig = plot_learning_curve_grid({label: make_history() for label in labels})
    assert len(fig.axes) == 8
    assert [ax.get_title() for ax in fig.axes] == labels
    for ax in fig.axes:
        assert len(ax.get_lines()) == 2
        assert ax.get_legend() is None
    assert len(fig.legends) == 1
    assert legend_texts(fig.legends[0]) == ["train", "test"]
    assert [ax.get_xlabel() for ax in fig.axes[-2:]] == ["Epoch", "Epoch"]
    assert fig.axes[0].get_ylabel() == "Accuracy"
    assert fig.get_size_inches()[0] == 10


def test_grid_shares_axes():
    fig = plot_learning_curve_grid({"a": make_history(), "b": make_history()})
    first, second = fig.axes
    assert first.get_shared_y_axes().joined(first, second)
    assert first.get_shared_x_axes().joined(first, second)
    fig = plot_learning_curve_grid(
        {"a": make_history(), "b": make_history()}, sharey=False
    )
    first, second = fig.axes
    assert not first.get_shared_y_axes().joined(first, second)


def test_grid_with_an_incomplete_last_row():
    histories = {f"batch={b}": FakeHistory(make_history()) for b in (1, 32, 500)}
    fig = plot_learning_curve_grid(histories, metric="loss", title="Batch size")
    assert len(fig.axes) == 3
    assert fig.get_suptitle() == "Batch size"
    # The panel above the empty slot keeps its x label.
    assert [ax.get_xlabel() for ax in fig.axes] == ["", "Epoch", "Epoch"]
    assert fig.axes[0].get_ylabel() == "Loss"


def test_grid_ncols():
    fig = plot_learning_curve_grid({str(i): make_history() for i in range(4)}, ncols=4)
    assert len(fig.axes) == 4
    assert len({round(ax.get_position().y0, 3) for ax in fig.axes}) == 1


def test_grid_without_validation_has_a_train_only_legend():
    fig = plot_learning_curve_grid({"a": make_history(validation=False)})
    assert legend_texts(fig.legends[0]) == ["train"]


def test_grid_errors():
    with pytest.raises(ValueError, match=r"must be a non-empty dict"):
        plot_learning_curve_grid({})
    with pytest.raises(ValueError, match=r"The 'histories' parameter"):
        plot_learning_curve_grid([make_history()])
    with pytest.raises(ValueError, match=r"The 'ncols' parameter.*>= 1"):
        plot_learning_curve_grid({"a": make_history()}, ncols=0)
    with pytest.raises(ValueError, match=r"needs the key 'acc'.*'loss'"):
        plot_learning_curve_grid({"a": make_history()}, metric="acc")


# --- plot_metric_by_setting -----------------------------------------------------


def test_metric_by_setting_one_line_per_setting():
    histories = {f"nodes={n}": make_history() for n in (1, 2, 4, 8)}
    fig = plot_metric_by_setting(histories)
    (ax,) = fig.axes
    assert len(ax.get_lines()) == 4
    assert legend_texts(ax.get_legend()) == list(histories)
    assert ax.get_xlabel() == "Epoch"
    assert ax.get_ylabel() == "Training loss"
    assert ax.get_title() == "Training loss by setting"


def test_metric_by_setting_validation_key_and_labels():
    fig = plot_metric_by_setting(
        {"a": make_history()}, metric="val_accuracy", title="Capacity"
    )
    ax = fig.axes[0]
    assert ax.get_ylabel() == "Test accuracy"
    assert ax.get_title() == "Capacity"
    fig = plot_metric_by_setting({"a": make_history()}, ylabel="Cross-entropy")
    assert fig.axes[0].get_ylabel() == "Cross-entropy"


def test_metric_by_setting_draws_on_a_given_ax():
    fig, (left, right) = plt.subplots(1, 2)
    returned = plot_metric_by_setting({"a": make_history()}, ax=right)
    assert returned is fig
    assert len(right.get_lines()) == 1
    assert len(left.get_lines()) == 0


def test_metric_by_setting_errors():
    with pytest.raises(ValueError, match=r"needs the key 'mse'"):
        plot_metric_by_setting({"a": make_history()}, metric="mse")
    with pytest.raises(
        ValueError, match=r"The 'ax' parameter of plot_metric_by_setting"
    ):
        plot_metric_by_setting({"a": make_history()}, ax="left")


# --- plot_dataset ---------------------------------------------------------------


def points_and_labels(n=60, n_classes=3, n_features=2):
    rng = np.random.default_rng(0)
    return rng.normal(size=(n, n_features)), np.arange(n) % n_classes


def test_dataset_scatter_per_class():
    x, y = points_and_labels()
    fig = plot_dataset(x, y, title="Blobs")
    (ax,) = fig.axes
    assert len(ax.collections) == 3
    assert legend_texts(ax.get_legend()) == ["class 0", "class 1", "class 2"]
    assert ax.get_title() == "Blobs"
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("Feature 0", "Feature 1")
    assert sum(len(c.get_offsets()) for c in ax.collections) == 60


def test_dataset_default_title():
    x, y = points_and_labels()
    assert plot_dataset(x, y).axes[0].get_title() == "60 points, 3 classes"


def test_dataset_one_hot_labels_are_argmaxed():
    x, y = points_and_labels()
    fig = plot_dataset(x, np.eye(3)[y])
    assert legend_texts(fig.axes[0].get_legend()) == ["class 0", "class 1", "class 2"]


def test_dataset_plus_minus_one_labels():
    x, y = points_and_labels(n_classes=2)
    fig = plot_dataset(x, 2 * y - 1)
    assert legend_texts(fig.axes[0].get_legend()) == ["class -1", "class 1"]


def test_dataset_float_labels_become_ints():
    x, y = points_and_labels(n_classes=2)
    fig = plot_dataset(x, y.astype(float).reshape(-1, 1))
    assert legend_texts(fig.axes[0].get_legend()) == ["class 0", "class 1"]


def test_dataset_with_many_features_says_so():
    x, y = points_and_labels(n_features=100, n_classes=20)
    fig = plot_dataset(x, y)
    ax = fig.axes[0]
    assert "of 100 features" in ax.get_xlabel()
    assert "100" in ax.get_ylabel()
    assert len(ax.get_legend().get_texts()) == 20


def test_dataset_draws_on_a_given_ax():
    fig, ax = plt.subplots()
    x, y = points_and_labels()
    assert plot_dataset(x, y, ax=ax) is fig


def test_dataset_errors():
    x, y = points_and_labels()
    with pytest.raises(
        ValueError, match=r"The 'x' parameter of plot_dataset.*at least 2"
    ):
        plot_dataset(x[:, :1], y)
    with pytest.raises(
        ValueError, match=r"The 'y' parameter of plot_dataset.*60 in all"
    ):
        plot_dataset(x, y[:10])
    with pytest.raises(ValueError, match=r"regression targets"):
        plot_dataset(x, np.linspace(0, 1, 60))


# --- plot_score_boxplot ---------------------------------------------------------

SCORES = {"raw": [0.80, 0.82, 0.79, 0.81], "scaled": [0.90, 0.91, 0.93, 0.92]}


def test_boxplot_from_a_dict():
    fig = plot_score_boxplot(SCORES)
    (ax,) = fig.axes
    assert [t.get_text() for t in ax.get_xticklabels()] == ["raw", "scaled"]
    assert ax.get_ylabel() == "Test accuracy"
    assert ax.get_xlabel() == "Setting"
    assert ax.get_title() == "Test accuracy over 4 runs"
    assert legend_texts(ax.get_legend()) == ["median", "mean"]
    means = [line for line in ax.get_lines() if line.get_marker() == "^"]
    assert [float(m.get_ydata()[0]) for m in means] == pytest.approx([0.805, 0.915])


def test_boxplot_without_means():
    fig = plot_score_boxplot(SCORES, show_means=False, ylabel="Test MSE", title="T")
    ax = fig.axes[0]
    assert legend_texts(ax.get_legend()) == ["median"]
    assert not [line for line in ax.get_lines() if line.get_marker() == "^"]
    assert (ax.get_ylabel(), ax.get_title()) == ("Test MSE", "T")


def test_boxplot_from_a_long_dataframe():
    frame = pd.DataFrame(
        {
            "setting": ["b", "a", "b", "a", "b"],
            "score": [0.1, 0.5, 0.2, 0.6, 0.3],
        }
    )
    ax = plot_score_boxplot(frame).axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["b", "a"]
    means = [line for line in ax.get_lines() if line.get_marker() == "^"]
    assert [float(m.get_ydata()[0]) for m in means] == pytest.approx([0.2, 0.55])


def test_boxplot_from_a_wide_dataframe():
    frame = pd.DataFrame({"raw": [0.8, 0.9, np.nan], "scaled": [0.9, 0.95, 1.0]})
    frame.columns.name = "Scaling"
    ax = plot_score_boxplot(frame).axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["raw", "scaled"]
    assert ax.get_xlabel() == "Scaling"
    assert ax.get_title() == "Test accuracy over 2-3 runs"


def test_boxplot_draws_on_a_given_ax():
    fig, ax = plt.subplots()
    assert plot_score_boxplot(SCORES, ax=ax) is fig


def test_boxplot_errors():
    with pytest.raises(ValueError, match=r"at least one setting"):
        plot_score_boxplot({})
    with pytest.raises(ValueError, match=r"non-empty list of numbers.*'raw'"):
        plot_score_boxplot({"raw": []})
    with pytest.raises(ValueError, match=r"non-empty list of numbers.*'raw'"):
        plot_score_boxplot({"raw": ["high", "low"]})
    with pytest.raises(
        ValueError, match=r"The 'scores' parameter of plot_score_boxplot"
    ):
        plot_score_boxplot([0.1, 0.2])


# --- plot_decision_boundary -----------------------------------------------------


def diagonal_points():
    x = np.array([[0.0, 0.0], [1.0, 1.0], [0.0, 1.0], [1.0, 0.0], [0.2, 0.9]])
    y = np.array([0, 1, 1, 0, 1])
    return x, y


def above_diagonal(points):
    return points[:, 1] > points[:, 0]


class KerasLike:
    """Has predict(x, verbose=0) returning softmax-shaped probabilities."""

    def __init__(self):
        self.calls = []

    def predict(self, x, verbose="auto"):
        self.calls.append(verbose)
        p = above_diagonal(x).astype(np.float32)
        return np.column_stack([1 - p, p])


class SklearnLike:
    """Has predict(x) without a verbose argument, returning labels."""

    def predict(self, x):
        return above_diagonal(x).astype(np.int64)


def predicted_classes(fig):
    """The class index under each grid point, from the filled contour."""
    (contour,) = [c for c in fig.axes[0].collections if hasattr(c, "levels")]
    return contour


@pytest.mark.parametrize(
    "predict",
    [
        lambda p: np.where(above_diagonal(p), 0.9, 0.1),  # a sigmoid column (m,)
        lambda p: np.where(above_diagonal(p), 0.9, 0.1)[:, None],  # (m, 1)
        lambda p: above_diagonal(p).astype(int),  # labels
        KerasLike(),
        SklearnLike(),
    ],
    ids=["prob-column", "prob-m-by-1", "labels", "keras-like", "sklearn-like"],
)
def test_decision_boundary_accepts_every_kind_of_predict(predict):
    x, y = diagonal_points()
    fig = plot_decision_boundary(predict, x, y, resolution=20)
    (ax,) = fig.axes
    assert ax.get_title() == "Decision boundary"
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("Feature 0", "Feature 1")
    assert legend_texts(ax.get_legend()) == ["class 0", "class 1"]
    contour = predicted_classes(fig)
    assert len(contour.levels) == 3  # two filled bands, one per class
    assert sum(len(c.get_offsets()) for c in ax.collections if c is not contour) == 5


def test_decision_boundary_calls_keras_quietly():
    model = KerasLike()
    x, y = diagonal_points()
    plot_decision_boundary(model, x, y, resolution=10)
    assert model.calls == [0]


def test_decision_boundary_grid_size_and_range():
    seen = {}

    def predict(points):
        seen["grid"] = points
        return above_diagonal(points)

    x, y = diagonal_points()
    plot_decision_boundary(predict, x, y, resolution=15, title="Moons")
    grid = seen["grid"]
    assert grid.shape == (225, 2)
    assert grid.min() < 0 and grid.max() > 1  # a margin around the points


def test_decision_boundary_maps_sigmoid_output_to_minus_one_plus_one_labels():
    x, y = diagonal_points()
    fig = plot_decision_boundary(
        lambda p: np.where(above_diagonal(p), 0.8, 0.3), x, 2 * y - 1, resolution=10
    )
    ax = fig.axes[0]
    assert legend_texts(ax.get_legend()) == ["class -1", "class 1"]
    assert len(predicted_classes(fig).levels) == 3  # no third, phantom class


def test_decision_boundary_errors():
    x, y = diagonal_points()
    with pytest.raises(ValueError, match=r"The 'x' parameter.*exactly 2"):
        plot_decision_boundary(above_diagonal, np.ones((5, 3)), y)
    with pytest.raises(ValueError, match=r"The 'resolution' parameter"):
        plot_decision_boundary(above_diagonal, x, y, resolution=1)
    with pytest.raises(ValueError, match=r"expected predict to return 100 rows"):
        plot_decision_boundary(lambda p: np.zeros(3), x, y, resolution=10)
    with pytest.raises(ValueError, match=r"The 'predict' parameter"):
        plot_decision_boundary("model", x, y)


# --- module hygiene -------------------------------------------------------------


PLOT_MODULES = sorted(
    (Path(plots.__file__).parent).glob("*.py"), key=lambda path: path.name
)


@pytest.mark.parametrize("path", PLOT_MODULES, ids=lambda path: path.name)
def test_plot_modules_import_matplotlib_and_numpy_only(path):
    tree = ast.parse(path.read_text())
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    assert not imported & {"keras", "tensorflow", "pandas", "sklearn"}
    called = {
        node.func.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
    }
    assert not called & {"show", "savefig", "use"}


def test_public_names():
    assert set(plots.__all__) == {
        "plot_dataset",
        "plot_decision_boundary",
        "plot_functions",
        "plot_histograms",
        "plot_learning_curve_grid",
        "plot_learning_curves",
        "plot_metric_by_setting",
        "plot_score_boxplot",
    }
    assert set(plots.__all__) <= set(bdl_helpers.__all__)
