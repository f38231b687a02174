"""Re-execute the course notebooks in place, so that they show their outputs and plots.

Usage (``make notebooks`` runs the first form)::

    python scripts/execute_notebooks.py                # every notebook in notebooks/
    python scripts/execute_notebooks.py notebooks/00-introduction
    python scripts/execute_notebooks.py --no-write NB  # run and time only

Each notebook runs top to bottom in a fresh ``python3`` kernel of this Python
environment, with its own folder as working directory, and is written back with
its outputs. The script prints each notebook's wall time and the total, and exits
with status 1 if any cell raised (a notebook that fails is not written).

``benchmarks/notebooks.py`` reuses :func:`time_notebook` / :func:`time_notebooks`
with ``write=False``, so measuring never changes the notebooks.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import nbformat
from jupyter_client.kernelspec import KernelSpec, KernelSpecManager
from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError
from nbconvert.preprocessors import CoalesceStreamsPreprocessor

REPO_ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS_DIR = REPO_ROOT / "notebooks"
# Per cell, in seconds: generous, since a notebook trains its case study for real.
# A cell that takes longer than this is a bug in the notebook, not a slow machine.
DEFAULT_CELL_TIMEOUT = 1200


@dataclass(frozen=True)
class NotebookTiming:
    """How long one notebook took, and the error that stopped it, if any."""

    path: Path
    seconds: float
    error: str | None = None
    peak_mib: float | None = None  # the kernel's peak resident memory

    @property
    def ok(self) -> bool:
        return self.error is None


class _CurrentEnvKernelSpecs(KernelSpecManager):
    """Every kernel name maps to ipykernel on *this* interpreter.

    So a ``python3`` kernelspec of another installation (in ~/.local/share/jupyter,
    say) can never run the course notebooks without ``bdl_helpers``.
    """

    def get_kernel_spec(self, kernel_name: str) -> KernelSpec:
        return KernelSpec(
            argv=[
                sys.executable,
                "-m",
                "ipykernel_launcher",
                "-f",
                "{connection_file}",
            ],
            display_name="Python 3 (course environment)",
            language="python",
            resource_dir=str(REPO_ROOT),
        )


def find_notebooks(paths: Iterable[str | Path] = ()) -> list[Path]:
    """The notebooks named by ``paths`` (files, or folders searched recursively).

    Without paths, every notebook under ``notebooks/``. Checkpoint copies are
    skipped. Raises ``FileNotFoundError`` for a path that does not exist.
    """
    paths = [Path(p) for p in paths] or [NOTEBOOKS_DIR]
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(
                p
                for p in sorted(path.rglob("*.ipynb"))
                if ".ipynb_checkpoints" not in p.parts
            )
        elif path.is_file():
            found.append(path)
        else:
            raise FileNotFoundError(f"No notebook or folder at {path}")
    return [p.resolve() for p in found]


# ru_maxrss is in KiB on Linux: the peak resident memory of the kernel process.
_PEAK_MEMORY_SOURCE = (
    "import resource\nprint(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
)


def _kernel_env() -> dict[str, str]:
    env = dict(os.environ)
    # Let ipykernel pick its inline backend, so that figures are stored as outputs
    # even when the caller runs under MPLBACKEND=Agg (as `make test` does).
    env.pop("MPLBACKEND", None)
    return env


def time_notebook(
    path: str | Path, *, write: bool = True, timeout: int = DEFAULT_CELL_TIMEOUT
) -> NotebookTiming:
    """Execute one notebook top to bottom and return its wall time.

    Parameters
    ----------
    path : str or Path
        The notebook. Its folder is the kernel's working directory.
    write : bool, default=True
        Write the notebook back with its new outputs. ``False`` only measures
        (benchmarks): the file is left untouched.
    timeout : int, default=DEFAULT_CELL_TIMEOUT
        Seconds a single cell may run before it is stopped as an error.

    Returns
    -------
    timing : NotebookTiming
        The path, the seconds from kernel start to the last cell, and the error
        (cell source and exception) if a cell raised or timed out.
    """
    path = Path(path).resolve()
    nb = nbformat.read(path, as_version=4)
    km = AsyncKernelManager(
        kernel_name="python3", kernel_spec_manager=_CurrentEnvKernelSpecs()
    )
    client = NotebookClient(
        nb,
        km=km,
        timeout=timeout,
        record_timing=False,  # no per-cell timestamps: small diffs after a re-run
        # No widget state in the file: a widget needs a live kernel anyway, and
        # each bdl.widgets output already holds a PNG of its default setting,
        # which GitHub and nbconvert show when the state is absent.
        store_widget_state=False,
        resources={"metadata": {"path": str(path.parent)}},
    )
    # A last cell, removed before writing, reads the kernel's peak memory.
    nb.cells.append(nbformat.v4.new_code_cell(_PEAK_MEMORY_SOURCE))
    start = time.perf_counter()
    error = None
    try:
        client.execute(env=_kernel_env())
    except (CellExecutionError, CellTimeoutError) as exc:
        error = str(exc)
    seconds = time.perf_counter() - start
    probe = nb.cells.pop()
    peak = None
    if error is None:
        text = "".join(o.get("text", "") for o in probe.outputs)
        peak = int(text.split()[-1]) / 1024 if text.strip() else None
    if write and error is None:
        # A progress bar redraws its line with "\r"; each redraw arrives as an
        # output of its own. Stored merged, with the last state of each line,
        # as Jupyter shows them: one line per run on GitHub too.
        CoalesceStreamsPreprocessor().preprocess(nb, {})
        nbformat.write(nb, path)
    return NotebookTiming(path, seconds, error, peak)


def time_notebooks(
    paths: Sequence[str | Path] = (),
    *,
    write: bool = True,
    timeout: int = DEFAULT_CELL_TIMEOUT,
    verbose: bool = True,
) -> list[NotebookTiming]:
    """Run :func:`time_notebook` on each notebook of :func:`find_notebooks`.

    With ``verbose``, prints one line per notebook as it finishes, then the total.
    """
    timings = []
    for path in find_notebooks(paths):
        timing = time_notebook(path, write=write, timeout=timeout)
        timings.append(timing)
        if verbose:
            status = "ok" if timing.ok else "FAILED"
            memory = f"{timing.peak_mib:6.0f} MiB" if timing.peak_mib else " " * 10
            print(
                f"{timing.seconds:8.1f} s  {memory}  {status:6}  {_display(path)}",
                flush=True,
            )
    if verbose:
        total = sum(t.seconds for t in timings)
        print(f"{total:8.1f} s  total, {len(timings)} notebook(s)", flush=True)
    return timings


def _display(path: Path) -> str:
    try:
        return str(path.relative_to(REPO_ROOT))
    except ValueError:
        return str(path)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "paths", nargs="*", help="notebooks or folders (default: notebooks/)"
    )
    parser.add_argument(
        "--no-write",
        dest="write",
        action="store_false",
        help="run and time only; leave the notebooks unchanged",
    )
    parser.add_argument(
        "--timeout",
        type=int,
        default=DEFAULT_CELL_TIMEOUT,
        help=f"seconds per cell (default: {DEFAULT_CELL_TIMEOUT})",
    )
    args = parser.parse_args(argv)
    try:
        timings = time_notebooks(args.paths, write=args.write, timeout=args.timeout)
    except FileNotFoundError as exc:
        parser.error(str(exc))
    if not timings:
        print("No notebooks found.", file=sys.stderr)
        return 0
    failed = [t for t in timings if not t.ok]
    for timing in failed:
        print(f"\n{_display(timing.path)} failed:\n{timing.error}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
