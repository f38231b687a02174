"""Tests for bdl_helpers.widgets: controls, the static figure, errors, superseding."""

import matplotlib

matplotlib.use("Agg")  # also set in conftest.py; repeated so this file runs alone

import asyncio  # noqa: E402
import base64  # noqa: E402
import io  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402
import textwrap  # noqa: E402
import time  # noqa: E402

from bdl_helpers.plots import plot_learning_curves  # noqa: E402
from bdl_helpers.widgets import InteractiveFigure, interact, render_png  # noqa: E402

import ipywidgets  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from PIL import Image  # noqa: E402

PNG_SIGNATURE = b"\x89PNG"


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


class Recorder:
    """A draw function that records its calls and plots one tiny figure."""

    def __init__(self):
        self.calls = []

    def __call__(self, **settings):
        self.calls.append(settings)
        fig, ax = plt.subplots(figsize=(2, 1.5))
        ax.set_title(repr(sorted(settings.items())))
        return fig


def draw_rate(learning_rate):
    fig, ax = plt.subplots(figsize=(2, 1.5))
    ax.plot([0, 1], [0, learning_rate])
    ax.set_title(f"learning rate {learning_rate:g}")
    return fig


def labels(control):
    return tuple(label for label, _ in control.options)


def image_size(png):
    return Image.open(io.BytesIO(png)).size


# --- controls ------------------------------------------------------------------


def test_numbers_give_a_selection_slider_in_the_given_order():
    figure = interact(draw_rate, learning_rate=[0.1, 0.01, 0.001])
    slider = figure.controls["learning_rate"]
    assert isinstance(slider, ipywidgets.SelectionSlider)
    assert labels(slider) == ("0.1", "0.01", "0.001")
    assert slider.value == 0.1  # the first option without defaults
    assert slider.description == "learning_rate"
    assert slider.continuous_update  # an explorer redraws while sliding


def test_numpy_options_reach_draw_as_python_numbers():
    recorder = Recorder()
    figure = interact(recorder, width=np.array([1, 5, 25]))
    assert labels(figure.controls["width"]) == ("1", "5", "25")
    assert recorder.calls == [{"width": 1}]
    assert type(recorder.calls[0]["width"]) is int


def test_strings_give_a_dropdown_and_bools_a_checkbox():
    recorder = Recorder()
    figure = interact(
        recorder, optimizer=["sgd", "adam"], momentum=True, shuffle=[False, True]
    )
    assert isinstance(figure.controls["optimizer"], ipywidgets.Dropdown)
    assert labels(figure.controls["optimizer"]) == ("sgd", "adam")
    assert isinstance(figure.controls["momentum"], ipywidgets.Checkbox)
    assert isinstance(figure.controls["shuffle"], ipywidgets.Checkbox)
    assert figure.settings == {"optimizer": "sgd", "momentum": True, "shuffle": False}


def test_a_dict_labels_its_options():
    figure = interact(Recorder(), loss={"cross-entropy": "bce", "hinge": "hinge"})
    dropdown = figure.controls["loss"]
    assert isinstance(dropdown, ipywidgets.Dropdown)
    assert labels(dropdown) == ("cross-entropy", "hinge")
    assert figure.settings == {"loss": "bce"}
    numbers = interact(Recorder(), batch_size={"batch": 500, "stochastic": 1})
    assert isinstance(numbers.controls["batch_size"], ipywidgets.SelectionSlider)


def test_a_widget_is_used_as_it_is():
    slider = ipywidgets.IntSlider(value=3, min=1, max=9)
    figure = interact(Recorder(), layers=slider, live=True)
    assert figure.controls["layers"] is slider
    assert slider.description == "layers"  # an empty description gets the name
    assert not slider.continuous_update  # a live trainer redraws on release


def test_defaults_choose_the_first_setting():
    recorder = Recorder()
    figure = interact(
        recorder,
        learning_rate=[0.1, 0.01, 0.001],
        optimizer=["sgd", "adam"],
        defaults={"learning_rate": 0.01},
    )
    assert figure.settings == {"learning_rate": 0.01, "optimizer": "sgd"}
    assert figure.defaults == figure.settings
    assert recorder.calls == [figure.settings]


