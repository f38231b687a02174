"""The look every course figure shares, and the argument checks all plots make."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from numbers import Real
from typing import Any

from bdl_helpers._validation import ArgumentError, argument_error

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure

# The look of every figure, applied per call (never to the global rcParams).
_STYLE = {
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 10,
    "axes.labelsize": 9,
    "xtick.labelsize": 8,
    "ytick.labelsize": 8,
    "legend.fontsize": 8,
    "legend.frameon": False,
    "figure.titlesize": 11,
    "lines.linewidth": 1.5,
}


def _styled(func: Callable[..., Figure]) -> Callable[..., Figure]:
    """Draw ``func``'s figure inside the module's rc context."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Figure:
        with plt.rc_context(_STYLE):
            return func(*args, **kwargs)

    return wrapper


def _type_error(name: str, func: str, expected: str, value: Any) -> ArgumentError:
    # Names the type instead of a possibly very long repr (arrays, figures).
    return argument_error(name, func, expected, value, show_type=True)


def _new_axes(
    ax: Axes | None, figsize: tuple[float, float], func: str
) -> tuple[Figure, Axes]:
    """Return ``(figure, ax)``: a new figure when ``ax`` is None."""
    if ax is None:
        fig, ax = plt.subplots(figsize=figsize, layout="constrained")
        return fig, ax
    if not isinstance(ax, Axes):
        raise _type_error("ax", func, "a matplotlib Axes or None", ax)
    return ax.figure, ax


def _check_figsize(figsize: Any, func: str) -> None:
    if figsize is None:
        return
    ok = (
        isinstance(figsize, Sequence)
        and len(figsize) == 2
        and all(isinstance(v, Real) and v > 0 for v in figsize)
    )
    if not ok:
        raise ArgumentError(
            f"The 'figsize' parameter of {func} must be a pair (width, height) "
            f"of positive numbers, in inches, or None. Got {figsize!r} instead."
        )
