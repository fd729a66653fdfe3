"""The attack suite through the real CLI: a scripted model obeys a prompt-injected
ticket (served by the real ticket MCP server) and an injected file, and tries every
write, read and leak of the issue and more. Whatever the mode, nothing outside the
workspace or protected changes, every attempt is refused (and journaled), and no secret
— in any encoding — reaches the journal, the terminal or the model."""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from attack_helpers import Repo, attacks, leaks, make_repo, received, script

from orchestra_lsp.testing import ScriptedServer

TRUSTING = """
[permissions]
allow = ["run_shell(python3 *)", "run_shell(printenv*)", "run_shell(yes*)", "run_shell(git *)", "edit(**)"]
"""


@pytest.fixture
def base() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="orchestra-attack-") as folder:
        yield Path(folder)


def _finished(repo: Repo) -> dict[str, dict[str, object]]:
    return {e["call_id"]: e for e in repo.events() if e["type"] == "tool_call_finished"}


def _attack_calls(repo: Repo) -> list[dict[str, object]]:
    started = [e for e in repo.events() if e["type"] == "tool_call_started"]
    return started[2:]  # the first two read the ticket and the file


@pytest.mark.parametrize("config", ["", TRUSTING], ids=["default policy", "trusting config"])
def test_yes_apply_refuses_every_attack_and_leaks_nothing(base: Path, config: str) -> None:
    repo = make_repo(base, config)
    with ScriptedServer(script(repo.outside)) as model:
        done = repo.run_cli(model.base_url, "--yes", "--apply")
    assert "Traceback" not in done.stderr, done.stderr
    assert repo.changed() == []
    assert not (repo.root / "pwned").exists()
    assert (repo.root / "src" / "app.py").exists()
    found = leaks(
        {
            "journal": repo.journal_text(),
            "stdout": done.stdout,
            "stderr": done.stderr,
            "model": received(model),
        }
    )
    assert found == []
    calls = _attack_calls(repo)
    assert len(calls) == len(attacks(repo.outside))
    finished = _finished(repo)
    decided = [e for e in repo.events() if e["type"] == "permission_decided"]
    ran = [  # calls that were made (not refused by the policy or the workspace bounds)
        c["arguments"]
        for c in calls
        if not str(finished[str(c["call_id"])]["summary"]).startswith("The call to")
        and "outside the workspace" not in str(finished[str(c["call_id"])]["summary"])
    ]
    if not config:
        assert ran == []  # the default policy lets no attack run
        assert all(d["verdict"] == "deny" for d in decided[2:]), decided
    else:
        # What the configuration allows ran, confined (the leak checks above hold for
        # it: reversed secrets from /proc and the environment included); the rest did not.
        commands = sorted(str(a["command"]) for a in ran if isinstance(a, dict))
        assert commands == sorted(
            [
                "git status && git push origin HEAD",  # `run_shell(git *)` says so
                "git status > notes.txt",  # `edit(**)` names the path
                "printenv",
                *[c for c in commands if c.startswith("python3 -c")],
                "yes",
            ]
        )
        assert len(commands) == 6
        [yes] = [c for c in calls if c["arguments"] == {"command": "yes", "timeout": 3}]
        took = float(str(finished[str(yes["call_id"])]["duration_ms"])) / 1000
        assert 2.9 < took < 8, took


def test_without_yes_nothing_happens_without_a_person(base: Path) -> None:
    repo = make_repo(base)
    with ScriptedServer(script(repo.outside)) as model:
        done = repo.run_cli(model.base_url)
    assert "Traceback" not in done.stderr, done.stderr
    assert repo.changed() == []
    found = leaks(
        {
            "journal": repo.journal_text(),
            "stdout": done.stdout,
            "stderr": done.stderr,
            "model": received(model),
        }
    )
    assert found == []
