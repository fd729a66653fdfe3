"""Helpers for the engine tests: workspaces on disk, a recording front end, and one
call that runs a command against the scripted server through the real SDK.

The front end is a test double of the *interface* the engine meets front ends
through (`FrontEnd`): it records every event and request and answers gates,
permission asks, questions and reviews from what the test scripted. Nothing inside
the engine is replaced.
"""

from __future__ import annotations

import fcntl
import json
import os
import pty
import select
import subprocess
import sys
import termios
import textwrap
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from orchestra_lsp.changes import Changeset
from orchestra_lsp.engine import (
    ApprovalDecision,
    ApprovalRequest,
    Engine,
    Event,
    FileDecision,
    FileReview,
    PermissionRequest,
    Question,
    ReviewDecision,
    ReviewRequest,
    RunRequest,
    RunResult,
)
from orchestra_lsp.journal import load_run
from orchestra_lsp.llm import ModelClient
from orchestra_lsp.testing import ScriptedServer, ScriptLike

API_KEY = "test-key-engine-7f3a9c2e51d84b06"
MODEL = "claude-sonnet-4-6"
REPO = Path(__file__).resolve().parents[2]
PYTHON = str(Path(sys.executable))

WORKER = """\
---
name: worker
description: Does what the step says with the workspace tools.
tools: [read_file, list_files, search, edit, run_shell, ask_user]
max_turns: 12
---
You are the worker agent of the engine tests.
"""

# The shop's one-function file, the edit most CLI tests script, and what it leaves.
SHOP_BASE = "def total(prices):\n    return sum(prices)\n"
SHOP_EDITED = "def total(prices):\n    return round(sum(prices), 2)\n"


def str_replace(path: str, old: str, new: str) -> dict[str, Any]:
    """The model's `edit` tool call replacing `old` by `new` in `path`."""
    return {
        "name": "edit",
        "input": {"command": "str_replace", "path": path, "old_str": old, "new_str": new},
    }


SHOP_EDIT = str_replace("shop.py", "return sum(prices)", "return round(sum(prices), 2)")

CONTEXT = "This is the test repository. Its secret word is PERSISTENT-CONTEXT-MARK.\n"


def write_files(root: Path, files: dict[str, str]) -> Path:
    """Write `{relative path: text}` under `root` (dedented) and return `root`."""
    root.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return root


def command_file(steps: list[dict[str, Any]] | None = None, *, body: str = "", **front: Any) -> str:
    """A command file; each front-matter value is written as JSON (which YAML reads)."""
    fields: dict[str, Any] = {"description": "engine test command", **front}
    if steps is not None:
        fields["steps"] = steps
    lines = "\n".join(f"{key}: {json.dumps(value)}" for key, value in fields.items())
    return f"---\n{lines}\n---\n{body}\n"


def workspace(
    root: Path,
    commands: dict[str, str],
    *,
    config: str = "",
    extra: dict[str, str] | None = None,
) -> Path:
    """A repository with CONTEXT.md, the `worker` agent, the given commands and config."""
    files = {
        ".orchestra/CONTEXT.md": CONTEXT,
        ".orchestra/agents/worker.md": WORKER,
        ".orchestra/config.toml": f'[model]\nname = "{MODEL}"\n' + textwrap.dedent(config),
        **{f".orchestra/commands/{name}.md": text for name, text in commands.items()},
        **(extra or {}),
    }
    return write_files(root, files)


HunkChooser = Callable[[FileReview], list[str]]


def accept_all(review: FileReview) -> list[str]:
    return [hunk.id for hunk in review.hunks]


