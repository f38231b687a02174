"""Checks of a learner's answers: a choice, a number, a digest of a hidden value."""

from __future__ import annotations

import inspect
import math
from collections.abc import Iterable, Sequence
from numbers import Real
from typing import TYPE_CHECKING, Any

from bdl_helpers._validation import ArgumentError, check_float
from bdl_helpers.grading._messages import (
    _argument_error,
    _article,
    _describe,
    _fail,
    _fmt,
    _short_repr,
    _wrong_object,
)

if TYPE_CHECKING:
    pass


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, bool) != isinstance(b, bool):
        return False
    try:
        return bool(a == b)
    except (TypeError, ValueError):  # arrays and other odd objects
        return False


def _one_of(value: Any, options: Sequence) -> bool:
    return any(_same(value, option) for option in options)


def check_choice(
    answer: Any,
    options: Iterable[Any],
    *,
    expected: Any = None,
    name: str = "answer",
    hint: str = "",
) -> Any:
    """Check an answer variable of an evidence question.

    First the answer must be one of the options; then, if ``expected`` is
    given, it must be a right one. The message for a wrong option never says
    which option is right.

    Parameters
    ----------
    answer : object
        The learner's answer variable, such as ``answer_2``.
    options : iterable
        The options the question lists, such as ``["A", "B", "C"]``.
    expected : object or set, default=None
        The right option, or a set, tuple or list of acceptable options. If
        ``None``, only the format of ``answer`` is checked (for a visible
        test; the hidden test grades it).
    name : str, default="answer"
        The variable's name, for messages (``"answer_2"``).
    hint : str, default=""
        What to look at again when the answer is wrong, such as ``"Look
        again at the validation curve after epoch 50."``

    Returns
    -------
    answer : object
        ``answer``, unchanged.

    Raises
    ------
    GradingError
        If ``answer`` is not one of ``options`` (the message lists them, and
        says so if only case or spaces differ) or is not an expected option.
    ValueError
        If ``options`` is empty or ``expected`` is not among the options.

    See Also
    --------
    check_close : Check a number the learner computes.

    Notes
    -----
    Used by every chapter.

    Examples
    --------
    >>> from bdl_helpers.grading import check_choice
    >>> check_choice("B", ["A", "B", "C"], expected={"B", "C"}, name="answer_2")
    'B'
    >>> check_choice("b ", ["A", "B", "C"], name="answer_2")
    Traceback (most recent call last):
    ...
    bdl_helpers.grading.GradingError: answer_2 is 'b ', which is not one of the \
options 'A', 'B', 'C'. Hint: it differs from 'B' only in case or spaces; write \
answer_2 = 'B'.
    """
    if isinstance(options, str) or not isinstance(options, Iterable):
        raise _argument_error("options", "check_choice", "a list of options", options)
    options = list(options)
    if not options:
        raise _argument_error(
            "options", "check_choice", "a non-empty list of options", options
        )
    accepted = None
    if expected is not None:
        if _one_of(expected, options):
            accepted = [expected]
        elif isinstance(expected, set | frozenset | tuple | list) and expected:
            accepted = list(expected)
        if accepted is None or not all(_one_of(item, options) for item in accepted):
            raise _argument_error(
                "expected",
                "check_choice",
                "one of the options or a set of them",
                expected,
            )
    listed = ", ".join(_short_repr(option) for option in options)

    if not _one_of(answer, options):
        if answer is None or answer is Ellipsis:
            shown = "None" if answer is None else "still the placeholder `...`"
            raise _fail(
                f"{name} is {shown}.",
                f"set {name} to one of the options: {listed}.",
            )
        if inspect.isroutine(answer) or inspect.isclass(answer):
            raise _fail(
                f"{name} is {_describe(answer)}, not one of the options {listed}.",
                f"set {name} to one of the options.",
            )
        problem = (
            f"{name} is {_short_repr(answer)}, which is not one of the options "
            f"{listed}."
        )
        text = str(answer)
        for option in options:
            if isinstance(answer, str) and isinstance(option, str):
                if answer.strip().lower() == option.strip().lower():
                    raise _fail(
                        problem,
                        f"it differs from {option!r} only in case or spaces; "
                        f"write {name} = {option!r}.",
                    )
            elif text.strip() == str(option).strip():
                raise _fail(
                    problem,
                    f"it is {_describe(answer)}, but the option is "
                    f"{_describe(option)}; write {name} = {option!r}.",
                )
        raise _fail(problem, "copy one of the options exactly.")

    if accepted is not None and not _one_of(answer, accepted):
        raise _fail(
            f"{name} is not the option the evidence supports.",
            hint
            or "look again at the evidence above (the curves and the table) and "
            "at what each option claims.",
        )
    return answer


