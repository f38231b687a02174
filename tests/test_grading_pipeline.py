"""The nbgrader pipeline of every chapter, end to end.

For each chapter notebook ``notebooks/<NN-name>/<NN-name>.ipynb`` (and the fixture
chapter under ``tests/fixtures/notebooks``, so the machinery is tested before any
chapter exists), in a temporary course directory, never in the repository:

a. ``nbgrader generate_assignment NN-name`` works on the real notebook with no
   extra flags, and the release holds no solution code, no hidden test and no
   ``bdl`` metadata, keeps every graded cell, and marks every case-study cell;
b. the release with the solutions' answers autogrades to full marks (fixture
   chapter; for the chapters, nbval runs every test cell, hidden tests
   included, against the solutions, and d. grades every exercise's solution
   but the wrong answers');
c. the untouched student release scores zero on every graded cell;
d. a submission with the ``wrong_answer`` of the ``bdl`` cell metadata loses exactly
   the points of the listed ``fails`` cells and nothing else, and grading ran
   none of the case-study cells (what keeps Validate and autograde quick);
e. a submission whose answers loop forever, raise, or kill the kernel is graded
   without hanging: the broken exercises (and every cell after the dead kernel)
   score zero, the others full marks;
f. a wrong answer that also replaces every ``bdl.grading`` check with a no-op
   still loses exactly its points, and the tests after it are flagged for a
   manual grade; a test cell deleted from the submission is put back and graded.

Every submission is the real student release with answers filled in, as a
learner hands it in. Grading leaves out the unchanged case-study cells that no
graded cell needs (nbgrader_steps.py), and every exercise depends only on the
setup cell and its own cells (checked statically below), so grading runs the
setup cell and the exercises only; nbval executes the full notebooks. a., c.
and d. run for every chapter; b., e. and f. test what nbgrader_config.py and
nbgrader_steps.py do with any chapter, on the fixture chapter. A chapter's
submissions are graded by one nbgrader run (those of e. and f. by two runs in
parallel, as their per-cell timeouts differ), each in its own copy of the
course directory; scores are read from the gradebook,
cell by cell, and a failure lists every test cell's score with the error or
stderr output that cost it its points.

The conventions the chapters follow are checked statically first (cheap), so a
broken convention fails with a message that says which cell and what to change.
"""

from __future__ import annotations

import ast
import builtins
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import pytest

from nbgrader_steps import (
    CASE_STUDY_KEY,
    SKIPPED_NOTE,
    cell_names,
    is_case_study,
    source_digest,
)

REPO_ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS_DIR = REPO_ROOT / "notebooks"
FIXTURE_NOTEBOOKS_DIR = Path(__file__).resolve().parent / "fixtures" / "notebooks"
CONFIG_FILE = REPO_ROOT / "nbgrader_config.py"
STEPS_FILE = REPO_ROOT / "nbgrader_steps.py"  # the course's autograde steps

CHAPTER_NAME = re.compile(r"^(?P<number>\d{2})-[a-z0-9]+(?:-[a-z0-9]+)*$")
GRADE_ID = re.compile(
    r"^(?P<exercise>ch(?P<number>\d{2})-ex\d+)-[a-z0-9]+(?:-[a-z0-9]+)*$"
)
SOLUTION_MARKERS = ("BEGIN SOLUTION", "END SOLUTION")
HIDDEN_MARKERS = ("BEGIN HIDDEN TESTS", "END HIDDEN TESTS")

# Wall-clock guards. Per-cell timeouts of the broken submission (e.): short, for
# that run only; the configured one (nbgrader_config.py) applies to the others.
BROKEN_RUN_CELL_TIMEOUT = 30  # also bounds the setup cell (~10 s on a busy machine)
NBGRADER_RUN_TIMEOUT = 900
TEST_TIMEOUT = 1200
# Loops until interrupted; asleep, so that it does not take a core until the timeout.
LOOP_SOURCE = "import time\n\nwhile True:\n    time.sleep(0.1)\n"
RAISE_SOURCE = 'raise RuntimeError("broken")\n'
EXIT_SOURCE = "import os\n\nos._exit(0)  # kills the kernel\n"
# Appended to a wrong answer: every public check of bdl.grading becomes a no-op.
PATCH_SOURCE = """
import bdl_helpers

for _name in dir(bdl_helpers.grading):
    if _name.startswith("check"):
        setattr(bdl_helpers.grading, _name, lambda *args, **kwargs: None)
"""


# --------------------------------------------------------------------------- #
# Chapters and their cells
# --------------------------------------------------------------------------- #


def _chapter_dirs(parent: Path) -> list[Path]:
    if not parent.is_dir():
        return []
    return sorted(
        d for d in parent.iterdir() if d.is_dir() and not d.name.startswith((".", "_"))
    )


def _chapter_params(only: Iterable[str] | None = None, group: str = "") -> list:
    """One param per chapter (or per chapter named in ``only``); under
    pytest-xdist a chapter's tests share a worker, so its course directory and
    autograding runs are built once."""
    params = []
    for directory, name in [
        *((d, d.name) for d in _chapter_dirs(NOTEBOOKS_DIR)),
        *((d, f"fixture-{d.name}") for d in _chapter_dirs(FIXTURE_NOTEBOOKS_DIR)),
    ]:
        if only is None or name in only:
            params.append(
                pytest.param(
                    directory, id=name, marks=pytest.mark.xdist_group(name + group)
                )
            )
    return params


