"""The course's own ``nbgrader autograde`` steps (loaded by ``nbgrader_config.py``).

nbgrader runs a submission in a kernel that the learner's code controls, so
in-kernel grading cannot stop a determined cheat (see the README, "Grading").
These steps close the cheap holes, and make every failure visible:

- :class:`CourseExecute`: runs only what the graded cells need. The
  release marks each case-study cell (a code cell that is neither the setup
  cell nor an nbgrader cell) with a digest of its source
  (:class:`MarkCaseStudyCells`); when a submission is graded or validated,
  such a cell is not run if it is unchanged and no cell that runs reads a
  name it defines (:func:`cells_to_skip`). The exercises need only the setup
  cell and their own cells (tests/test_grading_pipeline.py checks it), so
  Validate and autograde take seconds instead of re-training every case
  study, and hold one small kernel instead of a notebook's worth of models.
  A learner's own cells, and case-study cells they edited, always run.
- :class:`CourseExecute` also shortens the bare ``NotImplementedError`` of an
  unanswered exercise's tests to one line naming the exercise
  (:func:`explain_unanswered`), and a failed ``assert`` of a test cell to its
  message (:func:`shorten_failed_assert`), in Validate's report and in the
  feedback.
- :func:`summarize_validation` (wrapped around ``Validator.validate`` by
  ``nbgrader_config.py``): Validate's report opens with each exercise's
  verdict, passed or not, and names each failed test by its exercise and its
  docstring's line instead of its code.
- :class:`CourseExecute` also: a submission whose answer kills the kernel (for
  example ``os._exit(0)``) is still graded: the cells before the crash keep
  their points, every later cell gets an error output saying the kernel died
  (so its tests score zero), and the run ends at once instead of waiting.
  Before each autograded test cell it imports the grading checks afresh
  (``bdl_helpers.grading``, its submodules and the ``bdl_helpers.curves`` they
  read curves with, from their files) and rebinds
  ``bdl``, so an answer cell that replaced a check with a no-op, in the
  package or in a submodule, does not fool the tests.
- :class:`FlagTampering`: saves the grades as nbgrader does, and marks every
  test cell after an answer cell that rebinds attributes of modules,
  ``bdl``/``bdl_helpers``, ``builtins`` or ``sys.modules`` (or calls
  ``setattr``, ``exec``, ``importlib`` and the like) as *needs manual grade*,
  with a warning in the autograde log naming the cell and what it does.

- :class:`RestoreDeletedCells`: a deleted test cell is put back and graded
  (nbgrader's ``OverwriteCells.add_missing_cells``, set in
  ``nbgrader_config.py``), with a warning in the log and a note at the top of
  the restored cell. nbgrader 0.9 fails the whole submission when the cell
  before the deleted one is a read-only cell; this version puts the cell
  after the nearest earlier cell that is still there.

This module imports only nbgrader and the standard library: nbgrader loads
it in its own process, where TensorFlow is not needed.
"""

from __future__ import annotations

import ast
import hashlib
import re

from nbclient.exceptions import DeadKernelError
from nbformat.v4 import new_code_cell, new_output
from nbgrader.preprocessors import (
    Execute,
    NbGraderPreprocessor,
    OverwriteCells,
    SaveAutoGrades,
)

# Run (silently, as its own execution) before every autograded test cell.
GUARD_SOURCE = """\
import importlib as _bdl_importlib, sys as _bdl_sys
_bdl_stale = [n for n in _bdl_sys.modules
              if n in ("bdl_helpers.grading", "bdl_helpers.curves")
              or n.startswith("bdl_helpers.grading.")]
_bdl_name = None
for _bdl_name in _bdl_stale:
    del _bdl_sys.modules[_bdl_name]
_bdl_importlib.import_module("bdl_helpers.grading")  # also sets bdl_helpers.grading
import bdl_helpers as bdl
del _bdl_importlib, _bdl_sys, _bdl_stale, _bdl_name
"""

