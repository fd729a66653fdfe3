"""What a Claude Code hook prints never carries a secret to the model, the journal or
the terminal, and a hook never holds the person's credentials to print.

`.claude/settings.json` has a hook on every event whose words reach somewhere: plain
SessionStart stdout and UserPromptSubmit `additionalContext` (the prompt), a PreToolUse
block on stderr and a PostToolUse JSON block reason (the tool result), a Stop block on
stderr (the agent's next instructions), and a UserPromptSubmit hook that fails (a
warning on the terminal, `hook_ran` in the journal). Each one prints its whole
environment (`env`, as a debugging hook does) and a notes file of the project that
holds a GitHub token (a shape), the value of the person's `DEPLOY_TOKEN` (a known
secret by its variable's name) and a database URL with a password. The person runs
the command through the real CLI against the scripted model.
"""

from __future__ import annotations

import json
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from attack_helpers import committed, person_runs, received

from orchestra_lsp.testing import ScriptedServer

GITHUB_TOKEN = "ghp_" + "H00kPr1ntsTh1sT0k3nF0rT3st1ngXy12"
DEPLOY_TOKEN = "deploytoken-4f7a9c2e1b8d6035"
DB_PASSWORD = "Db9pAss7wOrd3x"
#: The person's environment: one credential by name, one ordinary variable.
PERSON = {"DEPLOY_TOKEN": DEPLOY_TOKEN, "PLAIN_SETTING": "plainvalue-visible"}
NOTES = (
    f"deploy with {GITHUB_TOKEN}\n"
    f"mirror: {DEPLOY_TOKEN}\n"
    f"db: postgres://deploy:{DB_PASSWORD}@db.internal:5432/app\n"
)
NEVER = {"github token": GITHUB_TOKEN, "deploy token": DEPLOY_TOKEN, "password": DB_PASSWORD}

TELL = """\
import json, os, sys
event = json.load(sys.stdin)
label = sys.argv[1]
environment = "".join(f"{k}={v}\\n" for k, v in sorted(os.environ.items()))
notes = open(os.path.join(os.environ["CLAUDE_PROJECT_DIR"], "notes.txt")).read()
said = f"{label} says:\\n{environment}{notes}{label} said.\\n"
if label == "session-start":
    print(said)
elif label == "prompt-context":
    context = {"hookEventName": "UserPromptSubmit", "additionalContext": said}
    print(json.dumps({"hookSpecificOutput": context}))
elif label == "failed-hook":
    sys.stderr.write(said)
    sys.exit(1)
elif label == "pre-tool-block":
    sys.stderr.write(said)
    sys.exit(2)
elif label == "post-tool-block":
    print(json.dumps({"decision": "block", "reason": said}))
elif label == "stop-run":
    print(json.dumps({"continue": False, "stopReason": said}))
elif label == "stop-block" and not event["stop_hook_active"]:
    sys.stderr.write(said)
    sys.exit(2)
"""

AGENT = """\
---
name: reader
description: Reads.
tools: [read_file, search]
max_turns: 3
---
You read.
"""

COMMAND = """\
---
description: look around
steps: [{"id": "look", "agent": "reader", "prompt": "Look around."}]
---
"""


def _hook(label: str, matcher: str | None = None) -> dict[str, object]:
    hook = {"type": "command", "command": f"python3 .claude/hooks/tell.py {label}"}
    return {"hooks": [hook]} if matcher is None else {"matcher": matcher, "hooks": [hook]}


@pytest.fixture
def repo() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="orchestra-hooks-") as folder:
        root = Path(folder) / "repo"
        settings = {
            "env": {"FORMAT_STYLE": "settings-style-visible"},
            "hooks": {
                "SessionStart": [_hook("session-start")],
                "UserPromptSubmit": [_hook("prompt-context"), _hook("failed-hook")],
                "PreToolUse": [_hook("pre-tool-block", "Grep")],
                "PostToolUse": [_hook("post-tool-block", "Read")],
                "Stop": [_hook("stop-block")],
            },
        }
        files = {
            ".orchestra/agents/reader.md": AGENT,
            ".orchestra/commands/look.md": COMMAND,
            ".orchestra/config.toml": '[model]\nname = "claude-sonnet-4-6"\n',
            ".claude/settings.json": json.dumps(settings),
            ".claude/hooks/tell.py": TELL,
            "notes.txt": NOTES,
            "README.md": "A project.\n",
            ".gitignore": ".orchestra/runs/\n",
        }
        yield committed(root, files)


def _everything_in_the_journal(repo: Path) -> str:
    return "\n".join(
        path.read_text(errors="replace")
        for path in (repo / ".orchestra" / "runs").rglob("*")
        if path.is_file()
    )


def _leaks(texts: dict[str, str]) -> list[str]:
    return [
        f"the {name} reached {where}"
        for where, text in texts.items()
        for name, secret in NEVER.items()
        if secret in text
    ]


def test_what_hooks_print_reaches_nobody_with_a_secret_in_it(repo: Path) -> None:
    calls = [
        {"name": "search", "input": {"pattern": "project"}},
        {"name": "read_file", "input": {"path": "README.md"}},
    ]
    script = [
        {"name": "look", "reply": {"tool_use": calls}},
        {"name": "answer", "reply": {"text": "Done."}},
        {"name": "again", "reply": {"text": "Done, really."}},
    ]
    with ScriptedServer(script) as model:
        done = person_runs(repo, "run", "look", "--yes", model_url=model.base_url, env=PERSON)
        model.assert_no_failures()
        model.assert_all_consumed()
        sent = received(model)
    journal = _everything_in_the_journal(repo)
    shown = done.stdout + done.stderr
    # Every channel carried the hook's words (so each one could have leaked) ...
    for label in ("session-start", "prompt-context", "pre-tool-block", "post-tool-block"):
        assert f"{label} says:" in sent, (label, sent[-3000:])
    assert "stop-block says:" in sent, sent[-3000:]
    assert "failed-hook said." in shown, shown  # a warning shows the end of stderr
    assert "failed-hook said." in journal
    # ... with what a hook may see: the person's ordinary variables, the settings' `env`,
    # and the notes file's harmless words.
    assert "PLAIN_SETTING=plainvalue-visible" in sent
    assert "FORMAT_STYLE=settings-style-visible" in sent
    assert "deploy with [redacted]" in sent
    # ... and never a secret: not from the environment, not from the file.
    assert not _leaks({"the model": sent, "the journal": journal, "the terminal": shown})
    assert "DEPLOY_TOKEN=" not in sent, "the hook got the person's credential"
    assert "ANTHROPIC_API_KEY=" not in sent


def test_a_hook_that_stops_the_run_says_why_without_a_secret(repo: Path) -> None:
    """`continue: false`: its `stopReason` ends the run, in the journal and on the terminal."""
    settings = {"hooks": {"PreToolUse": [_hook("stop-run", "Read")]}}
    (repo / ".claude/settings.json").write_text(json.dumps(settings))
    read = {"name": "read_file", "input": {"path": "README.md"}}
    with ScriptedServer([{"name": "look", "reply": {"tool_use": [read]}}]) as model:
        done = person_runs(repo, "run", "look", "--yes", model_url=model.base_url, env=PERSON)
        model.assert_no_failures()
        model.assert_all_consumed()
    journal = _everything_in_the_journal(repo)
    shown = done.stdout + done.stderr
    assert "stop-run said." in journal
    assert "stop-run said." in shown, shown
    assert "mirror: [redacted]" in shown, shown
    assert not _leaks({"the journal": journal, "the terminal": shown})
