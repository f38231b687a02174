"""The course's JupyterLab, driven by a headless Chromium (Playwright).

Three tests, each with its own JupyterLab on a free localhost port (with a
token). They save screenshots of what they saw in ``test-artifacts/browser/``
(``BDL_TEST_ARTIFACTS`` moves the folder).

**The widgets.** The first test writes a small notebook: notebook 00's setup
cell, then a widget made by the real ``bdl.widgets.interact`` over a function
that draws a small learning-curve figure. It executes it with
``scripts/execute_notebooks.py`` (as ``make notebooks`` stores the chapters:
outputs, no widget state), opens it in JupyterLab and checks, in the browser:

1. before the notebook runs, the widget's output shows its stored static PNG
   (not "Error displaying widget"): JupyterLab renders an untrusted output with
   a safe renderer, and the widget view is not safe;
2. after "Run All", the live widget renders, once (no second, static figure),
   at its own size;
3. moving its slider with the keyboard changes the figure.

A chapter's widget works the same way; running all of notebook 00 in the
browser instead would cost over a minute of both cores.

**The learner's path.** The second test sets up a course as ``make lab`` does
(``scripts/student_workspace.py``: the student version of chapter 00 and the
learner's copy in ``work/``; the learner's JupyterLab configuration), opens
the copy, checks that no instructor tool or nbgrader error shows, presses the
notebook's Validate button and reads the report: every exercise of the
untouched chapter says in one line that it is not answered yet, and there is
no traceback.

**The instructor's path.** The third test opens a course with the
instructor's configuration (as ``make instructor`` does), opens nbgrader's
Formgrader from JupyterLab's command and checks that it lists the chapter
without an error.

Needs Playwright for Python (in the ``test`` extra) and Debian's chromium
(``apt-get install -y chromium``; Playwright's own browser download is not
used, nothing here downloads a browser). Without them the test is skipped with
a message saying what is missing; under ``CI=true`` it fails with that message
instead, so that CI cannot pass without running it. It takes about half a
minute, so it is marked slow (conftest.py).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SETUP_FROM = REPO_ROOT / "notebooks" / "00-introduction" / "00-introduction.ipynb"
NOTEBOOK_NAME = "widget-in-browser.ipynb"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TOKEN = "bdl-widgets-test"
# Screenshots of what the tests saw, kept after the run (CI can upload them).
ARTIFACTS_DIR = Path(
    os.environ.get("BDL_TEST_ARTIFACTS") or REPO_ROOT / "test-artifacts"
) / "browser"
# The chapter a learner opens first, and what `make lab` configures.
LEARNER_CHAPTER = "00-introduction"
LEARNER_CONFIG = REPO_ROOT / "jupyter-config" / "learner"
LEARNER_PLUGINS_OFF = [
    "@jupyter/nbgrader:formgrader",
    "@jupyter/nbgrader:create-assignment",
    "@jupyter/nbgrader:course-list",
    "@jupyter/nbgrader:assignment-list",
    "@jupyterlab/apputils-extension:announcements",
]
LEARNER_PLUGIN_ON = "@jupyter/nbgrader:validate-assignment"
INSTRUCTOR_CONFIG = REPO_ROOT / "jupyter-config" / "instructor"
# JupyterLab settings for the test: every cell in the page (no windowing), so
# that the widget cell can be found without scrolling.
LAB_SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": (
        '{"windowingMode": "none"}'
    ),
}
# The widget cell: an explorer over made-up learning curves, as in the
# chapters' "Explore further" (a slider over epochs, starting in the middle so
# that one step left changes the setting).
WIDGET_CELL = """\
epochs_run = np.arange(1, 201)
made_up_history = {
    "loss": list(0.2 + 0.8 / np.sqrt(epochs_run)),
    "val_loss": list(0.3 + 0.8 / np.sqrt(epochs_run) + 0.001 * epochs_run),
    "accuracy": list(0.95 - 0.4 / np.sqrt(epochs_run)),
    "val_accuracy": list(0.9 - 0.4 / np.sqrt(epochs_run) - 0.0005 * epochs_run),
}


def draw_first_epochs(epochs):
    first = {key: values[:epochs] for key, values in made_up_history.items()}
    return bdl.plot_learning_curves(
        first, title=f"The first {epochs} epochs", figsize=(5, 4)
    )


