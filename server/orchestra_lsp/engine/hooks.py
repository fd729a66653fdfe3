"""Claude Code's hooks (settings.json `hooks`), run as Claude Code runs them.

Each hook is a shell command started in the workspace root with the event's JSON on
stdin (Claude Code's fields: `session_id` is the run id, `transcript_path` the run's
events.jsonl, `cwd`, `hook_event_name`, `permission_mode` (`plan` in plan mode, where
hooks still run, as in Claude Code; else the `permissionMode` of the agent or sub-agent
whose turn it is, `default` when it has none), and the event's own:
`tool_name` / `tool_input` / `tool_response`, `prompt`, `stop_hook_active`,
`source`). Tool names and inputs are Claude Code's (`Bash` with `command`, `Edit` with
`file_path`, `Read`, `Grep`, `Glob`, MCP names as they are), so matchers such as
`Edit|Write` and scripts reading `.tool_input.command` work unchanged.

What the exit code means, as documented by Claude Code:

- 0: success. stdout may be JSON: `decision: "block"` with `reason`;
  `hookSpecificOutput.permissionDecision` (`allow` / `deny` / `ask`) with
  `permissionDecisionReason` for PreToolUse; `hookSpecificOutput.additionalContext`;
  `continue: false` with `stopReason` stops the run. For UserPromptSubmit and
  SessionStart plain stdout is added to the prompt as context.
- 2: blocking. PreToolUse: the call is not made, stderr goes to the model.
  PostToolUse: stderr goes to the model with the result. UserPromptSubmit: the prompt
  is not sent; the run stops with stderr. Stop / SubagentStop: the agent goes on,
  with stderr as its instruction.
- anything else (or a time-out, default 60 s): a non-blocking error, shown to the
  person as a warning; the run goes on.

A hook gets a shell command's environment (`tools.run_shell.child_environment`:
Orchestra's credentials, variables named like a credential and known secret values
left out; Claude Code's `env` from the settings given on purpose), plus
`CLAUDE_PROJECT_DIR`. What it prints (stdout, stderr, a JSON reply) is redacted as it
is read (:func:`_screened`), before it becomes context, a reason for the model, a
warning or a journal line.

Every hook run is journaled (`hook_ran`: event, command, exit code, duration, what
it decided). A hook writes without review, so the workspace is watched around it
(`engine.disk_changes`): a file it changed is journaled as changed outside review.
A PostToolUse hook of `edit` (a formatter) runs on the proposal, not on the disk: in
a scratch tree (:func:`proposal_tree`) where the edited file holds the proposed text
and everything else links to the workspace (the disk: what a person accepted, never
another pending proposal); what it makes of the file becomes part of the proposal,
reviewed with it. Not when the file is one the hook's tools may run as code
(:func:`runs_as_code`, and the protected paths, which the caller checks): a formatter
would load the model's configuration and run it before anyone accepted it.
"""

from __future__ import annotations

import asyncio
import contextlib
import fnmatch
import json
import os
import posixpath
import re
import shlex
import shutil
import signal
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from orchestra_lsp.engine.disk_changes import DiskChange, changed, take
from orchestra_lsp.engine.events import Event, HookRan, Notice
from orchestra_lsp.redaction import SECRETS
from orchestra_lsp.tools.run_shell import child_environment
from orchestra_lsp.workspace.claude_settings import HookMatcher

DEFAULT_TIMEOUT = 60.0
MAX_OUTPUT = 20_000

#: Our tool names as Claude Code names them, for matchers and `tool_name`.
CLAUDE_NAMES: Mapping[str, str] = {
    "run_shell": "Bash",
    "read_file": "Read",
    "edit": "Edit",
    "search": "Grep",
    "list_files": "Glob",
    "ask_user": "AskUserQuestion",
    "skill": "Skill",
    "task": "Task",
}

HookPermissionMode = Literal["default", "plan", "acceptEdits", "bypassPermissions"]
"""Claude Code's `permission_mode` hook field, as its hooks reference lists it."""

