"""A 10,000-line file with 200 changed hunks -> the review's LSP WorkspaceEdit.

DESIGN §13: under 50 ms, and the edits no larger than the changed text. Times what
review does for one file: hunks from the changeset, the plan against the editor's
text, annotated `documentChanges`, and the JSON the client receives. Prints the
median and the worst of the runs, and edit bytes against changed bytes.
"""

from __future__ import annotations

import json
import statistics
import time
from difflib import SequenceMatcher

from lsprotocol import converters

from _texts import make_texts
from orchestra_lsp.changes import FileChange
from orchestra_lsp.lsp.edits import EditOptions, FilePlan, build_workspace_edit
from orchestra_lsp.lsp.planning import plan_file

LINES, HUNKS, RUNS = 10_000, 200, 15
CASES = [(lines, hunks) for lines in (1_000, 10_000, 100_000) for hunks in (1, 2_000)]
"""Issue 17: one hunk and 2,000 hunks (at most one per 4 lines) in files of 1k, 10k and
100k lines, each against difflib in the same run."""


CONVERTER = converters.get_converter()
"""Made once, as the server makes it once."""


def workspace_edit_ms(base: str, proposed: str) -> tuple[float, str]:
    """Milliseconds from the changeset's texts to the JSON the client receives."""
    started = time.perf_counter()
    change = FileChange(path="src/big.py", base_text=base, base_version=3, proposed_text=proposed)
    plan = plan_file(change, "file:///w/src/big.py", base, 3)
    assert isinstance(plan, FilePlan)
    edit = build_workspace_edit([plan], EditOptions(annotate=True, label="developer · implement"))
    payload = json.dumps(CONVERTER.unstructure(edit))
    return (time.perf_counter() - started) * 1000, payload


def difflib_ms(base: str, proposed: str) -> float:
    """The peer: what any Python tool does for the same hunks, difflib's opcodes."""
    started = time.perf_counter()
    old, new = base.splitlines(keepends=True), proposed.splitlines(keepends=True)
    SequenceMatcher(None, old, new).get_opcodes()
    return (time.perf_counter() - started) * 1000


def against_difflib() -> bool:
    print("workspace_edit vs difflib (median, ms; the two interleaved so noise hits both):")
    held = True
    for lines, hunks in CASES:
        count = min(hunks, lines // 4)
        base, proposed = make_texts(lines, count)
        first = workspace_edit_ms(base, proposed)[0]
        runs = max(5, min(200, int(500 / max(first, 0.01))))  # about half a second each
        ours, peer = [], []
        for _ in range(runs):
            ours.append(workspace_edit_ms(base, proposed)[0])
            peer.append(difflib_ms(base, proposed))
        ratio = statistics.median(ours) / statistics.median(peer)
        held &= ratio <= 1.0
        verdict = "ok" if ratio <= 1.0 else "SLOWER"
        print(
            f"  {lines:>7,} lines, {count:>5} hunks: orchestra {statistics.median(ours):8.2f}"
            f"   difflib {statistics.median(peer):8.2f}   {ratio:5.2f}x  {verdict}  ({runs} runs)"
        )
    print(f"  goal: no slower than difflib in every case: {'ok' if held else 'SLOWER'}")
    return held


def main() -> None:
    base, proposed = make_texts(LINES, HUNKS)
    timings: list[float] = []
    payload = ""
    for _ in range(RUNS):
        elapsed, payload = workspace_edit_ms(base, proposed)
        timings.append(elapsed)
    change = FileChange(path="src/big.py", base_text=base, base_version=3, proposed_text=proposed)
    hunks = change.hunks()
    changed = sum(len(h.new_text.encode()) for h in hunks)
    edit_bytes = sum(
        len(e["newText"].encode()) for e in json.loads(payload)["documentChanges"][0]["edits"]
    )
    median, worst = statistics.median(timings), max(timings)
    fast = "ok" if median < 50 else "SLOW"
    small = "ok" if edit_bytes <= changed else "TOO BIG"
    print(f"workspace_edit: {LINES} lines, {len(hunks)} hunks -> WorkspaceEdit")
    print(f"  median {median:.1f} ms, worst {worst:.1f} ms (goal < 50 ms): {fast}")
    print(f"  edit text {edit_bytes} B vs changed text {changed} B: {small}")
    print(f"  (the whole file: {len(base.encode())} B)")
    print(f"  JSON sent: {len(payload)} bytes")
    against_difflib()


if __name__ == "__main__":
    main()
