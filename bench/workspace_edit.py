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

from lsprotocol import converters

from _texts import make_texts
from orchestra_lsp.changes import FileChange
from orchestra_lsp.lsp.edits import EditOptions, FilePlan, build_workspace_edit
from orchestra_lsp.lsp.planning import plan_file

LINES, HUNKS, RUNS = 10_000, 200, 15


def main() -> None:
    base, proposed = make_texts(LINES, HUNKS)
    converter = converters.get_converter()
    change = FileChange(path="src/big.py", base_text=base, base_version=3, proposed_text=proposed)
    options = EditOptions(annotate=True, label="developer · implement")
    timings: list[float] = []
    payload = ""
    for _ in range(RUNS):
        started = time.perf_counter()
        plan = plan_file(change, "file:///w/src/big.py", base, 3)
        assert isinstance(plan, FilePlan)
        edit = build_workspace_edit([plan], options)
        payload = json.dumps(converter.unstructure(edit))
        timings.append((time.perf_counter() - started) * 1000)
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


if __name__ == "__main__":
    main()
