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
