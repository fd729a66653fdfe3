"""One Ctrl-C stops `orchestra` at once, whatever it waits for: a question at any of
the terminal's prompts (review, hunk by hunk, approve gate, its feedback, the agent's
question, a tool call's permission, the cost cap), the model's stream, a tool that
runs. It exits 130, says how to go on (`orchestra review RUN` / `orchestra resume
RUN`), prints no traceback, and loses nothing: the proposal is reviewed afterwards.

A real `orchestra` on a pseudo-terminal that is its controlling terminal, so the ^C
typed there is the kernel's SIGINT to its process group, as in a shell; the model is
the scripted Messages API server. A process that does not end within the harness's
bound (a thread left reading stdin, which Python waits for at exit) fails the test.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent.parent / "engine"))
sys.path.insert(0, str(Path(__file__).parent.parent / "mcp"))
from client_helpers import mcp_workspace
from engine_helpers import cli_env, command_file, in_a_terminal, str_replace, workspace
from mcp_test_servers import auth_server

from orchestra_lsp.journal import list_runs
from orchestra_lsp.testing import ScriptedServer

CTRL_C = "\x03"
MCP_SERVERS = Path(__file__).resolve().parents[1] / "mcp" / "servers"
BASE = "".join(f"value_{n} = {n}\n" for n in range(12))
TWO_HUNKS = [
    str_replace("values.py", "value_1 = 1\n", "value_1 = 'one'\n"),
    str_replace("values.py", "value_10 = 10\n", "value_10 = 'ten'\n"),
]
EDITED = BASE.replace("value_1 = 1\n", "value_1 = 'one'\n").replace(
    "value_10 = 10\n", "value_10 = 'ten'\n"
)
DONE: dict[str, Any] = {"reply": {"text": "Done."}}
EDITS: list[dict[str, Any]] = [{"reply": {"tool_use": TWO_HUNKS}}, DONE]
REVIEWED = command_file(
    [{"id": "work", "agent": "worker", "prompt": "Do the work.", "gate": "review"}]
)
APPROVED = command_file(
    [
        {"id": "plan", "agent": "worker", "prompt": "Plan it.", "gate": "approve"},
        {"id": "report", "agent": "worker", "prompt": "Report."},
    ]
)
ONE_STEP = command_file([{"id": "work", "agent": "worker", "prompt": "Do the work."}])
ACCEPT = "Accept the changes to values.py?"
GATE = "Approve, edit, revise or stop?"


def _ask(question: str, choices: list[str] | None = None) -> dict[str, Any]:
    arguments: dict[str, Any] = {"question": question}
    if choices:
        arguments["choices"] = choices
    return {"reply": {"tool_use": [{"name": "ask_user", "input": arguments}]}}


def _orchestra(
    root: Path,
    config_home: Path,
    script: list[dict[str, Any]],
    *words: str,
    in_order: list[tuple[str, str]],
) -> tuple[str, int]:
    """`orchestra WORDS` in a terminal, answering `in_order`; no traceback, ever."""
    with ScriptedServer(script) as server:
        transcript, code = in_a_terminal(
            [sys.executable, "-m", "orchestra_lsp", *words],
            root,
            cli_env(server.base_url, config_home),
            {},
            in_order,
            within=90,  # a hang check on a loaded machine, not a timing goal
            controlling=True,
        )
    assert "Traceback" not in transcript and "Exception ignored" not in transcript, transcript
    return transcript, code


def _interrupted(root: Path, transcript: str, code: int) -> str:
    """The run's id, once it is certain one ^C ended it `interrupted` with exit 130."""
    assert code == 130, transcript
    assert transcript.count("orchestra: interrupted") == 1, transcript
    [summary] = list_runs(root)
    assert summary.state == "interrupted", summary
    return summary.run_id