bdl.widgets.interact(
    draw_first_epochs, epochs=[25, 50, 100, 200], defaults={"epochs": 100}
)"""


# True once the notebook's kernel has started and waits for code.
KERNEL_IDLE = """() => {
    const widget = window.jupyterapp && window.jupyterapp.shell.currentWidget;
    const kernel = widget && widget.sessionContext && widget.sessionContext.session
        && widget.sessionContext.session.kernel;
    return Boolean(kernel) && kernel.status === "idle";
}"""


def _missing() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return (
            "Playwright for Python is not installed: "
            'pip install -c constraints.txt -e ".[test]" (make install does)'
        )
    if not os.access(CHROMIUM, os.X_OK):
        return f"chromium is not installed at {CHROMIUM} (apt-get install -y chromium)"
    return None


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


@pytest.fixture(scope="module")
def browser_tools():
    """Skip without Playwright or chromium; under CI=true, fail instead."""
    missing = _missing()
    if missing is None:
        return
    if _in_ci():
        pytest.fail(
            f"{missing}. CI must run this browser test (CI is set), so it fails "
            "instead of skipping.",
            pytrace=False,
        )
    pytest.skip(missing)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _setup_cell() -> nbformat.NotebookNode:
    chapter = nbformat.read(SETUP_FROM, as_version=4)
    setup = [c for c in chapter.cells if "setup" in c.metadata.get("tags", [])]
    assert len(setup) == 1, f"{SETUP_FROM.name} should have one cell tagged setup"
    return nbformat.v4.new_code_cell(setup[0].source, metadata={"tags": ["setup"]})


def _write_notebook(path: Path) -> None:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
    }
    nb.cells = [_setup_cell(), nbformat.v4.new_code_cell(WIDGET_CELL)]
    nbformat.write(nb, path)


def _execute(path: Path) -> None:
    """Store the notebook's outputs as ``make notebooks`` stores a chapter's."""
    sys.path.insert(0, str(REPO_ROOT / "scripts"))
    try:
        from execute_notebooks import time_notebook
    finally:
        sys.path.remove(str(REPO_ROOT / "scripts"))
    timing = time_notebook(path, timeout=120)
    assert timing.ok, timing.error


def _stored_png(path: Path) -> str:
    """The base64 PNG that the widget cell's stored output holds."""
    cell = nbformat.read(path, as_version=4).cells[-1]
    bundles = [o.data for o in cell.outputs if "data" in o]
    assert len(bundles) == 1, cell.outputs
    assert "application/vnd.jupyter.widget-view+json" in bundles[0], bundles[0].keys()
    return "".join(bundles[0]["image/png"].split())


@contextlib.contextmanager
def _running_jupyterlab(
    *, root_dir: Path, cwd: Path, config_dir: Path, log_path: Path, while_starting=None
):
    """A JupyterLab server on a free localhost port; yields its base URL.

    ``config_dir`` becomes JUPYTER_CONFIG_DIR (no user settings, kernels or
    trusted-notebook database: stored outputs are untrusted, as in a fresh
    clone); ``while_starting()`` runs while the server starts.
    """
    port = _free_port()
    env = dict(os.environ)
    env.pop("MPLBACKEND", None)  # the kernel's figures go inline, as for a learner
    env["JUPYTER_CONFIG_DIR"] = str(config_dir)
    # The token from the environment, not the command line: as with the token
    # a server makes itself, it stays out of the configuration that
    # Formgrader's "Current configuration" panel shows.
    env["JUPYTER_TOKEN"] = TOKEN
    env["JUPYTER_DATA_DIR"] = str(log_path.parent / "jupyter-data")
    # As under make: the environment's tools (nbgrader's alembic) come first.
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env["PATH"]])
    for name, text in LAB_SETTINGS.items():
        path = config_dir / "lab" / "user-settings" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    with open(log_path, "w") as log:
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "jupyterlab",
                "--no-browser",
                "--ip=127.0.0.1",
                f"--port={port}",
                f"--ServerApp.root_dir={root_dir}",
                "--LabApp.expose_app_in_browser=True",
                "--LabApp.news_url=",
                "--ServerApp.disable_check_xsrf=True",
                *(["--allow-root"] if os.geteuid() == 0 else []),  # CI runs as root
            ],
            cwd=cwd,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            if while_starting is not None:
                while_starting()
            deadline = time.monotonic() + 60
            while True:
                try:
                    with urllib.request.urlopen(
                        f"{url}/api/status?token={TOKEN}"
                    ) as response:
                        if response.status == 200:
                            break
                except OSError:
                    pass
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError(
                        "JupyterLab did not start:\n" + log_path.read_text()[-3000:]
                    )
                time.sleep(0.25)
            yield url
        finally:
            server.terminate()  # it shuts its kernels down before it exits
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