KERNEL_DIED = (
    "KernelDied",
    "The kernel stopped while running cell {cell} (an answer that exits or "
    "crashes Python, e.g. os._exit or sys.exit in a thread); this cell and every "
    "cell after it were not run and score zero.",
)

# Names whose attributes an answer cell has no reason to set.
_PROTECTED = {"bdl", "bdl_helpers", "builtins", "__builtins__", "sys", "importlib"}
_SUSPICIOUS_CALLS = {"setattr", "delattr", "exec", "eval", "__import__", "compile"}


# The release's mark on a case-study cell: the digest of its source as released.
CASE_STUDY_KEY = "bdl_case_study"
SKIPPED_NOTE = (
    "Not run for grading: no graded cell needs this case-study cell, "
    "and it is unchanged from the release.\n"
)
# A cell that calls one of these may read any name: every earlier cell runs.
_READS_ANYTHING = {"globals", "locals", "vars", "eval", "exec", "run_cell_magic"}
_ANY = "*"  # stands for "every name"


def _nbgrader(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def is_autograded_test(cell) -> bool:
    """An autograded test cell: graded, not an answer, code."""
    meta = _nbgrader(cell)
    return cell.cell_type == "code" and meta.get("grade") and not meta.get("solution")


def is_answer(cell) -> bool:
    return cell.cell_type == "code" and bool(_nbgrader(cell).get("solution"))


def _root_name(node: ast.AST) -> str | None:
    while isinstance(node, (ast.Attribute, ast.Subscript)):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def tampering(source: str) -> str | None:
    """What in an answer cell's ``source`` changes the grading environment, or None.

    Flags assignments to (or deletions of) attributes and items of imported
    modules' names and of ``bdl``, ``builtins``, ``sys.modules``; rebinding
    the name ``bdl``; calls of ``setattr``, ``delattr``, ``exec``, ``eval``,
    ``compile``, ``__import__``; and any use of ``importlib`` or ``builtins``.
    Ordinary answers (models, numbers, functions, ``bdl.fit(...)`` calls) pass.

    >>> tampering("model = keras.Sequential()") is None
    True
    >>> tampering("bdl.grading.check_model = lambda *a, **k: None")
    'assigns bdl.grading.check_model'
    """
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None  # the kernel reports it; nothing ran
    modules = set(_PROTECTED)
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                name = alias.asname or alias.name.split(".")[0]
                if isinstance(node, ast.Import):
                    modules.add(name)
                if alias.name.split(".")[0] in ("importlib", "builtins"):
                    return f"imports {alias.name}"
    for node in ast.walk(tree):
        targets = []
        if isinstance(node, (ast.Assign, ast.Delete)):
            targets = node.targets
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
            targets = [node.target]
        for target in targets:
            for part in ast.walk(target):
                if isinstance(part, (ast.Attribute, ast.Subscript)):
                    root = _root_name(part)
                    if root in modules:
                        return f"assigns {ast.unparse(part)}"
                elif isinstance(part, ast.Name) and part.id in ("bdl", "bdl_helpers"):
                    return f"rebinds the name {part.id}"
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            if node.func.id in _SUSPICIOUS_CALLS:
                return f"calls {node.func.id}()"
        if isinstance(node, ast.Name) and node.id in ("__builtins__", "builtins"):
            return f"uses {node.id}"
    return None


def source_digest(source: str) -> str:
    """A short digest of a cell's source, as the release records it."""
    return hashlib.sha256(source.encode()).hexdigest()[:16]


def is_case_study(cell) -> bool:
    """A code cell of the lesson: not the setup cell, not an nbgrader cell."""
    meta = _nbgrader(cell)
    graded = any(meta.get(k) for k in ("grade", "solution", "locked", "task"))
    tags = cell.get("metadata", {}).get("tags", [])
    return cell.cell_type == "code" and not graded and "setup" not in tags


def _parse(source: str) -> ast.Module | None:
    try:
        return ast.parse(source)
    except SyntaxError:
        pass
    try:  # IPython syntax: magics, shell escapes
        from IPython.core.inputtransformer2 import TransformerManager

        return ast.parse(TransformerManager().transform_cell(source))
    except Exception:  # noqa: BLE001  (anything unreadable is treated as opaque)
        return None


def cell_names(source: str) -> tuple[set[str], set[str]]:
    r"""``(reads, binds)``: names a cell reads before binding them, names it binds.

    A read counts when the name's first use in the cell (in source order) is a
    load, so ``x = 1; print(x)`` needs no earlier ``x`` but ``x += 1`` does.
    Function and lambda arguments and comprehension variables are local. A
    cell that cannot be parsed, or calls ``globals()``, ``eval``, ``exec`` or a
    cell magic, reads ``"*"`` (anything); a star import binds ``"*"``.

    >>> reads, binds = cell_names("h = fit(model)\nh.plot()")
    >>> sorted(reads), sorted(binds)
    (['fit', 'model'], ['h'])
    >>> cell_names("total += sum(v for v in values)")[0] == {"total", "sum", "values"}
    True
    """
    tree = _parse(source)
    if tree is None:
        return {_ANY}, set()
    scan = _NameScan()
    scan.visit(tree)
    first: dict[str, int] = {}
    for _, _, kind, name in sorted(scan.events):
        first.setdefault(name, kind)
    return {n for n, kind in first.items() if kind == 0}, scan.binds


class _NameScan(ast.NodeVisitor):
    """Module-level bindings, and loads of names not local to a function."""

    def __init__(self) -> None:
        self.events: list[tuple[int, int, int, str]] = []  # line, col, 0 load/1 store
        self.binds: set[str] = set()
        self.local: list[set[str]] = []  # names local to each enclosing scope
        # Where a binding takes effect: after the value it binds is computed
        # (``x = f(x)`` reads the old ``x``), not where its name is written.
        self.bound_at: tuple[int, int] | None = None

    def _load(self, node: ast.AST, name: str, offset: int = 0) -> None:
        if not any(name in scope for scope in self.local):
            self.events.append((node.lineno, node.col_offset + offset, 0, name))

    def _store(self, node: ast.AST, name: str) -> None:
        if not self.local:  # a module-level binding
            line, column = self.bound_at or (node.lineno, node.col_offset)
            self.events.append((line, column, 1, name))
            self.binds.add(name)

    def _scope(self, node: ast.AST, names: set[str], body: list[ast.AST]) -> None:
        nodes = [n for part in body for n in ast.walk(part)]
        stored = {
            n.id
            for n in nodes
            if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load)
        }
        declared = {g for n in nodes if isinstance(n, ast.Global) for g in n.names}
        self.local.append((names | stored) - declared)
        for part in body:
            self.visit(part)
        self.local.pop()

    def visit_Name(self, node: ast.Name) -> None:
        if isinstance(node.ctx, ast.Load | ast.Del):
            self._load(node, node.id)
        else:
            self._store(node, node.id)

    def _bind_after(self, value: ast.AST | None, targets: list, after: ast.AST) -> None:
        """Visit ``value``, then ``targets`` as bound at the end of ``after``."""
        if value is not None:
            self.visit(value)
        saved, self.bound_at = self.bound_at, (after.end_lineno, after.end_col_offset)
        for target in targets:
            self.visit(target)
        self.bound_at = saved

    def visit_Assign(self, node: ast.Assign) -> None:
        self._bind_after(node.value, node.targets, node)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        self.visit(node.annotation)
        self._bind_after(node.value, [node.target], node)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        if isinstance(node.target, ast.Name):  # reads the old value first
            self._load(node, node.target.id, offset=-1)
        self._bind_after(node.value, [node.target], node)

    def visit_NamedExpr(self, node: ast.NamedExpr) -> None:
        self._bind_after(node.value, [node.target], node)

    def visit_For(self, node: ast.For) -> None:
        self._bind_after(node.iter, [node.target], node.iter)
        for part in [*node.body, *node.orelse]:
            self.visit(part)

    visit_AsyncFor = visit_For

    def visit_With(self, node: ast.With) -> None:
        for item in node.items:
            targets = [item.optional_vars] if item.optional_vars else []
            self._bind_after(item.context_expr, targets, item.context_expr)
        for part in node.body:
            self.visit(part)

    visit_AsyncWith = visit_With

    def _function(self, node) -> None:
        for default in [*node.args.defaults, *node.args.kw_defaults]:
            if default is not None:
                self.visit(default)
        for decorator in getattr(node, "decorator_list", []):
            self.visit(decorator)
        args = node.args
        names = {
            a.arg
            for a in [*args.posonlyargs, *args.args, *args.kwonlyargs]
            + [a for a in (args.vararg, args.kwarg) if a]
        }
        body = node.body if isinstance(node.body, list) else [node.body]
        self._scope(node, names, body)

    def visit_FunctionDef(self, node) -> None:
        self._store(node, node.name)
        self._function(node)

    visit_AsyncFunctionDef = visit_FunctionDef
    visit_Lambda = _function

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self._store(node, node.name)
        for part in [*node.bases, *node.decorator_list]:
            self.visit(part)
        self._scope(node, set(), node.body)

    def _comprehension(self, node) -> None:
        first, *others = node.generators
        self.visit(first.iter)  # evaluated in the enclosing scope
        self.local.append(
            {
                n.id
                for generator in node.generators
                for n in ast.walk(generator.target)
                if isinstance(n, ast.Name)
            }
        )
        for part in [*first.ifs, *others]:
            self.visit(part)
        for field in ("elt", "key", "value"):
            if hasattr(node, field):
                self.visit(getattr(node, field))
        self.local.pop()

    visit_ListComp = visit_SetComp = _comprehension
    visit_GeneratorExp = visit_DictComp = _comprehension

    def visit_Import(self, node) -> None:
        for alias in node.names:
            if alias.name == "*":
                self.binds.add(_ANY)
            else:
                self._store(node, (alias.asname or alias.name).split(".")[0])

    visit_ImportFrom = visit_Import

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        if node.name:
            self._store(node, node.name)
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        name = getattr(func, "id", None) or getattr(func, "attr", None)
        if name in _READS_ANYTHING:
            self.events.append((0, 0, 0, _ANY))
        self.generic_visit(node)


