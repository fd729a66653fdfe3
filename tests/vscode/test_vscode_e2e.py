"""The VS Code extension end to end, in real VS Code: code-server 4.100.3 with the
packaged `.vsix` installed, in headless Chromium driven by playwright-core
(`drive.mjs`), against `orchestra serve` from this repository's virtualenv and the
scripted Messages API server.

The person runs a command from the palette (validating its argument), watches the
progress, ticks only the first of two hunks in the Refactor Preview and applies. Then
they switch the review to the diff editor, run a second command, answer the agent's
question in an input box, send its plan back with feedback from the gate's
notification (Revise), edit the revised plan (Edit…) and approve the edit, and
accept the proposed file with the editor title's button. They look at the runs and a command's context, run the built-in
explain-selection from the refactor actions (the light bulb's menu) on a selection,
whose answer opens as its report, and cancel a fourth run from its progress
notification. The file on disk has exactly the accepted changes and the journal says so.

Everything it needs is installed by `make test` (mk/vscode.mk). When something is
missing the test fails, saying what: a skipped end-to-end test hides a broken build.
Screenshots and logs land in tests/vscode/artifacts/; with UPDATE_README_SCREENSHOT=1
the Refactor Preview's screenshot also replaces editors/vscode/images/review.png,
and the waiting progress notification's editors/vscode/images/progress.png.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from orchestra_lsp.testing import ScriptedServer

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
NODE_DIR = HERE / "node"
CODE_SERVER = NODE_DIR / "node_modules" / ".bin" / "code-server"
VSIX = REPO / "editors" / "vscode" / "orchestra.vsix"
# The server: this interpreter's `orchestra` (the repository's .venv under `make test`).
ORCHESTRA = next(
    (
        p
        for p in (Path(sys.executable).parent / "orchestra", REPO / ".venv" / "bin" / "orchestra")
        if p.exists()
    ),
    REPO / ".venv" / "bin" / "orchestra",
)
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = HERE / "artifacts"
EXTENSION_ID = "orchestra.orchestra"
README_SCREENSHOT = REPO / "editors" / "vscode" / "images" / "review.png"

ORIGINAL = (HERE / "fixture" / "greet.py").read_text(encoding="utf-8")
HELLO_OLD = '    return "Hello " + name'
HELLO_NEW = '    return f"Hello, {name}! Welcome."'
BYE_OLD = '    return "Bye " + name'
BYE_NEW = '    return f"Goodbye, {name}!"'


@pytest.fixture(scope="module", autouse=True)
def _fresh_artifacts() -> None:
    """This run's screenshots and logs only."""
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    ARTIFACTS.mkdir()