@pytest.fixture
def jupyterlab(browser_tools, tmp_path):
    """JupyterLab over the executed small notebook; yields (base URL, its path)."""
    notebook = tmp_path / NOTEBOOK_NAME
    _write_notebook(notebook)
    # The server starts while the notebook executes (both take seconds).
    with _running_jupyterlab(
        root_dir=tmp_path,
        cwd=tmp_path,
        config_dir=tmp_path / "config",
        log_path=tmp_path / "jupyterlab.log",
        while_starting=lambda: _execute(notebook),
    ) as url:
        yield url, notebook


def test_widget_renders_and_its_slider_redraws_the_figure(jupyterlab):
    from playwright.sync_api import expect

    url, notebook = jupyterlab
    stored_png = _stored_png(notebook)
    with _page_at(f"{url}/lab/tree/{notebook.name}?token={TOKEN}") as page:
        cell = page.locator(".jp-CodeCell").filter(has_text="bdl.widgets.interact(")
        expect(cell).to_have_count(1, timeout=120_000)

        # 1. Not yet run: the stored output shows the static PNG.
        static = cell.locator(".jp-OutputArea-output img")
        expect(static).to_have_count(1)
        expect(cell).not_to_contain_text("Error displaying widget")
        src = static.get_attribute("src") or ""
        assert src.startswith("data:image/png;base64,"), src[:80]
        assert "".join(src.split(",", 1)[1].split()) == stored_png
        _screenshot(page, "widget-stored-png")

        # 2. Run all cells, once the kernel is ready; the widget renders in
        # place of the PNG.
        page.wait_for_function(KERNEL_IDLE, timeout=120_000)
        page.evaluate(
            "window.jupyterapp.commands.execute('notebook:run-all-cells')"
        )
        slider = cell.locator(".widget-slider .noUi-handle, .noUi-handle")
        expect(slider).to_have_count(1, timeout=180_000)
        image = cell.locator(".widget-image, img.jupyter-widget-image")
        expect(image).to_have_count(1)
        # The live output shows the widget only: one image, the widget's.
        expect(cell.locator(".jp-OutputArea-output img")).to_have_count(1)
        expect(cell).not_to_contain_text("Error displaying widget")
        page.wait_for_function(
            "el => el.complete && el.naturalWidth > 0", arg=image.element_handle()
        )
        before = image.get_attribute("src")
        # At its own size: not stretched to the output area's width.
        natural, shown = image.evaluate("el => [el.naturalWidth, el.clientWidth]")
        assert shown == natural, (shown, natural)

        # 3. Move the slider one step; the figure changes.
        readout = cell.locator(".widget-readout").first
        expect(readout).to_have_text("100")
        slider.focus()
        page.keyboard.press("ArrowLeft")
        expect(readout).to_have_text("50")
        page.wait_for_function(
            "([el, before]) => el.getAttribute('src') !== before",
            arg=[image.element_handle(), before],
            timeout=60_000,
        )
        _screenshot(page, "widget-after-slider-move")


@contextlib.contextmanager
def _page_at(url: str):
    """A page of a headless Chromium, opened at ``url``."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(60_000)
            page.goto(url)
            yield page
        finally:
            browser.close()


def _screenshot(page, name: str) -> None:
    ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS_DIR / f"{name}.png"))


def _course(tmp_path: Path, config: Path) -> tuple[Path, Path]:
    """A course folder with chapter 00, the start page and the nbgrader
    set-up, and a copy of one audience's Jupyter configuration."""
    course = tmp_path / "course"
    (course / "notebooks").mkdir(parents=True)
    for name in ("nbgrader_config.py", "nbgrader_steps.py"):
        shutil.copy(REPO_ROOT / name, course / name)
    shutil.copy(REPO_ROOT / "notebooks" / "START-HERE.ipynb", course / "notebooks")
    shutil.copytree(
        REPO_ROOT / "notebooks" / LEARNER_CHAPTER,
        course / "notebooks" / LEARNER_CHAPTER,
        ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"),
    )
    config_dir = tmp_path / "config"
    ignore = shutil.ignore_patterns("lab", "migrated")
    shutil.copytree(config, config_dir, ignore=ignore)
    return course, config_dir


@pytest.fixture
def learner_lab(browser_tools, tmp_path):
    """JupyterLab as ``make lab`` opens it, over a learner's untouched copy of
    chapter 00; yields the base URL.

    A course folder with the chapter, the start page and the nbgrader set-up;
    ``scripts/student_workspace.py`` makes the student version and the
    learner's copy in ``work/``; the server runs in the course folder (where
    Validate finds ``nbgrader_config.py``) with the learner's configuration.
    """
    course, config_dir = _course(tmp_path, LEARNER_CONFIG)
    (course / "work").mkdir()  # the server's root; filled while it starts
    sys.path.insert(0, str(REPO_ROOT / "scripts"))
    try:
        from student_workspace import prepare
    finally:
        sys.path.remove(str(REPO_ROOT / "scripts"))
    with _running_jupyterlab(
        root_dir=course / "work",
        cwd=course,
        config_dir=config_dir,
        log_path=tmp_path / "jupyterlab.log",
        while_starting=lambda: prepare(course),
    ) as url:
        yield url


