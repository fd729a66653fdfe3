"""A Claude Code command's `` !`cmd` `` lines: where they are, and whether the command
may run them.

As in Claude Code, a `` !`cmd` `` runs before the prompt is sent only when an allow
rule allows it — the command's own `allowed-tools` (`Bash(git status:*)`, translated
to `run_shell(git status *)`) or the workspace's permission rules (Claude Code's
settings `permissions.allow`, config.toml's `allow`), which Claude Code's permission
check of these lines also consults — and the person's deny rules still win. The engine
(`engine/command_prompt.py`) runs them by this decision, and `orchestra check`
(`workspace/validation.py`) warns by the same decision about a line that will be
refused, so that the two can never disagree.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from orchestra_lsp.permissions import Decision, Policy
from orchestra_lsp.workspace.markdown import code_lines

BANG = re.compile(r"!`([^`\n]+)`")
"""`` !`cmd` ``: group 1 is the command line."""

NOT_ALLOWED = "neither the command's `allowed-tools` nor the permission rules allow it"


@dataclass(frozen=True)
class BashLine:
    """One `` !`cmd` `` of a text: its line (0-based), the columns of the `!` and
    after the closing backtick, and the command line."""

    line: int
    start: int
    end: int
    command: str


def bash_lines(lines: list[str]) -> Iterator[BashLine]:
    """Every `` !`cmd` `` outside fenced code blocks (those are examples), in order."""
    for index, (line, in_code) in enumerate(zip(lines, code_lines(lines), strict=True)):
        if not in_code:
            for found in BANG.finditer(line):
                yield BashLine(index, found.start(), found.end(), found.group(1))


def bash_policy(
    allowed_tools: Iterable[str],
    deny: Iterable[str],
    workspace: str | None,
    protected: Iterable[str] = (),
    allow: Iterable[str] = (),
) -> Policy:
    """The policy `` !`cmd` `` lines run under: the command's `allowed-tools` (ours) and
    the workspace's `allow` rules allow, the person's deny rules refuse. Raises
    PolicyError for a malformed rule."""
    return Policy.from_strings(
        allow=[*allowed_tools, *allow], deny=deny, workspace=workspace, protected=protected
    )


def bash_decision(policy: Policy, command: str) -> tuple[bool, Decision, str]:
    """Whether `command` may run before the prompt, the policy's decision, and why
    (the deciding rule, else that `allowed-tools` do not allow it)."""
    decision = policy.decide("run_shell", {"command": command})
    allowed = decision.verdict == "allow"
    reason = decision.reason if allowed or decision.rule is not None else NOT_ALLOWED
    return allowed, decision, reason