CHAPTERS = _chapter_params()
# How grading survives a crashing or tampering submission (e. and f.) is the
# work of nbgrader_config.py and nbgrader_steps.py, the same for every chapter
# (each exercise depends only on the setup cell and its own cells, checked
# statically below): it is tested on the fixture chapter, whose wrong answer
# is caught by a bdl.grading check (the one a tampering answer patches).
PIPELINE_CHAPTERS = _chapter_params(("fixture-99-fixture",), group="-pipeline")


def _notebook_path(chapter_dir: Path) -> Path:
    return chapter_dir / f"{chapter_dir.name}.ipynb"


def _nbgrader_meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {}) or {}


def _is_nbgrader_cell(cell) -> bool:
    meta = _nbgrader_meta(cell)
    return any(meta.get(key) for key in ("grade", "solution", "locked", "task"))


def _grade_id(cell) -> str | None:
    return _nbgrader_meta(cell).get("grade_id")


def _is_solution(cell) -> bool:
    return bool(_nbgrader_meta(cell).get("solution"))


def _is_autograded_test(cell) -> bool:
    """A read-only test cell with points (an "Autograder tests" cell)."""
    meta = _nbgrader_meta(cell)
    return (
        bool(meta.get("grade"))
        and not meta.get("solution")
        and (cell.cell_type == "code")
    )


def _is_setup(cell) -> bool:
    return "setup" in cell.get("metadata", {}).get("tags", [])


def _exercise_of(grade_id: str) -> str:
    match = GRADE_ID.match(grade_id)
    return match.group("exercise") if match else grade_id


def _source(cell) -> str:
    source = cell.source
    return "".join(source) if isinstance(source, list) else source


def _regions(source: str, markers: tuple[str, str]) -> tuple[list[str], list[str]]:
    """Split a cell into the lines inside the marked regions and those outside.

    Mirrors nbgrader: a line that contains the begin (end) marker opens (closes)
    a region.
    """
    begin, end = markers
    inside, outside = [], []
    in_region = False
    for line in source.split("\n"):
        if begin in line:
            in_region = True
        elif end in line:
            in_region = False
        elif in_region:
            inside.append(line)
        else:
            outside.append(line)
    return inside, outside


def _meaningful(lines: Iterable[str]) -> set[str]:
    """The stripped lines that are code: not blank, not a comment."""
    return {
        line.strip()
        for line in lines
        if line.strip() and not line.strip().startswith("#")
    }


def _secret_lines(cell) -> set[str]:
    """The lines of a source cell that must not reach the release."""
    source = _source(cell)
    secret: set[str] = set()
    if _is_solution(cell):
        inside, outside = _regions(source, SOLUTION_MARKERS)
        if not any(SOLUTION_MARKERS[0] in line for line in source.split("\n")):
            inside, outside = source.split("\n"), []  # nbgrader replaces the whole cell
        secret |= _meaningful(inside) - _meaningful(outside)
    if any(HIDDEN_MARKERS[0] in line for line in source.split("\n")):
        inside, outside = _regions(source, HIDDEN_MARKERS)
        secret |= _meaningful(inside) - _meaningful(outside)
    return secret


def _cells_by_grade_id(nb) -> dict[str, object]:
    return {_grade_id(c): c for c in nb.cells if _is_nbgrader_cell(c) and _grade_id(c)}


def _wrong_answers(nb) -> list[tuple[str, str, list[str]]]:
    """(grade_id of the answer cell, wrong source, fails) for each ``bdl`` entry."""
    found = []
    for cell in nb.cells:
        bdl = cell.get("metadata", {}).get("bdl")
        if bdl and "wrong_answer" in bdl:
            found.append(
                (_grade_id(cell), bdl["wrong_answer"], list(bdl.get("fails", [])))
            )
    return found


def _bound_names(source: str) -> set[str]:
    """Names a cell binds at the top level (assignments, defs, imports, loops)."""
    from IPython.core.inputtransformer2 import TransformerManager

    try:
        tree = ast.parse(TransformerManager().transform_cell(source))
    except SyntaxError:
        return set()
    names: set[str] = set()

    def targets(node) -> None:
        if isinstance(node, ast.Name):
            names.add(node.id)
        elif isinstance(node, ast.Tuple | ast.List):
            for element in node.elts:
                targets(element)
        elif isinstance(node, ast.Starred):
            targets(node.value)

    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                targets(target)
        elif isinstance(node, ast.AnnAssign | ast.AugAssign):
            targets(node.target)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            for alias in node.names:
                names.add((alias.asname or alias.name).split(".")[0])
        elif isinstance(node, ast.For | ast.AsyncFor):
            targets(node.target)
        elif isinstance(node, ast.With | ast.AsyncWith):
            for item in node.items:
                if item.optional_vars is not None:
                    targets(item.optional_vars)
    return names