HookEvent = Literal[
    "PreToolUse", "PostToolUse", "UserPromptSubmit", "Stop", "SubagentStop", "SessionStart"
]


class HookStopped(Exception):
    """A hook answered `continue: false`: the run stops, with the hook's reason."""


@dataclass
class HookOutcome:
    """What the hooks of one event decided together."""

    blocked: bool = False
    reason: str = ""
    """For the model (exit 2's stderr, or the JSON reason)."""
    permission: Literal["allow", "deny", "ask"] | None = None
    context: list[str] = field(default_factory=list)
    stop_run: str | None = None
    """`continue: false`: the run stops, with this reason."""


@dataclass
class HookRunner:
    hooks: Mapping[str, list[HookMatcher]]
    root: Path
    run_id: str
    transcript: Path
    emit: Callable[[Event], None]
    env: Mapping[str, str] = field(default_factory=dict)
    permission_mode: HookPermissionMode = "default"
    """The run's `permission_mode` hook field (an event of an agent's turn says that
    agent's, see `run`). Claude Code runs hooks in plan mode too and tells them so here
    (its hooks reference lists `"plan"` among the values), so a hook that writes is
    expected to check it; plan mode itself still denies the shell and writing MCP tools
    before any PostToolUse hook could follow them."""
    on_disk_change: Callable[[str, str, list[DiskChange]], None] | None = None
    """Told (step id, which hook, which files) when a hook changed workspace files."""

    def has(self, event: HookEvent) -> bool:
        return bool(self.hooks.get(event))

    def commands(self, event: HookEvent, tool: str) -> list[str]:
        """The commands of `event`'s hooks that a call of `tool` runs, in order."""
        return [
            hook.command
            for matcher in self.hooks.get(event, [])
            if _matches(matcher.matcher, tool)
            for hook in matcher.hooks
        ]

    async def run(
        self,
        event: HookEvent,
        step_id: str,
        payload: dict[str, Any],
        tool: str | None = None,
        *,
        mode: HookPermissionMode | None = None,
        cwd: Path | None = None,
    ) -> HookOutcome:
        """Run the event's matching hooks in order; the first block decides. `mode`:
        the permission mode of the agent whose turn this is (its `permissionMode`, or
        `plan` in a plan-mode run); None: the run's. `cwd`: where the hooks run and
        what they are told is the project (a proposal's scratch tree); None: the
        workspace."""
        where = cwd or self.root
        outcome = HookOutcome()
        for matcher in self.hooks.get(event, []):
            if tool is not None and not _matches(matcher.matcher, tool):
                continue
            for hook in matcher.hooks:
                body = {
                    "session_id": self.run_id,
                    "transcript_path": str(self.transcript),
                    "cwd": str(where),
                    "hook_event_name": event,
                    "permission_mode": mode or self.permission_mode,
                    **payload,
                }
                timeout = hook.timeout or DEFAULT_TIMEOUT
                started = time.perf_counter()
                before = (
                    await asyncio.to_thread(take, self.root)
                    if self.on_disk_change is not None
                    else None
                )
                code, stdout, stderr = await self._spawn(hook.command, body, timeout, where)
                if before is not None:
                    assert self.on_disk_change is not None
                    found = await asyncio.to_thread(changed, self.root, before)
                    if found:
                        self.on_disk_change(step_id, f"the {event} hook `{hook.command}`", found)
                decided = _interpret(event, code, stdout, stderr, outcome)
                self.emit(
                    HookRan(
                        run_id=self.run_id,
                        step_id=step_id,
                        event=event,
                        command=hook.command,
                        tool=tool,
                        exit_code=code,
                        duration_ms=round((time.perf_counter() - started) * 1000, 3),
                        decision=decided,
                        stderr=stderr[-2000:],
                    )
                )
                if decided == "error":
                    why = "timed out" if code is None else f"exit code {code}"
                    self.emit(
                        Notice(
                            run_id=self.run_id,
                            level="warning",
                            message=f"{event} hook `{hook.command}` failed ({why}): "
                            f"{stderr.strip()[-500:]}",
                        )
                    )
                if outcome.blocked or outcome.stop_run:
                    return outcome
        return outcome

    def _environment(self, cwd: Path) -> dict[str, str]:
        """A command's environment (credentials left out), as `run_shell` gives: what a
        hook prints may reach the model, so it never holds them. In a scratch tree
        (`cwd` is not the workspace) git stops looking for a repository at the tree's
        root and is told of none, so a hook's `git add` finds none, rather than one in a
        folder above it (a home folder kept in git)."""
        env = {**child_environment(self.env), "CLAUDE_PROJECT_DIR": str(cwd)}
        if cwd != self.root:
            for name in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_COMMON_DIR"):
                env.pop(name, None)
            ceilings = [str(cwd.parent), env.get("GIT_CEILING_DIRECTORIES", "")]
            env["GIT_CEILING_DIRECTORIES"] = ":".join(filter(None, ceilings))
        return env

    async def _spawn(
        self, command: str, body: dict[str, Any], timeout: float, cwd: Path
    ) -> tuple[int | None, str, str]:
        try:
            process = await asyncio.create_subprocess_exec(
                "/bin/sh",
                "-c",
                command,
                cwd=cwd,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
                start_new_session=True,
                env=self._environment(cwd),
            )
        except OSError as error:
            return 1, "", f"could not start the hook: {error}"
        try:
            out, err = await asyncio.wait_for(
                process.communicate(json.dumps(body).encode()), timeout
            )
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)
            await process.wait()
            return None, "", f"timed out after {timeout:g} s"
        finally:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)
        return process.returncode, _screened(out)[:MAX_OUTPUT], _screened(err)[-MAX_OUTPUT:]