@dataclass
class RecordingFrontEnd:
    """Records everything; answers from scripted lists; returns review decisions."""

    root: Path
    approvals: list[ApprovalDecision] = field(default_factory=list)
    permissions: list[bool] = field(default_factory=list)
    answers: list[str] = field(default_factory=list)
    choose: HunkChooser = accept_all
    events: list[Event] = field(default_factory=list)
    approval_requests: list[ApprovalRequest] = field(default_factory=list)
    permission_requests: list[PermissionRequest] = field(default_factory=list)
    questions: list[Question] = field(default_factory=list)
    review_requests: list[ReviewRequest] = field(default_factory=list)
    on_event: Callable[[Event], None] | None = None

    def emit(self, event: Event) -> None:
        self.events.append(event)
        if self.on_event is not None:
            self.on_event(event)

    async def approve(self, request: ApprovalRequest) -> ApprovalDecision:
        self.approval_requests.append(request)
        assert self.approvals, f"unexpected approval request: {request}"
        return self.approvals.pop(0)

    async def permission(self, request: PermissionRequest) -> bool:
        self.permission_requests.append(request)
        assert self.permissions, f"unexpected permission request: {request}"
        return self.permissions.pop(0)

    async def ask(self, question: Question) -> str:
        self.questions.append(question)
        assert self.answers, f"unexpected question: {question}"
        return self.answers.pop(0)

    async def review(self, request: ReviewRequest, changeset: Changeset) -> ReviewDecision:
        """Decisions only, as every front end: the engine lands them."""
        self.review_requests.append(request)
        return ReviewDecision(
            files=[
                FileDecision(
                    path=review.path,
                    accepted=accept_all(review) if request.auto_accept else self.choose(review),
                )
                for review in request.files
            ]
        )

    def of_type(self, kind: str) -> list[Any]:
        return [event for event in self.events if event.type == kind]


@dataclass
class Outcome:
    result: RunResult
    server: ScriptedServer
    frontend: RecordingFrontEnd
    root: Path

    def journal(self) -> list[dict[str, Any]]:
        return load_run(self.root, self.result.run_id).events

    def journal_of(self, kind: str) -> list[dict[str, Any]]:
        return [event for event in self.journal() if event.get("type") == kind]

    def bodies(self) -> list[dict[str, Any]]:
        """The parsed bodies of the /v1/messages requests, in order."""
        return [
            request.body
            for request in self.server.requests
            if request.path.endswith("/v1/messages") and request.body is not None
        ]


def model_client(
    server: ScriptedServer, *, max_retries: int = 2, timeout: float = 10
) -> ModelClient:
    return ModelClient(
        api_key=API_KEY, base_url=server.base_url, max_retries=max_retries, timeout=timeout
    )


async def run_command(
    root: Path,
    script: ScriptLike,
    request: RunRequest,
    frontend: RecordingFrontEnd | None = None,
    *,
    yes: bool = False,
    apply: bool = True,
    user_dir: Path | None = None,
    max_retries: int = 2,
    check_script: bool = True,
    plan: bool = False,
) -> Outcome:
    """Run one command to its end against a scripted server and return what happened.

    `plan`: in plan mode (as ACP's Plan mode starts it). With `check_script` the script
    must have matched every request and been played to its last turn.
    """
    frontend = frontend or RecordingFrontEnd(root)
    user = user_dir or root.parent / f"{root.name}-user-config"
    user.mkdir(exist_ok=True)
    with ScriptedServer(script) as server:
        engine = Engine(root, client=model_client(server, max_retries=max_retries), user_dir=user)
        try:
            handle = engine.start(request, frontend, yes=yes, apply=apply, plan=plan)
            result = await handle.wait()
        finally:
            await engine.aclose()
    if check_script:
        try:
            server.assert_no_failures()
            server.assert_all_consumed()
        except AssertionError as error:
            raise AssertionError(
                f"{error}\n(the run ended {result.state}: {result.error})"
            ) from None
    return Outcome(result, server, frontend, root)


def all_files_text(folder: Path) -> Iterable[tuple[Path, str]]:
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            yield path, path.read_text(encoding="utf-8", errors="replace")