def _require(path: Path, how: str) -> None:
    if not path.exists():
        pytest.fail(f"{path} is missing: {how}", pytrace=False)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _session_pids(sid: int) -> list[int]:
    """Processes in session `sid` (code-server's extension hosts may leave its group)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError, IndexError, ValueError):
            stat = (entry / "stat").read_text()
            fields = stat[stat.rindex(")") + 2 :].split()
            if int(fields[3]) == sid:
                pids.append(int(entry.name))
    return pids


def _stop(process: subprocess.Popen[bytes], grace: float = 5) -> None:
    """Stop a process started with start_new_session and everything in its session."""
    sid = process.pid
    for sig in (signal.SIGTERM, signal.SIGKILL):
        pids = _session_pids(sid)
        if not pids and process.poll() is not None:
            break
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, sig)
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline and _session_pids(sid):
            time.sleep(0.1)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=5)
    left = _session_pids(sid)
    assert not left, f"processes of session {sid} outlived the test: {left}"


@contextlib.contextmanager
def _scripted_model(script: Path, log: Path) -> Iterator[str]:
    with log.open("wb") as err:
        process = subprocess.Popen(
            [sys.executable, "-m", "orchestra_lsp.testing", str(script)],
            stdout=subprocess.PIPE,
            stderr=err,
            start_new_session=True,
        )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().decode().strip()
        assert url.startswith("http://127.0.0.1:"), f"scripted server said {url!r}"
        yield url
    finally:
        _stop(process, grace=1)  # it may be sleeping in the cancelled run's slow turn


@contextlib.contextmanager
def _code_server(
    workspace: Path,
    home: Path,
    env: dict[str, str],
    log: Path,
    server_command: Path = ORCHESTRA,
    extra_settings: Mapping[str, object] | None = None,
    more_extensions: tuple[Path, ...] = (),
) -> Iterator[str]:
    user_data = home / "user-data"
    extensions = home / "extensions"
    settings = user_data / "User" / "settings.json"
    settings.parent.mkdir(parents=True)
    settings.write_text(
        json.dumps(
            {
                "orchestra.server.command": str(server_command),
                "orchestra.server.args": [
                    "serve",
                    "--log-level",
                    "INFO",
                    "--log-file",
                    str(ARTIFACTS / "server.log"),
                ],
                "workbench.startupEditor": "none",
                "workbench.tips.enabled": False,
                "workbench.enableExperiments": False,
                "security.workspace.trust.enabled": False,
                "telemetry.telemetryLevel": "off",
                "extensions.autoUpdate": False,
                "extensions.autoCheckUpdates": False,
                "update.mode": "none",
                "files.refactoring.autoSave": True,
                "chat.disableAIFeatures": True,
                **(extra_settings or {}),
            },
            indent=2,
        )
    )
    common = [f"--user-data-dir={user_data}", f"--extensions-dir={extensions}"]
    installs = [
        arg for vsix in (VSIX, *more_extensions) for arg in ("--install-extension", str(vsix))
    ]
    installed = subprocess.run(
        [str(CODE_SERVER), *common, *installs, "--force"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert installed.returncode == 0, (
        f"--install-extension failed:\n{installed.stdout}\n{installed.stderr}"
    )
    listed = subprocess.run(
        [str(CODE_SERVER), *common, "--list-extensions", "--show-versions"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert EXTENSION_ID in listed.stdout, f"extension not installed: {listed.stdout}{listed.stderr}"

    port = _free_port()
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                str(CODE_SERVER),
                *common,
                f"--bind-addr=127.0.0.1:{port}",
                "--auth=none",
                "--disable-telemetry",
                "--disable-update-check",
                "--disable-workspace-trust",
                "--disable-getting-started-override",
                str(workspace),
            ],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        while True:
            assert process.poll() is None, f"code-server exited: {log.read_text()[-2000:]}"
            with (
                contextlib.suppress(OSError),
                urllib.request.urlopen(f"{url}/healthz", timeout=5) as response,
            ):
                if response.status == 200:
                    break
            assert time.monotonic() < deadline, "code-server did not answer in 120 s"
            time.sleep(0.2)
        yield url
    finally:
        _stop(process)


def _journal_runs(workspace: Path, count: int = 4) -> list[list[dict[str, Any]]]:
    """Each run's events from the journal, oldest run first."""
    runs = sorted((workspace / ".orchestra" / "runs").glob("*/events.jsonl"))
    assert len(runs) == count, f"expected {count} runs in the journal, found {runs}"
    return [
        [json.loads(line) for line in run.read_text().splitlines() if line.strip()] for run in runs
    ]


# What _prepare gives: node, the workspace, code-server's home, the environment.
Prepared = tuple[str, Path, Path, dict[str, str]]


def _prepare(tmp_path: Path) -> Prepared:
    """Check what the test needs; a workspace copied from the fixture; the environment."""
    _require(CODE_SERVER, "run `make vscode-code-server` (or `make test`)")
    _require(VSIX, "run `make vscode-extension` (or `make test`)")
    _require(ORCHESTRA, "install the package in the virtualenv (`make test` does)")
    _require(CHROMIUM, "apt-get install chromium (`make vscode-debs` does)")
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is not on PATH", pytrace=False)
    ARTIFACTS.mkdir(exist_ok=True)
    workspace = tmp_path / "greetings"
    shutil.copytree(HERE / "fixture", workspace)
    home = tmp_path / "home"
    env = {
        **os.environ,
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_CACHE_HOME": str(home / "cache"),
        "ANTHROPIC_API_KEY": "test-key",
    }
    env.pop("VSCODE_IPC_HOOK_CLI", None)
    return node, workspace, home, env


def _drive(node: str, url: str, workspace: Path, env: dict[str, str], **extra: str) -> None:
    drive = subprocess.run(
        [node, str(HERE / "drive.mjs")],
        env={
            **env,
            "CODE_SERVER_URL": url,
            "WORKSPACE": str(workspace),
            "ARTIFACTS": str(ARTIFACTS),
            **extra,
        },
        capture_output=True,
        text=True,
        timeout=600,  # each wait inside has its own limit; this one only ends a hang
    )
    name = extra.get("SCENARIO", "review")
    (ARTIFACTS / f"drive-{name}.log").write_text(drive.stdout + drive.stderr)
    assert drive.returncode == 0, f"the browser test failed:\n{drive.stdout}\n{drive.stderr}"


def _drive_scripted(
    prepared: Prepared, script: list[dict[str, object]], logs: str, scenario: str
) -> ScriptedServer:
    """drive.mjs's `scenario` in code-server on the prepared workspace, the model
    scripted by `script`; code-server's log is code-server-`logs`.log. Returns the
    (stopped) model, whose requests the test may check."""
    node, workspace, home, env = prepared
    with ScriptedServer(script) as model:
        env["ANTHROPIC_BASE_URL"] = model.base_url
        with _code_server(workspace, home, env, ARTIFACTS / f"code-server-{logs}.log") as url:
            _drive(node, url, workspace, env, SCENARIO=scenario)
    return model


