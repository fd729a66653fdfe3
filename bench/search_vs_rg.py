"""Our `search` against ripgrep given the same flags, on the same generated tree.

Issue 17: deterministic results (sorted by path, then line, also when capped) at
<= 1.2x ripgrep given the same flags. Builds a few thousand source-like files in a
folder that is not a git repository, with a .gitignore and an ignored `build/` full of
matches, then times, interleaved, median of several runs:
- ours (`search_workspace`, its default backend: ripgrep when installed, output sorted);
- the peer: `rg` with the very flags ours passes it (`.gitignore` obeyed outside git,
  hidden files, no `.git`) and `--sort=path`, ripgrep's own deterministic order;
- for context: the same without `--sort` (parallel, in no fixed order), and plain
  `rg -n` (which, outside git, also searches the ignored folder).
Then checks that a capped search gives the same matches on every run.
"""

from __future__ import annotations

import asyncio
import os
import random
import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from orchestra_lsp.tools import SearchQuery, WorkspaceView, search_workspace
from orchestra_lsp.tools.search import MAX_MATCHES, _ripgrep_command

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


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return (time.perf_counter() - started) * 1000


def main() -> None:
    if shutil.which("rg") is None:
        print("search_vs_rg: ripgrep is not installed; nothing to compare against")
        raise SystemExit(1)
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        build_tree(root)
        view = WorkspaceView(root)
        query = SearchQuery(pattern=PATTERN)
        flags = _ripgrep_command(root, query, MAX_MATCHES)

        def rg(*extra: str) -> Callable[[], object]:
            command = [flags[0], *extra, *flags[1:]]
            return lambda: subprocess.run(command, cwd=root, capture_output=True, check=False)

        contenders: dict[str, Callable[[], object]] = {
            "ours": lambda: asyncio.run(search_workspace(view, query)),
            "rg, same flags, --sort=path": rg("--sort=path"),
            "rg, same flags, unsorted": rg(),
            "rg -n (no flags)": lambda: subprocess.run(
                ["rg", "-n", PATTERN], cwd=root, capture_output=True, check=False
            ),
        }
        lines = {
            name: len(subprocess.run(command, cwd=root, capture_output=True).stdout.splitlines())
            for name, command in (("same flags", flags), ("rg -n", ["rg", "-n", PATTERN]))
        }
        hits = len(asyncio.run(search_workspace(view, query)).matches)
        timings: dict[str, list[float]] = {name: [] for name in contenders}
        for action in contenders.values():
            action()  # warm the file cache
        for _ in range(RUNS):
            for name, action in contenders.items():
                timings[name].append(timed(action))
        capped = SearchQuery(pattern=r"return x \* \d+")
        answers = {tuple(asyncio.run(search_workspace(view, capped)).matches) for _ in range(5)}
        truncated = asyncio.run(search_workspace(view, capped)).truncated
    medians = {name: statistics.median(values) for name, values in timings.items()}
    peer = medians["rg, same flags, --sort=path"]
    ratio = medians["ours"] / peer
    load = os.getloadavg()[0]
    print(f"search_vs_rg: {FILES} files, {RUNS} interleaved runs, median ms (load {load:.1f})")
    for name, median in medians.items():
        print(f"  {name:30} {median:8.1f}   ours / this {medians['ours'] / median:5.2f}x")
    print(
        f"  matches: ours {hits}, rg with the same flags {lines['same flags']}, "
        f"plain rg -n {lines['rg -n']} (it searches the ignored build/)"
    )
    verdict = "ok" if ratio <= 1.2 else "SLOWER"
    print(f"  goal: <= 1.2x rg given the same flags, sorted: {ratio:.2f}x {verdict}")
    same = len(answers) == 1 and truncated
    print(
        f"  goal: a capped search (at {MAX_MATCHES}) gives the same matches every run: "
        f"{'ok' if same else 'DIFFERS'}"
    )


if __name__ == "__main__":
    main()