def cli_env(base_url: str, config_home: Path, **extra: str) -> dict[str, str]:
    """The environment for `orchestra` as a subprocess: the scripted server, a clean
    user config folder, no ambient credentials, and no terminal."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("ANTHROPIC_") and key not in ("XDG_CONFIG_HOME", "COLUMNS")
    }
    env.update(
        ANTHROPIC_BASE_URL=base_url,
        ANTHROPIC_API_KEY=API_KEY,
        XDG_CONFIG_HOME=str(config_home),
        PYTHONUNBUFFERED="1",
        **extra,
    )
    return env


def orchestra(
    root: Path,
    model: ScriptedServer | str,
    config_home: Path,
    *args: str,
    timeout: float = 120,
    **extra_env: str,
) -> subprocess.CompletedProcess[str]:
    """`orchestra ARGS...` as a subprocess in `root`, as CI runs it: no terminal (stdin
        is /dev/null, output piped), the model at `model` (a scripted server or its base
    URL). Generous `timeout` (seconds):
        several tests run it at once on a small shared machine."""
    return subprocess.run(
        [sys.executable, "-m", "orchestra_lsp", *args],
        cwd=root,
        env=cli_env(model if isinstance(model, str) else model.base_url, config_home, **extra_env),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def kill_at_request(
    root: Path, server: ScriptedServer, config_home: Path, *args: str, requests: int = 2
) -> None:
    """`orchestra ARGS...` as a subprocess, killed (SIGKILL: no clean-up of its own) once
    the scripted model has had `requests` requests; waits up to 60 s for them (a busy
    machine). Raises AssertionError, with the process's stderr, if it ended before."""
    process = subprocess.Popen(
        [sys.executable, "-m", "orchestra_lsp", *args],
        cwd=root,
        env=cli_env(server.base_url, config_home),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while len(server.requests) < requests and time.monotonic() < deadline:
            assert process.poll() is None, process.stderr and process.stderr.read()
            time.sleep(0.02)
        assert len(server.requests) >= requests, f"model call {requests} never came"
        process.kill()
        process.wait(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        if process.stderr is not None:
            process.stderr.close()


def events_of(root: Path, run_id: str, kind: str) -> list[dict[str, Any]]:
    """The journal events of one `kind` in run `run_id`, in order."""
    return [e for e in load_run(root, run_id).events if e["type"] == kind]


def _take_terminal() -> None:
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


def printed_in_a_terminal(
    argv: list[str], env: dict[str, str], columns: int
) -> tuple[str, subprocess.CompletedProcess[bytes]]:
    """What `argv` prints on a terminal `columns` wide (stdout a pseudo-terminal, so the
    CLI lays out for it; colours and carriage returns removed), and the finished
    process, its stderr captured."""
    import re

    primary, secondary = pty.openpty()
    done = subprocess.run(
        argv,
        stdin=subprocess.DEVNULL,
        stdout=secondary,
        stderr=subprocess.PIPE,
        env={**env, "COLUMNS": str(columns)},
        timeout=60,
    )
    os.close(secondary)
    chunks = []
    while True:
        try:
            chunk = os.read(primary, 65536)
        except OSError:  # the other end is closed and everything was read
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(primary)
    shown = re.sub(r"\x1b\[[0-9;]*m", "", b"".join(chunks).decode()).replace("\r", "")
    return shown, done


def in_a_terminal(
    argv: list[str],
    cwd: Path,
    env: dict[str, str],
    answers: dict[str, str],
    in_order: Sequence[tuple[str, str]] = (),
    *,
    think: float = 0.0,
    within: float = 60,
    controlling: bool = False,
) -> tuple[str, int]:
    """Run `argv` on a pseudo-terminal, typing each answer once its prompt shows;
    `in_order`: (prompt, answer) pairs typed one after the other, each once its prompt
    shows after the previous answer (a prompt that comes back), `think` seconds after
    it shows. The process gets `within` seconds before it is killed. `controlling`:
    the terminal is the process's controlling terminal, in a session of its own, as
    in a shell: typing Ctrl-C (`"\x03"`) sends SIGINT to its foreground process group
    (the process and the children it started), not only to the process."""
    parent, child = pty.openpty()
    process = subprocess.Popen(
        argv,
        cwd=cwd,
        env={**env, "TERM": "dumb"},
        stdin=child,
        stdout=child,
        stderr=child,
        start_new_session=controlling,
        # After setsid (start_new_session), stdin (the terminal) becomes the session's
        # controlling terminal: only then does the terminal turn ^C into SIGINT.
        preexec_fn=_take_terminal if controlling else None,
    )
    os.close(child)
    seen, pending, queue, mark = b"", dict(answers), list(in_order), 0
    deadline = time.monotonic() + within
    try:
        while time.monotonic() < deadline and process.poll() is None:
            if select.select([parent], [], [], 0.2)[0]:
                try:
                    seen += os.read(parent, 4096)
                except OSError:  # the child closed the terminal
                    break
            for prompt in [p for p in pending if p.encode() in seen]:
                os.write(parent, pending.pop(prompt).encode())
            if queue and (at := seen.find(queue[0][0].encode(), mark)) >= 0:
                mark = at + len(queue[0][0])
                time.sleep(think)
                os.write(parent, queue.pop(0)[1].encode())
        code = process.wait(timeout=30)
        # What it wrote just before it ended is still in the terminal: read it all.
        while select.select([parent], [], [], 0.2)[0]:
            try:
                chunk = os.read(parent, 4096)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            seen += chunk
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        os.close(parent)
    return seen.decode("utf-8", errors="replace"), code