def _cli_run(
    workspace: Path, env: dict[str, str], script: list[dict[str, object]], *args: str
) -> tuple[subprocess.CompletedProcess[str], ScriptedServer]:
    """`orchestra run ARGS` in the workspace (another process: the editor's server knows
    its run from the journal only), the model scripted by `script`."""
    with ScriptedServer(script) as model:
        done = subprocess.run(
            [str(ORCHESTRA), "run", *args],
            cwd=workspace,
            env={**env, "ANTHROPIC_BASE_URL": model.base_url},
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=120,
        )
    return done, model


def _edit(old: str, new: str) -> dict[str, object]:
    """The model's edit call that replaces `old` by `new` in greet.py."""
    tool = {"command": "str_replace", "path": "greet.py", "old_str": old, "new_str": new}
    return {"name": "edit", "input": tool}


def test_run_review_and_apply_in_vscode(tmp_path: Path) -> None:
    node, workspace, home, env = _prepare(tmp_path)
    started = time.monotonic()
    with _scripted_model(HERE / "script.yaml", ARTIFACTS / "scripted-model.log") as model_url:
        env["ANTHROPIC_BASE_URL"] = model_url
        with _code_server(workspace, home, env, ARTIFACTS / "code-server.log") as url:
            ready = time.monotonic()
            # The README's screenshot is refreshed only on request, so that a test run
            # leaves the checkout clean.
            readme = str(README_SCREENSHOT) if os.environ.get("UPDATE_README_SCREENSHOT") else ""
            _drive(node, url, workspace, env, README_SCREENSHOT=readme)
    finished = time.monotonic()
    print(
        f"code-server up in {ready - started:.1f} s; browser run {finished - ready:.1f} s",
        file=sys.stderr,
    )

    # On disk: the hunk ticked in the Refactor Preview, then the file accepted in the
    # diff editor; the hunk left unticked in the first run never landed.
    text = (workspace / "greet.py").read_text(encoding="utf-8")
    expected = ORIGINAL.replace(HELLO_OLD, HELLO_NEW).replace(BYE_OLD, BYE_NEW)
    assert text == expected, text

    # The journal recorded the person's decisions and each run's end.
    first, second, third, fourth = _journal_runs(workspace)
    assert first[0]["command"] == "polish-greetings"
    [decided] = [e for e in first if e["type"] == "proposal_decided"]
    # Read back from the open buffer before the extension saved it: the journal says so.
    assert (decided["path"], decided["outcome"]) == ("greet.py", "applied_in_editor")
    assert decided["landed"] == decided["accepted"]
    assert len(decided["accepted"]) == 1
    assert len(decided["rejected"]) == 1
    assert first[-1]["type"] == "run_finished", [e["type"] for e in first]

    assert second[0]["command"] == "sign-off-goodbye"
    gates = [
        (e["gate"], e["decision"], e["feedback"], e["by"], e["edited"])
        for e in second
        if e["type"] == "gate_decided" and e["gate"] == "approve"
    ]
    assert gates == [
        ("approve", "revise", "Keep it to two words", "person", False),
        ("approve", "approve", None, "person", True),
    ], gates
    # the plan as the person edited it went on to the next step
    [edited] = [e for e in second if e["type"] == "gate_decided" and e["edited"]]
    assert str(edited["output"]).startswith("Plan: make goodbye() say Goodbye, {name}!")
    assert str(edited["output"]).rstrip().endswith("Edited by hand.")
    [asked] = [e for e in second if e["type"] == "tool_call_finished" and e["tool"] == "ask_user"]
    assert "warmly" in str(asked["summary"])
    [decided] = [e for e in second if e["type"] == "proposal_decided"]
    assert (decided["path"], decided["outcome"]) == ("greet.py", "applied_in_editor")
    assert len(decided["accepted"]) == 1
    assert decided["rejected"] == []
    assert second[-1]["type"] == "run_finished", [e["type"] for e in second]

    # The third came from the light bulb on the selected hello(), and changed nothing.
    assert third[0]["command"] == "explain-selection"
    assert third[-1]["type"] == "run_finished", [e["type"] for e in third]
    assert not [e for e in third if e["type"].startswith("proposal")]

    # The fourth was cancelled from its progress notification, before any change.
    assert fourth[0]["arguments"] == {"name": "Bob"}
    assert fourth[-1]["type"] == "run_cancelled", [e["type"] for e in fourth]
    assert not [e for e in fourth if e["type"].startswith("proposal")]


def test_a_server_that_cannot_start_says_why_and_how_to_fix_it(tmp_path: Path) -> None:
    node, workspace, home, env = _prepare(tmp_path)
    missing = tmp_path / "no-such-venv" / "bin" / "orchestra"
    with _code_server(
        workspace, home, env, ARTIFACTS / "code-server-start-failure.log", server_command=missing
    ) as url:
        _drive(node, url, workspace, env, SCENARIO="start-failure", MISSING=str(missing))