def test_live_sliders_send_their_value_on_release():
    figure = interact(draw_rate, learning_rate=[0.1, 0.01], live=True)
    assert not figure.controls["learning_rate"].continuous_update


# --- errors --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("control", "message"),
    [
        ([], "at least one option"),
        ("relu", r"For a single option, write \['relu'\]"),
        ([0.1, 0.01, 0.1], "The option 0.1 repeats"),
        (np.zeros((2, 2)), "must be 1-D"),
        (0.01, "Got 0.01 instead"),
        (None, "Got None instead"),
        (ipywidgets.Button(), "no 'value'"),
    ],
)
def test_bad_controls_are_refused_with_the_fix(control, message):
    with pytest.raises(ValueError, match="The 'learning_rate' parameter of interact"):
        interact(draw_rate, learning_rate=control)
    with pytest.raises(ValueError, match=message):
        interact(draw_rate, learning_rate=control)


def test_a_control_must_name_a_parameter_of_draw():
    with pytest.raises(ValueError, match="The control 'lr' of interact is not a"):
        interact(draw_rate, lr=[0.1, 0.01])


def test_draw_parameters_need_controls_or_defaults():
    def draw(learning_rate, momentum):
        return draw_rate(learning_rate)

    with pytest.raises(ValueError, match="needs 'momentum'.*pass momentum="):
        interact(draw, learning_rate=[0.1])


def test_a_default_must_be_an_option():
    with pytest.raises(ValueError, match=r"must be one of its options 0.1, 0.01"):
        interact(draw_rate, learning_rate=[0.1, 0.01], defaults={"learning_rate": 1})
    with pytest.raises(ValueError, match="names 'lr', which is not a control"):
        interact(draw_rate, learning_rate=[0.1], defaults={"lr": 0.1})
    with pytest.raises(ValueError, match="'defaults' parameter of interact"):
        interact(draw_rate, learning_rate=[0.1], defaults=[0.1])


def test_other_bad_arguments():
    with pytest.raises(ValueError, match="at least one control"):
        interact(draw_rate)
    with pytest.raises(ValueError, match="The 'draw' parameter of interact"):
        interact("draw", learning_rate=[0.1])
    with pytest.raises(ValueError, match="The 'dpi' parameter of interact"):
        interact(draw_rate, learning_rate=[0.1], dpi=10)


def test_an_error_in_the_default_draw_is_the_cells_error():
    def broken(learning_rate):
        raise ZeroDivisionError("oops")

    with pytest.raises(ZeroDivisionError, match="oops"):
        interact(broken, learning_rate=[0.1])


def test_draw_must_return_figures():
    with pytest.raises(ValueError, match="must return a matplotlib Figure"):
        render_png(lambda: 3, {})
    with pytest.raises(ValueError, match="opened no figure"):
        render_png(lambda: None, {})


# --- rendering -------------------------------------------------------------------


def test_render_png_closes_every_figure_it_draws():
    def opens_two():
        plt.figure()
        return plot_learning_curves({"loss": [1.0, 0.5], "accuracy": [0.5, 0.7]})

    png = render_png(opens_two, {}, dpi=50)
    assert png.startswith(PNG_SIGNATURE)
    assert plt.get_fignums() == []  # the inline backend will show nothing twice


def test_figures_returned_together_are_placed_side_by_side():
    def one():
        return plt.figure(figsize=(2, 2))

    def two():
        return plt.figure(figsize=(2, 2)), plt.figure(figsize=(3, 2))

    width_one, height_one = image_size(render_png(one, {}, dpi=50))
    width_two, height_two = image_size(render_png(two, {}, dpi=50))
    assert width_two > 2 * width_one
    assert height_two == height_one


def test_none_takes_the_figures_draw_opened():
    def pyplot_style():
        plt.plot([0, 1], [1, 0])

    assert render_png(pyplot_style, {}).startswith(PNG_SIGNATURE)
    assert plt.get_fignums() == []


