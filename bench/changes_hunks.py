"""Time `compute_hunks` + edits for a 10,000-line file with 200 changed hunks.

DESIGN §13: a changeset of that size must become a WorkspaceEdit in under 50 ms.
Prints the median of several runs, in milliseconds.
"""

from __future__ import annotations

import statistics
import time

from _texts import make_texts
from orchestra_lsp.changes import compute_hunks, hunks_to_edits


def main() -> None:
    base, proposed = make_texts()
    timings: list[float] = []
    count = 0
    for _ in range(15):
        start = time.perf_counter()
        hunks = compute_hunks(base, proposed)
        edits = hunks_to_edits(base, hunks, "utf-16")
        timings.append((time.perf_counter() - start) * 1000)
        count = len(edits)
    print(
        f"changes_hunks: 10000 lines, {count} hunks -> edits: "
        f"median {statistics.median(timings):.1f} ms, max {max(timings):.1f} ms"
    )
    print(f"  goal: < 50 ms: {'ok' if statistics.median(timings) < 50 else 'SLOW'}")


if __name__ == "__main__":
    main()