TOUCH_UP = """---
description: Touch up the greetings and the notes
steps:
  - id: touch
    agent: developer
    prompt: Touch up greet.py and NOTES.md.
    gate: review
---
"""


def _touch_up(tmp_path: Path, logs: str, scenario: str, **extra: str) -> Path:
    """drive.mjs's `scenario` on touch-up (greet.py and NOTES.md, a review gate), the
    model scripted by script-not-open.yaml; the logs are scripted-model-`logs`.log and
    code-server-`logs`.log. Returns the workspace."""
    node, workspace, home, env = _prepare(tmp_path)
    (workspace / "NOTES.md").write_text("# Notes\n\nGreetings are terse.\n", encoding="utf-8")
    (workspace / ".orchestra" / "commands" / "touch-up.md").write_text(TOUCH_UP, encoding="utf-8")
    script = HERE / "script-not-open.yaml"
    with _scripted_model(script, ARTIFACTS / f"scripted-model-{logs}.log") as model_url:
        env["ANTHROPIC_BASE_URL"] = model_url
        with _code_server(workspace, home, env, ARTIFACTS / f"code-server-{logs}.log") as url:
            _drive(node, url, workspace, env, SCENARIO=scenario, **extra)
    return workspace


def test_a_file_not_open_is_journaled_as_what_landed_on_disk(tmp_path: Path) -> None:
    """Issue 11 case 1: the server reads a file VS Code writes itself (it was not open)
    only once it is written, and the buffer of an open one as unsaved."""
    workspace = _touch_up(tmp_path, "not-open", "not-open")
    assert (workspace / "NOTES.md").read_text(encoding="utf-8") == (
        "# Notes\n\nGreetings are short and warm.\n"
    )
    assert '    return "Hi " + name' in (workspace / "greet.py").read_text(encoding="utf-8")
    [run] = _journal_runs(workspace, count=1)
    decided = {e["path"]: e for e in run if e["type"] == "proposal_decided"}
    assert (decided["NOTES.md"]["outcome"], decided["NOTES.md"]["landed"]) == ("applied", ["h1"])
    assert decided["greet.py"]["outcome"] in ("applied", "applied_in_editor")
    assert decided["greet.py"]["landed"] == ["h1"]
    assert run[-1]["type"] == "run_finished"


def test_cancel_during_review_withdraws_the_preview_and_lands_nothing(tmp_path: Path) -> None:
    """Issue 11 case 2: cancelled from the progress notification while the Refactor
    Preview is open: the preview goes away, no file changes, the journal says cancelled."""
    workspace = _touch_up(tmp_path, "cancel", "cancel-review")
    assert (workspace / "NOTES.md").read_text(encoding="utf-8").endswith("terse.\n")
    assert (workspace / "greet.py").read_text(encoding="utf-8") == ORIGINAL
    [run] = _journal_runs(workspace, count=1)
    assert run[-1]["type"] == "run_cancelled", [e["type"] for e in run]
    assert not [e for e in run if e["type"] == "proposal_decided"]


def test_a_reload_during_review_interrupts_and_the_proposal_is_offered_again(
    tmp_path: Path,
) -> None:
    """Issue 11 case 3: the window is reloaded during the review: the run is
    `interrupted` (not cancelled) with its changeset, Review Proposal lists it, and the
    person's decision then lands and is journaled by the review run."""
    workspace = _touch_up(tmp_path, "reload", "reload-review")
    first, review = _journal_runs(workspace, count=2)
    meta = json.loads(
        (workspace / ".orchestra" / "runs" / str(first[0]["run_id"]) / "run.json").read_text()
    )
    assert meta["state"] == "interrupted", meta
    assert not [e for e in first if e["type"] in ("run_cancelled", "proposal_decided")]
    assert review[0]["command"] == f"review of {first[0]['run_id']}"
    decided = {e["path"]: e for e in review if e["type"] == "proposal_decided"}
    assert decided["NOTES.md"]["outcome"] == "applied"
    assert not (
        workspace / ".orchestra" / "runs" / str(first[0]["run_id"]) / "changeset.json"
    ).exists()
    assert (workspace / "NOTES.md").read_text(encoding="utf-8").endswith("short and warm.\n")


def test_a_killed_server_leaves_the_proposal_offered_without_a_time_limit(
    tmp_path: Path,
) -> None:
    """Issue 11 case 4: the server is killed (SIGKILL) during the review. The restarted
    server offers the run; 20 s later Show Runs still does, with a Review button on the
    run's row that opens the review, and the change lands."""
    workspace = _touch_up(tmp_path, "killed", "killed-review", ORCHESTRA=str(ORCHESTRA))
    first, review = _journal_runs(workspace, count=2)
    assert not [e for e in first if e["type"] in ("run_cancelled", "proposal_decided")]
    assert review[0]["command"] == f"review of {first[0]['run_id']}"
    decided = {e["path"]: e for e in review if e["type"] == "proposal_decided"}
    assert decided["NOTES.md"]["outcome"] == "applied"
    assert (workspace / "NOTES.md").read_text(encoding="utf-8").endswith("short and warm.\n")


