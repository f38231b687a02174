"""The package's public names, as a library's users meet them.

Every public function and class has a docstring with an example, and a
docstring's "Used by ..." note names exactly the chapters whose notebooks use
that name, in course numbering ("Used by chapters 02, 04 and 09-10.", "Used by
every chapter."): a note that drifted from the notebooks fails here.
"""

from __future__ import annotations

import ast
import inspect
import re
from pathlib import Path

import bdl_helpers as bdl

import nbformat
import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
PACKAGE = REPO_ROOT / "bdl_helpers"
NOTEBOOKS = sorted(REPO_ROOT.glob("notebooks/[0-9][0-9]-*/[0-9][0-9]-*.ipynb"))


def _public_objects() -> list[tuple[str, object]]:
    """``bdl.<name>`` for the names in ``__all__`` and ``bdl.grading.check_*``."""
    found = []
    for name in bdl.__all__:
        obj = getattr(bdl, name)
        if inspect.isfunction(obj) or inspect.isclass(obj):
            found.append((name, obj))
    for name, obj in vars(bdl.grading).items():
        if (
            name.startswith("check_")
            and inspect.isfunction(obj)
            and obj.__module__.startswith(bdl.grading.__name__ + ".")  # not a re-export
        ):
            found.append((f"grading.{name}", obj))
    return found


PUBLIC = _public_objects()


# Ids from the names only: an object's repr holds its address, which differs
# between pytest-xdist's workers (they must collect the same ids).
@pytest.mark.parametrize(("name", "obj"), PUBLIC, ids=[name for name, _ in PUBLIC])
def test_public_names_have_a_docstring_with_an_example(name, obj):
    doc = inspect.getdoc(obj) or ""
    assert doc.strip(), f"bdl.{name} has no docstring"
    assert ">>>" in doc, f"bdl.{name}: add an Examples section with a doctest"


def _chapter_code() -> dict[str, str]:
    code = {}
    for path in NOTEBOOKS:
        cells = nbformat.read(path, as_version=4).cells
        code[path.parent.name[:2]] = "\n".join(
            c.source for c in cells if c.cell_type == "code"
        )
    return code


def _claimed(note: str, chapters: list[str]) -> set[str]:
    """The chapters a "Used by ..." sentence names (ranges like 01-05 included)."""
    if "every chapter" in note:
        return set(chapters)
    claimed = set()
    for first, last in re.findall(r"\b(\d{2})(?:-(\d{2}))?\b", note):
        for number in range(int(first), int(last or first) + 1):
            claimed.add(f"{number:02d}")
    return claimed


def _used_by_notes() -> list[tuple[str, str]]:
    """``(module:name, sentence)`` for every public docstring with a note."""
    notes = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                doc = " ".join((ast.get_docstring(node) or "").split())
                match = re.search(r"Used by .*?\.(?:\s|$)", doc)
                if match and not node.name.startswith("_"):
                    notes.append((f"{path.stem}:{node.name}", match.group(0).strip()))
    return notes


def test_used_by_notes_name_the_chapters_that_use_the_name():
    code = _chapter_code()
    chapters = sorted(code)
    wrong = []
    for where, note in _used_by_notes():
        name = where.split(":")[1]
        # As the notebooks call it: bdl.name, bdl.grading.name, bdl.widgets.name.
        called = re.compile(rf"\bbdl(?:\.\w+)*\.{name}\b")
        used = {ch for ch, source in code.items() if called.search(source)}
        claimed = _claimed(note, chapters)
        if claimed != used:
            wrong.append(
                f"{where}: {note!r}, but used by {sorted(used) or 'no chapter'}"
            )
    assert not wrong, "Update these notes (or drop them):\n" + "\n".join(wrong)


# A bad argument: every public callable refuses an arbitrary object in each of
# its required parameters with the package's one error and message shape.
MESSAGE_SHAPE = re.compile(r"The '\w+'(?: and '\w+')? parameters? of \w+ must ")
RESULTS = {"Dataset", "PairedComparison", "RepeatResult"}  # returned, not called


def _callables() -> list[tuple[str, object]]:
    found = [(n, o) for n, o in PUBLIC if not n.startswith("grading.")]
    found += [(f"widgets.{n}", getattr(bdl.widgets, n)) for n in bdl.widgets.__all__]
    return [
        (n, o)
        for n, o in found
        if n not in RESULTS and not (inspect.isclass(o) and issubclass(o, Exception))
    ]


CALLABLES = _callables()


@pytest.mark.parametrize(("name", "obj"), CALLABLES, ids=[n for n, _ in CALLABLES])
def test_a_bad_argument_raises_the_common_error(name, obj):
    params = inspect.signature(obj).parameters.values()
    positional = [
        p
        for p in params
        if p.default is p.empty
        and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
    ]
    keywords = {
        p.name: object()
        for p in params
        if p.default is p.empty and p.kind == p.KEYWORD_ONLY
    }
    if not positional and not keywords:
        pytest.skip(f"bdl.{name} has no required argument")
    with pytest.raises(bdl.ArgumentError) as info:
        obj(*[object() for _ in positional], **keywords)
    assert MESSAGE_SHAPE.search(str(info.value)), str(info.value)
