"""stdin after `initialize`: read by `bootstrap.EarlyAnswers` while pygls is imported,
then handed to pygls whole (`hand_over`), which reads it from its descriptor for the
rest of the session, with no thread relaying it.

Nothing may be lost, doubled or reordered on the way: not the messages held for pygls,
not a message half read when the hand-over comes, not what the client sends while it
happens.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import os
import random
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from conftest import StartRaw
from raw_client import frame

from orchestra_lsp.lsp.bootstrap import EarlyAnswers, FdReader
from orchestra_lsp.lsp.prefetch import CommandsPrefetch


class _Stdout(io.BytesIO):
    """What the early reader writes (its answers), readable from the test's thread."""

    def answers(self) -> list[dict[str, Any]]:
        data, found = self.getvalue(), []
        while data:
            header, rest = data.split(b"\r\n\r\n", 1)
            length = int(header.split(b"Content-Length: ")[1].split(b"\r\n")[0])
            found.append(json.loads(rest[:length]))
            data = rest[length:]
        return found


def _early_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "orchestra-early"]


def _wait(condition: Any, what: str) -> None:
    deadline = time.monotonic() + 60
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.01)


@pytest.fixture
def stdin() -> Any:
    read_end, write_end = os.pipe()
    yield read_end, write_end
    for fd in (read_end, write_end):
        with contextlib.suppress(OSError):  # closed by the test
            os.close(fd)


def test_pygls_gets_stdin_itself_with_what_was_held_and_a_half_read_message(
    workspace: Path, stdin: tuple[int, int]
) -> None:
    """The early reader answers `orchestra/commands`, holds the rest, and is in the
    middle of a message when pygls takes over: pygls then reads, from stdin's own
    descriptor, the held messages, that message whole, and what comes after."""
    read_end, write_end = stdin
    source = FdReader(read_end)
    stdout = _Stdout()
    prefetch = CommandsPrefetch(workspace)
    early = EarlyAnswers(source, stdout, prefetch)
    opened = frame({"method": "textDocument/didOpen", "params": {"textDocument": {"uri": "x"}}})
    agents = frame({"id": 2, "method": "orchestra/agents", "params": {}})
    os.write(
        write_end,
        frame({"method": "initialized", "params": {}})
        + frame({"id": 1, "method": "orchestra/commands", "params": {}})
        + opened
        + agents[:30],  # the header and a little of the body: the reader waits for more
    )
    _wait(lambda: stdout.answers(), "the early reader never answered orchestra/commands")
    [answer] = stdout.answers()
    assert answer["id"] == 1 and answer["result"] == prefetch.result(0)
    time.sleep(0.05)  # let it read what follows, up to the half message
    reader = early.hand_over()
    assert reader is source and reader.fd == read_end  # the descriptor itself: no pipe
    assert not _early_threads()  # and no thread between
    after = frame({"id": 3, "method": "shutdown"})
    os.write(write_end, agents[30:] + after)
    os.close(write_end)
    expected = frame({"method": "initialized", "params": {}}) + opened + agents + after
    assert reader.read() == expected  # to the end of stdin, which reaches pygls too
    assert len(stdout.answers()) == 1


def test_after_a_change_the_early_reader_stops_and_pygls_reads_the_rest(
    workspace: Path, stdin: tuple[int, int]
) -> None:
    """A watched file changed: the stored or prefetched listing may no longer hold, so
    a later `orchestra/commands` is pygls' to answer (from the files as they are)."""
    read_end, write_end = stdin
    source = FdReader(read_end)
    stdout = _Stdout()
    prefetch = CommandsPrefetch(workspace)
    early = EarlyAnswers(source, stdout, prefetch)
    changed = frame({"method": "workspace/didChangeWatchedFiles", "params": {"changes": []}})
    commands = frame({"id": 1, "method": "orchestra/commands", "params": {}})
    os.write(write_end, changed + commands)
    _wait(lambda: prefetch.done, "the prefetch child never answered")
    _wait(lambda: not _early_threads(), "the early reader went on reading after a change")
    assert not stdout.answers()
    reader = early.hand_over()
    os.close(write_end)
    assert reader.read() == changed + commands


def _groups(command: Path, text: str, index: int) -> bytes:
    """One round of what an editor sends at start: the listing, the agents, a change
    of the open command file (its whole text, its agent renamed `nobody-INDEX`)."""
    changed = text.replace("agent: planner", f"agent: nobody-{index}")
    return (
        frame({"id": f"commands-{index}", "method": "orchestra/commands", "params": {}})
        + frame({"id": f"agents-{index}", "method": "orchestra/agents", "params": {}})
        + frame(
            {
                "method": "textDocument/didChange",
                "params": {
                    "textDocument": {"uri": command.as_uri(), "version": index + 2},
                    "contentChanges": [{"text": changed}],
                },
            }
        )
    )


@pytest.mark.parametrize("seed", [1, 2])
async def test_requests_sent_back_to_back_across_the_hand_over_are_each_answered(
    raw: StartRaw, workspace: Path, tmp_path: Path, seed: int
) -> None:
    """A client that sends as fast as it can, in writes cut at random bytes, from
    before the server has imported pygls until well after (an `orchestra/agents`
    answered: the engine, hence pygls, is running): every request is answered once,
    every listing is the same, and the open file ends as the last change left it."""
    client = await raw(
        workspace,
        command=[str(Path(sys.executable).parent / "orchestra"), "serve", "--stdio"],
        cwd=workspace,
        env={"XDG_CONFIG_HOME": str(tmp_path / "config")},
    )
    command = workspace / ".orchestra" / "commands" / "change.md"
    text = command.read_text()
    document = {"uri": command.as_uri(), "languageId": "markdown", "version": 1, "text": text}
    params: dict[str, Any] = {"processId": None, "rootUri": workspace.as_uri(), "capabilities": {}}
    pending = (
        frame({"id": "init", "method": "initialize", "params": params})
        + frame({"method": "initialized", "params": {}})
        + frame({"method": "textDocument/didOpen", "params": {"textDocument": document}})
    )
    cut = random.Random(seed)
    rounds = 0
    after_pygls = 0
    while after_pygls < 20:  # rounds sent once pygls answered
        if not pending:
            pending = _groups(command, text, rounds)
            rounds += 1
            if any(str(m.get("id")).startswith("agents-") for m in client.received):
                after_pygls += 1
        size = cut.randint(1, 400)
        client.send_bytes(pending[:size])
        pending = pending[size:]
        await asyncio.sleep(0.002)
        assert rounds < 5000, "pygls never answered"
    client.send_bytes(pending)  # the rest of the last round
    for index in range(rounds):
        for kind in ("commands", "agents"):
            answer = await client.response(f"{kind}-{index}", timeout=60)
            assert "result" in answer, answer
    listings = [client.responses(f"commands-{i}") for i in range(rounds)]
    assert all(len(answers) == 1 for answers in listings)
    assert all(answers[0]["result"] == listings[0][0]["result"] for answers in listings)
    assert all(len(client.responses(f"agents-{i}")) == 1 for i in range(rounds))
    last = rounds - 1
    await client.wait_for(
        "textDocument/publishDiagnostics",
        lambda p: (
            p["uri"] == command.as_uri()
            and p.get("version") == last + 2
            and f"nobody-{last}" in str(p["diagnostics"])
        ),
        timeout=60,
    )
    assert await client.close() == 0
    stderr = await client.stderr()
    assert "Traceback" not in stderr and "Unable to handle" not in stderr