BOTH = """---
description: Change both greetings
steps:
  - id: both
    agent: developer
    prompt: Change hello and goodbye.
---
"""


def _land_both(workspace: Path, env: dict[str, str]) -> str:
    """The CLI (another process: the editor's server knows it from the journal only)
    lands a run that changes hello() and goodbye()."""
    (workspace / ".orchestra" / "commands" / "both-greetings.md").write_text(BOTH)
    edits = [_edit(HELLO_OLD, HELLO_NEW), _edit(BYE_OLD, BYE_NEW)]
    script: list[dict[str, object]] = [
        {"reply": {"tool_use": edits}},
        {"reply": {"text": "Both changed."}},
    ]
    done, _model = _cli_run(workspace, env, script, "both-greetings", "--yes", "--apply")
    assert done.returncode == 0, done.stdout + done.stderr
    assert (
        HELLO_NEW in (workspace / "greet.py").read_text()
        and BYE_NEW in (workspace / "greet.py").read_text()
    )
    [events] = _journal_runs(workspace, count=1)
    return str(events[0]["run_id"])


def test_undo_one_hunk_of_two_from_show_runs(tmp_path: Path) -> None:
    """Issue 22: Show Runs → Undo Run… on a run that landed two hunks; the person ticks
    one of the two reversed hunks: only it comes back, and the journal names the run.
    Then the run's page (Show Run) offers Undo Run…, which takes back the other."""
    prepared = _prepare(tmp_path)
    workspace, env = prepared[1], prepared[3]
    run_id = _land_both(workspace, env)
    model = _drive_scripted(prepared, [], "undo", "undo-hunk")
    assert model.requests == []  # an undo asks no model
    # the first undo took back hello() only; the page's Undo Run… then goodbye()
    assert (workspace / "greet.py").read_text(encoding="utf-8") == ORIGINAL
    _landed, undo, rest = _journal_runs(workspace, count=3)
    assert undo[0]["arguments"] == rest[0]["arguments"] == {"undoes": run_id}, undo[0]
    decided = [e for e in undo if e["type"] == "proposal_decided"]
    assert [(e["path"], e["outcome"], len(e["accepted"]), len(e["rejected"])) for e in decided] == [
        ("greet.py", "applied", 1, 1)
    ], decided
    decided = [e for e in rest if e["type"] == "proposal_decided"]
    assert [(e["path"], e["outcome"], e["accepted"], e["rejected"]) for e in decided] == [
        ("greet.py", "applied", ["h1"], [])
    ], decided


TWO_STEPS = """---
description: Change hello, then goodbye
steps:
  - id: hello
    agent: developer
    prompt: Change hello.
    gate: review
  - id: bye
    agent: developer
    prompt: Change goodbye.
    gate: review
---
"""
HELLO_LATER = '    return f"Hi there, {name}!"'


def test_undo_of_one_step_and_its_conflict_in_vscode(tmp_path: Path) -> None:
    """Issue 22: a two-step run landed by the CLI; the person then edits hello() again.
    Undo Run… → Only step hello: nothing can come back, and the review's page names
    the conflict (file, lines), says nothing was overwritten and what to do. Undo Run…
    → Only step bye: only goodbye() comes back."""
    prepared = _prepare(tmp_path)
    workspace, env = prepared[1], prepared[3]
    (workspace / ".orchestra" / "commands" / "two-steps.md").write_text(TWO_STEPS)
    script: list[dict[str, object]] = [
        {"reply": {"tool_use": [_edit(HELLO_OLD, HELLO_NEW)]}},
        {"reply": {"text": "Hello changed."}},
        {"reply": {"tool_use": [_edit(BYE_OLD, BYE_NEW)]}},
        {"reply": {"text": "Goodbye changed."}},
    ]
    done, _model = _cli_run(workspace, env, script, "two-steps", "--yes", "--apply")
    assert done.returncode == 0, done.stdout + done.stderr
    greet = workspace / "greet.py"
    greet.write_text(greet.read_text().replace(HELLO_NEW, HELLO_LATER))
    model = _drive_scripted(prepared, [], "undo-step", "undo-step")
    assert model.requests == []  # an undo asks no model
    # the person's later edit stayed; goodbye() came back
    assert greet.read_text() == ORIGINAL.replace(HELLO_OLD, HELLO_LATER)
    landed, conflicted, undone = _journal_runs(workspace, count=3)
    run_id = landed[0]["run_id"]
    assert conflicted[0]["arguments"] == {"undoes": run_id, "step": "hello"}
    assert undone[0]["arguments"] == {"undoes": run_id, "step": "bye"}
    assert not [e for e in conflicted if e["type"] == "proposal_decided"]
    # no empty report.md is opened over the page of conflicts
    assert conflicted[-1]["type"] == "run_finished" and conflicted[-1]["report"] is None
    assert [(e["path"], e["outcome"]) for e in undone if e["type"] == "proposal_decided"] == [
        ("greet.py", "applied")
    ]