def test_the_image_is_small():
    history = {
        "loss": np.linspace(1, 0.1, 500).tolist(),
        "val_loss": np.linspace(1.1, 0.3, 500).tolist(),
        "accuracy": np.linspace(0.5, 0.95, 500).tolist(),
        "val_accuracy": np.linspace(0.45, 0.85, 500).tolist(),
    }
    png = render_png(lambda: plot_learning_curves(history), {})
    assert len(png) < 40_000
    assert image_size(png) == pytest.approx((700, 500), abs=40)  # 7x5 in at 100 dpi


# --- the static figure ------------------------------------------------------------


def test_the_display_data_holds_the_widget_and_a_png_of_the_default():
    figure = interact(
        draw_rate, learning_rate=[0.1, 0.01, 0.001], defaults={"learning_rate": 0.01}
    )
    figure.controls["learning_rate"].value = 0.001  # the learner moved it
    data, _ = figure._repr_mimebundle_()
    assert set(data) == {
        "application/vnd.jupyter.widget-view+json",
        "image/png",
        "text/plain",
    }
    view = data["application/vnd.jupyter.widget-view+json"]
    assert view["model_id"] == figure.widget.model_id
    png = base64.b64decode(data["image/png"])
    # The static image is the default setting's, not the current one.
    assert png == figure.static_png == render_png(draw_rate, {"learning_rate": 0.01})
    assert png != figure.png
    assert "learning_rate=0.01" in data["text/plain"]
    assert len(data["text/plain"]) < 200
    json.dumps(data)  # storable as notebook output


def test_the_widget_shows_the_current_image():
    figure = interact(draw_rate, learning_rate=[0.1, 0.01])
    assert figure.image.value == figure.png == figure.static_png
    figure.controls["learning_rate"].value = 0.01
    assert figure.image.value == figure.png == render_png(
        draw_rate, {"learning_rate": 0.01}
    )
    assert isinstance(figure.widget, ipywidgets.VBox)
    assert figure.image in figure.widget.children


# --- redrawing, caching, errors -----------------------------------------------------


def test_each_setting_is_drawn_once_with_the_cache():
    recorder = Recorder()
    figure = interact(recorder, width=[1, 2])
    slider = figure.controls["width"]
    for value in (2, 1, 2, 1):
        slider.value = value
    assert recorder.calls == [{"width": 1}, {"width": 2}]


def test_without_the_cache_every_change_draws():
    recorder = Recorder()
    figure = interact(recorder, width=[1, 2], cache=False)
    for value in (2, 1):
        figure.controls["width"].value = value
    assert recorder.calls == [{"width": 1}, {"width": 2}, {"width": 1}]


def test_a_failing_redraw_keeps_the_last_image_and_says_so():
    def draw(width):
        if width == 2:
            raise ZeroDivisionError("no")
        return draw_rate(width)

    figure = interact(draw, width=[1, 2])
    before = figure.png
    figure.controls["width"].value = 2
    assert figure.png == before
    assert "width=2 failed" in figure.status.value


def test_live_status_names_the_setting_and_its_time():
    figure = interact(draw_rate, learning_rate=[0.1, 0.01], live=True)
    figure.controls["learning_rate"].value = 0.01
    assert "learning_rate=0.01" in figure.status.value
    assert " s)" in figure.status.value


# --- superseding -------------------------------------------------------------------


def test_a_newer_change_supersedes_a_waiting_one(monkeypatch):
    recorder = Recorder()
    figure = interact(recorder, learning_rate=[0.1, 0.01, 0.001], live=True)
    waiting = []
    monkeypatch.setattr(figure, "_schedule", waiting.append)
    slider = figure.controls["learning_rate"]
    slider.value = 0.01
    assert "waiting to train learning_rate=0.01" in figure.status.value
    slider.value = 0.001
    assert len(waiting) == 2
    for callback in waiting:  # the event loop runs them in order
        callback()
    assert recorder.calls == [{"learning_rate": 0.1}, {"learning_rate": 0.001}]


