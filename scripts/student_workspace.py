"""Give a learner their own copy of every chapter's exercises, in ``work/``.

``make lab`` and Binder's ``postBuild`` run this before JupyterLab starts::

    python scripts/student_workspace.py            # from the repository root

For each chapter ``notebooks/NN-name/NN-name.ipynb`` it makes sure that

1. the student version exists in ``release/NN-name/`` (``nbgrader
   generate_assignment``: solutions and hidden tests removed), and
2. the learner's copy exists in ``work/NN-name/NN-name.ipynb``.

It never overwrites a learner's copy: a chapter already in ``work/`` is left
as it is, so running it again (or pulling new chapters) keeps your answers.
Delete ``work/NN-name/`` to start a chapter afresh.

It also copies the start page, ``notebooks/START-HERE.ipynb`` (the chapter map
and how the exercises work), to ``work/START-HERE.ipynb``, every time: it holds
no answers, and so it lists the chapters you pulled last.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
START_PAGE = "START-HERE.ipynb"


def chapters(root: Path) -> list[str]:
    """The chapter folders under ``notebooks/`` that hold their notebook."""
    source = root / "notebooks"
    return sorted(d.name for d in source.iterdir() if (d / f"{d.name}.ipynb").is_file())


def generate(root: Path, missing: list[str]) -> None:
    """Write the student versions of ``missing`` chapters into ``release/``.

    Through nbgrader's Python API, in this process: one start-up of nbgrader
    for all chapters instead of one per chapter.
    """
    # nbgrader runs the environment's `alembic` when it creates gradebook.db.
    os.environ["PATH"] = (
        f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
    )
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config()
    config.CourseDirectory.root = str(root)
    api = NbGraderAPI(CourseDirectory(config=config), config=config)
    for chapter in missing:
        result = api.generate_assignment(chapter, force=True)
        if not result["success"]:
            raise RuntimeError(
                f"nbgrader could not generate the student version of {chapter}:\n"
                f"{result.get('error', '')}{result.get('log', '')}"
            )


def prepare(root: Path = REPO_ROOT) -> list[tuple[str, str]]:
    """Create what is missing; return (chapter, what happened) pairs."""
    names = chapters(root)

    def release(chapter: str) -> Path:
        return root / "release" / chapter / f"{chapter}.ipynb"

    def work(chapter: str) -> Path:
        return root / "work" / chapter / f"{chapter}.ipynb"

    new = [c for c in names if not work(c).exists()]
    missing = [c for c in new if not release(c).exists()]
    if missing:
        generate(root, missing)
    for chapter in new:
        work(chapter).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(release(chapter), work(chapter))
    if (root / "notebooks" / START_PAGE).is_file():
        (root / "work").mkdir(exist_ok=True)
        shutil.copyfile(root / "notebooks" / START_PAGE, root / "work" / START_PAGE)
    return [(c, "new copy" if c in new else "kept your copy") for c in names]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", type=Path, default=REPO_ROOT, help=argparse.SUPPRESS)
    args = parser.parse_args()
    for chapter, what in prepare(args.root):
        print(f"work/{chapter}/{chapter}.ipynb: {what}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
