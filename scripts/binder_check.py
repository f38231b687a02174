"""Build the course as Binder does, from ``binder/`` alone, and walk a learner's path.

    python scripts/binder_check.py           # or: make binder-check

mybinder.org builds the repository with repo2docker: Python from
``binder/runtime.txt``, ``pip install -r binder/requirements.txt``, then
``binder/postBuild`` in the repository folder, which is also the home folder;
JupyterLab then starts there. This script does the same on this machine, in a
temporary folder (nothing here reads pyproject.toml or constraints.txt), and
then does what a learner does first:

1. the lab answers, on the learner's configuration (the Validate button; no
   formgrader, course list or assignment list);
2. the start page and the student version of chapter 00 are in ``work/``;
3. chapter 00's student version, answered as the solutions answer, runs top
   to bottom in a kernel of that environment without an error;
4. with that kernel still open, the Validate button's request (the server's
   ``/assignments/validate``) passes it.

Meanwhile it samples the memory of every process involved (JupyterLab, the
notebook's kernel, Validate's kernel) as their summed proportional set size
(shared pages counted once), and fails if the peak passes 1.5 GiB: Binder
gives a session about 2 GB. It prints each step's time and the peaks, and
exits non-zero, naming the step, when one fails. About 4 minutes, two of them
pip; ``--installer uv`` installs the same pinned requirements with uv in
about 35 s (the test suite does so under CI).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
CHAPTER = "00-introduction"
LIMIT_MIB = 1536
TOKEN = "bdl-binder-check"

# Run by the Binder environment's Python: execute the learner's copy of the
# chapter, keep the kernel open, print a JSON report, wait for "done" on stdin.
DRIVER = r"""
import json, sys, time
import nbformat
from nbclient import NotebookClient

path = sys.argv[1]
nb = nbformat.read(path, as_version=4)
client = NotebookClient(nb, timeout=600, allow_errors=True, kernel_name="python3")
start = time.perf_counter()
with client.setup_kernel():
    for index, cell in enumerate(nb.cells):
        client.execute_cell(cell, index)
    seconds = time.perf_counter() - start
    errors = []
    for i, c in enumerate(nb.cells):
        for o in c.get("outputs", []):
            if o.output_type == "error":
                graded = bool(c.metadata.get("nbgrader"))
                errors.append({"index": i, "nbgrader": graded, "error": o.ename})
                break
    images = sum(
        "image/png" in o.get("data", {}) for c in nb.cells if c.cell_type == "code"
        for o in c.outputs
    )
    report = {"seconds": seconds, "errors": errors, "images": images}
    nbformat.write(nb, path)  # the learner's work, executed: what Validate reads
    print(json.dumps(report), flush=True)
    sys.stdin.readline()  # the kernel stays open until the check has validated