def _ends_with_expression(source: str) -> bool:
    """True if the cell ends with an expression other than a call.

    nbgrader takes a number that a test cell displays as its score, so a check
    ending with, say, ``ex3_mse - expected`` or ``abs(a - b) < tol`` would give
    points of its own. Calls are allowed (a check called last); a call that
    returns a number is caught by the source-gets-full-marks run instead. A
    trailing ';' hides the value.
    """
    try:
        body = ast.parse(source).body
    except SyntaxError:
        return False
    if not body or not isinstance(body[-1], ast.Expr):
        return False
    if source.rstrip().endswith(";"):
        return False
    value = body[-1].value
    return not isinstance(value, (ast.Call, ast.Constant))


def _visible_statements(source: str) -> int:
    """Statements outside the hidden-tests block, not counting docstrings."""
    _, outside = _regions(source, HIDDEN_MARKERS)
    visible = "\n".join(outside)
    try:
        body = ast.parse(visible).body
    except SyntaxError:
        return len(_meaningful(outside))
    return sum(
        1
        for node in body
        if not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant))
    )


# --------------------------------------------------------------------------- #
# Static checks of the conventions (cheap: nothing is executed)
# --------------------------------------------------------------------------- #


def test_chapter_folders_follow_the_layout():
    """Each folder under notebooks/ is a chapter NN-name holding NN-name.ipynb."""
    problems = []
    for directory in _chapter_dirs(NOTEBOOKS_DIR) + _chapter_dirs(
        FIXTURE_NOTEBOOKS_DIR
    ):
        if not CHAPTER_NAME.match(directory.name):
            problems.append(
                f"{directory}: name it NN-lowercase-words, e.g. 00-introduction"
            )
        if not _notebook_path(directory).is_file():
            problems.append(
                f"{directory}: expected the notebook {directory.name}.ipynb"
            )
        others = sorted(
            p.name for p in directory.glob("*.ipynb") if p != _notebook_path(directory)
        )
        if others:
            problems.append(
                f"{directory}: one notebook per chapter, also found {others}"
            )
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    ("source", "flagged"),
    [
        ("x = 1\nx", True),
        ("abs(a - b) < 0.1", True),
        ("x = 1\nx;", False),
        ("bdl.grading.check_close(a, b)", False),
        ('"""Check it."""\nassert x', False),
    ],
)
def test_a_value_left_at_the_end_of_a_test_cell_is_flagged(source, flagged):
    assert _ends_with_expression(source) is flagged


@pytest.mark.parametrize("chapter_dir", CHAPTERS)
def test_notebook_follows_grading_conventions(chapter_dir: Path):
    nb = nbformat.read(_notebook_path(chapter_dir), as_version=4)
    number = CHAPTER_NAME.match(chapter_dir.name).group("number")
    problems: list[str] = []

    code_cells = [c for c in nb.cells if c.cell_type == "code"]
    if not code_cells or not _is_setup(code_cells[0]):
        problems.append('the first code cell must be tagged "setup" (metadata.tags)')
    if sum(_is_setup(c) for c in nb.cells) != 1:
        problems.append('exactly one cell is tagged "setup"')

    seen: set[str] = set()
    exercises: dict[str, dict[str, list]] = {}
    for cell in nb.cells:
        if not _is_nbgrader_cell(cell):
            continue
        grade_id = _grade_id(cell) or "<no grade_id>"
        match = GRADE_ID.match(grade_id)
        if not match or match.group("number") != number:
            problems.append(
                f"grade_id {grade_id!r}: use ch{number}-exK-<slug> (lowercase, hyphens)"
            )
        if grade_id in seen:
            problems.append(f"grade_id {grade_id!r} is used twice")
        seen.add(grade_id)
        parts = exercises.setdefault(
            _exercise_of(grade_id), {"answers": [], "tests": []}
        )
        source = _source(cell)
        has_hidden = HIDDEN_MARKERS[0] in source
        if _is_solution(cell):
            parts["answers"].append(cell)
            if cell.cell_type == "code" and SOLUTION_MARKERS[0] not in source:
                problems.append(
                    f"{grade_id}: wrap the solution in ### BEGIN/END SOLUTION"
                )
        if _is_autograded_test(cell):
            parts["tests"].append(cell)
            if not _nbgrader_meta(cell).get("points"):
                problems.append(f"{grade_id}: a test cell needs points > 0")
            if has_hidden and _visible_statements(source) == 0:
                problems.append(
                    f"{grade_id}: keep a visible check beside the hidden tests"
                )
            if _ends_with_expression(source):
                problems.append(
                    f"{grade_id}: the cell ends with an expression, whose value "
                    "nbgrader would read as a partial score; end the line with ';' "
                    "or assign it"
                )
        elif has_hidden:
            problems.append(f"{grade_id}: hidden tests belong in read-only test cells")

    for exercise, parts in exercises.items():
        if not parts["answers"] or not parts["tests"]:
            problems.append(
                f"{exercise}: needs at least one answer cell and one test cell"
            )

    wrong = _wrong_answers(nb)
    if not wrong:
        problems.append(
            'no solution cell has metadata["bdl"] = '
            '{"wrong_answer": ..., "fails": [...]}'
        )
    by_id = _cells_by_grade_id(nb)
    for answer_id, source, fails in wrong:
        if answer_id is None or not _is_solution(by_id.get(answer_id, {})):
            problems.append(
                f"bdl.wrong_answer on {answer_id!r}: put it on a solution cell"
            )
        if not isinstance(source, str) or not source.strip():
            problems.append(f"{answer_id}: bdl.wrong_answer must be Python source")
        if not fails:
            problems.append(
                f"{answer_id}: bdl.fails must list the test cells that fail"
            )
        for grade_id in fails:
            if grade_id not in by_id or not _is_autograded_test(by_id[grade_id]):
                problems.append(
                    f"{answer_id}: bdl.fails names {grade_id!r}, not a test cell"
                )
            elif answer_id and _exercise_of(grade_id) != _exercise_of(answer_id):
                problems.append(
                    f"{answer_id}: bdl.fails names {grade_id!r} of another exercise; "
                    "exercises must not depend on each other"
                )

    assert not problems, f"{chapter_dir.name}:\n  " + "\n  ".join(problems)