def test_changes_on_a_running_event_loop_draw_only_the_newest():
    recorder = Recorder()
    figure = interact(recorder, width=[1, 2, 3, 4], cache=False)

    async def move_the_slider():
        for value in (2, 3, 4):
            figure.controls["width"].value = value
            await asyncio.sleep(0)  # other messages are handled meanwhile
        await asyncio.sleep(0.3)

    asyncio.run(move_the_slider())
    assert recorder.calls == [{"width": 1}, {"width": 4}]
    assert figure.png == render_png(recorder, {"width": 4})


def test_the_module_does_not_import_ipywidgets_at_import_time():
    code = (
        "import sys, bdl_helpers; "
        "print('ipywidgets' in sys.modules, bdl_helpers.widgets.__name__)"
    )
    import subprocess

    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.split() == ["False", "bdl_helpers.widgets"]


def test_interactive_figure_is_exported():
    import bdl_helpers

    assert bdl_helpers.widgets.interact is interact
    assert "widgets" in bdl_helpers.__all__
    assert isinstance(interact(draw_rate, learning_rate=[0.1]), InteractiveFigure)


# --- in a real kernel, driven like a front end -----------------------------------


KERNEL_SETUP = textwrap.dedent(
    """
    import time
    import matplotlib.pyplot as plt
    from bdl_helpers import widgets
    calls = []

    def draw(learning_rate):
        calls.append(learning_rate)
        time.sleep(0.6)  # a live trainer's training
        fig, ax = plt.subplots(figsize=(2, 1.5))
        ax.plot([0, 1], [0, learning_rate])
        return fig

    figure = widgets.interact(draw, learning_rate=[0.1, 0.01, 0.001, 0.0001],
                              live=True)
    figure
    """
)


def _execute(client, code, timeout=120):
    """Run code in the kernel; return its display data and printed text."""
    msg_id = client.execute(code)
    outputs, text = [], ""
    while True:
        msg = client.get_iopub_msg(timeout=timeout)
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        kind = msg["msg_type"]
        if kind in ("display_data", "execute_result"):
            outputs.append(msg["content"]["data"])
        elif kind == "stream":
            text += msg["content"]["text"]
        elif kind == "error":
            raise AssertionError("\n".join(msg["content"]["traceback"]))
        elif kind == "status" and msg["content"]["execution_state"] == "idle":
            return outputs, text


def _send_slider_index(client, comm_id, index):
    """What JupyterLab sends when the learner releases the slider."""
    content = {
        "comm_id": comm_id,
        "data": {"method": "update", "state": {"index": index}, "buffer_paths": []},
    }
    client.shell_channel.send(client.session.msg("comm_msg", content))


def test_in_a_kernel_changes_during_a_draw_are_superseded_not_queued():
    from jupyter_client.manager import start_new_kernel

    env = dict(os.environ, MPLBACKEND="module://matplotlib_inline.backend_inline")
    manager, client = start_new_kernel(kernel_name="python3", env=env)
    try:
        outputs, _ = _execute(client, KERNEL_SETUP)
        # One output, the widget view with the static PNG: no second figure.
        assert len(outputs) == 1
        assert {"application/vnd.jupyter.widget-view+json", "image/png"} <= set(
            outputs[0]
        )
        _, text = _execute(client, "print(figure.controls['learning_rate'].model_id)")
        slider_id = text.strip()
        _send_slider_index(client, slider_id, 1)  # starts a 0.6 s draw ...
        time.sleep(0.3)
        _send_slider_index(client, slider_id, 2)  # ... these two arrive during it
        _send_slider_index(client, slider_id, 3)
        expected = "[0.1, 0.01, 0.0001] {'learning_rate': 0.0001}"
        deadline = time.monotonic() + 30
        text = ""
        while text.strip() != expected and time.monotonic() < deadline:
            time.sleep(0.5)
            _, text = _execute(client, "print(calls, figure.settings)")
        time.sleep(1.0)  # no late draw of the skipped setting either
        _, text = _execute(client, "print(calls, figure.settings)")
        assert text.strip() == expected
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
