"""What the journal says when proposals meet each other: a second undo of a run whose
undo still waits for review is refused and names the pending one; a kept proposal
whose change another run already landed is reviewed as `unchanged`, `already applied
by run X`, never as accepted or as landed outside review; and undo's git line does
not warn about the very change it takes back. Real `orchestra` subprocesses, a real
pseudo-terminal for the reviews, the scripted model, real git."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

from engine_helpers import cli_env, command_file, in_a_terminal, str_replace, workspace
from landed_run import BASE, CHANGED, CREATED, LINES, land_change
from test_undo_cli import CHANGE, _orchestra
from test_undo_git import _git, _notices

from orchestra_lsp.journal import list_runs, load_run
from orchestra_lsp.testing import ScriptedServer

REVIEWED = command_file(
    [{"id": "implement", "agent": "worker", "prompt": "Change it.", "gate": "review"}]
)


def _review(root: Path, config_home: Path, run_id: str, answers: dict[str, str]) -> str:
    """`orchestra review RUN` in a terminal, answering; its transcript (exit 0)."""
    with ScriptedServer([]) as server:
        transcript, code = in_a_terminal(
            [sys.executable, "-m", "orchestra_lsp", "review", run_id],
            root,
            cli_env(server.base_url, config_home),
            answers,
        )
    assert code == 0, transcript
    assert "Traceback" not in transcript, transcript
    return transcript


def _undos(root: Path, run_id: str) -> list[str]:
    return [s.run_id for s in list_runs(root) if s.arguments.get("undoes") == run_id]


def test_a_second_undo_while_the_first_waits_is_refused_and_names_it(
    root: Path, config_home: Path
) -> None:
    workspace(root, {"change": CHANGE}, extra={"values.py": BASE})
    run_id = land_change(root, lambda url: cli_env(url, config_home))
    first = _orchestra(root, config_home, "undo", run_id)  # no terminal: it waits
    assert first.returncode == 3, first.stdout + first.stderr
    [pending] = _undos(root, run_id)

    for scope in ([], ["--file", "notes.txt"], ["--step", "implement"]):
        again = _orchestra(root, config_home, "undo", run_id, *scope)
        assert again.returncode == 2, again.stdout + again.stderr
        assert "already has an undo waiting for review" in again.stderr, again.stderr
        assert f"orchestra review {pending}" in again.stderr, again.stderr
    assert _undos(root, run_id) == [pending]  # no second proposal of the same change
    shown = _orchestra(root, config_home, "show", run_id).stdout
    assert f"review {pending}" in shown, shown

    _review(
        root,
        config_home,
        pending,
        {"Accept the changes to notes.txt?": "y\n", "Accept the changes to values.py?": "y\n"},
    )
    assert (root / "values.py").read_text() == BASE and not (root / "notes.txt").exists()
    # Reviewed: an undo is no longer pending, and there is nothing left to take back.
    later = _orchestra(root, config_home, "undo", run_id, "--yes")
    assert "waiting for review" not in later.stderr, later.stderr


def _stopped_run(root: Path, config_home: Path, edit: dict[str, Any]) -> str:
    """A run of `change` that proposes `edit` and stops at its review (no terminal)."""
    with ScriptedServer([{"reply": {"tool_use": [edit]}}, {"reply": {"text": "Done."}}]) as m:
        done = subprocess.run(
            [sys.executable, "-m", "orchestra_lsp", "run", "change"],
            cwd=root,
            env=cli_env(m.base_url, config_home),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert done.returncode == 3, done.stdout + done.stderr
    return list_runs(root)[0].run_id


def test_a_kept_proposal_another_run_landed_is_already_applied_by_it(
    root: Path, config_home: Path
) -> None:
    workspace(root, {"change": REVIEWED}, extra={"values.py": BASE})
    edit = str_replace("values.py", LINES[3], "value_3 = 'three'\n")
    first = _stopped_run(root, config_home, edit)
    second = _stopped_run(root, config_home, edit)  # the same change, proposed twice
    _review(root, config_home, first, {"Accept the changes to values.py?": "y\n"})
    landed = BASE.replace(LINES[3], "value_3 = 'three'\n")
    assert (root / "values.py").read_text() == landed

    transcript = _review(root, config_home, second, {})  # nothing left to ask

    said = " ".join(transcript.split())
    [by] = [s.run_id for s in list_runs(root) if s.arguments.get("run") == first]
    assert f"values.py: unchanged — already applied by run {by} (the review of {first})" in said, (
        transcript
    )
    assert "accepted" not in said and "outside review" not in said, transcript
    assert "interrupted" not in said, transcript  # it was stopped, never interrupted
    [review] = [s.run_id for s in list_runs(root) if s.arguments.get("run") == second]
    [decided] = [e for e in load_run(root, review).events if e["type"] == "proposal_decided"]
    assert (decided["outcome"], decided["accepted"], decided["landed"]) == ("unchanged", [], [])
    assert not any(s.pending_proposal for s in list_runs(root))
    # Nothing of it is this review's to take back: the first run's undo is.
    assert "landed no change" in _orchestra(root, config_home, "undo", review).stderr
    assert (root / "values.py").read_text() == landed


def test_a_kept_proposal_found_in_the_file_claims_no_one(root: Path, config_home: Path) -> None:
    workspace(root, {"change": REVIEWED}, extra={"values.py": BASE})
    stopped = _stopped_run(root, config_home, str_replace("values.py", LINES[3], "value_3 = 3.0\n"))
    (root / "values.py").write_text(BASE.replace(LINES[3], "value_3 = 3.0\n"))  # by hand

    said = " ".join(_review(root, config_home, stopped, {}).split())

    assert "values.py: unchanged — already in the file" in said, said
    assert "accepted" not in said and "applied outside review" not in said, said


def test_undo_does_not_warn_about_the_uncommitted_change_it_takes_back(
    root: Path, config_home: Path
) -> None:
    workspace(root, {"change": CHANGE}, extra={"values.py": BASE})
    _git(root, "init", "-q")
    _git(root, "add", "values.py")
    _git(root, "commit", "-qm", "base")
    run_id = land_change(root, lambda url: cli_env(url, config_home), in_git=True)
    assert (root / "values.py").read_text() == CHANGED and (
        root / "notes.txt"
    ).read_text() == CREATED

    # A change of the person's own beside the run's is said (`orchestra show`: what an
    # undo would meet now); the file the run created, untracked, is the run's own.
    (root / "values.py").write_text(CHANGED.replace(LINES[5], "value_5 = 'mine'\n"))
    shown = " ".join(_notices(_orchestra(root, config_home, "show", run_id).stdout))
    assert "git: values.py: uncommitted changes" in shown, shown
    assert "git: notes.txt: what is not committed is the run's own change" in shown, shown
    (root / "values.py").write_text(CHANGED)

    done = _orchestra(root, config_home, "undo", run_id, "--yes")

    said = _notices(done.stdout)
    assert not any(line.startswith("warning:") for line in said), said
    for name in ("notes.txt", "values.py"):
        own = f"info: git: {name}: what is not committed is the run's own change"
        assert any(line.startswith(own) for line in said), said
    assert "uncommitted changes" not in done.stdout, done.stdout