@pytest.mark.parametrize("chapter_dir", CHAPTERS)
def test_answer_names_are_not_bound_outside_their_exercise(chapter_dir: Path):
    """No free points when grading the full notebook.

    If an answer cell binds a name (``model``, ``history``) that a case-study cell
    or another exercise also binds, then a student's cell that fails leaves the
    other value in place and the tests may pass on it. Answer names must be the
    exercise's own (``ex2_model``) .
    """
    nb = nbformat.read(_notebook_path(chapter_dir), as_version=4)
    problems = []
    for index, cell in enumerate(nb.cells):
        if not (_is_solution(cell) and cell.cell_type == "code"):
            continue
        exercise = _exercise_of(_grade_id(cell))
        answer_names = _bound_names(_source(cell))
        for other_index, other in enumerate(nb.cells):
            if other.cell_type != "code" or other_index == index:
                continue
            other_id = _grade_id(other) if _is_nbgrader_cell(other) else None
            if other_id and _exercise_of(other_id) == exercise:
                continue
            clash = answer_names & _bound_names(_source(other))
            if clash:
                where = other_id or f"cell {other_index} (not an exercise cell)"
                problems.append(
                    f"{_grade_id(cell)} binds {sorted(clash)}, also bound by {where}"
                )
    assert not problems, (
        "Rename the answer's names so they belong to the exercise only:\n  "
        + "\n  ".join(problems)
    )


IPYTHON_NAMES = {"get_ipython", "display", "In", "Out", "exit", "quit"}


@pytest.mark.parametrize("chapter_dir", CHAPTERS)
def test_exercises_need_only_the_setup_cell_and_their_own_cells(chapter_dir: Path):
    """Each exercise runs on its own: in the exercise notebook, and after a failure.

    Its cells read only names of the setup cell, of the exercise's own cells and
    builtins (never a case-study variable). The round trip grades the exercise
    notebook, without the case study, so this is what makes it pass.
    """
    nb = nbformat.read(_notebook_path(chapter_dir), as_version=4)
    setup_names: set[str] = set()
    for cell in nb.cells:
        if _is_setup(cell):
            setup_names |= cell_names(_source(cell))[1]
    known = setup_names | set(dir(builtins)) | IPYTHON_NAMES
    exercises: dict[str, list] = {}
    for cell in nb.cells:
        if cell.cell_type == "code" and _is_nbgrader_cell(cell) and _grade_id(cell):
            exercises.setdefault(_exercise_of(_grade_id(cell)), []).append(cell)
    problems = []
    for cells in exercises.values():
        names = [cell_names(_source(cell)) for cell in cells]
        bound = set().union(*(b for _, b in names))
        for cell, (used, _) in zip(cells, names, strict=True):
            foreign = used - bound - known
            if foreign:
                problems.append(f"{_grade_id(cell)} reads {sorted(foreign)}")
    assert not problems, (
        "Exercise cells may read only the setup cell's names and their own exercise's "
        "(load data in a read-only cell of the exercise):\n  " + "\n  ".join(problems)
    )


# --------------------------------------------------------------------------- #
# Running nbgrader
# --------------------------------------------------------------------------- #


@pytest.fixture(scope="session")
def nbgrader_env(tmp_path_factory) -> dict[str, str]:
    """Environment for nbgrader subprocesses: this venv, its kernel, no user config.

    nbgrader calls the ``alembic`` executable when it creates a gradebook, so the
    venv's bin folder goes first on PATH. A ``python3`` kernelspec that points at
    this interpreter comes first on JUPYTER_PATH, so a user's own ``python3``
    kernel can never run the grading.
    """
    jupyter = tmp_path_factory.mktemp("jupyter")
    kernel_dir = jupyter / "data" / "kernels" / "python3"
    kernel_dir.mkdir(parents=True)
    spec = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (course venv)",
        "language": "python",
    }
    (kernel_dir / "kernel.json").write_text(json.dumps(spec))
    (jupyter / "config").mkdir()
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join(
        [str(Path(sys.executable).parent), env.get("PATH", "")]
    )
    env["JUPYTER_PATH"] = str(jupyter / "data")
    env["JUPYTER_CONFIG_DIR"] = str(jupyter / "config")
    env.setdefault("MPLBACKEND", "Agg")
    env["PYTHONUNBUFFERED"] = "1"
    return env