@contextlib.contextmanager
def proposal_tree(root: Path, relative: str, data: bytes | None) -> Iterator[Path]:
    """A scratch tree that reads as the workspace with `relative` holding `data` (absent
    when None): the folders on the way to it are real, every other entry a symbolic
    link to the workspace's, so a formatter finds its configuration and rewrites only
    the scratch file. Yields the scratch root; removed afterwards (links, not what
    they point to). A hook that writes elsewhere writes the workspace through a link:
    the disk watch around it journals that. The tree lies in a folder only the person
    can write to (:func:`_private_base`), as a formatter looks for its configuration in
    every folder above the file too."""
    scratch = Path(tempfile.mkdtemp(prefix="orchestra-proposal-", dir=_private_base()))
    try:
        *folders, name = relative.split("/")
        real, fake = root, scratch
        for part in [*folders, None]:
            with contextlib.suppress(OSError):  # a folder the proposal creates
                for entry in os.scandir(real):
                    # Not `.git`: a hook's `git add` would change the real index unseen.
                    if entry.name not in (part, name if part is None else None, ".git"):
                        os.symlink(entry.path, fake / entry.name)
            if part is not None:
                real, fake = real / part, fake / part
                fake.mkdir()
        if data is not None:
            (fake / name).write_bytes(data)
        yield scratch
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


