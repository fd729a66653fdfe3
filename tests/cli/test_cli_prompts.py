"""Every question the terminal asks during a run answers the same way as the gates: a
clear choice list, the first letter(s) of an option, a bare Enter that asks again
(nothing is accepted by accident), and Ctrl-D that decides nothing and stops cleanly.
A real `orchestra run` on a pseudo-terminal against the scripted Messages API server.
Diffs are printed as they are, without padding to the terminal's width."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent.parent / "engine"))
from engine_helpers import (
    cli_env,
    command_file,
    in_a_terminal,
    orchestra,
    str_replace,
    workspace,
)

from orchestra_lsp.cli.terminal import INPUT_ENDED
from orchestra_lsp.journal import list_runs, load_run
from orchestra_lsp.testing import ScriptedServer

ONE_STEP = command_file([{"id": "work", "agent": "worker", "prompt": "Do the work."}])
REVIEWED = command_file(
    [{"id": "work", "agent": "worker", "prompt": "Do the work.", "gate": "review"}]
)
USAGE = {
    "input_tokens": 1000,
    "output_tokens": 100,
    "cache_creation_input_tokens": 0,
    "cache_read_input_tokens": 0,
}
LISTING = {"usage": USAGE, "reply": {"tool_use": [{"name": "list_files", "input": {}}]}}
SHELL = {"reply": {"tool_use": [{"name": "run_shell", "input": {"command": "touch ran.txt"}}]}}
DONE = {"reply": {"text": "Done."}}
LINES = [f"value_{n} = {n}\n" for n in range(12)]
BASE = "".join(LINES)
# Two hunks, far apart: the per-hunk question is asked twice.
TWO_HUNKS = [
    str_replace("values.py", LINES[1], "value_1 = 'one'\n"),
    str_replace("values.py", LINES[10], "value_10 = 'ten'\n"),
]
BUDGET = "continue?"
ALLOW = "Allow this call?"
ACCEPT = "Accept the changes to values.py?"
HUNK = "Accept hunk"


def _run(
    tmp_path: Path,
    commands: dict[str, str],
    script: list[dict[str, Any]],
    in_order: list[tuple[str, str]],
    *,
    config: str = "",
) -> tuple[Path, str, int]:
    root = workspace(tmp_path / "ws", commands, config=config, extra={"values.py": BASE})
    name = next(iter(commands))
    with ScriptedServer(script) as server:
        transcript, code = in_a_terminal(
            [sys.executable, "-m", "orchestra_lsp", "run", name],
            root,
            cli_env(server.base_url, tmp_path / "config"),
            {},
            in_order,
        )
    server.assert_no_failures()
    assert "Traceback" not in transcript, transcript
    return root, transcript, code


def _gates(root: Path, gate: str) -> list[tuple[str, str]]:
    [summary] = list_runs(root)
    events = load_run(root, summary.run_id).events
    return [
        (e["decision"], e["by"])
        for e in events
        if e["type"] == "gate_decided" and e["gate"] == gate
    ]


def test_budget_prompt_lists_its_choices_asks_again_on_enter_and_takes_a_letter(
    tmp_path: Path,
) -> None:
    root, transcript, code = _run(
        tmp_path,
        {"work": ONE_STEP},
        [LISTING, DONE],
        [(BUDGET, "\n"), (BUDGET, "C\n")],
        config="max_cost_usd = 0.000001\n",
    )
    assert code == 0, transcript
    assert "[continue/stop]" in transcript, transcript
    assert transcript.count(BUDGET) == 2, transcript  # Enter chose nothing
    assert _gates(root, "budget") == [("approve", "person")]


def test_budget_prompt_stop_by_letter_and_unknown_answers_ask_again(tmp_path: Path) -> None:
    root, transcript, code = _run(
        tmp_path,
        {"work": ONE_STEP},
        [LISTING],
        [(BUDGET, "maybe\n"), (BUDGET, "s\n")],
        config="max_cost_usd = 0.000001\n",
    )
    assert code != 0, transcript
    assert "Type one of the options" in transcript, transcript
    assert _gates(root, "budget") == [("stop", "person")]


def test_end_of_input_at_the_budget_prompt_decides_nothing_and_stops(tmp_path: Path) -> None:
    root, transcript, code = _run(
        tmp_path,
        {"work": ONE_STEP},
        [LISTING],
        [(BUDGET, "\x04")],
        config="max_cost_usd = 0.000001\n",
    )
    assert code != 0, transcript
    assert INPUT_ENDED.split(";")[0] in transcript, transcript
    assert [decision for decision, _ in _gates(root, "budget")] == ["stop"]


def test_permission_prompt_asks_again_on_enter_and_no_by_letter_denies(tmp_path: Path) -> None:
    root, transcript, code = _run(
        tmp_path, {"work": ONE_STEP}, [SHELL, DONE], [(ALLOW, "\n"), (ALLOW, "n\n")]
    )
    assert code == 0, transcript
    assert "[yes/no]" in transcript, transcript
    assert transcript.count(ALLOW) == 2, transcript
    assert not (root / "ran.txt").exists()


def test_permission_prompt_yes_by_letter_runs_the_call(tmp_path: Path) -> None:
    root, transcript, code = _run(tmp_path, {"work": ONE_STEP}, [SHELL, DONE], [(ALLOW, "Y\n")])
    assert code == 0, transcript
    assert (root / "ran.txt").exists()


def test_end_of_input_at_the_permission_prompt_refuses_the_call_and_says_so(
    tmp_path: Path,
) -> None:
    root, transcript, _ = _run(tmp_path, {"work": ONE_STEP}, [SHELL, DONE], [(ALLOW, "\x04")])
    assert INPUT_ENDED.split(";")[0] in transcript, transcript
    assert not (root / "ran.txt").exists()


def test_hunk_prompts_ask_again_on_enter_and_take_letters(tmp_path: Path) -> None:
    root, transcript, code = _run(
        tmp_path,
        {"work": REVIEWED},
        [{"reply": {"tool_use": TWO_HUNKS}}, DONE],
        [(ACCEPT, "h\n"), (HUNK, "\n"), (HUNK, "n\n"), (HUNK, "YES\n")],
    )
    assert code == 0, transcript
    assert transcript.count(HUNK) == 3, transcript  # Enter asked the first hunk again
    assert "[yes/no]" in transcript, transcript
    text = (root / "values.py").read_text()
    assert "value_1 = 1\n" in text and "value_10 = 'ten'\n" in text, text


def test_end_of_input_at_a_hunk_prompt_lands_nothing(tmp_path: Path) -> None:
    root, transcript, code = _run(
        tmp_path,
        {"work": REVIEWED},
        [{"reply": {"tool_use": TWO_HUNKS}}, DONE],
        [(ACCEPT, "h\n"), (HUNK, "y\n"), (HUNK, "\x04")],
    )
    assert code != 0, transcript
    assert transcript.count(INPUT_ENDED.split(";")[0]) == 1, transcript  # said once
    assert (root / "values.py").read_text() == BASE


def test_diffs_in_the_terminal_carry_no_padding(tmp_path: Path) -> None:
    _, transcript, code = _run(
        tmp_path,
        {"work": REVIEWED},
        [{"reply": {"tool_use": TWO_HUNKS}}, DONE],
        [(ACCEPT, "y\n")],
    )
    assert code == 0, transcript
    diff = [line for line in transcript.splitlines() if line.startswith(("+value", "-value"))]
    assert len(diff) == 4, transcript
    assert all(line == line.rstrip() for line in diff), diff
    assert all(not line.rstrip("\r").endswith(" ") for line in transcript.splitlines()), [
        line for line in transcript.splitlines() if line.rstrip("\r").endswith(" ")
    ]


def test_orchestra_show_prints_a_pending_diff_without_padding(tmp_path: Path) -> None:
    root = workspace(tmp_path / "ws", {"work": REVIEWED}, extra={"values.py": BASE})
    with ScriptedServer([{"reply": {"tool_use": TWO_HUNKS}}, DONE]) as server:
        stopped = orchestra(root, server, tmp_path / "config", "run", "work")
        assert stopped.returncode == 3, stopped.stdout + stopped.stderr
    shown = orchestra(root, "http://127.0.0.1:9", tmp_path / "config", "show", "last")
    diff = [line for line in shown.stdout.splitlines() if line.startswith(("+value", "-value"))]
    assert diff == ["-value_1 = 1", "+value_1 = 'one'", "-value_10 = 10", "+value_10 = 'ten'"], (
        shown.stdout
    )
