"""Write ``notebooks/START-HERE.ipynb``, the page a learner lands on.

It holds the chapter map (a row for every chapter folder present under
``notebooks/``) and how a chapter and its exercises work. Run it after adding
a chapter (``tests/test_student_workspace.py`` fails until the map links every
chapter)::

    python scripts/start_page.py          # from the repository root
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_markdown_cell, new_notebook

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "notebooks" / "START-HERE.ipynb"

# (folder, title, the question the chapter answers), in course order.
CHAPTERS = [
    (
        "00-introduction",
        "Introduction",
        "What is wrong with my model? The framework, and diagnosis with learning "
        "curves.",
    ),
    ("01-capacity", "Capacity", "How many nodes and layers?"),
    ("02-batch-size", "Batch size", "How precise should each gradient be?"),
    ("03-loss-functions", "Loss functions", "What should the model minimize?"),
    (
        "04-learning-rate",
        "Learning rate",
        "How fast should it learn? Momentum, schedules, adaptive optimizers.",
    ),
    ("05-data-scaling", "Data scaling", "Why scale inputs and targets?"),
    ("06-relu", "ReLU", "Why do deep networks stop learning?"),
    (
        "07-gradient-clipping",
        "Gradient clipping",
        "How do I keep gradients from exploding?",
    ),
    (
        "08-batch-normalization",
        "Batch normalization",
        "Does standardizing each layer's inputs speed up learning?",
    ),
    (
        "09-pretraining",
        "Pretraining",
        "Can a deep network be grown one layer at a time?",
    ),
    (
        "10-transfer-learning",
        "Transfer learning",
        "Can a model trained on one problem jump-start another?",
    ),
    (
        "11-regularizers",
        "Regularizers",
        "Weight penalties, activity penalties and weight constraints.",
    ),
    ("12-dropout", "Dropout", "Does dropping units at random generalize better?"),
    ("13-noise", "Noise", "Does adding noise in training generalize better?"),
    ("14-early-stopping", "Early stopping", "When should training stop?"),
    ("15-ensembles", "Ensembles", "How do many models predict better than one?"),
]
PARTS = {
    "00-introduction": "**Part I: better learning** (train faster and more reliably)",
    "11-regularizers": "**Part II: better generalization**",
    "15-ensembles": "**Part III: better predictions**",
}

INTRODUCTION = """# Better Deep Learning: start here

This course makes small neural networks **train faster, generalize better and
predict better**, one technique per chapter, after Jason Brownlee's book
*Better Deep Learning*, in today's Keras 3. Every chapter reruns the book's
experiments at the book's settings, puts the book's numbers beside ours, says
plainly which findings hold and which do not, and ends with graded exercises.

Start with **00 Introduction**: it sets up the vocabulary (learning curves,
underfitting and overfitting, train, validation and test data) that every
later chapter uses. After that the chapters stand on their own."""

HOW_IT_WORKS = """## How a chapter works

- **Run it top to bottom** (*Run → Run All Cells*). The book trains thousands
  of models; the course's training engine runs them in seconds to a minute
  or two per chapter on a laptop CPU, with a progress bar while it works.
- **Read the results beside the book's.** Where one run is too noisy to
  decide, the chapter trains several seeds and shows the spread (a box plot)
  before it claims anything.
- **Move the sliders.** Near the end of each chapter a widget lets you vary
  the chapter's setting (a learning rate, a dropout rate, ...) and redraws
  the figure. Before the notebook runs, it shows a still image.
- **Play.** In any notebook, `bdl.playground()` sets up a small Keras network
  on the book's problems with controls for its data, depth, width,
  optimizer and regularizers, and retrains it as you move them (the end of
  chapter 00 has one).

## How the exercises work

- Each exercise has an **answer cell** with `# YOUR CODE HERE` and
  `raise NotImplementedError()`: replace that line with your code.
- The cells after it are **checks**. Run them: no output means the visible
  checks pass; otherwise the message says what is wrong and gives a hint.
  A **self-check** tells you whether your answer is right without giving it
  away. Hidden tests run only when an instructor grades your work.
- **Validate** (the button in the notebook toolbar) runs the whole notebook
  and lists every check that fails.
- Your copies live in this folder (`work/`) and are never overwritten when
  you pull new chapters; delete a chapter's folder to start it afresh. This
  start page is refreshed each time, so keep your notes elsewhere.

## If something goes wrong

- A cell seems stuck: long training shows a progress bar; if nothing moves,
  *Kernel → Interrupt*.
- Errors from the course's functions say what was wrong and how to fix it
  (a shape, a name, an argument); read the last line first."""


def chapter_map(present: set[str]) -> str:
    """The chapters table, with a row for each folder in ``present``."""
    rows = []
    for folder, title, question in CHAPTERS:
        if folder not in present:
            continue
        if folder in PARTS:
            rows.append(f"| | {PARTS[folder]} |")
        rows.append(f"| [{folder[:2]} {title}]({folder}/{folder}.ipynb) | {question} |")
    unknown = sorted(present - {folder for folder, _, _ in CHAPTERS})
    if unknown:
        raise SystemExit(f"add {unknown} to CHAPTERS in {__file__}")
    return "| Chapter | The question it answers |\n|---|---|\n" + "\n".join(rows)


def main() -> None:
    present = {
        p.parent.name
        for p in (ROOT / "notebooks").glob("[0-9][0-9]-*/[0-9][0-9]-*.ipynb")
        if p.stem == p.parent.name
    }
    nb = new_notebook(
        cells=[
            new_markdown_cell(INTRODUCTION),
            new_markdown_cell("## The chapters\n\n" + chapter_map(present)),
            new_markdown_cell(HOW_IT_WORKS),
        ],
        metadata={
            "kernelspec": {
                "display_name": "Python 3 (ipykernel)",
                "language": "python",
                "name": "python3",
            },
            "language_info": {"name": "python"},
        },
    )
    for i, cell in enumerate(nb.cells):
        cell.id = f"start-{i}"
    nbformat.write(nb, PAGE)
    print(f"wrote {PAGE.relative_to(ROOT)}: {len(present)} chapters")


if __name__ == "__main__":
    main()
