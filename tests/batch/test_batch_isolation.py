"""A batch of a command that proposes edits: each item in a git worktree of its own,
what it landed committed on a branch of its own, the workspace itself untouched."""

from __future__ import annotations

import json
from pathlib import Path

from batch_helpers import git, note_turns, orchestra, queue

from orchestra_lsp.testing import Script, ScriptedServer, Turn


def test_each_item_edits_in_its_own_worktree_and_keeps_a_branch(
    root: Path, config_home: Path
) -> None:
    queue(root, git=True)
    head = git(root, "rev-parse", "HEAD").strip()
    turns = [Turn.model_validate(t) for k in ("SHOP-21", "SHOP-22") for t in note_turns(k)]
    with ScriptedServer(Script(concurrent=True, turns=turns)) as server:
        done = orchestra(
            root,
            server,
            config_home,
            "batch",
            "note",
            "--each",
            "ticket=SHOP-21,SHOP-22",
            "--parallel",
            "2",
            "--gate",
            "note=review:accept-all",
            "--json",
        )
    server.assert_no_failures()
    server.assert_all_consumed()
    assert done.returncode == 0, done.stdout + done.stderr
    assert "each in its own git worktree" in done.stderr
    summary = json.loads(done.stdout)
    branches = {i["item"]: i["branch"] for i in summary["items"]}
    assert set(branches) == {"SHOP-21", "SHOP-22"}
    for key, branch in branches.items():
        assert branch == f"orchestra/batch-{summary['batch_id']}/{key}"
        # The branch holds this item's note and not the other's, on top of HEAD.
        assert git(root, "rev-parse", f"{branch}~1").strip() == head
        files = git(root, "diff", "--name-only", head, branch).split()
        assert files == [f"notes/{key}.md"], files
        assert git(root, "show", f"{branch}:notes/{key}.md") == f"# {key}\n"
    # The workspace: no note, a clean tree, no worktree left behind; journals here.
    assert not (root / "notes").exists()
    assert git(root, "status", "--porcelain") == ""
    assert git(root, "worktree", "list").count("\n") == 1
    for item in summary["items"]:
        events = (root / ".orchestra" / "runs" / item["run_id"] / "events.jsonl").read_text()
        assert '"outcome":"applied"' in events.replace(" ", "")
        assert '"by":"preset"' in events.replace(" ", "")


def test_a_command_that_edits_needs_a_git_repository(root: Path, config_home: Path) -> None:
    queue(root)
    with ScriptedServer([]) as server:
        done = orchestra(
            root, server, config_home, "batch", "note", "--each", "ticket=SHOP-21", "--yes"
        )
    assert done.returncode == 2
    assert "not a git repository with a commit" in done.stderr
    assert server.requests == []


def test_an_uncommitted_command_stops_the_batch_before_any_item(
    root: Path, config_home: Path
) -> None:
    """Items run in worktrees of HEAD: a command that is only in the working tree (a
    new one in .orchestra/, or Claude Code's .claude/commands/) is not there."""
    queue(root, git=True)
    head = git(root, "rev-parse", "--short", "HEAD").strip()
    note = (root / ".orchestra" / "commands" / "note.md").read_text()
    claude = "---\ndescription: Write a note\n---\nWrite notes/$ARGUMENTS.md.\n"
    for relative, text, argument in (
        (".orchestra/commands/fixit.md", note, "ticket"),
        (".claude/commands/fixit.md", claude, "ARGUMENTS"),
    ):
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(text)
        with ScriptedServer([]) as server:
            done = orchestra(
                root, server, config_home, "batch", "fixit", "--each", f"{argument}=SHOP-21,SHOP-22"
            )
        assert done.returncode == 2, done.stdout + done.stderr
        assert done.stderr.splitlines() == [
            f"orchestra: command 'fixit' is not committed: each item runs in a git worktree "
            f"of HEAD ({head}), where {relative} does not exist; commit it first "
            f"(git add {relative} && git commit)"
        ]
        assert server.requests == []
        assert not (root / ".orchestra" / "runs" / "batches").exists()
        (root / relative).unlink()
    # Committed, the same command runs its items.
    (root / ".orchestra" / "commands" / "fixit.md").write_text(note)
    git(root, "add", "-A")
    git(root, "-c", "user.name=t", "-c", "user.email=t@t.invalid", "commit", "-qm", "fixit")
    turns = [Turn.model_validate(t) for t in note_turns("SHOP-21")]
    with ScriptedServer(Script(concurrent=True, turns=turns)) as server:
        done = orchestra(
            root,
            server,
            config_home,
            "batch",
            "fixit",
            "--each",
            "ticket=SHOP-21",
            "--gate",
            "note=review:accept-all",
            "--json",
        )
    assert done.returncode == 0, done.stdout + done.stderr
    assert json.loads(done.stdout)["items"][0]["state"] == "finished"


def test_no_api_key_stops_the_batch_before_any_worktree(root: Path, config_home: Path) -> None:
    """As `orchestra run` does: one line, exit 2, and no worktree, branch or batch
    folder made for items that could never call the model."""
    import os
    import subprocess
    import sys

    queue(root, git=True)
    branches = git(root, "branch", "--list")
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANTHROPIC_")}
    env["XDG_CONFIG_HOME"] = str(config_home)
    each = ["--each", "ticket=SHOP-21,SHOP-22", "--yes"]
    done = subprocess.run(
        [sys.executable, "-m", "orchestra_lsp", "batch", "note", *each],
        cwd=root,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2, done.stdout + done.stderr
    [line] = done.stderr.splitlines()
    assert line.startswith("orchestra: ") and "ANTHROPIC_API_KEY" in line, line
    assert git(root, "branch", "--list") == branches
    assert not (root / ".orchestra" / "runs").exists() or not any(
        (root / ".orchestra" / "runs").iterdir()
    )
