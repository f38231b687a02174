"""Which cells grading runs (nbgrader_steps.cells_to_skip and its name
analysis), and how it reports a failed test (shorten_failed_assert).

Validate and autograde leave out a case-study cell only when it is unchanged
from the release and no cell that runs takes a value from it; these tests pin
down that rule on small notebooks (the chapters' round trips in
test_grading_pipeline.py check it end to end).
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from nbgrader_steps import (
    CASE_STUDY_KEY,
    MarkCaseStudyCells,
    _exercise_of,
    cell_names,
    cells_to_skip,
    shorten_failed_assert,
    source_digest,
    summarize_test_cell,
    summarize_validation,
)

REPO_ROOT = Path(__file__).resolve().parents[1]


def _setup(source: str = "import numpy as np"):
    return new_code_cell(source, metadata={"tags": ["setup"]})


def _case(source: str, released: str | None = None):
    """A case-study cell as released (``released`` = its source at release)."""
    digest = source_digest(source if released is None else released)
    return new_code_cell(source, metadata={CASE_STUDY_KEY: digest})


def _graded(source: str, grade_id: str = "ch99-ex1-test", solution: bool = False):
    meta = {"grade_id": grade_id, "grade": not solution, "solution": solution}
    return new_code_cell(source, metadata={"nbgrader": meta})


def test_unchanged_case_studies_that_no_exercise_reads_are_skipped():
    cells = [
        _setup(),
        new_markdown_cell("# A case study"),
        _case("history = np.arange(3)"),
        _case("print(history)"),
        _graded("answer = 2", solution=True),
        _graded("assert answer == 2"),
    ]
    assert cells_to_skip(cells) == {2, 3}


def test_a_case_study_a_learner_edited_runs():
    cells = [_setup(), _case("x = 2", released="x = 1"), _graded("assert True")]
    assert cells_to_skip(cells) == set()


def test_a_learner_cell_that_reads_a_case_study_name_runs_it_and_what_it_needs():
    cells = [
        _setup(),
        _case("data = np.ones(3)"),
        _case("scaled = data / 2"),
        _case("unrelated = 5"),
        new_code_cell("my_total = scaled.sum()"),  # the learner's own cell
        _graded("answer = my_total", solution=True),
    ]
    assert cells_to_skip(cells) == {3}


def test_the_value_a_full_run_would_read_decides():
    """A case study rebinding a setup name runs when a graded cell reads it;
    one rebound again by a running cell does not."""
    cells = [
        _setup("x = 1\ny = 1"),
        _case("x = 2"),
        _case("y = 2"),
        _graded("y = 3", grade_id="ch99-ex1-data"),
        _graded("assert x + y > 0"),
    ]
    assert cells_to_skip(cells) == {2}


def test_reads_inside_functions_and_augmented_assignments_count():
    cells = [
        _setup(),
        _case("scale = 2"),
        _case("total = 0"),
        _graded("def f(v):\n    return v * scale\ntotal += f(1)", solution=True),
    ]
    assert cells_to_skip(cells) == set()


def test_a_cell_that_may_read_anything_runs_every_earlier_cell():
    for opaque in ("%%time\nanswer = 1", "exec('answer = data')", "answer = = data"):
        cells = [_setup(), _case("data = 1"), _graded(opaque, solution=True)]
        assert cells_to_skip(cells) == set(), opaque


def test_star_imports_are_never_skipped():
    cells = [_setup(), _case("from math import *"), _graded("assert pi > 3")]
    assert cells_to_skip(cells) == set()


@pytest.mark.parametrize(
    ("source", "reads", "binds"),
    [
        ("x = 1\nprint(x)", {"print"}, {"x"}),
        ("x += 1", {"x"}, {"x"}),
        ("x = f(x)", {"f", "x"}, {"x"}),
        ("data: list = data[:10]", {"data", "list"}, {"data"}),
        ("for row in rows(row):\n    pass", {"rows", "row"}, {"row"}),
        (
            "with open(path) as path:\n    print(path)",
            {"open", "path", "print"},
            {"path"},
        ),
        ("if (n := len(n)) > 2:\n    pass", {"len", "n"}, {"n"}),
        ("def f(a):\n    m = a\n    return m + b", {"b"}, {"f"}),
        ("[i * k for i in range(3) if i > j]", {"k", "range", "j"}, set()),
        ("lambda q: q + w", {"w"}, set()),
        ("def g():\n    global n\n    n += 1", {"n"}, {"g"}),
        ("import numpy as np\nfrom os import path", set(), {"np", "path"}),
        ("try:\n    pass\nexcept E as err:\n    print(err)", {"E", "print"}, {"err"}),
        ("class C(Base):\n    z = 1", {"Base"}, {"C"}),
    ],
)
def test_cell_names(source, reads, binds):
    assert cell_names(source) == (reads, binds)


def test_the_release_marks_case_study_cells_only():
    nb = new_notebook(
        cells=[
            _setup(),
            new_code_cell("history = 1"),
            _graded("answer = 1", solution=True),
            new_markdown_cell("text"),
        ]
    )
    step = MarkCaseStudyCells()
    for index, cell in enumerate(nb.cells):
        step.preprocess_cell(cell, {}, index)
    marked = [i for i, c in enumerate(nb.cells) if CASE_STUDY_KEY in c.metadata]
    assert marked == [1]
    assert nb.cells[1].metadata[CASE_STUDY_KEY] == source_digest("history = 1")


# IPython's traceback of an assert that failed in a helper the test cell
# defines (cell In[6]): the header, one entry per frame, the error line.
def _ansi_frame(cell: int, line: int, where: str = "") -> str:
    return (
        f"\x1b[36mCell\x1b[39m\x1b[36m \x1b[39m\x1b[32mIn[{cell}]\x1b[39m"
        f"\x1b[32m, line {line}\x1b[39m{where}\n\x1b[32m---> \x1b[39m..."
    )


def _failed(frames: list[str], ename: str = "AssertionError", evalue: str = "no"):
    test = _graded("def check(v):\n    assert v, 'no'\ncheck(0)", "ch99-ex1-check")
    test.execution_count = 6
    test.outputs = [
        new_output(
            "error",
            ename=ename,
            evalue=evalue,
            traceback=[
                "\x1b[31m-----------\x1b[39m",
                f"\x1b[31m{ename}\x1b[39m   Traceback (most recent call last)",
                *frames,
                f"\x1b[31m{ename}\x1b[39m: {evalue}",
            ],
        )
    ]
    return test


LIBRARY_FRAME = "File /x/lib.py:9, in f\n  assert y"


def test_a_failed_assert_of_the_test_cell_shows_its_message_alone():
    cell = _failed([_ansi_frame(6, 3), _ansi_frame(6, 2, ", in check")])
    shorten_failed_assert(cell)
    assert cell.outputs[0].traceback == ["AssertionError: no"]
    assert cell.outputs[0].ename == "AssertionError"  # still an error: no points


@pytest.mark.parametrize(
    "frames, ename, evalue",
    [
        # the assert failed in the learner's own function (another cell)
        ([_ansi_frame(6, 3), _ansi_frame(4, 2, ", in answer")], "AssertionError", "no"),
        # in a library
        ([_ansi_frame(6, 3), LIBRARY_FRAME], "AssertionError", "no"),
        # not an assertion, or one without a message
        ([_ansi_frame(6, 3)], "TypeError", "bad operand"),
        ([_ansi_frame(6, 3)], "AssertionError", ""),
    ],
    ids=["learner-code", "library", "other-error", "no-message"],
)
def test_other_failures_keep_their_traceback(frames, ename, evalue):
    cell = _failed(frames, ename, evalue)
    before = list(cell.outputs[0].traceback)
    shorten_failed_assert(cell)
    assert cell.outputs[0].traceback == before


def test_a_cell_that_is_not_a_test_keeps_its_traceback():
    cell = _failed([_ansi_frame(6, 3)])
    cell.metadata = {}
    before = list(cell.outputs[0].traceback)
    shorten_failed_assert(cell)
    assert cell.outputs[0].traceback == before


@pytest.mark.parametrize(
    ("source", "summary"),
    [
        ('"""Check the split:\n    20 rows."""\nassert a', "Check the split: 20 rows."),
        ("assert ex1 == 3, 'ex1 should be 3'", "assert ex1 == 3, 'ex1 should be 3'"),
        ("assert x\n\nassert y", "assert x ..."),
        ("def broken(:\n    pass", "def broken(: ..."),
        ("", ""),
    ],
    ids=["docstring", "one-line", "first-line", "syntax-error", "empty"],
)
def test_a_failed_test_is_summarized_by_its_docstring(source, summary):
    assert summarize_test_cell(source) == summary


def _test_cell(grade_id: str, source: str):
    meta = {"nbgrader": {"grade": True, "grade_id": grade_id, "points": 1}}
    return new_code_cell(source, metadata=meta)


def test_validate_report_opens_with_every_exercise_passed_or_not():
    cells = [
        _test_cell("ch04-ex1-a", '"""Check a."""\nassert a'),
        _test_cell("ch04-ex2-b", '"""Check b."""\nassert b'),
        _test_cell("ch04-ex2-c", '"""Check c."""\nassert c'),
        _test_cell("ch04-ex3-d", '"""Check d."""\nassert d'),
        new_code_cell("x = 1"),  # not a test
    ]
    nb = new_notebook(cells=cells)
    failed = [
        {"source": cells[i].source, "error": f"E{i}", "raw_error": f"E{i}"}
        for i in (1, 2, 3)
    ]
    report = summarize_validation({"failed": failed}, nb)
    sources = [f["source"] for f in report["failed"]]
    assert sources[0] == (
        "Exercise 1: passes.\n"
        "Exercise 2: all 2 checks fail.\n"
        "Exercise 3: fails.\n\n"
        "Exercise 2 · Check b."
    )
    assert sources[1:] == ["Exercise 2 · Check c.", "Exercise 3 · Check d."]
    assert [f["error"] for f in report["failed"]] == ["E1", "E2", "E3"]


def test_validate_report_without_failures_is_unchanged():
    nb = new_notebook(cells=[_test_cell("ch04-ex1-a", "assert a")])
    assert summarize_validation({}, nb) == {}
    changed = {"changed": [{"source": "assert a"}]}
    assert summarize_validation(changed, nb) == changed


def test_a_failure_the_notebook_does_not_hold_is_still_reported():
    nb = new_notebook(cells=[_test_cell("ch04-ex1-a", "assert a")])
    report = summarize_validation({"failed": [{"source": "assert b"}]}, nb)
    assert report["failed"][0]["source"].endswith("Check · assert b")
    assert report["failed"][0]["source"].startswith("Exercise 1: passes.")


def test_every_test_cell_names_its_exercise_in_its_grade_id():
    unnamed = []
    for path in sorted(REPO_ROOT.glob("notebooks/[0-9][0-9]-*/[0-9][0-9]-*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            meta = cell.metadata.get("nbgrader", {})
            if meta.get("grade") and cell.cell_type == "code":
                if _exercise_of(cell) == "Check":
                    unnamed.append(f"{path.name}: {meta.get('grade_id')}")
    assert not unnamed, "use grade ids like 'ch04-ex2-...':\n" + "\n".join(unnamed)