# Each prompt of a run: the command, the model's turns, what is typed up to the ^C.
PROMPTS: dict[str, tuple[str, list[dict[str, Any]], list[tuple[str, str]]]] = {
    "review": (REVIEWED, EDITS, [(ACCEPT, CTRL_C)]),
    "hunk by hunk": (
        REVIEWED,
        EDITS,
        [(ACCEPT, "h\n"), ("Accept hunk", "y\n"), ("Accept hunk", CTRL_C)],
    ),
    "approve gate": (APPROVED, [{"reply": {"text": "The plan."}}], [(GATE, CTRL_C)]),
    "revise feedback": (
        APPROVED,
        [{"reply": {"text": "The plan."}}],
        [(GATE, "r\n"), ("What should change?", CTRL_C)],
    ),
    "question with choices": (
        ONE_STEP,
        [_ask("Which colour?", ["red", "blue"])],
        [("Which colour?", CTRL_C)],
    ),
    "free question": (ONE_STEP, [_ask("Which name?")], [("Which name?", CTRL_C)]),
    "permission": (
        ONE_STEP,
        [{"reply": {"tool_use": [{"name": "run_shell", "input": {"command": "touch ran"}}]}}],
        [("Allow this call?", CTRL_C)],
    ),
}


@pytest.mark.parametrize("prompt", list(PROMPTS))
def test_one_ctrl_c_at_a_prompt_ends_the_run_interrupted_at_once(
    tmp_path: Path, prompt: str
) -> None:
    command, script, typed = PROMPTS[prompt]
    root = workspace(tmp_path / "ws", {"work": command}, extra={"values.py": BASE})
    transcript, code = _orchestra(root, tmp_path / "config", script, "run", "work", in_order=typed)
    run_id = _interrupted(root, transcript, code)
    assert f"orchestra resume {run_id}`" in transcript, transcript
    assert (root / "values.py").read_text() == BASE  # nothing decided, nothing landed
    assert not (root / "ran").exists()


def test_the_cost_cap_prompt(tmp_path: Path) -> None:
    listing = {"reply": {"tool_use": [{"name": "list_files", "input": {}}]}}
    root = workspace(tmp_path / "ws", {"work": ONE_STEP}, config="max_cost_usd = 0.000001\n")
    transcript, code = _orchestra(
        root, tmp_path / "config", [listing], "run", "work", in_order=[("continue?", CTRL_C)]
    )
    _interrupted(root, transcript, code)


def test_the_proposal_interrupted_at_its_review_is_reviewed_afterwards(tmp_path: Path) -> None:
    root = workspace(tmp_path / "ws", {"work": REVIEWED}, extra={"values.py": BASE})
    config = tmp_path / "config"
    transcript, code = _orchestra(root, config, EDITS, "run", "work", in_order=[(ACCEPT, CTRL_C)])
    run_id = _interrupted(root, transcript, code)
    assert f"review it with `orchestra review {run_id}`" in transcript, transcript
    # ^C again, at the review of the kept proposal: still kept, in the first run.
    again, code = _orchestra(root, config, [], "review", run_id, in_order=[(ACCEPT, CTRL_C)])
    assert code == 130, again
    assert f"orchestra review {run_id}`" in again, again
    assert (root / "values.py").read_text() == BASE
    reviewed, code = _orchestra(root, config, [], "review", run_id, in_order=[(ACCEPT, "y\n")])
    assert code == 0, reviewed
    assert (root / "values.py").read_text() == EDITED


def test_a_run_interrupted_at_its_approve_gate_is_resumed(tmp_path: Path) -> None:
    root = workspace(tmp_path / "ws", {"work": APPROVED})
    config = tmp_path / "config"
    plan = {"reply": {"text": "The plan."}}
    transcript, code = _orchestra(root, config, [plan], "run", "work", in_order=[(GATE, CTRL_C)])
    run_id = _interrupted(root, transcript, code)
    # The plan is not asked for again: the gate opens on it.
    resumed, code = _orchestra(
        root, config, [{"reply": {"text": "Reported."}}], "resume", run_id, in_order=[(GATE, "a\n")]
    )
    assert code == 0, resumed
    assert "Reported." in resumed, resumed


def test_ctrl_c_while_the_model_streams(tmp_path: Path) -> None:
    words = " ".join(f"word{n}" for n in range(200))
    slow = {"reply": {"text": f"Thinking: {words}"}, "delay_between_events": 0.5}
    root = workspace(tmp_path / "ws", {"work": ONE_STEP})
    transcript, code = _orchestra(
        root, tmp_path / "config", [slow], "run", "work", in_order=[("word2", CTRL_C)]
    )
    run_id = _interrupted(root, transcript, code)
    assert "word150" not in transcript, transcript  # it did not wait for the stream's end
    assert f"orchestra resume {run_id}`" in transcript, transcript