#: Files the tools a hook runs load as code, or as commands to run, when they find them
#: in the project: configuration written in a programming language (`prettier.config.js`,
#: `.eslintrc.cjs`, `conftest.py`), package and build scripts (`package.json`, `setup.py`,
#: `pyproject.toml`'s build backend and task runners, `Makefile`), what a package manager
#: installs and runs from (lock files, `node_modules`, a virtual environment). Beyond
#: these, the protected paths (`permissions.DEFAULT_PROTECTED` and the workspace's
#: `[permissions] protected`, which the caller checks) already name editors' and package
#: managers' code hooks. Matched case-insensitively against a file's name (`NAMES`) or
#: any folder on its way (`FOLDERS`), in any folder.
RUN_BY_TOOLS_NAMES: tuple[str, ...] = (
    *(f"*.config.{ext}" for ext in ("js", "cjs", "mjs", "ts", "cts", "mts")),
    *(f".*rc.{ext}" for ext in ("js", "cjs", "mjs", "ts", "cts", "mts")),
    "package.json",
    "package-lock.json",
    "npm-shrinkwrap.json",
    "yarn.lock",
    "pnpm-lock.yaml",
    "pnpm-workspace.yaml",
    "bun.lock",
    ".pnp.cjs",
    ".pnp.loader.mjs",
    "deno.json",
    "deno.jsonc",
    "conftest.py",
    "setup.py",
    "setup.cfg",
    "noxfile.py",
    "tox.ini",
    "pyproject.toml",
    "sitecustomize.py",
    "usercustomize.py",
    "*.pth",
    "uv.lock",
    "poetry.lock",
    "pdm.lock",
    "pipfile",
    "pipfile.lock",
    "requirements*.txt",
    "makefile",
    "gnumakefile",
    "*.mk",
    "justfile",
    ".justfile",
    "taskfile.yml",
    "taskfile.yaml",
    "gemfile",
    "gemfile.lock",
    "rakefile",
    "*.gemspec",
    ".rubocop.yml",
    "cargo.toml",
    "build.rs",
    "go.mod",
    "go.work",
    "build.gradle",
    "build.gradle.kts",
    "settings.gradle",
    "settings.gradle.kts",
    "gradlew",
    "pom.xml",
    "cmakelists.txt",
    "*.cmake",
    "meson.build",
    "composer.json",
)
RUN_BY_TOOLS_FOLDERS = frozenset(
    {"node_modules", ".venv", "venv", "site-packages", ".tox", ".nox", ".git"}
)


def runs_as_code(relative: str, commands: Sequence[str], root: Path) -> str | None:
    """Why a tool a hook runs in the project may run the file `relative` (workspace-
    relative POSIX) as code, or None for an ordinary file: a name of
    :data:`RUN_BY_TOOLS_NAMES` or a folder of :data:`RUN_BY_TOOLS_FOLDERS`; a Python
    module at the project's root (`python -m black` in the root imports from it first,
    so `tokenize.py` there replaces the standard library's) or a package there; or a
    script one of `commands` names (relative to `root`, also through
    `$CLAUDE_PROJECT_DIR`), or a file beside one (a Python script imports, a shell
    script sources, its neighbours)."""
    *folders, name = relative.lower().split("/")
    for pattern in RUN_BY_TOOLS_NAMES:
        if fnmatch.fnmatchcase(name, pattern):
            return f"tools load `{pattern}` as code or run what it says"
    for folder in folders:
        if folder in RUN_BY_TOOLS_FOLDERS:
            return f"tools run what `{folder}/` holds"
    if name.endswith(".py") and (not folders or (len(folders) == 1 and name == "__init__.py")):
        return "a Python module at the project's root is imported before any other of its name"
    here, own = posixpath.split(relative)
    for command in commands:
        words = _path_words(command, root)
        # Named by its path or its name (`cd tools && sh fmt.sh`), whether or not it is
        # on disk yet: the proposal may be the script's first version.
        if any(word == relative or posixpath.basename(word) == own for word in words):
            return f"the hook `{command}` runs it"
        for script in words:
            if posixpath.dirname(script) == here and (root / script).is_file():
                return f"it is beside {script}, which the hook `{command}` runs"
    return None


def _path_words(command: str, root: Path) -> list[str]:
    """The words of `command` read as paths relative to the workspace, as a hook names
    its own scripts (`python3 .claude/hooks/fmt.py`, `"$CLAUDE_PROJECT_DIR"/bin/fmt`);
    words that lead out of it are left out."""
    try:
        words = shlex.split(command, comments=True)
    except ValueError:
        words = command.split()
    found = []
    for word in words:
        for prefix in ("$CLAUDE_PROJECT_DIR/", "${CLAUDE_PROJECT_DIR}/", str(root) + "/"):
            word = word.removeprefix(prefix)
        word = posixpath.normpath(word)
        if word.startswith(("/", "../")) or word in (".", "..") or word in found:
            continue
        found.append(word)
    return found


