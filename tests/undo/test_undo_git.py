"""`orchestra undo` in a git repository says what git holds since the run landed —
commits that touched its files, uncommitted changes, a merge under way with its
unmerged files — before the review, and still builds the undo from the journal."""

from __future__ import annotations

import html
import json
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from landed_run import BASE, LINES
from test_undo_cli import _landed_run, _orchestra

GIT_ENV = {
    "GIT_AUTHOR_NAME": "Person",
    "GIT_AUTHOR_EMAIL": "person@example.invalid",
    "GIT_COMMITTER_NAME": "Person",
    "GIT_COMMITTER_EMAIL": "person@example.invalid",
    "GIT_CONFIG_GLOBAL": "/dev/null",
    "GIT_CONFIG_NOSYSTEM": "1",
}


def _git(root: Path, *args: str, check: bool = True, date: str | None = None) -> str:
    dates = {} if date is None else {"GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date}
    done = subprocess.run(
        ["git", "-c", "init.defaultBranch=main", *args],
        cwd=root,
        env={"PATH": "/usr/bin:/bin", **GIT_ENV, **dates},
        capture_output=True,
        text=True,
        check=check,
    )
    return done.stdout


def _notices(out: str) -> list[str]:
    return [" ".join(line.split()) for line in out.splitlines() if "git:" in line]


def test_undo_says_what_was_committed_since_and_what_is_uncommitted(
    root: Path, config_home: Path
) -> None:
    run_id = _landed_run(root, config_home)
    _git(root, "init", "-q")
    _git(root, "add", "values.py", "notes.txt")
    _git(root, "commit", "-qm", "keep the run's change")
    sha = _git(root, "rev-parse", "--short", "HEAD").strip()
    landed = (root / "values.py").read_text()
    (root / "values.py").write_text(landed.replace(LINES[4], "value_4 = 'mine'\n"))
    # the run's page says, before any undo, what an undo would meet
    outlook = _page(root, config_home, run_id)
    assert "would take back: notes.txt, values.py" in outlook, outlook
    assert f"git: values.py: committed since the run landed ({sha} keep" in outlook, outlook
    assert "git: values.py: uncommitted changes" in outlook, outlook
    shown = _orchestra(root, config_home, "show", run_id).stdout
    assert f"If undone now (orchestra undo {run_id}):" in shown, shown
    assert "git: values.py: uncommitted changes" in shown, shown

    done = _orchestra(root, config_home, "undo", run_id, "--yes", "--apply")

    assert done.returncode == 0, done.stdout + done.stderr
    said = _notices(done.stdout)
    assert (
        f"warning: git: notes.txt: committed since the run landed ({sha} keep the run's change)"
        in said
    ), said
    assert (
        f"warning: git: values.py: committed since the run landed ({sha} keep the run's change)"
        in said
    ), said
    assert "warning: git: values.py: uncommitted changes" in said, said
    # the undo itself came from the journal: the person's uncommitted line kept
    assert (root / "values.py").read_text() == BASE.replace(LINES[4], "value_4 = 'mine'\n")
    assert not (root / "notes.txt").exists()
    [undo] = [line.split()[0] for line in _runs(root, config_home) if "undoes" in line]
    assert f"Undone whole by {undo}." in _page(root, config_home, run_id)
    shown = _orchestra(root, config_home, "show", run_id).stdout
    assert f"Undone whole by {undo}" in shown and "nothing left to take back" in shown, shown
    assert "warning: git: values.py: uncommitted changes" in _page(root, config_home, undo)


def _page(root: Path, config_home: Path, run_id: str) -> str:
    """The run's page (`orchestra show RUN --html`), its text unescaped."""
    target = root.parent / f"{run_id}.html"
    done = _orchestra(root, config_home, "show", run_id, "--html", str(target))
    assert done.returncode == 0, done.stdout + done.stderr
    return html.unescape(target.read_text(encoding="utf-8"))


def _runs(root: Path, config_home: Path) -> list[str]:
    listed = json.loads(_orchestra(root, config_home, "runs", "--json").stdout)
    return [f"{r['run_id']} undoes" if "undoes" in r["arguments"] else r["run_id"] for r in listed]


def test_undo_during_a_merge_names_it_and_the_unmerged_file(root: Path, config_home: Path) -> None:
    run_id = _landed_run(root, config_home)
    _git(root, "init", "-q")
    _git(root, "add", "values.py")
    _git(root, "commit", "-qm", "base")
    _git(root, "checkout", "-qb", "other")
    landed = (root / "values.py").read_text()
    (root / "values.py").write_text(landed.replace(LINES[4], "value_4 = 'theirs'\n"))
    _git(root, "commit", "-qam", "theirs")
    _git(root, "checkout", "-q", "main")
    (root / "values.py").write_text(landed.replace(LINES[4], "value_4 = 'ours'\n"))
    _git(root, "commit", "-qam", "ours")
    _git(root, "merge", "other", check=False)  # a conflict: git waits on values.py

    done = _orchestra(root, config_home, "undo", run_id, "--file", "values.py", "--yes")

    assert done.returncode == 0, done.stdout + done.stderr
    said = _notices(done.stdout)
    assert "warning: git: a merge is under way in this repository" in said, said
    assert "warning: git: values.py: unmerged (a conflict git is waiting on)" in said, said
    assert not any("notes.txt" in line for line in said), said  # not part of this undo


def test_commits_from_before_the_run_and_a_clean_tree_say_so(root: Path, config_home: Path) -> None:
    run_id = _landed_run(root, config_home)
    _git(root, "init", "-q")
    _git(root, "add", "values.py", "notes.txt")
    _git(root, "commit", "-qm", "long ago", date="2001-02-03T04:05:06+00:00")

    done = _orchestra(root, config_home, "undo", run_id, "--step", "implement", "--yes")

    assert done.returncode == 0, done.stdout + done.stderr
    assert _notices(done.stdout) == [
        "info: git: nothing committed since the run landed, no uncommitted changes in its files"
    ], done.stdout
