"""The message layer every check shares: GradingError and how a message is built."""

from __future__ import annotations

import inspect
import math
import re
import textwrap
from numbers import Real
from typing import TYPE_CHECKING, Any

from bdl_helpers import _env  # noqa: F401  (quiet TensorFlow before it loads)
from bdl_helpers._validation import ArgumentError, argument_error

if TYPE_CHECKING:
    pass


# Settings stored by Keras as float32 differ from the Python float by ~1e-8.
_REL_TOL = 1e-6
_ABS_TOL = 1e-12
# Lines of a rendered GradingError: `nbgrader validate` indents them by 4 and
# cuts them at 90 characters.
_WIDTH = 84


class GradingError(AssertionError):
    """A learner's answer fails a check; the message says how to fix it.

    A subclass of ``AssertionError``, so nbgrader and pytest report it as a
    failed test, while a test cell can still tell it apart from a plain
    ``assert``.

    In a notebook (IPython, and so nbgrader's Validate and autograde) it is
    shown as its message alone, without the frames of the checks' own source:
    the learner reads what is wrong and the hint, not ``grading.py``. The
    message is wrapped to short lines, the hint on a line of its own: Validate's
    dialog does not wrap lines, and ``nbgrader validate`` cuts them at 90
    characters.

    Examples
    --------
    >>> from bdl_helpers.grading import GradingError
    >>> issubclass(GradingError, AssertionError)
    True
    >>> GradingError("ex1_model has 3 layers; expected 2.")._render_traceback_()
    ['GradingError: ex1_model has 3 layers; expected 2.']
    >>> GradingError("ex1 is 3. Hint: set ex1 to 4.")._render_traceback_()
    ['GradingError: ex1 is 3.', 'Hint: set ex1 to 4.']
    """

    def _render_traceback_(self) -> list[str]:
        # IPython's hook for an exception's own rendering (showtraceback).
        problem, marker, hint = f"{type(self).__name__}: {self}".partition(" Hint: ")
        lines = textwrap.wrap(problem, _WIDTH, subsequent_indent="  ")
        if marker:
            lines += textwrap.wrap("Hint: " + hint, _WIDTH, subsequent_indent="  ")
        return lines


def _fail(problem: str, hint: str = "") -> GradingError:
    return GradingError(f"{problem} Hint: {hint}" if hint else problem)


def _argument_error(name: str, func: str, expected: str, value: Any) -> ArgumentError:
    # A test cell's own mistake: the package's argument error, not a GradingError.
    return argument_error(name, func, expected, value)


def _article(word: str) -> str:
    return "an" if word[:1].lower() in "aeiou" else "a"


def _short_repr(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _describe(obj: Any) -> str:
    """Say what ``obj`` is, in a few words, for a message."""
    if obj is None:
        return "None"
    if obj is Ellipsis:
        return "the placeholder `...`"
    if inspect.isclass(obj):
        return f"the class {obj.__name__}"
    if inspect.isroutine(obj):
        return f"the function {getattr(obj, '__name__', 'function')}"
    if isinstance(obj, bool):
        return f"the bool {obj}"
    if isinstance(obj, str):
        return f"the string {_short_repr(obj)}"
    if isinstance(obj, Real):
        return f"the number {obj!r}"
    name = type(obj).__name__
    return f"{_article(name)} {name} object"


def _wrong_object(
    obj: Any, name: str, expected: str, returned: str, hint: str = ""
) -> GradingError:
    """Build the message for a learner object of the wrong kind.

    ``returned`` is the variable a learner's function should end with
    (``return model``); ``hint`` is used for any other wrong object.
    """
    if obj is None:
        verb = "returned" if name.endswith("()") else "is"
        return _fail(
            f"{name} {verb} None, but it should be {expected}.",
            f"did you forget `return {returned}` at the end of your function?",
        )
    if obj is Ellipsis:
        return _fail(
            f"{name} is still the placeholder `...`.",
            f"replace `...` with your code, which should give {expected}.",
        )
    if inspect.isroutine(obj):
        func = getattr(obj, "__name__", "function")
        return _fail(
            f"{name} is the function {func} itself, not {expected}.",
            f"you passed the function; call it: {func}().",
        )
    if inspect.isclass(obj):
        return _fail(
            f"{name} is the class {obj.__name__}, not {expected}.",
            f"you passed the class; create one by calling it: {obj.__name__}(...).",
        )
    return _fail(f"{name} should be {expected}, but it is {_describe(obj)}.", hint)


def _error_text(error: BaseException, limit: int = 200) -> str:
    """First useful line of an exception raised inside Keras."""
    text = re.sub(r"\x1b\[[0-9;]*m", "", str(error))
    lines = [line.strip() for line in text.splitlines()]
    useful = []
    for line in lines:
        if line.startswith("Arguments received"):
            break
        if line and not line.startswith("Exception encountered"):
            useful.append(line)
    first = useful[0] if useful else type(error).__name__
    return first if len(first) <= limit else first[: limit - 3] + "..."


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" + ("" if number == 1 else "s")


def _fmt(value: float) -> str:
    """Format a float for a message: 0.009999999776 prints as 0.01."""
    return f"{value:.4g}"


def _close(actual: float, expected: float) -> bool:
    return math.isclose(actual, expected, rel_tol=_REL_TOL, abs_tol=_ABS_TOL)


def _norm(name: str) -> str:
    """``he_uniform``, ``HeUniform`` and ``heuniform`` all become ``heuniform``."""
    return name.replace("_", "").replace(" ", "").lower()
