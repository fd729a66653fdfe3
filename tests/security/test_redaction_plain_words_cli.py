"""Redaction keeps ordinary text, through the real CLI: a person's environment full of
weak "secrets" (``PGPASSWORD=postgres``, ``ANTHROPIC_API_KEY=test``) does not mangle
words on the terminal, in the journal (which `orchestra resume` reads) or in what a
later step is given, while a real credential of theirs is still redacted everywhere;
and the hint for a missing API key shows its ``<your key>`` placeholder as written.
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from attack_helpers import committed, person_runs, received, run_events

from orchestra_lsp.testing import ScriptedServer

DEPLOY_TOKEN = "deploytoken-4f7a9c2e1b8d6035"
#: What a person new to the tool has exported: a local database's default password, a
#: dummy key for the scripted model, one real credential and a placeholder left over
#: from a README.
PERSON = {
    "PGPASSWORD": "postgres",
    "ANTHROPIC_API_KEY": "test",
    "DEPLOY_TOKEN": DEPLOY_TOKEN,
    "GITHUB_TOKEN": "your-token-here",
}
REPLY = (
    "A says: run pytest and connect with postgres; the test database is testdb,"
    " the token placeholder is your-token-here"
)

AGENT = """\
---
name: helper
description: Helps.
tools: [read_file]
max_turns: 2
---
You help.
"""

COMMAND = """\
---
description: ask and follow up
steps:
  - {"id": "ask", "agent": "helper", "prompt": "How do I test this?"}
  - {"id": "follow", "agent": "helper", "prompt": "Follow up on: {{steps.ask.output}}"}
---
"""


@pytest.fixture
def repo() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="orchestra-words-") as folder:
        files = {
            ".orchestra/agents/helper.md": AGENT,
            ".orchestra/commands/ask.md": COMMAND,
            ".orchestra/config.toml": '[model]\nname = "claude-sonnet-4-6"\n',
            "README.md": "A project.\n",
            ".gitignore": ".orchestra/runs/\n",
        }
        yield committed(Path(folder) / "repo", files)


def _texts(events: list[dict[str, object]]) -> str:
    return "\n".join(str(event) for event in events)


def test_weak_environment_values_do_not_mangle_words(repo: Path) -> None:
    script = [
        {"name": "ask", "reply": {"text": REPLY}},
        {"name": "follow", "reply": {"text": f"Done; {DEPLOY_TOKEN} was not needed."}},
    ]
    with ScriptedServer(script) as model:
        done = person_runs(repo, "run", "ask", "--yes", model_url=model.base_url, env=PERSON)
        model.assert_no_failures()
        model.assert_all_consumed()
        sent = received(model)
    shown = done.stdout + done.stderr
    journal = _texts(run_events(repo))
    assert done.returncode == 0, shown
    # The reply's words, whole, on the terminal, in the journal and in the next step.
    for where, text in {"terminal": shown, "journal": journal, "next step": sent}.items():
        assert REPLY in text, (where, text[-2000:])
    # The person's real credential is still redacted on every channel.
    for where, text in {"terminal": shown, "journal": journal}.items():
        assert DEPLOY_TOKEN not in text, where
        assert "Done; [redacted] was not needed." in text, (where, text[-2000:])
    # `orchestra resume` reads the journal: the step it runs again is given the words.
    with ScriptedServer([{"name": "again", "reply": {"text": "Followed."}}]) as model:
        again = person_runs(
            repo,
            "resume",
            "last",
            "--from",
            "follow",
            "--yes",
            model_url=model.base_url,
            env=PERSON,
        )
        model.assert_no_failures()
        model.assert_all_consumed()
        resent = received(model)
    assert again.returncode == 0, again.stdout + again.stderr
    assert f"Follow up on: {REPLY}" in resent, resent[-2000:]


def test_the_missing_key_hint_keeps_its_placeholder(repo: Path) -> None:
    """No key and the real API: the run stops before any call, saying how to set one."""
    no_key = {"ANTHROPIC_API_KEY": "", "ANTHROPIC_BASE_URL": ""}
    done = person_runs(repo, "run", "ask", "--yes", env=no_key)
    shown = done.stdout + done.stderr
    assert done.returncode != 0, shown
    assert "export ANTHROPIC_API_KEY=<your key> (from console.anthropic.com)" in shown, shown
    assert "[redacted]" not in shown, shown