def run_nbgrader(
    args: list[str], cwd: Path, env: dict[str, str]
) -> subprocess.CompletedProcess:
    """Run ``python -m nbgrader ARGS`` in ``cwd``; on error fail with its log."""
    command = [sys.executable, "-m", "nbgrader", *args]
    try:
        result = subprocess.run(
            command,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=NBGRADER_RUN_TIMEOUT,
        )
    except subprocess.TimeoutExpired as error:
        pytest.fail(f"`nbgrader {' '.join(args)}` hung for {error.timeout} s in {cwd}")
    if result.returncode != 0:
        log = (result.stdout + result.stderr)[-6000:]
        pytest.fail(f"`nbgrader {' '.join(args)}` failed in {cwd}:\n{log}")
    return result


def make_course(root: Path, chapter_dir: Path, nb) -> Path:
    """A course directory at ``root`` holding ``nb`` as the chapter's source."""
    source = root / "notebooks" / chapter_dir.name
    shutil.copytree(
        chapter_dir, source, ignore=shutil.ignore_patterns(".ipynb_checkpoints")
    )
    nbformat.write(nb, source / f"{chapter_dir.name}.ipynb")
    shutil.copy(CONFIG_FILE, root / "nbgrader_config.py")
    shutil.copy(STEPS_FILE, root / "nbgrader_steps.py")
    return root


def release_problems(source_nb, release_nb) -> list[str]:
    """What the release leaks or loses, as messages (empty when it is right)."""
    problems = []
    source_cells = _cells_by_grade_id(source_nb)
    release_cells = _cells_by_grade_id(release_nb)
    for index, cell in enumerate(release_nb.cells):
        if "bdl" in cell.get("metadata", {}):
            problems.append(f"{_grade_id(cell)} keeps metadata['bdl'] (a wrong answer)")
        mark = cell.get("metadata", {}).get(CASE_STUDY_KEY)
        if is_case_study(cell) and mark != source_digest(_source(cell)):
            problems.append(f"case-study cell {index} lacks its {CASE_STUDY_KEY} mark")
        elif not is_case_study(cell) and mark is not None:
            problems.append(f"cell {index} is no case-study cell but is marked one")
        text = _source(cell)
        for marker in SOLUTION_MARKERS + HIDDEN_MARKERS:
            if marker in text:
                problems.append(f"{_grade_id(cell) or 'a cell'} still holds '{marker}'")
    for grade_id, cell in source_cells.items():
        released = release_cells.get(grade_id)
        if released is None:
            problems.append(f"{grade_id} is missing from the release")
            continue
        released_lines = _meaningful(_source(released).split("\n"))
        for line in sorted(_secret_lines(cell) & released_lines):
            problems.append(f"{grade_id} leaks: {line}")
        meta, released_meta = _nbgrader_meta(cell), _nbgrader_meta(released)
        if meta.get("grade") and (
            not released_meta.get("grade")
            or released_meta.get("points") != meta.get("points")
        ):
            problems.append(f"{grade_id} lost its points in the release")
    return problems


# --------------------------------------------------------------------------- #
# Scores
# --------------------------------------------------------------------------- #


@dataclass
class Grading:
    """The outcome of one autograded submission."""

    student: str
    scores: dict[str, tuple[float | None, float]]  # grade_id -> (auto_score, max_score)
    errors: dict[str, str] = field(default_factory=dict)  # grade_id -> error / stderr
    manual: set[str] = field(default_factory=set)  # grade_ids flagged for review
    ran: list[int] = field(default_factory=list)  # case-study cells grading ran
    log: str = ""  # the output of the nbgrader run that graded it

    def table(self) -> str:
        rows = []
        for grade_id, (score, max_score) in self.scores.items():
            row = f"    {grade_id}: {score} / {max_score}"
            if grade_id in self.errors:
                row += f"  <- {self.errors[grade_id]}"
            rows.append(row)
        return f"scores of the '{self.student}' submission:\n" + "\n".join(rows)


def _cell_problem(cell) -> str | None:
    """Why nbgrader gave a test cell 0: its error, else what it wrote to stderr."""
    outputs = cell.get("outputs", [])
    for output in outputs:
        if output.get("output_type") == "error":
            return f"{output.get('ename')}: {output.get('evalue', '')}"[:300]
    for output in outputs:
        if output.get("output_type") == "stream" and output.get("name") == "stderr":
            text = "".join(output.get("text", "")).strip()
            return f"wrote to stderr, which nbgrader grades 0: {text[:300]}"
    return None


def read_grading(
    course: Path, chapter: str, student: str, test_ids: list[str], log: str = ""
) -> Grading:
    """Scores of the autograded test cells, read from the gradebook, cell by cell."""
    from nbgrader.api import Gradebook

    db_url = f"sqlite:///{course / 'gradebook.db'}"
    with Gradebook(db_url) as gradebook:
        notebook = gradebook.find_submission_notebook(chapter, chapter, student)
        by_name = {
            grade.name: (grade.auto_score, float(grade.max_score))
            for grade in notebook.grades
        }
        manual = {
            grade.name
            for grade in notebook.grades
            if grade.needs_manual_grade and grade.name in test_ids
        }
    scores = {
        grade_id: by_name.get(grade_id, (None, float("nan"))) for grade_id in test_ids
    }
    graded = course / "autograded" / student / chapter / f"{chapter}.ipynb"
    errors, ran = {}, []
    if graded.is_file():
        for index, cell in enumerate(nbformat.read(graded, as_version=4).cells):
            problem = _cell_problem(cell) if _grade_id(cell) in scores else None
            if problem:
                errors[_grade_id(cell)] = problem
            skipped = [o.get("text") for o in cell.get("outputs", [])] == [SKIPPED_NOTE]
            if CASE_STUDY_KEY in cell.get("metadata", {}) and not skipped:
                ran.append(index)
    return Grading(student, scores, errors, manual, ran=ran, log=log)