def test_learner_validates_an_untouched_chapter_and_reads_a_short_report(learner_lab):
    """The learner's path: open the copy of chapter 00 that ``make lab`` gives,
    press Validate, read the report. It must say, exercise by exercise, that
    nothing is answered yet, without a traceback, and show no instructor tool
    or error in the learner's JupyterLab."""
    from playwright.sync_api import expect

    url = learner_lab
    notebook = f"{LEARNER_CHAPTER}/{LEARNER_CHAPTER}.ipynb"
    with _page_at(f"{url}/lab/tree/{notebook}?token={TOKEN}") as page:
        validate = page.locator(".validate-button").first
        expect(validate).to_be_visible(timeout=120_000)
        page.wait_for_function(KERNEL_IDLE, timeout=120_000)
        _screenshot(page, "learner-chapter-00")
        # The learner's JupyterLab: nbgrader's Validate, none of its
        # instructor or exchange tools, no news pop-up (jupyter-config/learner).
        plugins = page.evaluate(
            "ids => ids.map(id => window.jupyterapp.hasPlugin(id))",
            [*LEARNER_PLUGINS_OFF, LEARNER_PLUGIN_ON],
        )
        assert plugins == [False] * len(LEARNER_PLUGINS_OFF) + [True], dict(
            zip([*LEARNER_PLUGINS_OFF, LEARNER_PLUGIN_ON], plugins, strict=True)
        )
        expect(page.locator("body")).not_to_contain_text("Error fetching courses")

        validate.click()
        dialog = page.locator(".jp-Dialog")
        expect(dialog).to_contain_text("Validation Results", timeout=180_000)
        _screenshot(page, "learner-validate-report")
        report = dialog.inner_text()
        (ARTIFACTS_DIR / "learner-validate-report.txt").write_text(report)
        assert "is not answered yet" in report, report[:3000]
        assert "Traceback" not in report, report[:3000]
        # First the verdict per exercise, then each failed test named by its
        # exercise and its docstring's line, not its code.
        verdict = report.split("Exercise 1 ·")[0]
        for exercise in (1, 2, 3, 4):
            assert f"Exercise {exercise}: " in verdict, report[:3000]
        assert "Exercise 2 · Check build_model()" in report, report[:3000]
        assert "bdl.grading" not in report, report[:3000]
        assert "There was an error running the validate command" not in report


@pytest.fixture
def instructor_lab(browser_tools, tmp_path):
    """JupyterLab as ``make instructor`` opens it (the course folder as root,
    the instructor's configuration); yields the base URL."""
    course, config_dir = _course(tmp_path, INSTRUCTOR_CONFIG)
    with _running_jupyterlab(
        root_dir=course,
        cwd=course,
        config_dir=config_dir,
        log_path=tmp_path / "jupyterlab.log",
    ) as url:
        yield url


def test_instructor_opens_the_formgrader_on_the_course(instructor_lab):
    """The instructor's path: nbgrader's Formgrader opens inside JupyterLab
    and lists the course's chapter, without an error."""
    from playwright.sync_api import expect

    with _page_at(f"{instructor_lab}/lab?token={TOKEN}") as page:
        page.wait_for_function(
            "() => window.jupyterapp?.commands.hasCommand('nbgrader:open-formgrader')",
            timeout=120_000,
        )
        page.evaluate(
            "() => window.jupyterapp.commands.execute('nbgrader:open-formgrader')"
        )
        formgrader = page.frame_locator("iframe").first.locator("body")
        expect(formgrader).to_contain_text("Manage Assignments", timeout=60_000)
        expect(formgrader).to_contain_text(LEARNER_CHAPTER, timeout=60_000)
        # The configuration panel: the course's settings, not the server token.
        page.frame_locator("iframe").first.get_by_text("Current configuration").click()
        expect(formgrader).to_contain_text("better-deep-learning")
        _screenshot(page, "instructor-formgrader")
        text = formgrader.inner_text()
        (ARTIFACTS_DIR / "instructor-formgrader.txt").write_text(text)
        for problem in ("Error", "does not exist", "Traceback", TOKEN):
            assert problem not in text, text[:3000]
