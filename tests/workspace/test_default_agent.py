"""`[agents] default` naming an agent that does not exist is said once, at its line in
config.toml, not at every command whose steps name no agent; a run of such a command
says the same, and a step that names a missing agent itself is still said at the step."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

CONFIG = '[model]\nname = "claude-sonnet-4-6"\n\n[agents]\ndefault = "checkr"\n'
FILES = {
    ".orchestra/config.toml": CONFIG,
    ".orchestra/agents/checker.md": "---\nname: checker\ndescription: Checks.\n---\nCheck.\n",
    ".orchestra/commands/plain.md": "---\ndescription: no steps\n---\nSay hi about $ARGUMENTS\n",
    ".orchestra/commands/stepped.md": (
        "---\ndescription: steps\nsteps:\n  - id: first\n    prompt: One.\n"
        "  - id: second\n    agent: ghost\n    prompt: Two.\n---\n"
    ),
    # Claude Code's commands run its general-purpose agent, not Orchestra's default.
    ".claude/commands/deploy.md": "Deploy the app.\n",
}


def orchestra(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HOME": str(root.parent / "home"), "ANTHROPIC_API_KEY": "sk-ant-test"}
    return subprocess.run(
        [sys.executable, "-m", "orchestra_lsp", *args],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_missing_default_agent_is_said_once_at_its_line(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    for name, text in FILES.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    (tmp_path / "home").mkdir()
    checked = orchestra(root, "check")
    assert checked.returncode == 1, checked.stdout
    said = [line for line in checked.stdout.splitlines() if ": error: " in line]
    assert said == [
        ".orchestra/commands/stepped.md:7:12: error: step 'second' uses agent 'ghost', "
        "which is not defined",
        ".orchestra/config.toml:5:11: error: the default agent 'checkr' is not defined (every "
        "step that names no agent runs it); did you mean 'checker'?",
    ], checked.stdout
    ran = orchestra(root, "run", "plain")
    assert ran.returncode == 2, ran.stdout + ran.stderr
    assert (
        "command 'plain' cannot run: .orchestra/config.toml:5:11: error: the default "
        "agent 'checkr' is not defined" in ran.stderr
    ), ran.stderr
