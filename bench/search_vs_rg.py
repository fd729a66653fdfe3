"""Our `search` against plain ripgrep on the same generated tree (DESIGN §13: <= 1.5x).

Builds a few thousand source-like files in a temporary folder (with a .gitignore),
then times, median of several runs: `rg -n PATTERN` as a person would type it, our
search with its default backend (ripgrep when installed), and the Python fallback
for context. Prints the figures and the ratio.
"""

from __future__ import annotations

import asyncio
import random
import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from orchestra_lsp.tools import Backend, SearchQuery, WorkspaceView, search_workspace

FILES = 3000
RUNS = 15
PATTERN = r"needle_\d+"


def build_tree(root: Path, files: int = FILES, seed: int = 3) -> None:
    """Files of 50-300 lines across nested packages; about one in 30 holds a needle."""
    rng = random.Random(seed)
    (root / ".gitignore").write_text("build/\n*.log\n")
    for n in range(files):
        folder = root / f"pkg{n % 40}" / f"sub{n % 7}"
        folder.mkdir(parents=True, exist_ok=True)
        lines = [
            f"def function_{n}_{i}(x):\n    return x * {i}  # filler text\n"
            for i in range(rng.randint(25, 150))
        ]
        if n % 30 == 0:
            lines.insert(rng.randrange(len(lines)), f"NEEDLE = 'needle_{n}'\n")
        (folder / f"mod{n}.py").write_text("".join(lines))
    (root / "build").mkdir()
    for n in range(200):
        (root / "build" / f"gen{n}.py").write_text("needle_0 ignored\n" * 50)


def median_ms(action: Callable[[], object], runs: int = RUNS) -> float:
    """Median wall time of `action` in milliseconds, after one warm-up run."""
    action()
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        timings.append((time.perf_counter() - start) * 1000)
    return statistics.median(timings)


def main() -> None:
    if shutil.which("rg") is None:
        print("search_vs_rg: ripgrep is not installed; nothing to compare against")
        return
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        build_tree(root)
        view = WorkspaceView(root)
        query = SearchQuery(pattern=PATTERN)

        def ours(backend: Backend) -> Callable[[], object]:
            return lambda: asyncio.run(search_workspace(view, query, backend))

        def plain_rg() -> object:
            return subprocess.run(["rg", "-n", PATTERN], cwd=root, capture_output=True)

        hits = len(asyncio.run(search_workspace(view, query)).matches)
        rg_ms = median_ms(plain_rg)
        ours_ms = median_ms(ours("auto"))
        python_ms = median_ms(ours("python"))
    print(
        f"search_vs_rg: {FILES} files, {hits} matches: rg {rg_ms:.1f} ms, "
        f"ours {ours_ms:.1f} ms (ratio {ours_ms / rg_ms:.2f}x, bar <= 1.5x); "
        f"python fallback {python_ms:.1f} ms ({python_ms / rg_ms:.1f}x)"
    )


if __name__ == "__main__":
    main()
