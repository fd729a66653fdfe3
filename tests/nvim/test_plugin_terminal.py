"""The plugin in a real terminal: Neovim 0.11 inside tmux, typed at with `send-keys` and
read with `capture-pane`, the stock vim.ui (inputlist and input prompts). The screens
are kept as text in tests/nvim/screens/ (the README shows the review one)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from plugin_helpers import PLUGIN, environment, make_workspace, nvim11, orchestra_cmd
from test_plugin import CALC, FIRST_RUN, proposals

from orchestra_lsp.testing import ScriptedServer

SCREENS = Path(__file__).parent / "screens"
# The first run without the revision: plan, approve, change, review.
# The developer's edits come after 3 s, while the person is typing.
SCRIPT: list[dict[str, Any]] = [FIRST_RUN[0], {**FIRST_RUN[2], "delay": 3}, FIRST_RUN[3]]


class Terminal:
    """One tmux server of its own (`-L`), one 100x40 window."""

    def __init__(self, socket: str) -> None:
        self.socket = socket
        self.shots: list[tuple[str, str]] = []

    def tmux(self, *args: str) -> str:
        done = subprocess.run(
            ["tmux", "-L", self.socket, *args], capture_output=True, text=True, timeout=30
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    def keys(self, *keys: str) -> None:
        self.tmux("send-keys", "-t", "main", *keys)

    def type(self, text: str) -> None:
        self.tmux("send-keys", "-t", "main", "-l", text)

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", "main")

    def wait(self, what: str, check: Callable[[str], bool], seconds: float = 60) -> str:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            text = self.screen()
            if check(text):
                return text
            time.sleep(0.1)
        raise AssertionError(f"timed out waiting for {what}; the screen:\n{self.screen()}")

    def shot(self, name: str, what: str, check: Callable[[str], bool]) -> str:
        text = self.wait(what, check)
        self.shots.append((name, text))
        return text


@pytest.fixture
def terminal() -> Iterator[Terminal]:
    term = Terminal(f"orchestra-nvim-{os.getpid()}")
    yield term
    subprocess.run(["tmux", "-L", term.socket, "kill-server"], capture_output=True, check=False)
    SCREENS.mkdir(exist_ok=True)
    for name, text in term.shots:
        (SCREENS / f"{name}.txt").write_text(text, encoding="utf-8")


def test_a_person_runs_approves_and_reviews_in_a_terminal(
    tmp_path: Path, terminal: Terminal
) -> None:
    root = make_workspace(tmp_path / "ws")
    with ScriptedServer(SCRIPT) as model:
        env = environment(tmp_path, model.base_url, LANG="C.UTF-8", TERM="xterm-256color")
        setup = f"lua require('orchestra').setup({{cmd = vim.json.decode([==[{json.dumps(orchestra_cmd())}]==])}})"
        command = [nvim11(), "--clean", "--cmd", f"set runtimepath^={PLUGIN}", "-c", setup]
        command += ["-c", "set laststatus=2 statusline=%f%=%{v:lua.require'orchestra'.status()}"]
        command.append("calc.py")
        terminal.tmux(
            "-f",
            "/dev/null",
            "new-session",
            "-d",
            "-s",
            "main",
            "-x",
            "100",
            "-y",
            "40",
            "-c",
            str(root),
            *[
                item
                for key, value in env.items()
                if key.isidentifier()
                for item in ("-e", f"{key}={value}")
            ],
            " ".join(_quote(part) for part in command),
        )
        terminal.wait("Neovim", lambda s: "return a - b" in s)
        terminal.type(":Orchestra run")
        terminal.keys("Enter")
        picker = terminal.shot("1-picker", "the command picker", lambda s: "Type number" in s)
        [line] = [line for line in picker.splitlines() if "improve <goal>" in line]
        terminal.type(line.split(":")[0].strip())
        terminal.keys("Enter")
        terminal.shot(
            "2-argument", "the first argument's prompt", lambda s: "goal (What to improve):" in s
        )
        terminal.type("make add() add")
        terminal.keys("Enter")
        terminal.shot(
            "3-default", "the prompt with a default", lambda s: "area (Which file): calc.py" in s
        )
        terminal.keys("Enter")
        gate = terminal.shot(
            "4-gate",
            "the approve gate",
            lambda s: "Plan: make add() add." in s and "Type number" in s,
        )
        assert "Approve" in gate and "Revise" in gate and "Stop" in gate
        assert "│Plan: make add() add." in gate  # the step's output, in a float
        [approve] = [line for line in gate.splitlines() if line.strip().endswith("Approve")]
        terminal.type(approve.strip().split(":")[0].split(".")[0])
        terminal.keys("Enter")
        # typing when the proposal arrives: the review waits for Normal mode, so the
        # keys go on into calc.py, not into the review buffer
        terminal.wait("the gate to close", lambda s: "Type number" not in s)
        terminal.type("o# first")
        terminal.wait("the statusline", lambda s: "waiting for your review" in s, seconds=30)
        terminal.type(" and more")
        typing = terminal.wait("the typing", lambda s: "# first and more" in s, seconds=10)
        assert "-- INSERT --" in typing and "Orchestra review ·" not in typing, typing
        assert "E21" not in typing
        terminal.keys("Escape")
        terminal.wait("the review", lambda s: "Orchestra review ·" in s)
        # back in calc.py, the person undoes their own typing, and returns to the review
        terminal.type(":wincmd p")
        terminal.keys("Enter")
        terminal.type("u")
        terminal.wait("the undo", lambda s: "# first and more" not in s)
        terminal.type(":wincmd p")
        terminal.keys("Enter")
        review = terminal.shot(
            "5-review", "the review buffer", lambda s: "@@ " in s and "calc.py · modify" in s
        )
        assert "calc.py · modify · 2 hunks" in review
        assert "waiting for your review: :Orchestra review" in review  # the statusline
        assert "-    return a - b" in review and "+    return a + b" in review
        terminal.type("/return a + b")
        terminal.keys("Enter")
        terminal.type("a")
        terminal.type("/needs at least")
        terminal.keys("Enter")
        terminal.type("r")
        terminal.type("/adds")
        terminal.keys("Enter")
        terminal.type("A")
        marked = terminal.shot(
            "6-decided", "the marks", lambda s: s.count("accepted") == 2 and "rejected" in s
        )
        assert "h2 · rejected" in marked
        terminal.type(":w")
        terminal.keys("Enter")
        terminal.shot(
            "7-landed",
            "the outcome",
            lambda s: "Orchestra review ·" not in s and "return a + b" in s and "Orchestra: " in s,
        )
        terminal.wait("the run's end", lambda s: "waiting for your review" not in s)
    assert (root / "calc.py").read_text() == CALC.replace("return a - b", "return a + b")
    [run] = [p.parent.name for p in (root / ".orchestra" / "runs").glob("*/run.json")]
    assert sorted(proposals(root, run)) == [
        ("CHANGES.md", ["h1"], [], "applied"),
        ("calc.py", ["h1"], ["h2"], "applied"),
    ]


def _quote(part: str) -> str:
    return "'" + part.replace("'", "'\\''") + "'"