def test_a_repository_with_only_claude_md_activates_the_extension(tmp_path: Path) -> None:
    """Issue 20: activation on CLAUDE.md alone (no `.orchestra/`): the server starts with
    the window and the palette lists the built-in commands."""
    node, workspace, home, env = _prepare(tmp_path)
    shutil.rmtree(workspace / ".orchestra")
    (workspace / "CLAUDE.md").write_text("# Greetings\n\nKeep greetings short.\n")
    with _code_server(workspace, home, env, ARTIFACTS / "code-server-activation.log") as url:
        _drive(node, url, workspace, env, SCENARIO="activation")


PLAN_AND_WRITE = """---
description: Plan, then write it down
steps:
  - id: plan
    agent: developer
    prompt: Plan a friendlier greeting.
  - id: write
    agent: developer
    prompt: "Write this down: {{steps.plan.output}}"
    gate: approve
---
"""


def test_resume_a_stopped_run_from_show_runs(tmp_path: Path) -> None:
    """Issue 18: the CLI stops a run at its second step's approve gate; Show Runs →
    Resume Run… → Where it stopped: the new run reuses both steps' outputs (the model
    is not asked again), opens the gate again, and finishes once approved."""
    prepared = _prepare(tmp_path)
    workspace, env = prepared[1], prepared[3]
    (workspace / ".orchestra" / "commands" / "plan-and-write.md").write_text(PLAN_AND_WRITE)
    script: list[dict[str, object]] = [
        {"reply": {"text": "PLAN-ONE"}},
        {"reply": {"text": "WRITTEN-ONE"}},
    ]
    stopped, model = _cli_run(workspace, env, script, "plan-and-write", "--gate", "write=stop")
    assert len(model.requests) == 2, stopped.stdout + stopped.stderr
    model = _drive_scripted(prepared, [], "resume", "resume")
    assert model.requests == []  # a resume at the gate asks no model
    first, resumed = _journal_runs(workspace, count=2)
    assert first[-1]["type"] != "run_finished", [e["type"] for e in first]
    reused = {e["step_id"]: e["reused_from"] for e in resumed if e["type"] == "step_finished"}
    assert reused == {"plan": first[0]["run_id"], "write": first[0]["run_id"]}
    gates = [(e["step_id"], e["decision"], e["by"]) for e in resumed if e["type"] == "gate_decided"]
    assert gates == [("write", "approve", "person")]
    assert resumed[-1]["type"] == "run_finished"


GREET_EACH = """---
description: Greet one person
arguments:
  - {name: who, description: "Who to greet", required: true}
steps:
  - id: greet
    agent: greeter
    prompt: "Say hello to {{who}} in three words."
---
"""


def test_run_command_on_several_from_the_palette(tmp_path: Path) -> None:
    """Issue 18: Run Command on Several… runs greet-each once for Ada and once for Bob
    (orchestra/batch), shows the batch's progress and its end, lists each item with its
    state and opens an item's run page; the batch's manifest and journals say the same."""
    prepared = _prepare(tmp_path)
    workspace = prepared[1]
    (workspace / ".orchestra" / "commands" / "greet-each.md").write_text(GREET_EACH)
    script: list[dict[str, object]] = [
        {
            "expect": {"messages_contain": ["Say hello to Ada"]},
            "reply": {"text": "Hello there, Ada."},
        },
        {
            "expect": {"messages_contain": ["Say hello to Bob"]},
            "reply": {"text": "Hello there, Bob."},
        },
    ]
    model = _drive_scripted(prepared, script, "batch", "batch")
    assert len(model.requests) == 2
    ada, bob = _journal_runs(workspace, count=2)
    assert [ada[0]["arguments"], bob[0]["arguments"]] == [{"who": "Ada"}, {"who": "Bob"}]
    assert ada[-1]["type"] == bob[-1]["type"] == "run_finished"
    [manifest] = (workspace / ".orchestra").rglob("batch.json")
    items = json.loads(manifest.read_text())["items"]
    assert [(i["item"], i["state"]) for i in items] == [("Ada", "finished"), ("Bob", "finished")]
    assert (manifest.parent / "summary.md").exists()


# -- Issue 20 (roots): multi-root workspaces, the Python extension's interpreter, what
# the server is sent. -------------------------------------------------------------------

TOUCH_NOTES = """---
description: Touch up the notes
steps:
  - id: touch
    agent: developer
    prompt: Touch up NOTES.md.
    gate: review
---
"""
BROKEN_AGENT = "---\nname: {name}\ndescription: An agent with a typo\nxmax_turns: 5\n---\nHi.\n"
OPENED = re.compile(r" opened (\S+) \((\S*)\)(: not kept)?, serving (\S+)")