def cells_to_skip(cells) -> set[int]:
    """Indices of the case-study cells that grading need not run.

    A candidate is a code cell that still carries the release's mark with its
    released source (:data:`CASE_STUDY_KEY`). Every other cell runs, and so
    does each candidate that defines the value a running cell reads: for each
    name a running cell reads, the last earlier cell that binds it (where a
    full run would take the value from), repeated until nothing changes.
    Candidates that star-import are never skipped.
    """
    code = [i for i, cell in enumerate(cells) if cell.cell_type == "code"]
    candidates = {
        i
        for i in code
        if cells[i].get("metadata", {}).get(CASE_STUDY_KEY)
        == source_digest(cells[i].source)
    }
    if not candidates:
        return set()
    names = {i: cell_names(cells[i].source) for i in code}
    skipped = {i for i in candidates if _ANY not in names[i][1]}
    pending = [i for i in code if i not in skipped]
    while pending:
        k = pending.pop()
        reads = names[k][0]
        earlier = [i for i in code if i < k]
        if _ANY in reads:
            needed = set(earlier)
        else:
            needed = set()
            for name in reads:
                binders = [i for i in earlier if name in names[i][1]]
                if binders:
                    needed.add(binders[-1])
        for i in needed & skipped:
            skipped.discard(i)
            pending.append(i)
    return skipped


