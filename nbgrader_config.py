"""nbgrader configuration of the course: run every nbgrader command from this folder.

Each chapter is one assignment, named after its folder under ``notebooks/``::

    notebooks/00-introduction/00-introduction.ipynb  -> assignment "00-introduction"

    nbgrader generate_assignment 00-introduction  # student version in release/
    nbgrader autograde 00-introduction            # grades submitted/*/00-introduction

``generate_assignment`` creates the assignment in ``gradebook.db`` by itself
(``GenerateAssignment.create_assignment`` defaults to True in nbgrader 0.9), so no
``--create`` flag or ``nbgrader db`` step is needed.
"""

import sys
from pathlib import Path

c = get_config()  # noqa: F821  (injected by traitlets when nbgrader loads this file)
# The course's own nbgrader steps (nbgrader_steps.py) sit beside this file.
sys.path.insert(0, str(Path(__file__).resolve().parent))

c.CourseDirectory.course_id = "better-deep-learning"
# The exchange (where `nbgrader release_assignment` puts a release and
# `nbgrader collect` finds submissions) lives in the course folder, made here
# if missing (nbgrader never creates it), so the Formgrader works on a laptop
# without an error banner about /usr/local/share/nbgrader/exchange. On a
# JupyterHub, point c.Exchange.root at the shared folder instead.
_exchange = Path(__file__).resolve().parent / "exchange"
try:
    _exchange.mkdir(exist_ok=True)
except OSError:
    pass  # a read-only course folder: the Formgrader says it has no exchange
c.Exchange.root = str(_exchange)
# The chapter notebooks are the instructor ("source") versions of the assignments.
c.CourseDirectory.source_directory = "notebooks"
c.CourseDirectory.release_directory = "release"

# Per-cell execution timeout of `nbgrader autograde` and `nbgrader validate`, in
# seconds. nbgrader 0.9 runs notebooks with its own preprocessor class `Execute`
# (a subclass of nbconvert's ExecutePreprocessor that redeclares `timeout`, with a
# default of 30 s and config=True), so this is the setting to use. The
# `ExecutePreprocessor.timeout` of older nbgrader documentation reaches it only
# through traitlets' class inheritance, and `Execute.timeout` wins over it.
# tests/test_grading_pipeline.py checks the value that reaches the preprocessor.
# A looping cell is interrupted after this time and graded like a cell that
# raised; the cells after it still run. Override once: --Execute.timeout=300.
c.Execute.timeout = 120
c.Execute.interrupt_on_timeout = True
# After a reply, nbgrader waits 4 s for the cell's last output and, past that,
# fails the whole notebook. After an interrupted loop on a busy machine the
# kernel can take longer: wait 30 s, then grade the cell with what it printed.
c.Execute.iopub_timeout = 30
c.Execute.raise_on_iopub_timeout = False
# Once the last cell has run, stop the kernel at once: a kernel that imported
# TensorFlow takes 2-3 s to exit by itself, which jupyter_client waits out
# before it terminates it, for every notebook graded or validated.
c.Execute.shutdown_kernel = "immediate"


# The chapter notebooks keep, in metadata["bdl"], a wrong answer that the grading
# tests submit (tests/test_grading_pipeline.py). It stays out of the student
# version: the release runs nbgrader's own steps, then drops that metadata. It
# also marks each case-study cell with a digest of its source, so that grading
# can leave out the unchanged ones that no graded cell needs (nbgrader_steps.py).
def _release_preprocessors() -> list:
    from nbgrader.converters import GenerateAssignment
    from nbgrader.preprocessors import NbGraderPreprocessor

    from nbgrader_steps import MarkCaseStudyCells

    class ClearCourseMetadata(NbGraderPreprocessor):
        """Remove the course's own cell metadata (``bdl``) from the release."""

        def preprocess_cell(self, cell, resources, index):
            cell.metadata.pop("bdl", None)
            return cell, resources

    defaults = GenerateAssignment.class_traits()["preprocessors"].make_dynamic_default()
    return [*defaults, ClearCourseMetadata, MarkCaseStudyCells]


c.GenerateAssignment.preprocessors = _release_preprocessors()


# Autograding that a crash, a deleted test cell or a patched check cannot fool
# cheaply (nbgrader_steps.py, next to this file; see the README, "Grading").
def _autograde_preprocessors() -> list:
    from nbgrader.converters import Autograde
    from nbgrader.preprocessors import Execute, OverwriteCells, SaveAutoGrades

    from nbgrader_steps import CourseExecute, FlagTampering, RestoreDeletedCells

    ours = {
        Execute: CourseExecute,
        SaveAutoGrades: FlagTampering,
        OverwriteCells: RestoreDeletedCells,
    }
    traits = Autograde.class_traits()
    return [
        [ours.get(step, step) for step in traits[name].default()]
        for name in ("sanitize_preprocessors", "autograde_preprocessors")
    ]


c.Autograde.sanitize_preprocessors, c.Autograde.autograde_preprocessors = (
    _autograde_preprocessors()
)
# A deleted test (or read-only) cell is put back from the gradebook and graded,
# with a warning in the log and a note at the top of the cell.
c.OverwriteCells.add_missing_cells = True


# Validate (the button in JupyterLab, `nbgrader validate`) runs the notebook as
# autograde does: the setup cell, the learner's cells and the exercises, not the
# unchanged case studies; so it takes seconds and a small kernel. nbgrader 0.9's
# Validator.preprocessors is not configurable (no config=True), so this sets its
# default; every Validator made after this file is loaded uses it (the command,
# and the JupyterLab extension, which loads this file before each validation).
def _use_course_execute_in_validate() -> None:
    from nbgrader.preprocessors import Execute
    from nbgrader.validator import Validator

    from nbgrader_steps import CourseExecute

    trait = Validator.class_traits()["preprocessors"]
    steps = [CourseExecute if step is Execute else step for step in trait.default()]
    trait.default_args = (steps,)


_use_course_execute_in_validate()


# Validate's report opens with every exercise's verdict, passed or not, then
# names each failed test by its exercise and the one line its docstring says
# (see nbgrader_steps.summarize_validation), then gives the error, instead of
# repeating the whole test cell: the learner reads one short line per
# failure. Both the JupyterLab button and `nbgrader validate` print what
# Validator.validate returns, so wrapping it (once) serves both.
def _short_validation_report() -> None:
    import nbformat
    from nbgrader.validator import Validator

    from nbgrader_steps import summarize_validation

    validate = Validator.validate
    if getattr(validate, "_bdl_short_report", False):
        return

    def short_report(self, filename):
        nb = nbformat.read(filename, as_version=4)  # as saved, before it runs
        return summarize_validation(validate(self, filename), nb)

    short_report._bdl_short_report = True
    Validator.validate = short_report


_short_validation_report()
