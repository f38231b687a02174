"""bdl.widgets in a real JupyterLab, driven by a headless Chromium (Playwright).

The test writes a small notebook: notebook 00's setup cell, then a widget made
by the real ``bdl.widgets.interact`` over a function that draws a small
learning-curve figure. It executes it with ``scripts/execute_notebooks.py`` (as
``make notebooks`` stores the chapters: outputs, no widget state), starts
JupyterLab on a free localhost port (with a token) over it, and checks, in the
browser:

1. before the notebook runs, the widget's output shows its stored static PNG
   (not "Error displaying widget"): JupyterLab renders an untrusted output with
   a safe renderer, and the widget view is not safe;
2. after "Run All", the live widget renders, once (no second, static figure),
   at its own size;
3. moving its slider with the keyboard changes the figure.

A chapter's widget works the same way; running all of notebook 00 in the
browser instead would cost over a minute of both cores.

Needs Playwright for Python (in the ``test`` extra) and Debian's chromium
(``apt-get install -y chromium``; Playwright's own browser download is not
used, nothing here downloads a browser). Without them the test is skipped with
a message saying what is missing; under ``CI=true`` it fails with that message
instead, so that CI cannot pass without running it. It takes about half a
minute, so it is marked slow (conftest.py).
"""

from __future__ import annotations

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


@pytest.fixture
def jupyterlab(browser_tools, tmp_path):
    """JupyterLab over the executed small notebook; yields (base URL, its path)."""
    notebook = tmp_path / NOTEBOOK_NAME
    _write_notebook(notebook)
    port = _free_port()
    env = dict(os.environ)
    env.pop("MPLBACKEND", None)  # the kernel's figures go inline, as for a learner
    # No user settings, kernels or trusted-notebook database: the stored output
    # is untrusted, as in a fresh clone.
    env["JUPYTER_CONFIG_DIR"] = str(tmp_path / "config")
    env["JUPYTER_DATA_DIR"] = str(tmp_path / "data")
    for name, text in LAB_SETTINGS.items():
        path = tmp_path / "config" / "lab" / "user-settings" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    log_path = tmp_path / "jupyterlab.log"
    with open(log_path, "w") as log:
        # The server starts while the notebook executes (both take seconds).
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "jupyterlab",
                "--no-browser",
                "--ip=127.0.0.1",
                f"--port={port}",
                f"--IdentityProvider.token={TOKEN}",
                f"--ServerApp.root_dir={tmp_path}",
                "--LabApp.expose_app_in_browser=True",
                "--LabApp.news_url=",
                "--ServerApp.disable_check_xsrf=True",
                *(["--allow-root"] if os.geteuid() == 0 else []),  # CI runs as root
            ],
            cwd=tmp_path,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            _execute(notebook)
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
            yield url, notebook
        finally:
            server.terminate()  # it shuts its kernels down before it exits
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def test_widget_renders_and_its_slider_redraws_the_figure(jupyterlab):
    from playwright.sync_api import expect, sync_playwright

    url, notebook = jupyterlab
    stored_png = _stored_png(notebook)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(60_000)
            page.goto(f"{url}/lab/tree/{notebook.name}?token={TOKEN}")
            cell = page.locator(".jp-CodeCell").filter(has_text="bdl.widgets.interact(")
            expect(cell).to_have_count(1, timeout=120_000)

            # 1. Not yet run: the stored output shows the static PNG.
            static = cell.locator(".jp-OutputArea-output img")
            expect(static).to_have_count(1)
            expect(cell).not_to_contain_text("Error displaying widget")
            src = static.get_attribute("src") or ""
            assert src.startswith("data:image/png;base64,"), src[:80]
            assert "".join(src.split(",", 1)[1].split()) == stored_png

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
        finally:
            browser.close()
