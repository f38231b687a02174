"""The course's own ``nbgrader autograde`` steps (loaded by ``nbgrader_config.py``).

nbgrader runs a submission in a kernel that the learner's code controls, so
in-kernel grading cannot stop a determined cheat (see the README, "Grading").
These steps close the cheap holes, and make every failure visible:

- :class:`CourseExecute`: a submission whose answer kills the kernel (for
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

from nbclient.exceptions import DeadKernelError
from nbformat.v4 import new_code_cell, new_output
from nbgrader.preprocessors import Execute, OverwriteCells, SaveAutoGrades

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


class CourseExecute(Execute):
    """nbgrader's ``Execute``, which survives a dead kernel and re-arms the checks."""

    def preprocess(self, nb, resources=None, km=None):
        self._died_in: int | None = None
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
            return super().preprocess_cell(cell, resources, index)
        except DeadKernelError:
            self._died_in = index
            self.log.warning(
                "The kernel died in cell %d; later cells are not run and score zero.",
                index,
            )
            self._mark_not_run(cell, index)
            return cell, resources

    def preprocess_cell(self, cell, resources, index):
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