"""


class Failed(Exception):
    """A step of the check failed; the message says which and why."""


def _step(title: str) -> float:
    print(f"\n== {title}", flush=True)
    return time.perf_counter()


def _run(command: list[str], **kwargs) -> None:
    result = subprocess.run(command, capture_output=True, text=True, **kwargs)
    if result.returncode != 0:
        tail = (result.stdout + result.stderr)[-4000:]
        raise Failed(f"`{' '.join(map(str, command))}` failed:\n{tail}")


def _anonymous_bytes(pid: int) -> int:
    """Anonymous memory of a process (Linux): what the system cannot reclaim."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as rollup:
            for line in rollup:
                if line.startswith("Anonymous:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


class MemorySampler(threading.Thread):
    """Peaks of the summed PSS (and anonymous memory) of some processes.

    PSS counts a page shared by n processes 1/n in each, so the sum is the
    memory they use together; its anonymous part is what a container cannot
    reclaim under pressure (the rest is the libraries' file pages).
    """

    def __init__(self, interval: float = 0.25) -> None:
        super().__init__(daemon=True)
        # pid -> whether the process itself counts (the check's own notebook
        # runner does not: in a learner's session JupyterLab runs the kernel)
        self.roots: dict[int, bool] = {}
        self.interval = interval
        self.peak_mib = 0.0
        self.peak_anonymous_mib = 0.0
        self.stopped = threading.Event()

    def current_mib(self) -> float:
        """Summed PSS now, in MiB (also updates the anonymous peak)."""
        import psutil

        total = anonymous = 0
        for pid, itself in list(self.roots.items()):
            try:
                root = psutil.Process(pid)
                processes = [root] * itself + root.children(recursive=True)
            except psutil.NoSuchProcess:
                continue
            for process in processes:
                try:
                    total += process.memory_full_info().pss
                    anonymous += _anonymous_bytes(process.pid)
                except (psutil.NoSuchProcess, psutil.AccessDenied):
                    pass
        self.peak_anonymous_mib = max(self.peak_anonymous_mib, anonymous / 2**20)
        return total / 2**20

    def run(self) -> None:
        while not self.stopped.wait(self.interval):
            self.peak_mib = max(self.peak_mib, self.current_mib())

    def reset(self) -> tuple[float, float]:
        """The peaks (PSS, anonymous) since the last reset."""
        peaks = self.peak_mib, self.peak_anonymous_mib
        self.peak_mib = self.peak_anonymous_mib = 0.0
        return peaks


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _request(
    url: str, data: dict | None = None, timeout: float = 600
) -> tuple[int, str]:
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    request = urllib.request.Request(
        url, data=body, headers={"Authorization": f"token {TOKEN}"}
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return response.status, response.read().decode()


def build(home: Path, python: str, installer: str = "pip") -> Path:
    """The repository's tracked files in ``home``, a venv, requirements, postBuild."""
    start = _step("Copy the repository (tracked files) into a fresh home folder")
    files = (
        subprocess.run(
            ["git", "ls-files", "-z"], cwd=REPO_ROOT, capture_output=True, check=True
        )
        .stdout.decode()
        .split("\0")
    )
    for name in filter(None, files):
        target = home / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO_ROOT / name, target)
    print(f"{len(files) - 1} files, {time.perf_counter() - start:.0f} s")

    runtime = (home / "binder" / "runtime.txt").read_text().strip()
    start = _step(
        f"Create the environment ({runtime}) and install binder/requirements.txt"
    )
    version = runtime.removeprefix("python-")
    found = subprocess.run(
        [python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    if found != version:
        raise Failed(
            f"binder/runtime.txt asks for Python {version}; {python} is {found} "
            f"(pass --python python{version})"
        )
    env = home.parent / "env"
    _run([python, "-m", "venv", str(env)])
    requirements = str(home / "binder" / "requirements.txt")
    if installer == "uv" and importlib.util.find_spec("uv") is None:
        print("uv is not installed here: pip installs the requirements")
        installer = "pip"
    if installer == "uv":
        # The same pinned requirements, installed by uv from its cache: about
        # 35 s instead of pip's 75-120 s. Copies, not links into uv's cache,
        # so that no page of the environment is shared with another one (the
        # memory figures below count shared pages once); byte-compiled, as
        # pip installs them.
        _run(
            [
                sys.executable,
                "-m",
                "uv",
                "pip",
                "install",
                "--python",
                str(env / "bin" / "python"),
                "--link-mode=copy",
                "--compile-bytecode",
                "-q",
                "-r",
                requirements,
            ],
            cwd=home,
        )
    else:
        pip = [
            str(env / "bin" / "python"),
            "-m",
            "pip",
            "install",
            "--disable-pip-version-check",
            "-q",
        ]
        _run([*pip, "--upgrade", "pip"])
        _run([*pip, "-r", requirements], cwd=home)
    print(f"{time.perf_counter() - start:.0f} s")

    start = _step("Run binder/postBuild in the home folder")
    _run(["bash", "binder/postBuild"], cwd=home, env=_environment(home, env))
    print(f"{time.perf_counter() - start:.0f} s")
    return env


def _environment(home: Path, env: Path) -> dict[str, str]:
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("JUPYTER", "PYTHON", "VIRTUAL_ENV", "TF_"))
    }
    environment.update(
        HOME=str(home),
        PATH=f"{env / 'bin'}{os.pathsep}{os.environ['PATH']}",
        MPLBACKEND="Agg",
    )
    return environment


def answer_as_the_solutions(notebook: Path, source: Path) -> int:
    """Fill the answer cells of the learner's copy with the solutions' code."""
    import nbformat

    def answers(nb) -> dict[str, object]:
        return {
            c.metadata["nbgrader"]["grade_id"]: c
            for c in nb.cells
            if c.metadata.get("nbgrader", {}).get("solution")
        }

    work = nbformat.read(notebook, as_version=4)
    solutions = answers(nbformat.read(source, as_version=4))
    for grade_id, cell in answers(work).items():
        cell.source = solutions[grade_id].source
    nbformat.write(work, notebook)
    return len(solutions)


def learner_path(home: Path, env: Path) -> dict[str, tuple[float, float]]:
    environment = _environment(home, env)
    notebook = home / "work" / CHAPTER / f"{CHAPTER}.ipynb"
    for needed in (home / "work" / "START-HERE.ipynb", notebook):
        if not needed.is_file():
            raise Failed(f"postBuild did not create {needed.relative_to(home)}")

    # The server's and the notebook runner's logs go to files: a pipe nobody
    # reads while they run would block them once it filled (JupyterLab logs
    # every request).
    lab_log = home.parent / "jupyterlab.log"
    run_log = home.parent / "notebook-run.log"
    logs = contextlib.ExitStack()  # closed when the processes have ended
    sampler = MemorySampler()
    sampler.start()
    port = _free_port()
    start = _step("Start JupyterLab as Binder does (in the home folder)")
    lab = subprocess.Popen(
        [
            str(env / "bin" / "jupyter"),
            "lab",
            "--no-browser",
            f"--port={port}",
            "--ServerApp.ip=127.0.0.1",
            f"--IdentityProvider.token={TOKEN}",
            *(["--allow-root"] if os.geteuid() == 0 else []),
        ],
        cwd=home,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=logs.enter_context(lab_log.open("w")),
    )
    sampler.roots[lab.pid] = True
    base = f"http://127.0.0.1:{port}"
    driver = None
    try:
        for _ in range(240):
            try:
                _request(f"{base}/api/status", timeout=2)
                break
            except OSError:
                if lab.poll() is not None:
                    raise Failed(
                        f"JupyterLab exited:\n{lab_log.read_text()[-3000:]}"
                    ) from None
                time.sleep(0.5)
        else:
            raise Failed("JupyterLab did not answer within 2 minutes")
        _, page = _request(f"{base}/lab/tree/work/START-HERE.ipynb")
        listing = subprocess.run(
            [str(env / "bin" / "jupyter"), "server", "extension", "list"],
            cwd=home,
            env=environment,
            capture_output=True,
            text=True,
        )
        lines = (listing.stdout + listing.stderr).splitlines()
        for name in (
            "formgrader",
            "course_list",
            "assignment_list",
            "validate_assignment",
        ):
            line = next((x for x in lines if f"server_extensions.{name} " in x), "")
            wanted = "enabled" if name == "validate_assignment" else "disabled"
            if wanted not in line:
                raise Failed(
                    f"nbgrader's {name} should be {wanted} for learners: {line!r}"
                )
        print(
            f"{time.perf_counter() - start:.0f} s; the start page loads "
            f"({len(page)} bytes); learner's extensions only"
        )
        idle = {"JupyterLab, idle": sampler.reset()}

        source = home / "notebooks" / CHAPTER / f"{CHAPTER}.ipynb"
        n_answers = answer_as_the_solutions(notebook, source)
        start = _step(f"Run {CHAPTER}, answered ({n_answers} answers), top to bottom")
        driver = subprocess.Popen(
            [str(env / "bin" / "python"), "-c", DRIVER, str(notebook)],
            cwd=notebook.parent,
            env=environment,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=logs.enter_context(run_log.open("w")),
            text=True,
        )
        sampler.roots[driver.pid] = False
        line = driver.stdout.readline()
        if not line:
            driver.wait(timeout=60)
            raise Failed(f"the notebook run failed:\n{run_log.read_text()[-3000:]}")
        report = json.loads(line)
        if report["errors"]:
            raise Failed(f"cells raised in the Binder environment: {report['errors']}")
        if not report["images"]:
            raise Failed("the notebook drew no figure")
        print(f"{report['seconds']:.0f} s; {report['images']} figures; no error")
        run_peak = sampler.reset()

        start = _step(
            "Press Validate (the server's /assignments/validate), kernel still open"
        )
        _, answer = _request(
            f"{base}/assignments/validate",
            {"path": f"work/{CHAPTER}/{CHAPTER}.ipynb"},
        )
        result = json.loads(answer)
        if not result.get("success"):
            raise Failed(f"Validate failed:\n{str(result.get('value'))[-3000:]}")
        if result["value"]:  # {} when every test passes
            raise Failed(f"Validate failed the answered notebook: {answer[:2000]}")
        print(f"{time.perf_counter() - start:.0f} s; every test passes")
        validate_peak = sampler.reset()
    finally:
        if driver is not None and driver.poll() is None:
            driver.stdin.write("done\n")
            driver.stdin.flush()
            driver.wait(timeout=60)
        lab.terminate()
        lab.wait(timeout=60)
        logs.close()
        sampler.stopped.set()
    return {
        **idle,
        f"JupyterLab + running {CHAPTER}": run_peak,
        "JupyterLab + that kernel + Validate": validate_peak,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--python",
        default=sys.executable,
        help="the Python that makes the environment (binder/runtime.txt's version)",
    )
    parser.add_argument(
        "--installer",
        choices=("pip", "uv"),
        default="pip",
        help="what installs binder/requirements.txt: pip as repo2docker does "
        "(default), or uv, the same pins in a third of the time (CI)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    parser.add_argument(
        "--reuse", type=Path, help="a folder kept by --keep: skip the build, keep it"
    )
    args = parser.parse_args(argv)
    if args.reuse:
        folder, args.keep = args.reuse.resolve(), True
    else:
        folder = Path(tempfile.mkdtemp(prefix="bdl-binder-"))
        (folder / "home").mkdir()
    home = folder / "home"
    try:
        env = folder / "env" if args.reuse else build(home, args.python, args.installer)
        if args.reuse:  # a fresh learner's copy of the chapter, as postBuild made it
            shutil.rmtree(home / "work" / CHAPTER)
            _run(["bash", "binder/postBuild"], cwd=home, env=_environment(home, env))
        peaks = learner_path(home, env)
    except Failed as failure:
        print(f"\nBinder check FAILED: {failure}", file=sys.stderr)
        return 1
    finally:
        if args.keep:
            print(f"\nKept {folder} (--reuse {folder} runs the learner's path again)")
        else:
            shutil.rmtree(folder, ignore_errors=True)
    print("\n== Memory of JupyterLab and its kernels, peak (PSS summed; anonymous)")
    for what, (pss, anonymous) in peaks.items():
        print(f"{what:40s} {pss:7.0f} MiB  {anonymous:7.0f} MiB")
    worst = max(pss for pss, _ in peaks.values())
    if worst > LIMIT_MIB:
        print(
            f"\nBinder check FAILED: peak {worst:.0f} MiB > {LIMIT_MIB} MiB",
            file=sys.stderr,
        )
        return 1
    print(f"\nBinder check passed: peak {worst:.0f} MiB (limit {LIMIT_MIB} MiB).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