def check_close(
    value: Any,
    expected: float,
    *,
    tol: float,
    name: str = "value",
    hint: str = "",
) -> float:
    """Check that a number the learner computed is close to the expected one.

    The message for a wrong number never shows the expected number.

    Parameters
    ----------
    value : float, NumPy scalar, 0-d array or tensor
        The learner's number.
    expected : float
        The right number.
    tol : float
        The largest absolute difference allowed, ``|value - expected| <= tol``.
    name : str, default="value"
        The variable's name, for messages.
    hint : str, default=""
        How to find the number, shown when it is wrong.

    Returns
    -------
    value : float
        ``value`` as a Python float.

    Raises
    ------
    GradingError
        If ``value`` is not a single number (``None``, a string, an array with
        several numbers), is NaN or infinite, or is not within ``tol``.
    ValueError
        If ``expected`` or ``tol`` is not a valid float.

    See Also
    --------
    check_choice : Check an answer chosen from options.

    Notes
    -----
    Used by chapters 02-08, 10, 12-13 and 15.

    Examples
    --------
    >>> from bdl_helpers.grading import check_close
    >>> check_close(0.8134, 0.81, tol=0.01, name="mean_accuracy")
    0.8134
    >>> check_close(0.7, 0.81, tol=0.01, name="mean_accuracy",
    ...             hint="Average the test accuracy over all 10 repeats.")
    Traceback (most recent call last):
    ...
    bdl_helpers.grading.GradingError: mean_accuracy is 0.7, which is not within \
0.01 of the expected value. Hint: Average the test accuracy over all 10 repeats.
    """
    expected = check_float(expected, "expected", "check_close")
    tol = check_float(tol, "tol", "check_close", min_value=0.0)
    number = _as_number(value, name)
    if math.isnan(number):
        raise _fail(
            f"{name} is NaN (not a number).",
            "NaN comes from a diverging training run or from 0/0; check how you "
            "compute it.",
        )
    if math.isinf(number):
        raise _fail(
            f"{name} is infinite.",
            "check for a division by zero or a diverging training run.",
        )
    if abs(number - expected) > tol:
        raise _fail(
            f"{name} is {_fmt(number)}, which is not within {_fmt(tol)} of the "
            "expected value.",
            hint or "check how you compute it.",
        )
    return number


def _as_number(value: Any, name: str) -> float:
    import numpy as np

    if value is None or value is Ellipsis or inspect.isroutine(value):
        raise _wrong_object(value, name, "a number", name)
    if isinstance(value, bool):
        raise _fail(f"{name} is the bool {value}, not a number.", "compute the number.")
    if isinstance(value, str):
        try:
            float(value)
        except ValueError:
            hint = "compute the number and assign it, without quotes."
        else:
            hint = "remove the quotes around the number."
        raise _fail(f"{name} is the string {_short_repr(value)}, not a number.", hint)
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise _fail(
            f"{name} should be a number, but it is {_describe(value)}.",
            "assign the number itself.",
        ) from None
    if array.size != 1:
        raise _fail(
            f"{name} should be a single number, but it has shape {array.shape}.",
            "reduce it to one number, for example with np.mean(...).",
        )
    return float(array.reshape(()))


def _normal_form(value: Any) -> str | None:
    """The text a digest is taken of, or None for a type that has none.

    Case, surrounding spaces and runs of spaces of a string do not count;
    ``3``, ``3.0`` and ``np.int64(3)`` are one number; lists and tuples keep
    their order, sets do not.
    """
    import numpy as np

    if isinstance(value, np.generic):
        value = value.item()
    if value is None or isinstance(value, bool):
        return repr(value)
    if isinstance(value, str):
        return "s:" + " ".join(value.split()).casefold()
    if isinstance(value, Real):
        number = float(value)
        if math.isfinite(number) and number == round(number):
            return f"n:{int(round(number))}"
        return f"n:{number:.6g}"
    if isinstance(value, list | tuple):
        parts = [_normal_form(item) for item in value]
        return None if None in parts else "[" + ",".join(parts) + "]"
    if isinstance(value, set | frozenset):
        parts = [_normal_form(item) for item in value]
        return None if None in parts else "{" + ",".join(sorted(parts)) + "}"
    return None