def explain_unanswered(cell) -> None:
    """Shorten a bare ``NotImplementedError`` of a test cell to what it means.

    An exercise's answer cell holds ``raise NotImplementedError()`` until it
    is answered, and every test of the exercise then fails with a traceback
    through that line. Validate and the feedback show instead one line that
    names the exercise and what to do; the error (and so the score) stays.

    >>> from nbformat.v4 import new_code_cell, new_output
    >>> cell = new_code_cell("check(build())", metadata={
    ...     "nbgrader": {"grade": True, "grade_id": "ch05-ex3-model"}})
    >>> cell.outputs = [new_output("error", ename="NotImplementedError",
    ...                            evalue="", traceback=["...", "..."])]
    >>> explain_unanswered(cell)
    >>> cell.outputs[0].traceback[0][:53]
    'NotImplementedError: exercise 3 is not answered yet: '
    """
    if not is_autograded_test(cell):
        return
    grade_id = _nbgrader(cell).get("grade_id", "")
    number = grade_id.split("-ex")[1].split("-")[0] if "-ex" in grade_id else ""
    exercise = f"exercise {number}" if number.isdigit() else "this exercise"
    for output in cell.get("outputs", []):
        if (
            output.get("output_type") == "error"
            and output.get("ename") == "NotImplementedError"
            and not output.get("evalue")
        ):
            # one short line: nbgrader validate cuts lines at 90 characters
            output["traceback"] = [
                f"NotImplementedError: {exercise} is not answered yet: "
                "its answer cell still raises."
            ]


