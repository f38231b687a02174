"""bdl.widgets in a real JupyterLab, driven by a headless Chromium (Playwright).

Starts JupyterLab on a free localhost port (with a token) over a copy of
notebook 00, and checks, in the browser:

1. before the notebook runs, the widget's output shows its static PNG (not
   "Error displaying widget"): JupyterLab renders an untrusted output with a
   safe renderer, and the widget view is not safe;
2. after "Run All", the live widget renders, once (no second, static figure);
3. moving its slider with the keyboard changes the figure.

Needs Playwright for Python and Debian's chromium (``apt-get install -y
chromium``; Playwright's own browser download is not used). Without them the
test is skipped with a message saying what is missing. It runs notebook 00
(about a minute), so it is slow.
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

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = REPO_ROOT / "notebooks" / "00-introduction" / "00-introduction.ipynb"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
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
        return "Playwright for Python is not installed (pip install playwright)"
    if not Path(CHROMIUM).exists():
        return "chromium is not installed (apt-get install -y chromium)"
    return None


pytestmark = pytest.mark.skipif(_missing() is not None, reason=str(_missing()))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def jupyterlab(tmp_path):
    """A JupyterLab server over a copy of notebook 00; yields its base URL."""
    shutil.copy(NOTEBOOK, tmp_path / NOTEBOOK.name)
    port = _free_port()
    env = dict(os.environ)
    env.pop("MPLBACKEND", None)  # the kernel's figures go inline, as for a learner
    env["JUPYTER_CONFIG_DIR"] = str(tmp_path / "config")  # no user settings
    for name, text in LAB_SETTINGS.items():
        path = tmp_path / "config" / "lab" / "user-settings" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    log = open(tmp_path / "jupyterlab.log", "w")
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
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/api/status?token={TOKEN}") as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                raise RuntimeError(
                    "JupyterLab did not start:\n"
                    + (tmp_path / "jupyterlab.log").read_text()[-3000:]
                )
            time.sleep(0.5)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


def test_widget_renders_and_its_slider_redraws_the_figure(jupyterlab):
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(60_000)
            page.goto(f"{jupyterlab}/lab/tree/{NOTEBOOK.name}?token={TOKEN}")
            cell = page.locator(".jp-CodeCell").filter(
                has_text="bdl.widgets.interact("
            )
            expect(cell).to_have_count(1, timeout=120_000)

            # 1. Not yet run: the stored output shows the static PNG.
            cell.scroll_into_view_if_needed()
            static = cell.locator(".jp-OutputArea-output img")
            expect(static).to_have_count(1)
            expect(cell).not_to_contain_text("Error displaying widget")

            # 2. Run all cells, once the kernel is ready; the widget renders in
            # place of the PNG.
            page.wait_for_function(KERNEL_IDLE, timeout=120_000)
            page.evaluate(
                "window.jupyterapp.commands.execute('notebook:run-all-cells')"
            )
            slider = cell.locator(".widget-slider .noUi-handle, .noUi-handle")
            expect(slider).to_have_count(1, timeout=300_000)
            image = cell.locator(".widget-image, img.jupyter-widget-image")
            expect(image).to_have_count(1)
            # The live output shows the widget only: one image, the widget's.
            expect(cell.locator(".jp-OutputArea-output img")).to_have_count(1)
            before = image.get_attribute("src")
            # At its own size: not stretched to the output area's width.
            natural, shown = image.evaluate("el => [el.naturalWidth, el.clientWidth]")
            assert shown == natural, (shown, natural)

            # 3. Move the slider one step; the figure changes.
            cell.locator(".widget-readout").first.wait_for()
            readout = cell.locator(".widget-readout").first.inner_text()
            slider.focus()
            page.keyboard.press("ArrowLeft")
            expect(cell.locator(".widget-readout").first).not_to_have_text(readout)
            page.wait_for_function(
                "([el, before]) => el.getAttribute('src') !== before",
                arg=[image.element_handle(), before],
                timeout=60_000,
            )
        finally:
            browser.close()
