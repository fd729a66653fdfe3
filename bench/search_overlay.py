"""`search` over a large proposed file with a pattern that makes a backtracking engine
explode: RE2 keeps it linear (issue 13: a search must never freeze a run).

A 10 MB proposal of lines `aaa…a!` is searched for `(a+)+$`; Python's `re` would need
2^n steps per line. Prints the median time and the throughput; for context, the same
search for a plain word.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from orchestra_lsp.tools import SearchQuery, WorkspaceView, search_workspace

LINE = "a" * 999 + "!"
LINES = 10_000  # 10 MB
RUNS = 5


async def timed(view: WorkspaceView, pattern: str) -> float:
    timings = []
    for _ in range(RUNS):
        start = time.perf_counter()
        await search_workspace(view, SearchQuery(pattern=pattern))
        timings.append((time.perf_counter() - start) * 1000)
    return statistics.median(timings)


async def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        view = WorkspaceView(Path(folder))
        view.changeset.record_base("big.txt", None)
        view.changeset.propose("big.txt", (LINE + "\n") * LINES)
        evil = await timed(view, "(a+)+$")
        plain = await timed(view, "needle")
    size_mb = len(LINE) * LINES / 1e6
    print(
        f"search_overlay: (a+)+$ over a {size_mb:.0f} MB proposed file: {evil:.0f} ms "
        f"({size_mb / (evil / 1000):.0f} MB/s); a plain word: {plain:.0f} ms"
    )


if __name__ == "__main__":
    asyncio.run(main())