def _opened(log: Path) -> list[tuple[str, str, bool]]:
    """What the servers were sent to open: (URI, served folder URI, kept)."""
    found = [OPENED.search(line) for line in log.read_text(encoding="utf-8").splitlines()]
    return [(m[1], m[4], not m[3]) for m in found if m]


def test_a_multi_root_workspace_serves_every_folder(tmp_path: Path) -> None:
    """Issue 20: a .code-workspace with two folders, each with its own .orchestra: one
    server per folder. Both folders' diagnostics show; Run Command asks which folder and
    offers its commands; a run in the second folder lands there (reviewed with no
    progress notification over the hunks); Show Runs says each run's folder. Each server
    is sent its own folder's documents only: never a file outside the folders, an
    untitled buffer, or the other folder's files."""
    node, alpha, home, env = _prepare(tmp_path)
    (alpha / ".orchestra" / "agents" / "broken-a.md").write_text(
        BROKEN_AGENT.format(name="broken-a")
    )
    beta = tmp_path / "beta"
    (beta / ".orchestra" / "commands").mkdir(parents=True)
    (beta / ".orchestra" / "agents").mkdir()
    (beta / ".orchestra" / "commands" / "touch-notes.md").write_text(TOUCH_NOTES)
    (beta / ".orchestra" / "agents" / "broken-b.md").write_text(
        BROKEN_AGENT.format(name="broken-b")
    )
    (beta / "NOTES.md").write_text("# Notes\n\nGreetings are terse.\n")
    (beta / "tally.py").write_text("def tally() -> int:\n    return 1\n")
    gamma = alpha / "gamma"  # a folder inside alpha, added to the workspace while it is open
    (gamma / ".orchestra" / "agents").mkdir(parents=True)
    (gamma / ".orchestra" / "agents" / "broken-c.md").write_text(
        BROKEN_AGENT.format(name="broken-c")
    )
    outside = tmp_path / "outside" / "elsewhere.md"
    outside.parent.mkdir()
    outside.write_text("OUTSIDE-THE-FOLDERS\n")
    (outside.parent / "stray.py").write_text("OUTSIDE_TOO = 1\n")  # another language
    workspace_file = tmp_path / "two.code-workspace"
    workspace_file.write_text(
        json.dumps({"folders": [{"path": "greetings", "name": "alpha"}, {"path": "beta"}]})
    )
    log = ARTIFACTS / "server-multi-root.log"
    settings = {"orchestra.server.args": ["serve", "--log-level", "INFO", "--log-file", str(log)]}
    edit = {"command": "str_replace", "path": "NOTES.md", "old_str": "terse.", "new_str": "warm."}
    script: list[dict[str, object]] = [
        {
            "expect": {"messages_contain": ["Touch up NOTES.md"]},
            "reply": {"tool_use": [{"name": "edit", "input": edit}]},
        },
        {"reply": {"text": "Touched up NOTES.md."}},
        {
            "expect": {"messages_contain": ["def tally() -> int:", "tally.py"]},
            "reply": {"text": "The notes say greetings are warm: EXPLAINED-IN-BETA."},
        },
    ]
    with ScriptedServer(script) as model:
        env["ANTHROPIC_BASE_URL"] = model.base_url
        with _code_server(
            workspace_file,
            home,
            env,
            ARTIFACTS / "code-server-multi-root.log",
            extra_settings=settings,
        ) as url:
            _drive(
                node,
                url,
                alpha,
                env,
                SCENARIO="multi-root",
                WORKSPACE_FILE=str(workspace_file),
                OUTSIDE_FILE=str(outside),
                OUTSIDE_PYTHON=str(outside.parent / "stray.py"),
                NESTED_FOLDER="greetings/gamma",
            )
    # The run was beta's: its change and its journal are in beta, none in alpha.
    assert (beta / "NOTES.md").read_text() == "# Notes\n\nGreetings are warm.\n"
    run, explained = _journal_runs(beta, count=2)
    assert run[0]["command"] == "touch-notes" and run[-1]["type"] == "run_finished"
    assert explained[0]["command"] == "explain-selection", explained[0]
    assert explained[-1]["type"] == "run_finished"
    assert not (alpha / ".orchestra" / "runs").exists() or not list(
        (alpha / ".orchestra" / "runs").glob("*/events.jsonl")
    )
    # Each document went to its own folder's server, once; nothing else was sent.
    opened = _opened(log)
    alpha_uri, beta_uri = alpha.resolve().as_uri(), beta.resolve().as_uri()
    assert all(kept for _, _, kept in opened), opened
    assert all(uri.startswith(served + "/") for uri, served, _ in opened), opened
    uris = [uri for uri, _, _ in opened]
    assert uris.count(f"{beta_uri}/.orchestra/commands/touch-notes.md") == 1, opened
    assert uris.count(f"{alpha_uri}/greet.py") == 1, opened  # opened last: all came before
    assert not [u for u in uris if "outside" in u or not u.startswith("file:")], opened
    assert {served for _, served, _ in opened} <= {alpha_uri, beta_uri, gamma.resolve().as_uri()}
    # gamma (inside alpha), added while the window was open, got a server of its own,
    # which alone was sent gamma's file
    assert [served for uri, served, _ in opened if uri.endswith("/broken-c.md")] == [
        gamma.resolve().as_uri()
    ], opened
    assert f"serving the folder {gamma.resolve()}\n" in log.read_text(encoding="utf-8")