def answer_digest(answer: Any, *, salt: str) -> str:
    """The salted digest of an answer, for a self-check that keeps it hidden.

    A visible test cell can hold the digest of the right answer and compare
    the learner's answer with it through :func:`check_digest`: the learner
    learns whether the answer is right, and reading the test does not tell
    what it is. The course author computes the digest once, with this function.

    Parameters
    ----------
    answer : str, int, float, bool, None, or a list, tuple or set of them
        The answer. Strings are compared without case and extra spaces,
        numbers by value (``3 == 3.0``; other floats to 6 significant
        digits), sets without order.
    salt : str
        A text unique to the question, such as ``"ch00-ex1-run-a"``, so that
        the same answer to two questions has two digests.

    Returns
    -------
    digest : str
        16 hexadecimal characters.

    Raises
    ------
    ArgumentError
        If ``answer`` is of another type, or ``salt`` is not a non-empty
        string (a ``ValueError`` and a ``TypeError``).

    See Also
    --------
    check_digest : Compare a learner's answer with a digest.

    Examples
    --------
    >>> from bdl_helpers.grading import answer_digest
    >>> answer_digest("Overfit ", salt="demo") == answer_digest("overfit", salt="demo")
    True
    >>> answer_digest(3, salt="demo") == answer_digest(3.0, salt="demo")
    True
    >>> len(answer_digest(("a", 2), salt="demo"))
    16
    """
    import hashlib

    if not isinstance(salt, str) or not salt:
        raise _argument_error("salt", "answer_digest", "a non-empty string", salt)
    text = _normal_form(answer)
    if text is None:
        raise ArgumentError(
            "The 'answer' parameter of answer_digest must be a str, number, bool, "
            f"None, or a list, tuple or set of them. Got {_describe(answer)} instead."
        )
    return hashlib.sha256(f"{salt}\x00{text}".encode()).hexdigest()[:16]


def check_digest(
    answer: Any,
    digest: str,
    *,
    salt: str,
    options: Iterable[Any] | None = None,
    kind: type | tuple[type, ...] | None = None,
    name: str = "answer",
    hint: str = "",
) -> Any:
    """A learner's self-check: is the answer right? Without saying what is.

    The visible test cell of an exercise holds the digest of the right answer
    (from :func:`answer_digest`), not the answer. First the answer's format
    is checked: one of ``options`` if they are given (as
    :func:`check_choice` does), of type ``kind`` if it is given. Then its
    digest must equal ``digest``. The hidden tests still grade the answer.

    Parameters
    ----------
    answer : object
        The learner's answer variable.
    digest : str
        ``answer_digest(right_answer, salt=salt)``.
    salt : str
        The salt the digest was made with.
    options : iterable, default=None
        The options of a multiple-choice question.
    kind : type or tuple of types, default=None
        The type the answer must have, such as ``int``; a bool is not an int
        here, and any integral NumPy scalar is.
    name : str, default="answer"
        The variable's name, for messages.
    hint : str, default=""
        What to look at again when the answer is wrong.

    Returns
    -------
    answer : object
        ``answer``, unchanged.

    Raises
    ------
    GradingError
        If the answer is not one of ``options``, not of type ``kind``, of a
        type that has no digest, or wrong. The message never shows the right
        answer.
    ValueError
        If ``digest`` or ``salt`` is not a non-empty string.

    See Also
    --------
    answer_digest : Make the digest.
    check_choice : The format check of a multiple-choice answer.

    Notes
    -----
    The visible self-checks of chapters 00-02 use it.

    Examples
    --------
    >>> from bdl_helpers.grading import answer_digest, check_digest
    >>> right = answer_digest("B", salt="demo-q1")
    >>> check_digest("b", right, salt="demo-q1", options=["A", "B"], name="answer_1")
    'b'
    >>> check_digest("A", right, salt="demo-q1", options=["A", "B"], name="answer_1")
    Traceback (most recent call last):
    ...
    bdl_helpers.grading.GradingError: answer_1 is not right yet. Hint: look again \
at the evidence you produced and at what each option claims.
    """
    import numpy as np

    if not isinstance(digest, str) or not digest:
        raise _argument_error("digest", "check_digest", "a non-empty string", digest)
    if options is not None:
        options = list(options)
        if not any(
            isinstance(answer, str)
            and isinstance(option, str)
            and _normal_form(answer) == _normal_form(option)
            for option in options
        ):
            check_choice(answer, options, name=name)
    if kind is not None:
        kinds = kind if isinstance(kind, tuple) else (kind,)
        value = answer.item() if isinstance(answer, np.generic) else answer
        is_bool = isinstance(value, bool) and bool not in kinds
        if is_bool or not isinstance(value, kinds):
            wanted = " or ".join(k.__name__ for k in kinds)
            expected = f"{_article(wanted)} {wanted}"
            hint = f"make {name} {expected}."
            raise _wrong_object(answer, name, expected, name, hint)
    if _normal_form(answer) is None:
        raise _fail(
            f"{name} is {_describe(answer)}, which is not an answer the check can "
            "compare.",
            "give a string, a number, or a list of them.",
        )
    if answer_digest(answer, salt=salt) != digest:
        raise _fail(
            f"{name} is not right yet.",
            hint
            or "look again at the evidence you produced and at what each "
            "option claims.",
        )
    return answer
