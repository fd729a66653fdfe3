"""Real editors against `orchestra serve`, each running in tmux with a real terminal and
driven by a script of its own language (Emacs Lisp, Lua) that acts as a person would
through the editor's stock LSP client, then writes what it saw to a JSON report.

One scenario for every editor (`make_workspace`):
- an agent file whose tools line holds `😀😀` before a misspelt tool: the diagnostic must
  cover exactly `edt` in the buffer, and the "did you mean" quick fix must give `edit`;
- template completion after `{{steps.p` in a later step: exactly `steps.plan.output`;
- a command run from a code action (`hello`, one step, no review), with `"arguments": {}`
  that Emacs sends back as `null`; the journal must record it finished;
- a review (`fix`): the editor's own message-request prompt, answered "Accept all", and
  the change in the editor's buffer.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lsp"))
from lsp_helpers import make_workspace as base_workspace

from orchestra_lsp.journal import list_runs, load_run
from orchestra_lsp.testing import ScriptedServer

HERE = Path(__file__).resolve().parent
API_KEY = "test-key-editors-0123456789"

AGENT_LINE = 'tools: [read_file, "😀😀", edt]'
FIXED_LINE = 'tools: [read_file, "😀😀", edit]'
EMOJI_AGENT = f"---\nname: emo\ndescription: Smiles\n{AGENT_LINE}\n---\nYou smile.\n"

TWO_STEPS = """---
description: Two steps
steps:
  - id: plan
    agent: planner
    prompt: Plan.
  - id: write
    agent: coder
    prompt: "Use {{steps.p
---
"""

HELLO = """---
description: Say hello
code_action:
  kinds: [source]
  when: always
steps:
  - id: hello
    agent: planner
    prompt: Say hello.
---
"""

FIX = """---
description: Say hello in app.py
code_action:
  kinds: [source]
  when: always
steps:
  - id: fix
    agent: coder
    prompt: Make app.py say hello.
    gate: review
