"""`orchestra undo` as real subprocesses, each a fresh process reading the journal alone
(the workspaces are not git repositories): a run lands two hunks and creates a file
with `--yes --apply`, then its undo meets unrelated edits (clean), edits to the same
lines (conflict, nothing overwritten), takes back one file, and is itself undone (a
deleted file restored)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from engine_helpers import (
    cli_env,
    command_file,
    in_a_terminal,
    orchestra,
    str_replace,
    workspace,
)
from landed_run import BASE, CREATED, LINES, land_change

from orchestra_lsp.journal import list_runs, load_run
from orchestra_lsp.testing import ScriptedServer

CHANGE = command_file([{"id": "implement", "agent": "worker", "prompt": "Change it."}])


def _orchestra(root: Path, config_home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    with ScriptedServer([]) as server:  # an undo asks no model
        done = orchestra(root, server, config_home, *args)
    assert server.requests == []
    assert "Traceback" not in done.stdout + done.stderr, done.stdout + done.stderr
    return done


def _runs_table(root: Path, config_home: Path) -> str:
    """`orchestra runs` without spaces, so a cell wrapped over lines reads whole."""
    listed = _orchestra(root, config_home, "runs").stdout
    return "".join(listed.replace("│", "").split())


def _landed_run(root: Path, config_home: Path) -> str:
    workspace(root, {"change": CHANGE}, extra={"values.py": BASE})
    return land_change(root, lambda url: cli_env(url, config_home))


def _undo_run(root: Path, undone: str, *, newest: bool = False) -> str:
    undos = [s.run_id for s in list_runs(root) if s.arguments.get("undoes") == undone]
    if newest:
        return undos[0]
    [undo] = undos
    return undo


def _outcomes(root: Path, run_id: str) -> dict[str, str]:
    events = load_run(root, run_id).events
    return {e["path"]: e["outcome"] for e in events if e["type"] == "proposal_decided"}


def test_undo_after_unrelated_edits_takes_back_everything(root: Path, config_home: Path) -> None:
    run_id = _landed_run(root, config_home)
    person = (root / "values.py").read_text().replace(LINES[4], "value_4 = 'mine'\n")
    (root / "values.py").write_text(person + "appended = True\n")

    done = _orchestra(root, config_home, "undo", run_id, "--yes", "--apply")

    assert done.returncode == 0, done.stdout + done.stderr
    assert "git:" not in done.stdout  # not a git repository: no git state to say
    expected = BASE.replace(LINES[4], "value_4 = 'mine'\n") + "appended = True\n"
    assert (root / "values.py").read_text() == expected  # the person's edits kept
    assert not (root / "notes.txt").exists()  # the created file deleted
    undo = _undo_run(root, run_id)
    assert _outcomes(root, undo) == {"notes.txt": "applied", "values.py": "applied"}
    assert f"wholeby{undo}" in _runs_table(root, config_home)
    shown = _orchestra(root, config_home, "show", undo).stdout
    assert re.search(r"values\.py: applied \(\d+ hunk\(s\) accepted, 0 rejected\)", shown), shown


def test_undo_after_edits_to_the_same_lines_is_a_conflict(root: Path, config_home: Path) -> None:
    run_id = _landed_run(root, config_home)
    person = (root / "values.py").read_text().replace("value_1 = 'one'\n", "value_1 = 'ONE'\n")
    (root / "values.py").write_text(person)
    (root / "notes.txt").write_text(CREATED + "my own line\n")

    done = _orchestra(root, config_home, "undo", run_id, "--yes", "--apply")

    out = done.stdout + done.stderr
    assert done.returncode == 0, out
    assert "conflict" in out and "values.py" in out and "notes.txt" in out, out
    # Line 1 as the person left it; line 8 taken back; the edited notes kept whole.
    assert (root / "values.py").read_text() == BASE.replace(LINES[1], "value_1 = 'ONE'\n")
    assert (root / "notes.txt").read_text() == CREATED + "my own line\n"
    undo = _undo_run(root, run_id)
    assert _outcomes(root, undo) == {"values.py": "applied"}
    assert f"inpart(somehunksleft)by{undo}" in _runs_table(root, config_home)


def test_undo_one_file_then_undo_the_undo_restores_it(root: Path, config_home: Path) -> None:
    run_id = _landed_run(root, config_home)
    changed = (root / "values.py").read_text()

    done = _orchestra(
        root, config_home, "undo", run_id, "--file", "./notes.txt", "--yes", "--apply"
    )

    assert done.returncode == 0, done.stdout + done.stderr
    assert not (root / "notes.txt").exists()
    assert (root / "values.py").read_text() == changed  # the other file untouched
    undo = _undo_run(root, run_id)
    assert f"inpart(filenotes.txt)by{undo}" in _runs_table(root, config_home)

    # The undo deleted a file: undoing the undo (the newest run: `last`, as `show` takes
    # it) restores it from the journal.
    again = _orchestra(root, config_home, "undo", "last", "--yes", "--apply")
    assert again.returncode == 0, again.stdout + again.stderr
    assert (root / "notes.txt").read_text() == CREATED


def test_a_second_undo_skips_what_the_first_took_back(root: Path, config_home: Path) -> None:
    run_id = _landed_run(root, config_home)
    first = _orchestra(root, config_home, "undo", run_id, "--file", "values.py", "--yes", "--apply")
    assert first.returncode == 0, first.stdout + first.stderr
    assert (root / "values.py").read_text() == BASE

    # The whole run next: values.py's hunks are back already, not conflicts.
    done = _orchestra(root, config_home, "undo", run_id, "--yes", "--apply")

    out = done.stdout + done.stderr
    assert done.returncode == 0 and "conflict" not in out, out
    assert not (root / "notes.txt").exists()
    second = _undo_run(root, run_id, newest=True)
    assert _outcomes(root, second) == {"notes.txt": "applied"}
    assert f"wholeby{second}" in _runs_table(root, config_home)


def test_one_file_then_the_other_is_the_whole_run_undone(root: Path, config_home: Path) -> None:
    run_id = _landed_run(root, config_home)
    for name in ("notes.txt", "values.py"):
        done = _orchestra(root, config_home, "undo", run_id, "--file", name, "--yes", "--apply")
        assert done.returncode == 0, done.stdout + done.stderr

    assert (root / "values.py").read_text() == BASE and not (root / "notes.txt").exists()
    last = _undo_run(root, run_id, newest=True)
    assert f"wholeby{last}" in _runs_table(root, config_home)


def test_undo_without_apply_writes_nothing_and_step_filter(root: Path, config_home: Path) -> None:
    run_id = _landed_run(root, config_home)
    changed = (root / "values.py").read_text()

    done = _orchestra(root, config_home, "undo", run_id, "--step", "implement", "--yes")
    assert done.returncode == 0, done.stdout + done.stderr
    assert (root / "values.py").read_text() == changed
    assert set(_outcomes(root, _undo_run(root, run_id)).values()) == {"pending"}

    missing = _orchestra(root, config_home, "undo", run_id, "--step", "nothing-here", "--yes")
    assert missing.returncode == 2 and "landed no change" in missing.stderr, missing.stderr


def test_undo_of_a_journal_without_landed_text_says_so(root: Path, config_home: Path) -> None:
    run_id = _landed_run(root, config_home)
    shutil.rmtree(root / ".orchestra" / "runs" / run_id / "files")  # a journal from before

    done = _orchestra(root, config_home, "undo", run_id, "--yes", "--apply")

    out = done.stdout + done.stderr
    assert "does not hold the landed text" in out, out
    assert (root / "notes.txt").read_text() == CREATED  # nothing guessed, nothing lost


def test_a_line_that_held_a_secret_is_not_restored_redacted(root: Path, config_home: Path) -> None:
    token = "tok-9f8e7d6c5b4a3210"
    base = BASE.replace(LINES[3], f"token = '{token}'\n")
    workspace(root, {"change": CHANGE}, extra={"values.py": base})
    replace = {
        "name": "edit",
        "input": {
            "command": "str_replace",
            "path": "values.py",
            "old_str": f"token = '{token}'\n",
            "new_str": "token = read_token()\n",
        },
    }
    script: list[dict[str, Any]] = [
        {
            "reply": {
                "tool_use": [replace, str_replace("values.py", LINES[9], "value_9 = 'nine'\n")]
            }
        },
        {"reply": {"text": "Done."}},
    ]
    with ScriptedServer(script) as server:
        done = orchestra(
            root, server, config_home, "run", "change", "--yes", "--apply", DEPLOY_TOKEN=token
        )
    assert done.returncode == 0, done.stdout + done.stderr
    [summary] = list_runs(root)

    undone = _orchestra(root, config_home, "undo", summary.run_id, "--yes", "--apply")

    assert "held a secret" in undone.stdout + undone.stderr, undone.stdout + undone.stderr
    # The secret's line stays as the run left it (never "[redacted]"); the rest comes back.
    assert (root / "values.py").read_text() == base.replace(
        f"token = '{token}'\n", "token = read_token()\n"
    )


def test_undo_reviewed_in_a_terminal_hunk_by_hunk(root: Path, config_home: Path) -> None:
    run_id = _landed_run(root, config_home)
    changed = (root / "values.py").read_text()
    answers = {
        "Accept the changes to notes.txt?": "no\n",
        "Accept the changes to values.py?": "hunks\n",
        "Accept hunk h1?": "n\n",
        "Accept hunk h2?": "y\n",
    }
    with ScriptedServer([]) as server:
        transcript, code = in_a_terminal(
            [sys.executable, "-m", "orchestra_lsp", "undo", run_id],
            root,
            cli_env(server.base_url, config_home),
            answers,
        )
    assert code == 0, transcript
    # Hunk h2 (line 8) taken back, h1 (line 1) kept; notes.txt kept: the person said no.
    assert (root / "values.py").read_text() == changed.replace("value_8 = 'eight'\n", LINES[8])
    assert (root / "notes.txt").read_text() == CREATED
    assert _outcomes(root, _undo_run(root, run_id)) == {
        "notes.txt": "rejected",
        "values.py": "applied",
    }


def test_no_runs_yet_is_said_so(root: Path, config_home: Path) -> None:
    for action in (["undo", "--yes"], ["show"], ["resume", "--yes"]):
        done = _orchestra(root, config_home, action[0], "last", *action[1:])
        assert done.returncode == 2, done.stdout + done.stderr
        said = done.stdout + done.stderr
        assert "no runs yet in this workspace" in said, (action, said)
