"""`orchestra runs` options as a person combines them: `--prune` says which rules kept
the runs it did not remove (the default `--older-than` too); `--keep` or `--older-than`
without `--prune` is an error, not silently ignored; `--limit 0` is refused rather than
answered with "no runs yet"."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from orchestra_lsp.journal import RunJournal, list_runs


def orchestra(workspace: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "orchestra_lsp", "runs", *args],
        cwd=workspace,
        env={**os.environ, "HOME": str(workspace), "ANTHROPIC_API_KEY": "sk-ant-test-not-used"},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def runs(workspace: Path, count: int) -> None:
    (workspace / ".git").mkdir(exist_ok=True)
    for n in range(count):
        with RunJournal.start(workspace, "fix-issue", {"issue": str(n)}) as journal:
            journal.append({"type": "run_finished"})


def test_prune_says_which_rules_kept_the_runs(tmp_path: Path) -> None:
    runs(tmp_path, 8)
    done = orchestra(tmp_path, "--prune", "--keep", "2")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == (
        "nothing to prune: of 8 runs, the newest 2 are kept (--keep 2); 6 started less "
        "than 30 days ago (--older-than 30, the default)"
    )
    done = orchestra(tmp_path, "--prune", "--older-than", "7")
    assert done.stdout.strip() == (
        "nothing to prune: of 8 runs, the newest 8 are kept (--keep 200, the default)"
    )
    assert len(list_runs(tmp_path)) == 8
    done = orchestra(tmp_path, "--prune", "--keep", "1", "--older-than", "30")
    assert done.stdout.strip() == (
        "nothing to prune: of 8 runs, the newest run is kept (--keep 1); 7 started less "
        "than 30 days ago (--older-than 30)"
    )
    done = orchestra(tmp_path, "--prune", "--keep", "2", "--older-than", "0")
    assert "removed 6 run(s)" in done.stdout, done.stdout
    assert len(list_runs(tmp_path)) == 2


def test_prune_options_without_prune_are_refused(tmp_path: Path) -> None:
    runs(tmp_path, 3)
    for words, named in (
        (["--keep", "2"], "--keep only go"),
        (["--older-than", "1"], "--older-than only go"),
        (["--keep", "0", "--older-than", "0"], "--keep and --older-than only go"),
    ):
        done = orchestra(tmp_path, *words)
        assert done.returncode == 2, (words, done.stdout)
        assert f"orchestra runs: {named} with --prune" in done.stderr, done.stderr
        assert done.stdout == ""
    assert len(list_runs(tmp_path)) == 3


def test_a_limit_of_zero_is_refused_not_taken_for_no_runs(tmp_path: Path) -> None:
    runs(tmp_path, 2)
    done = orchestra(tmp_path, "--limit", "0")
    assert done.returncode == 2, done.stdout
    assert "no runs yet" not in done.stdout + done.stderr
    assert "--limit: must be 1 or more (or --all for every run)" in done.stderr, done.stderr
    done = orchestra(tmp_path, "--limit", "1")
    assert done.returncode == 0, done.stderr
    assert "older ones: orchestra runs --all" in done.stdout, done.stdout


def test_prune_says_a_run_was_kept_for_its_pending_review(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    with RunJournal.start(tmp_path, "fix-issue", {"issue": "1"}) as journal:
        journal.write_changeset({"files": {"a.py": {"base": "a", "proposed": "b"}}})
        journal.append({"type": "run_finished"})
    done = orchestra(tmp_path, "--prune", "--keep", "0", "--older-than", "0")
    assert done.stdout.strip() == (
        "nothing to prune: of 1 run, 1 is running, interrupted or waiting for review"
    ), done.stdout
