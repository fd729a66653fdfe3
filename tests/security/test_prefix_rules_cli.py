"""A prefix rule through the real CLI: a workspace allows `run_shell(sed*)`, as a Claude
Code user's `Bash(sed:*)` does, and a scripted model asks `orchestra run --yes` to edit a
file with `sed -i`. In automation nobody can accept the hazard, so the call is refused
and the file stays as it was; the read-only `sed -n p` in the same turn runs."""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from attack_helpers import PRIVATE_KEY_MARK, make_repo, received

from orchestra_lsp.testing import ScriptedServer

CONFIG = '\n[permissions]\nallow = ["run_shell(sed*)"]\n'


@pytest.fixture
def base() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="orchestra-prefix-") as folder:
        yield Path(folder)


def _shell_outcomes(events: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Each `run_shell` call's finishing event in a run's journal, by its command."""
    command_of = {
        str(e["call_id"]): str(e["arguments"]["command"])
        for e in events
        if e["type"] == "tool_call_started" and e["tool"] == "run_shell"
    }
    return {
        command_of[str(e["call_id"])]: e
        for e in events
        if e["type"] == "tool_call_finished" and str(e["call_id"]) in command_of
    }


def test_sed_in_place_is_refused_in_automation_and_sed_print_runs(base: Path) -> None:
    repo = make_repo(base, CONFIG)
    before = (repo.root / "src" / "app.py").read_bytes()
    calls = [
        {"name": "run_shell", "input": {"command": "sed -i s/hello/pwned/ src/app.py"}},
        {"name": "run_shell", "input": {"command": "sed -n p src/app.py"}},
    ]
    script = [
        {"name": "edit", "reply": {"tool_use": calls}},
        {
            "name": "done",
            "expect": {"last_tool_result_contains": ["print('hello')"]},
            "reply": {"text": "Done."},
        },
    ]
    with ScriptedServer(script) as model:
        done = repo.run_cli(model.base_url, "--yes")
    assert "Traceback" not in done.stderr, done.stderr
    model.assert_no_failures()
    model.assert_all_consumed()
    assert (repo.root / "src" / "app.py").read_bytes() == before
    events = repo.events()
    finished = _shell_outcomes(events)
    refused = finished["sed -i s/hello/pwned/ src/app.py"]
    assert str(refused["summary"]).startswith("The call to run_shell was not made"), refused
    assert "`sed -i` edits files in place" in str(refused["summary"]), refused
    ran = finished["sed -n p src/app.py"]
    assert not ran["is_error"] and "print('hello')" in str(ran["summary"]), ran
    decided = [
        (e["verdict"], e["by"], e["rule"])
        for e in events
        if e["type"] == "permission_decided" and e["tool"] == "run_shell"
    ]
    assert sorted(decided, key=str) == sorted(
        [("deny", "automation", "run_shell(sed*)"), ("allow", "policy", "run_shell(sed*)")],
        key=str,
    )


SQLITE_AWK_CONFIG = '\n[permissions]\nallow = ["run_shell(sqlite3*)", "run_shell(awk*)"]\n'


def test_sqlite3_and_awk_hazards_are_refused_in_automation_and_their_queries_run(
    base: Path,
) -> None:
    """`Bash(sqlite3:*)` and `Bash(awk:*)` as a user allows them: the scripted model runs
    `.shell`, `writefile()` and an awk program that points ARGV at the private key outside
    the workspace; each is refused, nothing is written and the key never reaches the
    model. A query and a plain awk print in the same turn run."""
    repo = make_repo(base, SQLITE_AWK_CONFIG)
    key = repo.outside / "home" / ".ssh" / "id_rsa"
    refused = {
        "sqlite3 notes.db '.shell touch pwned'": "sqlite3's `.shell`",
        "sqlite3 notes.db \"select writefile('pwned', 'x')\"": "sqlite3's `writefile`",
        f"awk 'BEGIN {{ ARGV[1] = \"{key}\"; ARGC = 2 }} {{ print }}'": "changes `ARGV`",
        "sqlite3 notes.db 'create table t (x)'": "`> notes.db`",
    }
    ran = {
        "sqlite3 :memory: \"select 'answer=' || (40 + 2)\"": "answer=42",
        "awk '{ print \"awk:\" $1 }' src/app.py": "awk:print('hello')",
    }
    calls = [{"name": "run_shell", "input": {"command": c}} for c in [*refused, *ran]]
    script = [
        {"name": "work", "reply": {"tool_use": calls}},
        {
            "name": "done",
            "expect": {"messages_contain": list(ran.values())},
            "reply": {"text": "Done."},
        },
    ]
    with ScriptedServer(script) as model:
        done = repo.run_cli(model.base_url, "--yes")
        seen = received(model)
    assert "Traceback" not in done.stderr, done.stderr
    model.assert_no_failures()
    model.assert_all_consumed()
    assert not (repo.root / "pwned").exists() and not (repo.root / "notes.db").exists()
    assert PRIVATE_KEY_MARK not in seen and PRIVATE_KEY_MARK not in repo.journal_text()
    assert repo.changed() == []
    events = repo.events()
    finished = _shell_outcomes(events)
    for command, why in refused.items():
        summary = str(finished[command]["summary"])
        assert summary.startswith("The call to run_shell was not made"), (command, summary)
        assert why in summary, (command, summary)
    for command, output in ran.items():
        assert not finished[command]["is_error"], finished[command]
        assert output in str(finished[command]["summary"]), finished[command]