def _screened(output: bytes) -> str:
    """A hook's stdout or stderr with every secret redacted, before anything reads it
    (its words go to the model, the journal, the terminal and the editor) and before it
    is cut (a cut could leave a part of a secret no rule knows). A JSON reply is redacted
    field by field, so it is still JSON and a field under a keyword's key goes whole."""
    text = output.decode("utf-8", "replace")
    redactor = SECRETS.redactor
    reply = _json(text)
    if reply is None:
        return redactor.redact_text(text)
    return json.dumps(redactor.redact(reply), ensure_ascii=False)


def _private_base() -> str | None:
    """Where scratch trees go: a folder of the person's own, not the shared temporary
    folder, where any user can plant a configuration (`/tmp/prettier.config.js`) or a
    `node_modules` that a formatter, searching upwards from the file, would load as the
    person. `$XDG_RUNTIME_DIR` when it is the person's own, else
    `$XDG_CACHE_HOME/orchestra/proposals` (`~/.cache/…`); None (the system's temporary
    folder) when neither can be made."""
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if runtime:
        with contextlib.suppress(OSError):
            info = os.stat(runtime)
            if info.st_uid == os.getuid() and not info.st_mode & 0o022:
                return runtime
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    base = os.path.join(cache, "orchestra", "proposals")
    try:
        os.makedirs(base, mode=0o700, exist_ok=True)
    except OSError:
        return None
    return base


def _matches(matcher: str, tool: str) -> bool:
    if matcher in ("", "*"):
        return True
    claude = CLAUDE_NAMES.get(tool, tool)
    try:
        pattern = re.compile(matcher)
    except re.error:
        return matcher in (tool, claude)
    return any(pattern.fullmatch(name) for name in (claude, tool)) or (
        tool == "edit" and bool(pattern.fullmatch("Write"))
    )


def _interpret(
    event: HookEvent, code: int | None, stdout: str, stderr: str, out: HookOutcome
) -> str:
    """Fold one hook's result into `out`; returns what it decided, for the journal."""
    if code == 2:
        out.blocked, out.reason = True, stderr.strip() or f"blocked by a {event} hook"
        return "block"
    if code != 0:
        return "error"
    reply = _json(stdout)
    if reply is None:
        if event in ("UserPromptSubmit", "SessionStart") and stdout.strip():
            out.context.append(stdout.strip())
            return "context"
        return "ok"
    if reply.get("continue") is False:
        out.stop_run = str(reply.get("stopReason") or f"stopped by a {event} hook")
        return "stop"
    specific = reply.get("hookSpecificOutput")
    specific = specific if isinstance(specific, dict) else {}
    decision = specific.get("permissionDecision")
    if event == "PreToolUse" and decision in ("allow", "deny", "ask"):
        out.permission = decision
        out.reason = str(specific.get("permissionDecisionReason") or "")
        if decision == "deny":
            out.blocked = True
            out.reason = out.reason or "denied by a PreToolUse hook"
        return str(decision)
    if reply.get("decision") == "block":
        out.blocked, out.reason = True, str(reply.get("reason") or f"blocked by a {event} hook")
        return "block"
    extra = specific.get("additionalContext")
    if isinstance(extra, str) and extra.strip():
        out.context.append(extra.strip())
        return "context"
    return "ok"


def _json(stdout: str) -> dict[str, Any] | None:
    text = stdout.strip()
    if not text.startswith("{"):
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def claude_tool_input(tool: str, arguments: dict[str, Any], root: Path) -> dict[str, Any]:
    """A call's arguments in the shape Claude Code gives its hooks."""
    path = arguments.get("path")
    absolute = str(root / path) if isinstance(path, str) else None
    if tool == "run_shell":
        return {"command": arguments.get("command", ""), "timeout": arguments.get("timeout")}
    if tool == "read_file":
        return {"file_path": absolute, **{k: v for k, v in arguments.items() if k != "path"}}
    if tool == "edit":
        return {
            "file_path": absolute,
            "old_string": arguments.get("old_str"),
            "new_string": arguments.get("new_str"),
            "content": arguments.get("file_text"),
            "command": arguments.get("command"),
        }
    if tool == "search":
        return {"pattern": arguments.get("pattern"), "path": absolute}
    if tool == "list_files":
        return {"path": absolute, "pattern": arguments.get("pattern")}
    return dict(arguments)