@dataclass
class Course:
    """A chapter after `nbgrader generate_assignment`, in a temporary course."""

    chapter: str
    root: Path
    source: object  # the chapter notebook as written (nbformat node)
    release: object  # its student version
    env: dict[str, str]

    @property
    def solved(self) -> object:
        """The release with the solutions' answer cells: what a learner who
        answered as the solutions do hands in."""
        solutions = {
            _grade_id(c): _source(c)
            for c in self.source.cells
            if _is_solution(c) and c.cell_type == "code"
        }
        return _replace_answers(self.release, solutions)

    @property
    def test_ids(self) -> list[str]:
        return [_grade_id(c) for c in self.source.cells if _is_autograded_test(c)]

    def exercise_tests(self, exercise: str) -> set[str]:
        return {g for g in self.test_ids if _exercise_of(g) == exercise}


def build_course(chapter_dir: Path, tmp_path_factory, env: dict[str, str]) -> Course:
    """`nbgrader generate_assignment NN-name`, no flags, as in the repository root.

    The course directory holds what the repository root holds for nbgrader: the
    config and the chapter folder under notebooks/. The unfiltered notebook is the
    source, so the gradebook knows every graded cell.
    """
    chapter = chapter_dir.name
    source = nbformat.read(_notebook_path(chapter_dir), as_version=4)
    root = make_course(
        tmp_path_factory.mktemp(f"course-{chapter}"), chapter_dir, source
    )
    run_nbgrader(["generate_assignment", chapter], root, env)
    release = nbformat.read(
        root / "release" / chapter / f"{chapter}.ipynb", as_version=4
    )
    return Course(chapter, root, source, release, env)


@pytest.fixture(scope="module", params=CHAPTERS)
def course(request, tmp_path_factory, nbgrader_env) -> Course:
    """Every chapter as an nbgrader course (see :func:`build_course`)."""
    return build_course(request.param, tmp_path_factory, nbgrader_env)


@pytest.fixture(scope="module", params=PIPELINE_CHAPTERS)
def pipeline_course(request, tmp_path_factory, nbgrader_env) -> Course:
    """The chapters that the crash and tampering submissions are tried on."""
    return build_course(request.param, tmp_path_factory, nbgrader_env)


def _replace_answers(nb, replacements: dict[str, str]):
    """A copy of ``nb`` whose answer cells ``grade_id -> source`` are replaced.

    Only answer (solution) cells are changed, keeping their cell ids and metadata:
    autograde overwrites read-only and test cells with the gradebook's copy anyway
    (hidden tests included), and takes answer cells as submitted.
    """
    submission = nbformat.from_dict(json.loads(json.dumps(nb)))
    found = set()
    for cell in submission.cells:
        grade_id = _grade_id(cell)
        if grade_id in replacements:
            cell.source = replacements[grade_id]
            found.add(grade_id)
    missing = set(replacements) - found
    assert not missing, f"no answer cells {sorted(missing)} in the notebook"
    return submission


@dataclass
class BrokenPlan:
    replacements: dict[str, str]
    broken_exercises: set[str]
    died_in: str | None = None  # the answer cell that kills the kernel


def _answers_by_exercise(nb) -> dict[str, list[str]]:
    """Answer cell ids of each exercise, exercises in notebook order."""
    answers: dict[str, list[str]] = {}
    for cell in nb.cells:
        if _is_solution(cell) and cell.cell_type == "code":
            answers.setdefault(_exercise_of(_grade_id(cell)), []).append(
                _grade_id(cell)
            )
    return answers


def plan_broken_submission(nb) -> BrokenPlan:
    """Choose which answers loop, raise and kill the kernel (e.).

    Among the exercises without a ``wrong_answer`` (the others when there are
    too few), in notebook order: the first one's first answer cell loops and
    its other answer cells raise; the second one's answers raise; the last
    one's first answer cell calls ``os._exit`` (when it is a third exercise).
    Every test cell of a broken exercise, and every test cell after the dead
    kernel, must score zero; all the others full marks.
    """
    answers = _answers_by_exercise(nb)
    wrong_exercises = {
        _exercise_of(answer_id) for answer_id, _, _ in _wrong_answers(nb)
    }
    order = [e for e in answers if e not in wrong_exercises] + [
        e for e in answers if e in wrong_exercises
    ]
    replacements: dict[str, str] = {}
    if order:
        looping = answers[order[0]]
        replacements[looping[0]] = LOOP_SOURCE
        for grade_id in looping[1:]:
            replacements[grade_id] = RAISE_SOURCE
    for exercise in order[1:2]:
        for grade_id in answers[exercise]:
            replacements[grade_id] = RAISE_SOURCE
    plan = BrokenPlan(replacements, {_exercise_of(g) for g in replacements})
    rest = [e for e in answers if e not in plan.broken_exercises]
    if rest:
        plan.died_in = answers[rest[-1]][0]
        replacements[plan.died_in] = EXIT_SOURCE
        plan.broken_exercises.add(rest[-1])
    return plan