_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_FRAME = re.compile(r"(Cell In\[(\d+)\]|File |Input In \[)")


def shorten_failed_assert(cell) -> None:
    r"""Show a test cell's failed ``assert`` as its message alone.

    Validate's report (and the feedback) shows a failed test cell's source,
    then its error. When the ``assert`` that failed is the test cell's own
    (every frame of the traceback is in this cell, in a helper it defines
    too), the traceback repeats lines the report already shows (and, in the
    feedback, the hidden tests around them): the message says what to fix.
    An assertion raised in any other code (the learner's, a library's) keeps
    its traceback; the error (and so the score) stays.

    >>> from nbformat.v4 import new_code_cell, new_output
    >>> cell = new_code_cell("assert answer == 3, 'answer should be 3'",
    ...     metadata={"nbgrader": {"grade": True, "grade_id": "ch01-ex1-value"}})
    >>> cell.execution_count = 7
    >>> cell.outputs = [new_output("error", ename="AssertionError",
    ...     evalue="answer should be 3", traceback=["-----",
    ...     "AssertionError     Traceback (most recent call last)",
    ...     "Cell In[7], line 1\n----> 1 assert answer == 3, 'answer should be 3'",
    ...     "AssertionError: answer should be 3"])]
    >>> shorten_failed_assert(cell)
    >>> cell.outputs[0].traceback
    ['AssertionError: answer should be 3']
    """
    if not is_autograded_test(cell):
        return
    for output in cell.get("outputs", []):
        if (
            output.get("output_type") != "error"
            or output.get("ename") != "AssertionError"
            or not output.get("evalue")
        ):
            continue
        entries = [_ANSI.sub("", entry) for entry in output.get("traceback", [])]
        frames = [frame for frame in map(_FRAME.match, entries) if frame]
        own = str(cell.get("execution_count"))
        if frames and all(frame.group(2) == own for frame in frames):
            output["traceback"] = [f"AssertionError: {output['evalue']}"]


