"""Gates and stops at the terminal as a new user meets them: a real `orchestra`
process (on a pseudo-terminal where a person answers), a real scripted model server.
A gate takes the first letter of an option, a bare Enter lands nothing and asks again;
a run stopped at a review gate says once, with its real id, how to review it; Ctrl-C
says how to continue the run."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent.parent / "engine"))
from engine_helpers import (
    cli_env,
    command_file,
    in_a_terminal,
    orchestra,
    str_replace,
    workspace,
)

from orchestra_lsp.journal import list_runs
from orchestra_lsp.testing import ScriptedServer

LINES = [f"value_{n} = {n}\n" for n in range(4)]
BASE = "".join(LINES)
CHANGED = BASE.replace(LINES[2], "value_2 = 'two'\n")
REVIEWED = command_file(
    [{"id": "implement", "agent": "worker", "prompt": "Change line 2.", "gate": "review"}]
)
APPROVED = command_file(
    [
        {"id": "plan", "agent": "worker", "prompt": "Plan it.", "gate": "approve"},
        {"id": "report", "agent": "worker", "prompt": "Report."},
    ]
)
EDIT_SCRIPT: list[dict[str, Any]] = [
    {"reply": {"tool_use": [str_replace("values.py", LINES[2], "value_2 = 'two'\n")]}},
    {"reply": {"text": "Line 2 changed."}},
]
ACCEPT = "Accept the changes to values.py?"
GATE = "Approve, edit, revise or stop?"


def _run_in_a_terminal(
    root: Path, config_home: Path, script: list[dict[str, Any]], in_order: list[tuple[str, str]]
) -> tuple[str, int]:
    with ScriptedServer(script) as server:
        transcript, code = in_a_terminal(
            [sys.executable, "-m", "orchestra_lsp", "run", "change"],
            root,
            cli_env(server.base_url, config_home),
            {},
            in_order,
        )
    server.assert_no_failures()
    return transcript, code


def test_enter_at_the_review_prompt_lands_nothing_and_a_first_letter_answers(
    tmp_path: Path,
) -> None:
    root = workspace(tmp_path / "ws", {"change": REVIEWED}, extra={"values.py": BASE})
    transcript, code = _run_in_a_terminal(
        root, tmp_path / "config", EDIT_SCRIPT, [(ACCEPT, "\n"), (ACCEPT, "y\n")]
    )
    assert code == 0, transcript
    assert transcript.count(ACCEPT) == 2, transcript  # Enter asked again
    assert (root / "values.py").read_text() == CHANGED


def test_a_first_letter_chooses_hunks_and_no(tmp_path: Path) -> None:
    root = workspace(tmp_path / "ws", {"change": REVIEWED}, extra={"values.py": BASE})
    transcript, code = _run_in_a_terminal(
        root, tmp_path / "config", EDIT_SCRIPT, [(ACCEPT, "H\n"), ("Accept hunk h1?", "n\n")]
    )
    assert code == 0, transcript
    assert (root / "values.py").read_text() == BASE


def test_enter_at_the_approve_gate_asks_again_and_letters_answer(tmp_path: Path) -> None:
    root = workspace(tmp_path / "ws", {"change": APPROVED})
    editor = tmp_path / "editor.sh"
    editor.write_text('#!/bin/sh\nprintf "Plan, edited.\\n" > "$1"\n')
    editor.chmod(0o755)
    script = [{"reply": {"text": "Plan."}}, {"reply": {"text": "Reported."}}]
    with ScriptedServer(script) as server:
        transcript, code = in_a_terminal(
            [sys.executable, "-m", "orchestra_lsp", "run", "change"],
            root,
            cli_env(server.base_url, tmp_path / "config", VISUAL=str(editor)),
            {},
            [(GATE, "\n"), (GATE, "e\n"), (GATE, "a\n")],
        )
    server.assert_no_failures()
    assert code == 0, transcript
    assert transcript.count(GATE) == 3, transcript
    shown = orchestra(root, "http://127.0.0.1:9", tmp_path / "config", "show", "last")
    assert "approve by person, edited: Plan, edited." in shown.stdout, shown.stdout


def test_a_stop_at_a_review_gate_is_said_once_with_the_run_id(tmp_path: Path) -> None:
    root = workspace(tmp_path / "ws", {"change": REVIEWED}, extra={"values.py": BASE})
    with ScriptedServer(EDIT_SCRIPT) as server:
        done = orchestra(root, server, tmp_path / "config", "run", "change")
    out = done.stdout + done.stderr
    assert done.returncode == 3, out
    [summary] = list_runs(root)
    assert out.count("needs a person") == 1, out
    assert f"orchestra review {summary.run_id}`" in out, out
    assert "orchestra review RUN" not in out, out


def test_ctrl_c_names_the_resume_of_the_run(tmp_path: Path) -> None:
    root = workspace(tmp_path / "ws", {"change": REVIEWED}, extra={"values.py": BASE})
    script = [{"delay": 30, "reply": {"text": "Too late."}}]
    with ScriptedServer(script) as server:
        process = subprocess.Popen(
            [sys.executable, "-m", "orchestra_lsp", "run", "change"],
            cwd=root,
            env=cli_env(server.base_url, tmp_path / "config"),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 60
        while not server.requests and time.monotonic() < deadline:
            time.sleep(0.1)
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=60)
    assert process.returncode == 130, out + err
    [summary] = list_runs(root)
    assert f"orchestra resume {summary.run_id}`" in err, out + err
    assert "Traceback" not in out + err, out + err


def test_each_hunk_shows_where_it_is_as_git_add_p_does(tmp_path: Path) -> None:
    """Hunk by hunk, each hunk comes with its `@@ -a,b +c,d @@` line and its context,
    as git writes them for the same change (the hunks are far apart, so git's are the
    same hunks); the answers land the chosen hunks only."""
    base = "".join(f"row_{n} = {n}\n" for n in range(1, 31)) + "last = 0"
    script: list[dict[str, Any]] = [
        {
            "reply": {
                "tool_use": [
                    str_replace("rows.py", "row_3 = 3\n", "row_3 = 'three'\nrow_3b = 3.5\n"),
                    str_replace("rows.py", "row_16 = 16\n", ""),
                    str_replace("rows.py", "last = 0", "last = 1"),
                ]
            }
        },
        {"reply": {"text": "Three changes."}},
    ]
    root = workspace(tmp_path / "ws", {"change": REVIEWED}, extra={"rows.py": base})
    proposed = (
        base.replace("row_3 = 3\n", "row_3 = 'three'\nrow_3b = 3.5\n")
        .replace("row_16 = 16\n", "")
        .replace("last = 0", "last = 1")
    )
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "rows.py").write_text(base)
    (tmp_path / "b" / "rows.py").write_text(proposed)
    git = subprocess.run(
        ["git", "diff", "--no-index", "-U3", "a/rows.py", "b/rows.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    hunks = git.stdout[git.stdout.index("@@") :].split("@@ -")[1:]
    assert len(hunks) == 3, git.stdout
    answers = [(ACCEPT.replace("values.py", "rows.py"), "h\n")]
    answers += [
        (f"Accept hunk h{n}?", answer) for n, answer in ((1, "y\n"), (2, "n\n"), (3, "y\n"))
    ]
    transcript, code = _run_in_a_terminal(root, tmp_path / "config", script, answers)
    assert code == 0, transcript
    shown = transcript.replace("\r", "")
    for n, hunk in enumerate(hunks, start=1):
        # git's hunk, header line and all (without git's function context after
        # it), just before its question.
        header, body = hunk.split("\n", 1)
        expected = "@@ -" + header[: header.index(" @@") + 3] + "\n" + body
        at = shown.index(f"Accept hunk h{n}?")
        assert expected.strip() in shown[:at], (expected, shown)
    assert (root / "rows.py").read_text() == proposed.replace(
        "row_15 = 15\n", "row_15 = 15\nrow_16 = 16\n"
    )


@pytest.mark.parametrize(
    ("given", "said"),
    [
        (["--yes"], "approve gate of step 'plan': approved by policy (--yes); nobody was asked"),
        (
            ["--gate", "plan=approve"],
            "approve gate of step 'plan': approved, answered in advance (plan=approve)",
        ),
    ],
)
def test_a_gate_nobody_was_asked_at_says_so_where_it_passes(
    tmp_path: Path, given: list[str], said: str
) -> None:
    root = workspace(tmp_path / "ws", {"change": APPROVED})
    script = [{"reply": {"text": "Plan."}}, {"reply": {"text": "Reported."}}]
    with ScriptedServer(script) as server:
        done = orchestra(root, server, tmp_path / "config", "run", "change", *given)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    [at] = [n for n, line in enumerate(lines) if said in line]
    # Where it happens: after the step that waited at the gate, before the next one.
    assert any("step 1/2 plan" in line for line in lines[:at]), done.stdout
    assert any("step 2/2 report" in line for line in lines[at:]), done.stdout