def cells_tested_after(nb, grade_id: str) -> set[str]:
    """The autograded test cells that come after cell ``grade_id``."""
    ids = [_grade_id(c) for c in nb.cells]
    start = ids.index(grade_id)
    return {_grade_id(c) for c in nb.cells[start + 1 :] if _is_autograded_test(c)}


@dataclass
class TamperPlan:
    submission: object
    tampered: str  # the answer cell that patches the checks
    fails: set[str]  # test cells its wrong answer must still fail
    deleted: str | None  # a test cell removed from the submission


def plan_tampered_submission(source, solved) -> TamperPlan:
    """A wrong answer (from the ``source`` notebook) that also turns every check
    into a no-op, and a deleted test cell in another exercise (f.), made from
    the ``solved`` release."""
    answer_id, wrong, fails = _wrong_answers(source)[0]
    submission = _replace_answers(solved, {answer_id: wrong + "\n" + PATCH_SOURCE})
    others = [
        _grade_id(c)
        for c in submission.cells
        if _is_autograded_test(c)
        and _exercise_of(_grade_id(c)) != _exercise_of(answer_id)
    ]
    deleted = others[0] if others else None
    submission.cells = [c for c in submission.cells if _grade_id(c) != deleted]
    return TamperPlan(submission, answer_id, set(fails), deleted)


def autograde(course: Course, submissions: dict[str, object], args: list[str]) -> dict:
    """Autograde ``student -> notebook`` in one nbgrader run, in a course copy."""
    root = course.root.parent / f"{course.root.name}-{'-'.join(submissions)}"
    shutil.copytree(course.root, root)
    for student, nb in submissions.items():
        folder = root / "submitted" / student / course.chapter
        folder.mkdir(parents=True)
        nbformat.write(nb, folder / f"{course.chapter}.ipynb")
    result = run_nbgrader(["autograde", course.chapter, *args], root, course.env)
    log = result.stdout + result.stderr
    return {
        student: read_grading(root, course.chapter, student, course.test_ids, log)
        for student in submissions
    }


def _autograde_in_parallel(course: Course, runs: list) -> dict[str, Grading]:
    with ThreadPoolExecutor(max_workers=len(runs)) as pool:
        futures = [pool.submit(autograde, course, *run) for run in runs]
        results: dict[str, Grading] = {}
        for future in futures:
            results.update(future.result())
    return results


FULL_MARKS_CHAPTERS = {"99-fixture"}  # b. (see the module docstring)


@pytest.fixture(scope="module")
def graded(course: Course) -> dict[str, Grading]:
    """Autograde the chapter's submissions (b.-d.) in one nbgrader run (one
    start-up of nbgrader; the other test worker keeps the second core busy),
    with the configured per-cell timeout."""
    wrong = {answer_id: src for answer_id, src, _ in _wrong_answers(course.source)}
    submissions = {
        "wrong": _replace_answers(course.solved, wrong),
        "release": course.release,
    }
    if course.chapter in FULL_MARKS_CHAPTERS:
        submissions["as-is"] = course.solved
    return autograde(course, submissions, [])


@pytest.fixture(scope="module")
def graded_pipeline(pipeline_course: Course) -> dict[str, Grading]:
    """Autograde the broken and the tampered submission (e., f.) in parallel:
    the broken one with a short per-cell timeout given on the command line for
    that run only."""
    course = pipeline_course
    plan = plan_broken_submission(course.source)
    tampered = plan_tampered_submission(course.source, course.solved)
    return _autograde_in_parallel(
        course,
        [
            (
                {"broken": _replace_answers(course.solved, plan.replacements)},
                [f"--Execute.timeout={BROKEN_RUN_CELL_TIMEOUT}"],
            ),
            ({"tampered": tampered.submission}, []),
        ],
    )


# --------------------------------------------------------------------------- #
# The pipeline tests
# --------------------------------------------------------------------------- #


@pytest.mark.timeout(TEST_TIMEOUT)
def test_release_has_no_solutions_and_keeps_graded_cells(course: Course):
    """a. the student version of the real notebook hides solutions and hidden tests."""
    problems = release_problems(course.source, course.release)
    assert not problems, f"release/{course.chapter}:\n  " + "\n  ".join(problems)


@pytest.mark.timeout(TEST_TIMEOUT)
def test_source_scores_full_marks(course: Course, graded):
    """b. the instructor's solutions earn every point."""
    if course.chapter not in FULL_MARKS_CHAPTERS:
        pytest.skip("nbval runs every test cell against the solutions (see d.)")
    result = graded["as-is"]
    lost = {g: s for g, s in result.scores.items() if s[0] != s[1]}
    assert result.scores and not lost, (
        f"the solutions lose points on {sorted(lost)}; {result.table()}"
    )


@pytest.mark.timeout(TEST_TIMEOUT)
def test_untouched_release_scores_zero(graded):
    """c. no free points: the student version as released earns nothing."""
    result = graded["release"]
    free = {g: s for g, s in result.scores.items() if s[0] != 0}
    assert not free, f"free points on {sorted(free)}; {result.table()}"