def summarize_test_cell(source: str) -> str:
    r"""What a failed test cell checks, in one line: its docstring.

    Validate's report lists each failed test cell's source before its error:
    for a learner, a screenful of checking code per exercise before the one
    line that says what to do. Every test cell of the course opens with a
    one-line docstring saying what it checks; the report shows that instead
    (a cell without one shows its first line). The cell itself is in the
    notebook, one click away.

    >>> summarize_test_cell("'Check build_model(): 2 inputs.'\ncheck(build())")
    'Check build_model(): 2 inputs.'
    >>> summarize_test_cell("assert x == 3\nassert y == 4")
    'assert x == 3 ...'
    """
    tree = _parse(source)
    docstring = ast.get_docstring(tree) if tree is not None else None
    if docstring:
        return " ".join(docstring.split())
    lines = source.strip().splitlines()
    return lines[0] + (" ..." if len(lines) > 1 else "") if lines else ""


_EXERCISE = re.compile(r"-ex(\d+)-")


def _exercise_of(cell) -> str:
    """The exercise a test cell belongs to, from its grade id (``ch00-ex2-...``)."""
    found = _EXERCISE.search(_nbgrader(cell).get("grade_id", ""))
    return f"Exercise {int(found.group(1))}" if found else "Check"


def summarize_validation(results: dict, nb) -> dict:
    r"""Validate's report for a learner: the verdict per exercise, then each failure.

    ``results`` is what nbgrader's ``Validator.validate`` returns for the
    notebook ``nb`` as saved (before Validate ran it). Each failed test cell
    shows as ``Exercise N · <its docstring's line>`` (see
    :func:`summarize_test_cell`), and the first one opens with a line per
    exercise, passed or not, so the report starts with the whole verdict:
    nbgrader's dialog (and ``nbgrader validate``) lists only the failed cells,
    and says nothing about the exercises that pass.

    >>> from nbformat.v4 import new_code_cell
    >>> def test(grade_id, source):
    ...     return new_code_cell(source, metadata={"nbgrader": {
    ...         "grade": True, "grade_id": grade_id, "points": 1}})
    >>> nb = {"cells": [test("ch00-ex1-a", "'Check a.'\nassert a"),
    ...                 test("ch00-ex2-b", "'Check b.'\nassert b"),
    ...                 test("ch00-ex2-c", "'Check c.'\nassert c")]}
    >>> report = summarize_validation(
    ...     {"failed": [{"source": "'Check c.'\nassert c", "error": "E"}]}, nb)
    >>> print(report["failed"][0]["source"])
    Exercise 1: passes.
    Exercise 2: 1 of 2 checks fail.
    <BLANKLINE>
    Exercise 2 · Check c.
    """
    failed = results.get("failed")
    if not failed:
        return results
    tests = [c for c in nb["cells"] if is_autograded_test(c)]
    by_source = {c["source"].strip(): c for c in tests}
    failing = set()
    for failure in failed:
        cell = by_source.get(failure["source"].strip())
        label = _exercise_of(cell) if cell is not None else "Check"
        if cell is not None:
            failing.add(id(cell))
        failure["source"] = f"{label} · {summarize_test_cell(failure['source'])}"
    exercises: dict[str, list[bool]] = {}
    for cell in tests:
        exercises.setdefault(_exercise_of(cell), []).append(id(cell) in failing)
    lines = []
    for label, fails in exercises.items():
        if not any(fails):
            lines.append(f"{label}: passes.")
        elif all(fails):
            lines.append(
                f"{label}: fails."
                if len(fails) == 1
                else f"{label}: all {len(fails)} checks fail."
            )
        else:
            lines.append(f"{label}: {sum(fails)} of {len(fails)} checks fail.")
    failed[0]["source"] = "\n".join(lines) + "\n\n" + failed[0]["source"]
    return results


class MarkCaseStudyCells(NbGraderPreprocessor):
    """Release step: mark each case-study cell with its source's digest."""

    def preprocess_cell(self, cell, resources, index):
        if is_case_study(cell):
            cell.metadata[CASE_STUDY_KEY] = source_digest(cell.source)
        else:
            cell.metadata.pop(CASE_STUDY_KEY, None)
        return cell, resources