def _environment_with_orchestra(where: Path) -> Path:
    """A virtualenv (not on PATH) that has orchestra: its site reads this repository's
    installation, and its bin has an `orchestra` launcher. Returns that launcher."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(where)], check=True)
    import site
    import sysconfig

    packages = Path(
        sysconfig.get_paths(vars={"base": str(where), "platbase": str(where)})["purelib"]
    )
    ours = [
        p
        for p in site.getsitepackages()
        if Path(p, "orchestra_lsp").exists() or list(Path(p).glob("*orchestra*"))
    ]
    assert ours, site.getsitepackages()
    (packages / "orchestra-test.pth").write_text(f"import site; site.addsitedir({ours[0]!r})\n")
    launcher = where / "bin" / "orchestra"
    launcher.write_text(
        f"#!{where / 'bin' / 'python'}\nimport sys\nfrom orchestra_lsp.cli import main\nsys.exit(main())\n"
    )
    launcher.chmod(0o755)
    check = subprocess.run([str(launcher), "--help"], capture_output=True, text=True, timeout=60)
    assert check.returncode == 0, check.stdout + check.stderr
    return launcher


def _python_extension_vsix(tmp_path: Path) -> Path:
    """The test stand-in for ms-python.python (tests/vscode/python-extension), packaged."""
    source = tmp_path / "python-extension"
    shutil.copytree(HERE / "python-extension", source)
    vsce = REPO / "editors" / "vscode" / "node_modules" / ".bin" / "vsce"
    _require(vsce, "run `make vscode-extension` (or `make test`)")
    out = tmp_path / "ms-python.python.vsix"
    packaged = subprocess.run(
        [
            str(vsce),
            "package",
            "--no-dependencies",
            "--allow-missing-repository",
            "--out",
            str(out),
        ],
        cwd=source,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert packaged.returncode == 0, packaged.stdout + packaged.stderr
    return out


def test_the_server_starts_from_the_python_extensions_interpreter(tmp_path: Path) -> None:
    """Issue 20: nothing configured, no `orchestra` on PATH; the Python extension (a
    stand-in of its API shape, id ms-python.python) selects an interpreter whose
    environment has orchestra: the server starts from it, and its log says so."""
    node, workspace, home, env = _prepare(tmp_path)
    launcher = _environment_with_orchestra(tmp_path / "pyenv")
    env["PATH"] = os.pathsep.join(
        d for d in env.get("PATH", "").split(os.pathsep) if d and not Path(d, "orchestra").exists()
    )
    env["ORCHESTRA_TEST_INTERPRETER"] = str(launcher.parent / "python")
    with _code_server(
        workspace,
        home,
        env,
        ARTIFACTS / "code-server-python.log",
        extra_settings={"orchestra.server.command": "", "orchestra.server.args": ["serve"]},
        more_extensions=(_python_extension_vsix(tmp_path),),
    ) as url:
        _drive(
            node,
            url,
            workspace,
            env,
            SCENARIO="python-interpreter",
            INTERPRETER_ORCHESTRA=str(launcher),
        )


def test_cancel_a_batch_from_its_notification(tmp_path: Path) -> None:
    """Run Command on Several… on Ada and Bob, cancelled from the batch's notification
    while Ada's item waits for the model (orchestra/cancelBatch): Ada's run ends
    cancelled, Bob's is never run, and the end message and Show Items say so."""
    prepared = _prepare(tmp_path)
    workspace = prepared[1]
    (workspace / ".orchestra" / "commands" / "greet-each.md").write_text(GREET_EACH)
    script: list[dict[str, object]] = [
        {
            "expect": {"messages_contain": ["Say hello to Ada"]},
            "delay": 120,  # cancelled well before
            "reply": {"text": "Hello there, Ada."},
        }
    ]
    _drive_scripted(prepared, script, "batch-cancel", "batch-cancel")
    [ada] = _journal_runs(workspace, count=1)
    assert ada[0]["arguments"] == {"who": "Ada"}
    assert ada[-1]["type"] == "run_cancelled", [e["type"] for e in ada]
    [manifest] = (workspace / ".orchestra").rglob("batch.json")
    items = json.loads(manifest.read_text())["items"]
    assert [(i["item"], i["state"]) for i in items] == [("Ada", "cancelled"), ("Bob", "cancelled")]
    assert items[1].get("run_id") is None