def test_ctrl_c_while_a_tool_runs(tmp_path: Path) -> None:
    sleep = {"reply": {"tool_use": [{"name": "run_shell", "input": {"command": "sleep 600"}}]}}
    root = workspace(
        tmp_path / "ws",
        {"work": ONE_STEP},
        config='[permissions]\nallow = ["run_shell(sleep *)"]\n',
    )
    transcript, code = _orchestra(
        root, tmp_path / "config", [sleep], "run", "work", in_order=[("sleep 600", CTRL_C)]
    )
    _interrupted(root, transcript, code)


def test_ctrl_c_at_an_mcp_servers_question(tmp_path: Path) -> None:
    server = MCP_SERVERS / "elicit_server.py"
    root = tmp_path / "ws"
    (root / ".orchestra").mkdir(parents=True)
    servers = {"e": {"command": sys.executable, "args": [str(server)]}}
    (root / ".orchestra" / "mcp.json").write_text(json.dumps({"mcpServers": servers}))
    transcript, code = _orchestra(
        root,
        tmp_path / "config",
        [],
        "mcp",
        "call",
        "e",
        "book",
        "{}",
        in_order=[("MCP server 'e' asks", CTRL_C)],
    )
    assert code == 130, transcript
    assert "orchestra: interrupted" in transcript, transcript


def test_ctrl_c_while_an_mcp_server_starts(tmp_path: Path) -> None:
    root = mcp_workspace(
        tmp_path / "ws",
        {
            "f": {
                "command": sys.executable,
                "args": [str(MCP_SERVERS / "faulty_server.py"), "--slow-start", "600"],
            }
        },
        tools=["mcp__f__ok"],
    )
    transcript, code = _orchestra(
        root, tmp_path / "config", [], "run", "go", in_order=[("● step 1/1 main", CTRL_C)]
    )
    _interrupted(root, transcript, code)


def test_ctrl_c_while_mcp_login_waits_for_the_browser(tmp_path: Path) -> None:
    with auth_server() as url:
        root = mcp_workspace(tmp_path / "ws", {"g": {"type": "http", "url": url}}, tools=[])
        transcript, code = _orchestra(
            root,
            tmp_path / "config",
            [],
            "mcp",
            "login",
            "g",
            "--no-browser",
            in_order=[("Open this page", CTRL_C)],
        )
    assert code == 130, transcript
    assert "orchestra: interrupted" in transcript, transcript


def test_ctrl_c_in_the_editor_is_the_editors(tmp_path: Path) -> None:
    # An editor that, as vi does, takes ^C for itself; Enter saves.
    editor = tmp_path / "editor.py"
    editor.write_text(
        "import signal, sys\n"
        "signal.signal(signal.SIGINT, signal.SIG_IGN)\n"
        "print('editing; Enter saves', flush=True)\n"
        "sys.stdin.readline()\n"
        "open(sys.argv[1], 'w').write('The plan, edited.\\n')\n"
    )
    root = workspace(tmp_path / "ws", {"work": APPROVED})
    with ScriptedServer([{"reply": {"text": "The plan."}}, DONE]) as server:
        transcript, code = in_a_terminal(
            [sys.executable, "-m", "orchestra_lsp", "run", "work"],
            root,
            cli_env(server.base_url, tmp_path / "config", VISUAL=f"{sys.executable} {editor}"),
            {},
            [(GATE, "e\n"), ("Enter saves", CTRL_C), ("^C", "\n"), (GATE, "a\n")],
            within=90,
            controlling=True,
        )
    assert code == 0, transcript  # the run went on: the ^C was the editor's
    assert "interrupted" not in transcript and "Traceback" not in transcript, transcript
    [summary] = list_runs(root)
    assert summary.state == "finished", summary
    assert "The plan, edited." in transcript, transcript


def test_two_ctrl_c_at_once_still_end_cleanly_and_keep_the_proposal(tmp_path: Path) -> None:
    root = workspace(tmp_path / "ws", {"work": REVIEWED}, extra={"values.py": BASE})
    # The second ^C as soon as the first shows: during the first one's cleanup.
    typed = [(ACCEPT, CTRL_C), ("^C", CTRL_C)]
    transcript, code = _orchestra(root, tmp_path / "config", EDITS, "run", "work", in_order=typed)
    run_id = _interrupted(root, transcript, code)
    assert f"orchestra review {run_id}`" in transcript, transcript
    assert [s.pending_proposal for s in list_runs(root)] == [True]