class CourseExecute(Execute):
    """nbgrader's ``Execute``, which survives a dead kernel and re-arms the checks."""

    def preprocess(self, nb, resources=None, km=None):
        self._died_in: int | None = None
        self._skip = cells_to_skip(nb.cells)
        if self._skip:
            self.log.info(
                "Skipping %d unchanged case-study cells that no graded cell needs.",
                len(self._skip),
            )
        return super().preprocess(nb, resources, km)

    def _mark_not_run(self, cell, index: int) -> None:
        ename, evalue = KERNEL_DIED
        cell.outputs = [
            new_output(
                "error",
                ename=ename,
                evalue=evalue.format(cell=self._died_in),
                traceback=[f"{ename}: {evalue.format(cell=self._died_in)}"],
            )
        ]

    def _run(self, cell, resources, index):
        try:
            cell, resources = super().preprocess_cell(cell, resources, index)
            explain_unanswered(cell)
            shorten_failed_assert(cell)
            return cell, resources
        except DeadKernelError:
            self._died_in = index
            self.log.warning(
                "The kernel died in cell %d; later cells are not run and score zero.",
                index,
            )
            self._mark_not_run(cell, index)
            return cell, resources

    def preprocess_cell(self, cell, resources, index):
        if index in self._skip and self._died_in is None:
            cell.outputs = [new_output("stream", name="stdout", text=SKIPPED_NOTE)]
            cell.execution_count = None
            return cell, resources
        if self._died_in is not None:
            if cell.cell_type == "code":
                self._mark_not_run(cell, index)
            return cell, resources
        if is_autograded_test(cell):
            self._run(new_code_cell(GUARD_SOURCE), resources, index)
            if self._died_in is not None:
                self._mark_not_run(cell, index)
                return cell, resources
        return self._run(cell, resources, index)


class FlagTampering(SaveAutoGrades):
    """nbgrader's ``SaveAutoGrades``, flagging tests after a tampering answer."""

    def preprocess(self, nb, resources):
        self._flag_from: int | None = None
        self._reason = ""
        for index, cell in enumerate(nb.cells):
            reason = is_answer(cell) and tampering(cell.source)
            if reason:
                self._flag_from, self._reason = index, reason
                self.log.warning(
                    "Answer cell %s %s: the tests after it need a manual grade.",
                    _nbgrader(cell).get("grade_id"),
                    reason,
                )
                break
        self._index = {id(cell): i for i, cell in enumerate(nb.cells)}
        return super().preprocess(nb, resources)

    def _add_score(self, cell, resources) -> None:
        super()._add_score(cell, resources)
        index = self._index.get(id(cell), -1)
        if self._flag_from is not None and index > self._flag_from:
            grade = self.gradebook.find_grade(
                _nbgrader(cell)["grade_id"],
                self.notebook_id,
                self.assignment_id,
                self.student_id,
            )
            grade.needs_manual_grade = True
            self.gradebook.db.commit()


class RestoreDeletedCells(OverwriteCells):
    """nbgrader's ``OverwriteCells``, re-adding deleted grade cells robustly."""

    def add_missing_grade_cells(self, nb, resources):
        source_nb = self.gradebook.find_notebook(self.notebook_id, self.assignment_id)
        source_cells = source_nb.source_cells
        order = [cell.name for cell in source_cells]
        solutions = {cell.name for cell in source_nb.solution_cells}
        for grade_cell in source_nb.grade_cells:
            present = {
                _nbgrader(cell).get("grade_id"): i for i, cell in enumerate(nb.cells)
            }
            name = grade_cell.name
            if name in present:
                continue
            self.log.warning("Missing grade cell %s encountered, adding it back", name)
            k = order.index(name)
            cell = self.missing_cell_transform(
                source_cells[k], grade_cell.max_score, is_solution=name in solutions
            )
            earlier = [present[n] for n in order[:k] if n in present]
            nb.cells.insert(max(earlier) + 1 if earlier else 0, cell)
        return nb, resources