---
"""

_EDIT = {"command": "str_replace", "path": "app.py", "old_str": "'hi'", "new_str": "'hello'"}
SCRIPT = [
    {"name": "hello", "reply": {"text": "Hello from the editor run."}},
    {"name": "fix", "reply": {"tool_use": [{"name": "edit", "input": _EDIT}]}},
    {"name": "fixed", "reply": {"text": "app.py says hello."}},
]


def drive_editor(tmp_path: Path, command: list[str]) -> tuple[Path, dict[str, Any], ScriptedServer]:
    """The scenario's workspace and the scripted model; `command` (the editor with its
    driving script) run in tmux until it writes its report. Returns the workspace, the
    report (what the script saw) and the (stopped) model."""
    root = make_workspace(tmp_path / "ws")
    report = tmp_path / "report.json"
    with ScriptedServer(SCRIPT) as model:
        env = {
            **environment(tmp_path, model.base_url),
            "WORKSPACE": str(root),
            "REPORT": str(report),
        }
        seen = run_in_tmux(command, env, report, root)
    return root, seen, model


def check_scenario(root: Path, seen: dict[str, Any]) -> None:
    """The script went through every step without an error: the diagnostic covers
    exactly `edt` and its quick fix gives `edit`, completion offers the earlier step's
    output only and inserts it, and the command run from a code action finished."""
    assert "error" not in seen, seen
    assert seen["steps"] == ["diagnostic", "quick fix", "completion", "command run", "review"], seen
    assert seen["diagnostic_text"] == "edt"
    assert seen["fixed_line"] == FIXED_LINE
    assert "steps.plan.output" in seen["completion_labels"]
    assert "steps.write.output" not in seen["completion_labels"]
    assert seen["completed_line"] == '    prompt: "Use {{steps.plan.output'
    assert {r.command: r.state for r in list_runs(root)}["hello"] == "finished"


def check_review(root: Path, seen: dict[str, Any], journal: bool = True) -> None:
    """The review reached the person as a message, was accepted, and landed in the
    editor's buffer (the file stays as it was on disk until the person saves); with
    `journal`, the journal says so too."""
    assert "app.py" in seen["review_prompt"], seen
    assert seen["reviewed_line"] == "print('hello')", seen
    runs = {r.command: r for r in list_runs(root)}
    assert runs["fix"].state == "finished"
    if not journal:
        return
    decided = [
        e for e in load_run(root, runs["fix"].run_id).events if e["type"] == "proposal_decided"
    ]
    assert [(e["path"], e["outcome"]) for e in decided] == [("app.py", "applied_in_editor")], (
        decided
    )


def make_workspace(root: Path) -> Path:
    base_workspace(root)
    orchestra = root / ".orchestra"
    (orchestra / "config.toml").write_text('[model]\nname = "claude-sonnet-4-6"\n')
    (orchestra / "agents" / "emo.md").write_text(EMOJI_AGENT, encoding="utf-8")
    (orchestra / "commands" / "two.md").write_text(TWO_STEPS, encoding="utf-8")
    (orchestra / "commands" / "hello.md").write_text(HELLO, encoding="utf-8")
    (orchestra / "commands" / "fix.md").write_text(FIX, encoding="utf-8")
    (root / "app.py").write_text("print('hi')\n", encoding="utf-8")
    # Emacs' project.el finds the root by its version control.
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    return root


def orchestra_exe() -> str:
    exe = shutil.which("orchestra", path=str(Path(sys.executable).parent))
    assert exe, "the orchestra console script is not installed in this virtualenv"
    return exe


def environment(tmp: Path, base_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "ANTHROPIC_BASE_URL": base_url,
        "ANTHROPIC_API_KEY": API_KEY,
        # The README's snippets name `orchestra`: this virtualenv's, first on PATH.
        "PATH": f"{Path(orchestra_exe()).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "HOME": str(tmp / "home"),
        "XDG_CONFIG_HOME": str(tmp / "config"),
        "XDG_DATA_HOME": str(tmp / "data"),
        "XDG_STATE_HOME": str(tmp / "state"),
        "XDG_CACHE_HOME": str(tmp / "cache"),
        "TERM": "xterm-256color",
    }


def run_in_tmux(
    command: list[str], env: dict[str, str], report: Path, cwd: Path, timeout: float = 120
) -> dict[str, Any]:
    """Run `command` in a detached tmux session of its own until it writes `report`."""
    session = f"orchestra-{uuid.uuid4().hex[:8]}"
    (Path(env["HOME"])).mkdir(parents=True, exist_ok=True)
    env_args = [
        f"{k}={v}"
        for k, v in env.items()
        if k.startswith(
            (
                "ANTHROPIC",
                "ORCHESTRA",
                "XDG",
                "HOME",
                "REPORT",
                "WORKSPACE",
                "PATH",
                "TERM",
                "EMACS",
                "NVIM",
            )
        )
    ]
    subprocess.run(
        [
            "tmux",
            "new-session",
            "-d",
            "-s",
            session,
            "-x",
            "160",
            "-y",
            "48",
            "-c",
            str(cwd),
            "env",
            *env_args,
            *command,
        ],
        check=True,
    )
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if report.is_file() and report.stat().st_size:
                time.sleep(0.2)
                return dict(json.loads(report.read_text(encoding="utf-8")))
            time.sleep(0.2)
        screen = subprocess.run(
            ["tmux", "capture-pane", "-p", "-t", session], capture_output=True, text=True
        ).stdout
        raise AssertionError(f"no report after {timeout}s; the screen:\n{screen}")
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)


def finished_runs(root: Path) -> list[dict[str, Any]]:
    runs = root / ".orchestra" / "runs"
    found = []
    for run in sorted(runs.glob("*/run.json")) if runs.is_dir() else []:
        found.append(json.loads(run.read_text()))
    return found