@pytest.mark.timeout(TEST_TIMEOUT)
def test_wrong_answer_loses_exactly_the_listed_points(course: Course, graded):
    """d. the bdl.wrong_answer loses the points of bdl.fails, and only those."""
    result = graded["wrong"]
    fails = {g for _, _, listed in _wrong_answers(course.source) for g in listed}
    assert fails, "no bdl.wrong_answer with fails in this chapter"
    unexpected = {
        g: s
        for g, s in result.scores.items()
        if (g in fails and s[0] != 0) or (g not in fails and s[0] != s[1])
    }
    assert not unexpected, (
        f"expected 0 on {sorted(fails)} and full marks elsewhere, but not on "
        f"{sorted(unexpected)}; {result.table()}"
    )
    assert not result.ran, (
        f"grading ran the case-study cells {result.ran}: an exercise reads a name "
        "they define (see test_exercises_need_only_the_setup_cell_and_their_own_cells)"
    )


@pytest.mark.timeout(TEST_TIMEOUT)
def test_looping_raising_and_crashing_answers_are_graded(
    pipeline_course: Course, graded_pipeline
):
    """e. an infinite loop is interrupted after the cell timeout, an exception
    costs only its exercise, and an answer that kills the kernel costs its
    exercise and every later cell: the notebook is still graded."""
    course = pipeline_course
    plan = plan_broken_submission(course.source)
    result = graded_pipeline["broken"]
    broken = {g for e in plan.broken_exercises for g in course.exercise_tests(e)}
    if plan.died_in:
        broken |= cells_tested_after(course.source, plan.died_in)
    assert broken, "no answer cell to break in this chapter"
    unexpected = {
        g: s
        for g, s in result.scores.items()
        if (g in broken and s[0] != 0) or (g not in broken and s[0] != s[1])
    }
    replaced = {k: v.strip() for k, v in plan.replacements.items()}
    assert not unexpected, (
        f"answers replaced: {replaced}; expected 0 on {sorted(broken)} and full "
        f"marks elsewhere, but not on {sorted(unexpected)}; {result.table()}"
    )
    if plan.died_in:
        died = cells_tested_after(course.source, plan.died_in)
        assert all("KernelDied" in result.errors.get(g, "") for g in died), (
            f"the tests after the dead kernel should say so; {result.table()}"
        )


@pytest.mark.timeout(TEST_TIMEOUT)
def test_patched_checks_and_a_deleted_test_cell_do_not_fool_grading(
    pipeline_course: Course, graded_pipeline
):
    """f. a wrong answer that also replaces every check with a no-op still loses
    its points, and the tests after it are flagged for a manual grade; a test
    cell deleted from the submission is put back, graded, and logged."""
    course = pipeline_course
    plan = plan_tampered_submission(course.source, course.solved)
    result = graded_pipeline["tampered"]
    unexpected = {
        g: s
        for g, s in result.scores.items()
        if (g in plan.fails and s[0] != 0) or (g not in plan.fails and s[0] != s[1])
    }
    assert not unexpected, (
        f"with the checks patched in {plan.tampered}, expected 0 on "
        f"{sorted(plan.fails)} and full marks elsewhere, but not on "
        f"{sorted(unexpected)}; {result.table()}"
    )
    flagged = cells_tested_after(course.source, plan.tampered)
    assert result.manual == flagged, (
        f"expected the tests after {plan.tampered} flagged for a manual grade: "
        f"{sorted(flagged)}; flagged: {sorted(result.manual)}"
    )
    assert f"Answer cell {plan.tampered}" in result.log
    if plan.deleted:
        assert f"Missing grade cell {plan.deleted}" in result.log


# --------------------------------------------------------------------------- #
# The configuration itself
# --------------------------------------------------------------------------- #


def test_timeout_setting_reaches_the_execute_preprocessor(tmp_path, monkeypatch):
    """The per-cell timeout in nbgrader_config.py is the one autograde uses.

    Loads the config the way `nbgrader autograde` does (an AutogradeApp in the
    course root) and reads the value off the Execute preprocessor that the
    Autograde converter registers on its exporter.
    """
    from nbconvert.exporters import NotebookExporter
    from nbgrader.apps.autogradeapp import AutogradeApp
    from nbgrader.converters import Autograde
    from nbgrader.preprocessors import Execute

    shutil.copy(CONFIG_FILE, tmp_path / "nbgrader_config.py")
    shutil.copy(STEPS_FILE, tmp_path / "nbgrader_steps.py")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("JUPYTER_CONFIG_DIR", str(tmp_path / "no-user-config"))

    def execute_preprocessor(argv: list[str]) -> Execute:
        app = AutogradeApp()
        app.initialize(argv)
        converter = Autograde(coursedir=app.coursedir, parent=app)
        exporter = NotebookExporter(parent=converter, config=converter.config)
        exporter.register_preprocessor(Execute)
        (execute,) = [p for p in exporter._preprocessors if isinstance(p, Execute)]
        assert app.coursedir.source_directory == "notebooks"
        return execute

    from traitlets.config.loader import PyFileConfigLoader

    written = PyFileConfigLoader("nbgrader_config.py", path=str(tmp_path)).load_config()
    assert "timeout" in written.Execute, "set c.Execute.timeout in nbgrader_config.py"
    configured = execute_preprocessor([])
    assert configured.timeout == written.Execute.timeout
    assert configured.interrupt_on_timeout is True
    # The command line overrides the file, as the broken-submission run relies on.
    assert execute_preprocessor(["--Execute.timeout=7"]).timeout == 7
