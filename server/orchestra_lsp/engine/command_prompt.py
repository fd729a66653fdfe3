"""A Claude Code command's prompt, expanded as Claude Code expands it before sending.

After the arguments are substituted (`workspace.templates`):

- `` !`cmd` `` runs `cmd` in the workspace before the model is called, and its output
  replaces the placeholder. As in Claude Code, only commands the command's own
  `allowed-tools` allow may run (`Bash(git status:*)`, mapped to
  `run_shell(git status*)`), and the person's deny rules still win; a refused command
  is not run, and the prompt says why in its place. In plan mode no command is run
  (Claude Code's plan mode runs nothing that could write; a command line is opaque), and
  the prompt says so in its place. Each one is journaled as a tool call (`run_shell`,
  call id `prompt-N`) with its permission decision.
- `@path` (a file inside the workspace, as the run sees it) is read: the reference
  stays in the text and the file's content follows the prompt, one `<file path="…">`
  block per file, in order of first mention. A reference that is not a file is left
  as written (`@types/node`, `@team`); one that leaves the workspace is left as
  written and named in a warning.

Fenced code blocks are examples, not instructions: nothing inside one is run or read.
"""

from __future__ import annotations

import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from orchestra_lsp.command_bash import BashLine, bash_decision, bash_lines
from orchestra_lsp.engine.events import (
    Event,
    Notice,
    PermissionDecided,
    ToolCallFinished,
    ToolCallStarted,
)
from orchestra_lsp.permissions import Policy
from orchestra_lsp.workspace.markdown import code_lines

_FILE = re.compile(r"(?<![\w`@/.\-])@((?:~/|\.{1,2}/|/)?[\w.\-]+(?:/[\w.\-]+)*)")

PLAN_MODE_REASON = "the run is in plan mode, where no command is run (switch the mode to run it)"

Shell = Callable[[str], Awaitable[tuple[str, bool]]]
"""Runs one command line; returns (output, is_error)."""
ReadFile = Callable[[str], str | None]
"""The text of a workspace-relative file as the run sees it; None if not a file.
Raises ValueError for a path outside the workspace."""


@dataclass
class _Expander:
    run_id: str
    step_id: str
    policy: Policy
    shell: Shell
    read: ReadFile
    emit: Callable[[Event], None]
    plan: bool = False
    calls: int = 0
    files: dict[str, str] = field(default_factory=dict)

    async def command(self, line: str) -> str:
        self.calls += 1
        call_id = f"prompt-{self.calls}"
        arguments = {"command": line}
        self.emit(
            ToolCallStarted(
                run_id=self.run_id,
                step_id=self.step_id,
                call_id=call_id,
                tool="run_shell",
                arguments=arguments,
            )
        )
        started = time.perf_counter()
        allowed, decision, reason = bash_decision(self.policy, line)
        if self.plan:
            allowed, reason = False, PLAN_MODE_REASON
        self.emit(
            PermissionDecided(
                run_id=self.run_id,
                step_id=self.step_id,
                tool="run_shell",
                verdict="allow" if allowed else "deny",
                rule=None if self.plan else decision.rule,
                reason=reason,
                by="policy",
            )
        )
        if allowed:
            output, is_error = await self.shell(line)
        else:
            output, is_error = f"[`{line}` was not run: {reason}]", True
        self.emit(
            ToolCallFinished(
                run_id=self.run_id,
                step_id=self.step_id,
                call_id=call_id,
                tool="run_shell",
                duration_ms=round((time.perf_counter() - started) * 1000, 3),
                is_error=is_error,
                summary=output[:200],
            )
        )
        return output.rstrip("\n")

    def reference(self, target: str) -> None:
        if target in self.files:
            return
        try:
            text = self.read(target)
        except ValueError as error:
            self.emit(
                Notice(
                    run_id=self.run_id,
                    level="warning",
                    message=f"@{target} in the command was not read: {error}",
                )
            )
            return
        if text is not None:
            self.files[target] = text


async def expand_command_prompt(
    text: str,
    *,
    run_id: str,
    step_id: str,
    policy: Policy,
    shell: Shell,
    read: ReadFile,
    emit: Callable[[Event], None],
    plan: bool = False,
) -> str:
    """The prompt with `` !`cmd` `` replaced by output and `@file` contents appended.

    `plan`: plan mode, where no `` !`cmd` `` is run: the placeholder says so instead."""
    expander = _Expander(run_id, step_id, policy, shell, read, emit, plan)
    out: list[str] = []
    lines = text.split("\n")
    found: dict[int, list[BashLine]] = {}
    for bash in bash_lines(lines):
        found.setdefault(bash.line, []).append(bash)
    for index, (line, in_code) in enumerate(zip(lines, code_lines(lines), strict=True)):
        if in_code:
            out.append(line)
            continue
        pieces: list[str] = []
        last = 0
        for bash in found.get(index, []):
            pieces += [line[last : bash.start], await expander.command(bash.command)]
            last = bash.end
        pieces.append(line[last:])
        for reference in _FILE.finditer(line):
            expander.reference(reference.group(1).rstrip("."))
        out.append("".join(pieces))
    prompt = "\n".join(out)
    blocks = [
        f'<file path="{path}">\n{content.rstrip()}\n</file>'
        for path, content in expander.files.items()
    ]
    return "\n\n".join([prompt, *blocks]) if blocks else prompt
