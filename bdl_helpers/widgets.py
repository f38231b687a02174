"""Interactive figures: move a chapter's hyperparameter and watch the figure change.

One function, :func:`interact`, serves both kinds of widget of the course:

- an **explorer** over results the notebook already computed (a slider over the
  learning rates of a sweep, a dropdown over the widths of a grid): ``draw``
  only plots, so every move redraws at once;
- a **live trainer** for a small problem (``live=True``): ``draw`` builds and
  trains a model through :func:`~bdl_helpers.fit` and plots its learning
  curves and decision boundary. The slider then sends its value on release, a
  status line says what is training, and a newer setting supersedes an older
  one instead of queueing behind it.

``draw(**settings)`` draws one matplotlib figure (or a few, shown side by side)
for one setting of the controls and returns it. The widget shows the figure as
a PNG image, so the figure looks exactly as it does in a static notebook.

Without a front end that runs widgets (nbval, ``scripts/execute_notebooks.py``,
GitHub's or nbconvert's renderers, a notebook opened before it is run), the
same output shows a static PNG of the default setting: the widget's display
data holds the widget view *and* that PNG. JupyterLab renders the widget view
(its widget renderer ranks above images) for outputs of a running kernel, and
the PNG otherwise; renderers without widget support show the PNG.

This module imports ipywidgets only when a widget is made, so that
``import bdl_helpers`` stays fast.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import inspect
import io
import time
import traceback
from collections.abc import Callable, Mapping, Sequence
from numbers import Real
from typing import Any

from bdl_helpers._validation import ArgumentError, argument_error

import numpy as np

__all__ = ["InteractiveFigure", "interact", "render_png"]

_FUNC = "interact"
# Seconds between a change and its redraw, so that changes already waiting in
# the kernel's queue are read first and supersede it (see _schedule).
_SETTLE_SECONDS = 0.05


def interact(
    draw: Callable[..., Any],
    /,
    *,
    defaults: Mapping[str, Any] | None = None,
    live: bool = False,
    cache: bool = True,
    dpi: int = 100,
    **controls: Any,
) -> InteractiveFigure:
    """Make a figure that redraws when the learner moves a control.

    Each keyword argument names a parameter of ``draw`` and gives its control:

    - a sequence of numbers (a list, a tuple, a range, a 1-D array) gives a
      slider over those values, in the order given (so a list of learning
      rates spaced by factors of 10 gives a log slider);
    - a sequence of strings (or of other values) gives a dropdown;
    - a dict gives a slider (numbers) or a dropdown (other values) over its
      values, labelled by its keys;
    - a bool, or a sequence of bools, gives a checkbox;
    - an ipywidgets widget with a ``value`` is used as it is.

    Parameters
    ----------
    draw : callable
        ``draw(**settings)`` draws the figure of one setting and returns the
        :class:`matplotlib.figure.Figure` (e.g. what a ``bdl.plot_*`` call
        returns), a tuple of figures (drawn side by side), or None for the
        figures it opened with pyplot. The widget closes the figures after
        rendering them, so none is shown twice.
    defaults : dict, default=None
        The setting shown first, and in the static figure, as
        ``{name: value}``; each value must be one of that control's options.
        A control not named here starts at its first option (a widget at its
        own value).
    live : bool, default=False
        True when ``draw`` trains a model, so a redraw takes a while: sliders
        send their value on release, a status line shows what is training
        and how long the last setting took, and what ``draw`` prints (the
        engine's progress bar) appears under the figure. False for explorers
        over computed results: sliders redraw while they move.
    cache : bool, default=True
        Keep each setting's image, so that coming back to a setting is
        instant. Turn off when ``draw`` is random and a new draw is wanted.
    dpi : int, default=100
        Resolution of the images, in dots per inch: an int in [50, 300].
        The stored image is a PNG with a 256-colour palette, about 10-20 KB
        for a learning-curve figure at 100 dpi.
    **controls
        One control per parameter of ``draw``, as listed above. At least one.

    Returns
    -------
    figure : InteractiveFigure
        The widget. As the last expression of a cell it shows the controls
        above the figure; ``figure.settings`` is the current setting and
        ``figure.png`` its image.

    Raises
    ------
    ValueError
        If a control is not one of the forms above (an empty sequence, a
        string, repeated options, ...), names no parameter of ``draw``, if
        ``draw`` needs a parameter that has no control, or if a default is
        not one of its control's options.

    See Also
    --------
    InteractiveFigure : The returned widget.
    bdl_helpers.plot_learning_curves, bdl_helpers.plot_decision_boundary :
        What ``draw`` typically returns.

    Notes
    -----
    Notebooks 00-05 each have one such widget in "Explore further" (an
    explorer over the chapter's sweep).

    ``draw`` runs in the kernel, which does one thing at a time: a live
    trainer keeps it busy while it trains, and the newest change made
    meanwhile is drawn as soon as the running draw returns; the changes in
    between are skipped, not queued.

    The output stays small: one PNG of the default setting, and no widget
    state (``scripts/execute_notebooks.py`` stores none; JupyterLab saves
    none unless "Save Widget State Automatically" is on).

    Examples
    --------
    An explorer over results computed earlier (here, made-up histories):

    >>> import bdl_helpers as bdl
    >>> histories = {
    ...     rate: {"loss": [1.0, 0.5 + rate], "accuracy": [0.5, 0.9 - rate]}
    ...     for rate in (0.1, 0.01, 0.001)
    ... }
    >>> def draw(learning_rate):
    ...     return bdl.plot_learning_curves(
    ...         histories[learning_rate], title=f"learning_rate={learning_rate}"
    ...     )
    >>> figure = bdl.widgets.interact(
    ...     draw, learning_rate=[0.001, 0.01, 0.1], defaults={"learning_rate": 0.01}
    ... )
    >>> figure.settings
    {'learning_rate': 0.01}
    >>> figure.controls["learning_rate"].value = 0.1  # what the slider does
    >>> figure.settings
    {'learning_rate': 0.1}
    >>> figure.png[:4]  # the image of the current setting
    b'\\x89PNG'

    A live trainer trains in ``draw`` (not run here). It returns two figures,
    shown side by side; a coarser decision-boundary grid keeps it quick::

        def draw(learning_rate):
            model = build_model(learning_rate)
            history = bdl.fit(model, data.x_train, data.y_train, epochs=500,
                              validation_data=data.test, verbose=0)
            return (
                bdl.plot_learning_curves(history),
                bdl.plot_decision_boundary(model, data.x_test, data.y_test,
                                           resolution=100),
            )

        bdl.widgets.interact(draw, learning_rate=[0.001, 0.01, 0.1], live=True)
    """
    return InteractiveFigure(
        draw, controls, defaults=defaults, live=live, cache=cache, dpi=dpi
    )


class InteractiveFigure:
    """A figure redrawn by ``draw(**settings)`` whenever a control changes.

    Made by :func:`interact`, which documents the arguments. The object is
    displayable: as the last expression of a cell (or through
    ``IPython.display.display``) it shows the widget, and a static PNG of
    the default setting where no front end runs widgets.

    Attributes
    ----------
    controls : dict of str to ipywidgets widget
        The control of each parameter of ``draw``, in the order given.
    widget : ipywidgets.VBox
        The whole widget, to place inside other ipywidgets layouts: the
        controls, then ``status`` (an ``ipywidgets.HTML`` line: what is
        training, how long the last draw took, or that it failed), ``image``
        (an ``ipywidgets.Image`` of the current setting) and ``output`` (an
        ``ipywidgets.Output`` with what ``draw`` printed, or its traceback).
    png : bytes
        The PNG image of the current setting.
    static_png : bytes
        The image of the default setting, drawn when the object was made:
        the static figure of the display data.
    dpi : int
        The images' resolution.
    """

    def __init__(
        self,
        draw: Callable[..., Any],
        controls: Mapping[str, Any],
        *,
        defaults: Mapping[str, Any] | None = None,
        live: bool = False,
        cache: bool = True,
        dpi: int = 100,
    ) -> None:
        from bdl_helpers._validation import check_int

        import ipywidgets

        if not callable(draw):
            raise ArgumentError(
                f"The 'draw' parameter of {_FUNC} must be a function that draws "
                f"the figure of one setting, draw(**settings). Got {draw!r} "
                "instead."
            )
        self.dpi = check_int(dpi, "dpi", _FUNC, min_value=50, max_value=300)
        defaults = _check_defaults(defaults, controls)
        _check_parameters(draw, controls)
        self._draw = draw
        self._live = bool(live)
        self._cache: dict[Any, bytes] | None = {} if cache else None
        self._generation = 0

        self.controls = {
            name: _make_control(ipywidgets, name, control, defaults, live=self._live)
            for name, control in controls.items()
        }
        self.status = ipywidgets.HTML(value="")
        # flex-start: shown at its own size (at most the cell's width), not
        # stretched to the width of the column like other flex items.
        self.image = ipywidgets.Image(
            format="png", layout=ipywidgets.Layout(align_self="flex-start")
        )
        self.output = ipywidgets.Output()
        self.widget = ipywidgets.VBox(
            [
                ipywidgets.VBox(list(self.controls.values())),
                self.status,
                self.image,
                self.output,
            ]
        )
        # The default setting is drawn in the cell itself, so that an error
        # in draw shows as the cell's error and what draw prints stays visible.
        self._defaults = self.settings
        self.png = render_png(draw, self._defaults, dpi=self.dpi)
        self.static_png = self.png
        self.image.value = self.png
        if self._cache is not None and _cache_key(self._defaults) is not None:
            self._cache[_cache_key(self._defaults)] = self.png
        for control in self.controls.values():
            control.observe(self._on_change, names="value")

    # -- what the learner sees -------------------------------------------------

    @property
    def settings(self) -> dict[str, Any]:
        """The current value of each control, as passed to ``draw``."""
        return {name: control.value for name, control in self.controls.items()}

    def redraw(self) -> None:
        """Draw the current setting now and show its image.

        Called for every change that is not superseded. A ``draw`` that raises
        leaves the previous image and shows the traceback under it.
        """
        settings = self.settings
        shown = _describe(settings)
        key = _cache_key(settings)
        if self._cache is not None and key is not None and key in self._cache:
            self._show(self._cache[key], f"{shown} (drawn before)" * self._live)
            return
        if self._live:
            self.status.value = f"&#9203; training {shown} &hellip;"
        # What draw prints (the engine's progress bar) and its traceback go to
        # the Output widget under the figure, which only a kernel can fill.
        output = self.output if _in_kernel() else contextlib.nullcontext()
        if output is self.output:
            self.output.clear_output()
        start = time.perf_counter()
        try:
            with output:
                png = render_png(self._draw, settings, dpi=self.dpi)
        except Exception:  # shown to the learner under the figure, not raised
            self.status.value = f"&#9888; drawing {shown} failed (traceback below)"
            with output:
                traceback.print_exc()
            return
        if self._cache is not None and key is not None:
            self._cache[key] = png
        seconds = time.perf_counter() - start
        self._show(png, f"{shown} ({seconds:.1f} s)" if self._live else "")

    def _show(self, png: bytes, status: str) -> None:
        self.png = png
        self.image.value = png
        self.status.value = status

    # -- superseding -------------------------------------------------------------

    def _on_change(self, change: Mapping[str, Any]) -> None:
        """Ask for a redraw; a newer change makes this one's redraw a no-op."""
        self._generation += 1
        generation = self._generation
        if self._live:
            self.status.value = f"&#9203; waiting to train {_describe(self.settings)}"
        self._schedule(lambda: self._redraw_if_current(generation))

    def _redraw_if_current(self, generation: int) -> None:
        if generation == self._generation:
            self.redraw()

    def _schedule(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` soon on the kernel's event loop, or now without one.

        In a kernel, the change arrives in a comm message on the event loop.
        Running the redraw a moment later lets the loop first read the
        messages already waiting (changes made while the previous draw ran),
        each of which bumps the generation, so only the newest is drawn.
        """
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            callback()
        else:
            loop.call_later(_SETTLE_SECONDS, callback)

    # -- display -------------------------------------------------------------------

    def _repr_mimebundle_(
        self, include: Any = None, exclude: Any = None, **kwargs: Any
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """The widget view, plus a PNG of the default setting for static viewers."""
        data, metadata = _widget_bundle(self.widget)
        data["text/plain"] = (
            f"Interactive figure over {', '.join(self.controls)} (run the "
            f"notebook to vary it); the image shows {_describe(self.defaults)}."
        )
        data["image/png"] = base64.b64encode(self.static_png).decode("ascii")
        return data, metadata

    def __repr__(self) -> str:
        return f"InteractiveFigure(controls={list(self.controls)}, live={self._live})"

    @property
    def defaults(self) -> dict[str, Any]:
        """The setting of the static image: the controls' values when made."""
        return dict(self._defaults)


def _widget_bundle(widget: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    bundle = widget._repr_mimebundle_()
    if isinstance(bundle, tuple):
        data, metadata = bundle
    else:
        data, metadata = bundle, {}
    return dict(data or {}), dict(metadata or {})


# --------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------


def render_png(
    draw: Callable[..., Any], settings: Mapping[str, Any], *, dpi: int = 100
) -> bytes:
    """Call ``draw(**settings)`` and return its figure(s) as one small PNG.

    Figures are drawn with Agg on white, placed side by side when ``draw``
    returns several, reduced to a 256-colour palette, and closed, so that no
    figure is also shown by the inline backend.

    Parameters
    ----------
    draw : callable
        Returns a Figure, a sequence of Figures, or None for the pyplot
        figures it opened.
    settings : dict
        The keyword arguments of ``draw``.
    dpi : int, default=100
        Resolution in dots per inch.

    Returns
    -------
    png : bytes
        The image, starting with the PNG signature ``b"\\x89PNG"``.

    Raises
    ------
    ValueError
        If ``draw`` returns something else than figures, or no figure.
    """
    import matplotlib.pyplot as plt
    from matplotlib.figure import Figure

    if not callable(draw):
        raise argument_error(
            "draw", "render_png", "a function that draws", draw, show_type=True
        )
    if not isinstance(settings, Mapping):
        raise argument_error(
            "settings", "render_png", "a dict of keyword arguments", settings,
            show_type=True,
        )
    before = set(plt.get_fignums())
    figures: list[Figure] = []
    try:
        result = draw(**settings)
        if result is None:
            figures = [plt.figure(n) for n in plt.get_fignums() if n not in before]
        elif isinstance(result, Figure):
            figures = [result]
        elif (
            isinstance(result, Sequence)
            and result
            and all(isinstance(f, Figure) for f in result)
        ):
            figures = list(result)
        else:
            raise ArgumentError(
                "draw must return a matplotlib Figure, a tuple of Figures or "
                "None (for the figures it opened with pyplot). Got an object of "
                f"type {type(result).__name__} instead."
            )
        if not figures:
            raise ArgumentError(
                "draw returned None and opened no figure: return the Figure "
                "that a bdl.plot_* call gives, e.g. "
                "`return bdl.plot_learning_curves(history)`."
            )
        images = [_figure_image(fig, dpi) for fig in figures]
    finally:
        # Close what draw opened (and what it returned), so that the inline
        # backend does not show these figures a second time.
        for number in set(plt.get_fignums()) - before:
            plt.close(number)
        for fig in figures:
            plt.close(fig)
    return _png_bytes(_side_by_side(images))


def _figure_image(fig: Any, dpi: int) -> Any:
    """Draw ``fig`` with Agg at ``dpi`` and return it as an RGB PIL image."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from PIL import Image

    # Drawing the canvas directly is about twice as fast as savefig with a
    # tight bounding box; the course's figures use a constrained layout,
    # which keeps their margins small anyway.
    fig.set_dpi(dpi)
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    rgba = Image.frombuffer(
        "RGBA", canvas.get_width_height(physical=True), canvas.buffer_rgba()
    )
    white = Image.new("RGBA", rgba.size, "white")  # under a transparent figure
    return Image.alpha_composite(white, rgba).convert("RGB")


def _side_by_side(images: list[Any]) -> Any:
    from PIL import Image

    if len(images) == 1:
        return images[0]
    width = sum(im.width for im in images)
    height = max(im.height for im in images)
    canvas = Image.new("RGB", (width, height), "white")
    left = 0
    for im in images:
        canvas.paste(im, (left, (height - im.height) // 2))
        left += im.width
    return canvas


def _png_bytes(image: Any) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    # A 256-colour palette makes the PNG about three times smaller; the fast
    # octree method takes milliseconds where median cut takes tens.
    palette = image.quantize(
        256, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE
    )
    palette.save(buffer, format="png")
    return buffer.getvalue()


# --------------------------------------------------------------------------
# Controls
# --------------------------------------------------------------------------


def _control_error(name: str, control: Any, hint: str = "") -> ArgumentError:
    shown = repr(control)
    if len(shown) > 80:
        shown = f"an object of type {type(control).__name__}"
    return ArgumentError(
        f"The {name!r} parameter of {_FUNC} must be a control: a sequence of "
        "options (numbers give a slider, strings a dropdown), a dict of "
        "labelled options, a bool (a checkbox) or an ipywidgets widget with a "
        f"value. Got {shown} instead.{(' ' + hint) if hint else ''}"
    )


def _plain(value: Any) -> Any:
    """NumPy scalars as Python numbers, so labels and draw see 0.01, not np.float64."""
    return value.item() if isinstance(value, np.generic) else value


def _is_number(value: Any) -> bool:
    return isinstance(value, Real) and not isinstance(value, bool)


def _label(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _options(name: str, control: Any) -> list[tuple[str, Any]]:
    """The (label, value) options of a sequence or dict control."""
    if isinstance(control, Mapping):
        pairs = [(str(label), _plain(value)) for label, value in control.items()]
    elif isinstance(control, (str, bytes)):
        raise _control_error(
            name, control, f"For a single option, write [{control!r}]."
        )
    elif isinstance(control, np.ndarray):
        if control.ndim != 1:
            raise _control_error(name, control, "An array of options must be 1-D.")
        pairs = [(_label(v), v) for v in control.tolist()]
    elif isinstance(control, (Sequence, range)):
        pairs = [(_label(_plain(v)), _plain(v)) for v in control]
    else:
        raise _control_error(name, control)
    if not pairs:
        raise _control_error(name, control, "It needs at least one option.")
    values = [value for _, value in pairs]
    for i, value in enumerate(values):
        if any(_same(value, other) for other in values[:i]):
            raise _control_error(name, control, f"The option {value!r} repeats.")
    labels = [label for label, _ in pairs]
    if len(set(labels)) != len(labels):
        raise _control_error(
            name, control, "Two options have the same label; use a dict of labels."
        )
    return pairs


def _same(a: Any, b: Any) -> bool:
    try:
        return bool(a == b) and type(a) is type(b)
    except (TypeError, ValueError):
        return a is b


def _is_widget(ipywidgets: Any, control: Any) -> bool:
    return isinstance(control, ipywidgets.Widget) and control.has_trait("value")


def _make_control(
    ipywidgets: Any,
    name: str,
    control: Any,
    defaults: Mapping[str, Any],
    *,
    live: bool,
) -> Any:
    """Turn one control argument into its ipywidgets widget, at its default."""
    style = {"description_width": "initial"}
    layout = ipywidgets.Layout(width="32em", max_width="100%")
    if isinstance(control, ipywidgets.Widget):
        if not control.has_trait("value"):
            raise _control_error(name, control, "This widget has no 'value'.")
        if name in defaults:
            control.value = defaults[name]
        if live and control.has_trait("continuous_update"):
            control.continuous_update = False
        if control.has_trait("description") and not control.description:
            control.description = name
        return control
    if isinstance(control, bool):
        control = [control, not control]
    pairs = _options(name, control)
    values = [value for _, value in pairs]
    value = defaults.get(name, values[0])
    if not any(_same(value, v) for v in values):
        listed = ", ".join(repr(v) for v in values)
        raise ArgumentError(
            f"The default of {name!r} in the 'defaults' parameter of {_FUNC} "
            f"must be one of its options {listed}. Got {value!r} instead."
        )
    if all(isinstance(v, bool) for v in values):
        return ipywidgets.Checkbox(
            value=value, description=name, indent=False, style=style
        )
    if all(_is_number(v) for v in values):
        return ipywidgets.SelectionSlider(
            options=pairs,
            value=value,
            description=name,
            continuous_update=not live,
            style=style,
            layout=layout,
        )
    return ipywidgets.Dropdown(
        options=pairs, value=value, description=name, style=style, layout=layout
    )


def _check_defaults(
    defaults: Mapping[str, Any] | None, controls: Mapping[str, Any]
) -> dict[str, Any]:
    if not controls:
        raise ArgumentError(
            f"{_FUNC} needs at least one control, e.g. "
            f"{_FUNC}(draw, learning_rate=[0.001, 0.01, 0.1])."
        )
    if defaults is None:
        return {}
    if not isinstance(defaults, Mapping):
        raise ArgumentError(
            f"The 'defaults' parameter of {_FUNC} must be a dict mapping a "
            f"control's name to its first value, or None. Got {defaults!r} "
            "instead."
        )
    unknown = [name for name in defaults if name not in controls]
    if unknown:
        raise ArgumentError(
            f"The 'defaults' parameter of {_FUNC} names {unknown[0]!r}, which is "
            f"not a control; the controls are {', '.join(map(repr, controls))}."
        )
    return {name: _plain(value) for name, value in defaults.items()}


def _check_parameters(draw: Callable[..., Any], controls: Mapping[str, Any]) -> None:
    """Each control names a keyword of draw, and each required keyword has one."""
    try:
        parameters = inspect.signature(draw).parameters
    except (TypeError, ValueError):  # a builtin without a signature
        return
    kinds = inspect.Parameter
    if not any(p.kind is kinds.VAR_KEYWORD for p in parameters.values()):
        accepted = {
            name
            for name, p in parameters.items()
            if p.kind in (kinds.POSITIONAL_OR_KEYWORD, kinds.KEYWORD_ONLY)
        }
        for name in controls:
            if name not in accepted:
                raise ArgumentError(
                    f"The control {name!r} of {_FUNC} is not a parameter of "
                    f"draw{inspect.signature(draw)}: name each control after a "
                    "parameter of draw."
                )
    for name, p in parameters.items():
        required = p.default is kinds.empty and p.kind not in (
            kinds.VAR_POSITIONAL,
            kinds.VAR_KEYWORD,
        )
        if required and name not in controls:
            raise ArgumentError(
                f"draw{inspect.signature(draw)} needs {name!r}, but {_FUNC} has "
                f"no control for it: pass {name}=[...] or give it a default."
            )


def _in_kernel() -> bool:
    """True inside a Jupyter kernel, where an Output widget captures output."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with ipywidgets
        return False
    shell = get_ipython()
    return getattr(shell, "kernel", None) is not None


def _describe(settings: Mapping[str, Any]) -> str:
    return ", ".join(f"{name}={_label(value)}" for name, value in settings.items())


def _cache_key(settings: Mapping[str, Any]) -> Any:
    key = tuple(settings.items())
    try:
        hash(key)
    except TypeError:
        return None
    return key
