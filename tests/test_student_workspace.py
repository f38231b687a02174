"""The learner's workspace: ``make lab`` opens copies of the student versions,
made once and never overwritten."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

from student_workspace import prepare  # noqa: E402  (path set just above)

FIXTURE = ROOT / "tests" / "fixtures" / "notebooks" / "99-fixture"


@pytest.fixture
def course(tmp_path: Path) -> Path:
    shutil.copytree(FIXTURE, tmp_path / "notebooks" / "99-fixture")
    shutil.copy(ROOT / "nbgrader_config.py", tmp_path)
    return tmp_path


def _sources(path: Path) -> str:
    cells = json.loads(path.read_text())["cells"]
    return "\n".join("".join(c["source"]) for c in cells)


def test_learners_get_student_versions_and_keep_their_work(course: Path):
    assert prepare(course) == [("99-fixture", "new copy")]
    work = course / "work" / "99-fixture" / "99-fixture.ipynb"
    assert "BEGIN SOLUTION" not in _sources(work)
    assert "raise NotImplementedError" in _sources(work)

    work.write_text(work.read_text().replace("NotImplementedError", "MyAnswer"))
    assert prepare(course) == [("99-fixture", "kept your copy")]
    assert "MyAnswer" in _sources(work)


def test_the_start_page_is_copied_and_refreshed(course: Path):
    page = course / "notebooks" / "START-HERE.ipynb"
    page.write_text('{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}')
    prepare(course)
    copy = course / "work" / "START-HERE.ipynb"
    assert copy.read_text() == page.read_text()
    page.write_text(page.read_text().replace("[]", '[{"cell_type": "raw", '
                    '"metadata": {}, "source": "new chapters"}]'))
    prepare(course)
    assert "new chapters" in copy.read_text()


def test_the_start_page_links_every_chapter_and_nothing_else():
    """A new chapter folder must get its row on the start page (the chapter map
    a learner lands on), and a link must not point to a missing notebook."""
    import re

    page = _sources(ROOT / "notebooks" / "START-HERE.ipynb")
    linked = set(re.findall(r"\]\((\d{2}-[a-z0-9-]+)/\1\.ipynb\)", page))
    notebooks = (ROOT / "notebooks").glob("[0-9][0-9]-*/[0-9][0-9]-*.ipynb")
    chapters = {p.parent.name for p in notebooks if p.stem == p.parent.name}
    assert linked == chapters, (
        f"missing from START-HERE.ipynb: {sorted(chapters - linked)}; "
        f"linked but absent: {sorted(linked - chapters)}"
    )
