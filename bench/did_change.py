"""`textDocument/didChange` of one character in a 100,000-line file.

Issue 17: under 1 ms, incremental. Two measures, each beside its peers from the same run,
interleaved so that the machine's load hits all of them alike:

- in process, the store alone: Orchestra's `Document` (lines kept, one line replaced)
  against pygls' own `TextDocument` (what the server kept before: it rebuilds the whole
  text per change) and a full-text apply (splice the string, re-index its lines);
- over stdio, the real server: a keystroke (didChange) then a hover on the same file,
  in a 100,000-line file against a 10-line one; the difference is what the size of
  the file costs a keystroke.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from lsprotocol import types
from pygls.workspace import TextDocument

from _lsp_stdio import StdioClient
from orchestra_lsp.changes import LineIndex, Position
from orchestra_lsp.lsp.documents import Document
from orchestra_lsp.lsp.positions import Codec

LINES, KEYSTROKES, ROUNDS = 100_000, 300, 3
GOAL_MS = 1.0


def make_text(lines: int) -> str:
    return "".join(f"    value_{i} = compute({i})  # ✓ línea 😀\n" for i in range(lines))


def keystrokes(count: int) -> list[types.TextDocumentContentChangePartial]:
    """Typing and deleting one character at a time, spread over the file."""
    changes: list[types.TextDocumentContentChangePartial] = []
    for n in range(count):
        line = (n // 2 * 7919) % LINES  # typed, then deleted: the text comes back
        at = types.Position(line=line, character=4)
        typed = n % 2 == 0
        end = at if typed else types.Position(line=line, character=5)
        changes.append(
            types.TextDocumentContentChangePartial(range=types.Range(at, end), text="x" * typed)
        )
    return changes


class FullText:
    """The peer a store without lines is: splice the string, index its lines again."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.index = LineIndex(text)

    def apply_change(self, change: types.TextDocumentContentChangePartial) -> None:
        start = self.index.offset_of(_position(change.range.start), "utf-16")
        end = self.index.offset_of(_position(change.range.end), "utf-16")
        self.text = self.text[:start] + change.text + self.text[end:]
        self.index = LineIndex(self.text)


def _position(position: types.Position) -> Position:
    return Position(line=position.line, character=position.character)


def in_process() -> tuple[bool, list[str]]:
    text = make_text(LINES)
    stores: dict[str, Any] = {
        "orchestra": Document("file:///w/big.py", text, 1, Codec("utf-16")),
        "pygls TextDocument": TextDocument("file:///w/big.py", text, 1),
        "full-text apply": FullText(text),
    }
    per_store = {name: max(1, KEYSTROKES // (1 if name == "orchestra" else 30)) for name in stores}
    timings: dict[str, list[float]] = {name: [] for name in stores}
    for _ in range(ROUNDS):
        for name, store in stores.items():  # interleaved: every round times each store
            apply: Callable[[Any], None] = store.apply_change
            for change in keystrokes(per_store[name]):
                started = time.perf_counter()
                apply(change)
                timings[name].append((time.perf_counter() - started) * 1000)
    assert stores["orchestra"].text == stores["pygls TextDocument"].source
    ours = statistics.median(timings["orchestra"])
    lines = [f"  in process, {LINES:,} lines, median per keystroke (ms):"]
    held = ours < GOAL_MS
    for name, values in timings.items():
        median = statistics.median(values)
        ratio = "" if name == "orchestra" else f"   orchestra is {median / ours:,.0f}x faster"
        lines.append(f"    {name:<20} {median:9.4f}  ({len(values)} keystrokes){ratio}")
        if name != "orchestra":
            held &= ours < median
    return held, lines


async def over_stdio() -> tuple[bool, list[str]]:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        big, small = root / "big.py", root / "small.py"
        big.write_text(make_text(LINES), encoding="utf-8")
        small.write_text(make_text(10), encoding="utf-8")
        env = {**os.environ, "XDG_CONFIG_HOME": str(root / ".config")}
        client = await StdioClient.spawn(
            sys.executable, "-m", "orchestra_lsp.lsp", "--workspace", folder, env=env
        )
        await client.request(
            "initialize",
            {"processId": None, "rootUri": root.as_uri(), "capabilities": {}},
        )
        client.notify("initialized", {})
        versions = {}
        for path in (big, small):
            client.notify(
                "textDocument/didOpen",
                {
                    "textDocument": {
                        "uri": path.as_uri(),
                        "languageId": "python",
                        "version": 1,
                        "text": path.read_text(encoding="utf-8"),
                    }
                },
            )
            versions[path] = 1
        timings: dict[Path, list[float]] = {big: [], small: []}
        changes = keystrokes(KEYSTROKES)
        for n, change in enumerate(changes):
            for path in (big, small):  # interleaved
                versions[path] += 1
                line = change.range.start.line % (LINES if path == big else 10)
                span = {
                    "start": {"line": line, "character": 4},
                    "end": {"line": line, "character": change.range.end.character},
                }
                started = time.perf_counter()
                client.notify(
                    "textDocument/didChange",
                    {
                        "textDocument": {"uri": path.as_uri(), "version": versions[path]},
                        "contentChanges": [{"range": span, "text": change.text}],
                    },
                )
                await client.request(
                    "textDocument/hover",
                    {"textDocument": {"uri": path.as_uri()}, "position": span["start"]},
                )
                if n >= 10:  # the first keystrokes warm the server up
                    timings[path].append((time.perf_counter() - started) * 1000)
        await client.request("shutdown", None)
        client.notify("exit", None)
        await client.process.wait()
    big_ms, small_ms = statistics.median(timings[big]), statistics.median(timings[small])
    cost = big_ms - small_ms
    held = cost < GOAL_MS
    return held, [
        "  over stdio, keystroke + hover round trip, median (ms):",
        f"    {LINES:,}-line file {big_ms:8.3f}   10-line file {small_ms:8.3f}"
        f"   the size costs {cost:+.3f} ms ({len(timings[big])} keystrokes each)",
    ]


def main() -> None:
    load = os.getloadavg()[0]
    print(f"did_change: one character typed or deleted (load {load:.1f} on {os.cpu_count()} cores)")
    stored, store_lines = in_process()
    served, served_lines = asyncio.run(over_stdio())
    for line in store_lines + served_lines:
        print(line)
    print(f"  goal: < {GOAL_MS} ms a keystroke in the store: {'ok' if stored else 'SLOW'}")
    print(f"  goal: < {GOAL_MS} ms a keystroke in the server: {'ok' if served else 'SLOW'}")


if __name__ == "__main__":
    main()
