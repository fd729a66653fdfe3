"""What git holds for some workspace files since a moment: commits since, uncommitted
changes, a merge or rebase under way. An undo says it beside its proposal, so a person
knows what the undo will meet; the undo itself needs no git (engine/undo.py).

Git is asked through its own command line (`git status --porcelain`, `git log`), as
a person's git would answer: a library reading the repository (dulwich, pygit2) would
be a second opinion on the same files, with its own gaps (worktrees, sparse checkouts,
index extensions), and the `git` binary is what the workspace is kept with.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from orchestra_lsp.changes.encoding import NotText, decode_text

GIT_SECONDS = 10.0
"""The most one git command may take before the state is given up (a huge repository
or a hung filesystem must not hold back an undo, which does not need git)."""

_UNDER_WAY = {
    "MERGE_HEAD": "a merge",
    "rebase-merge": "a rebase",
    "rebase-apply": "a rebase",
    "CHERRY_PICK_HEAD": "a cherry-pick",
    "REVERT_HEAD": "a revert",
}
_UNMERGED = {"DD", "AU", "UD", "UA", "DU", "AA", "UU"}


class FileGitState(BaseModel):
    """One file as git sees it: `commits` that touched it since the moment (`%h %s`,
    newest first), and its uncommitted state (`changed`, `untracked`, `unmerged`)."""

    model_config = ConfigDict(frozen=True)

    path: str
    commits: list[str] = []
    changed: bool = False
    untracked: bool = False
    unmerged: bool = False
    runs_own: bool = False
    """What is uncommitted (or untracked) is only the undone run's own change: taking
    it back leaves the file as HEAD has it (or gone, when HEAD has no such file)."""


class GitState(BaseModel):
    """The workspace's git state for some files since `since` (UTC)."""

    model_config = ConfigDict(frozen=True)

    since: datetime
    under_way: str | None = None
    """`a merge`, `a rebase`, … when one is in progress; None otherwise."""
    files: list[FileGitState] = []

    @property
    def notable(self) -> bool:
        """Something the undo will meet: a commit since, uncommitted changes, an
        operation under way."""
        return self.under_way is not None or any(
            f.commits or ((f.changed or f.untracked) and not f.runs_own) or f.unmerged
            for f in self.files
        )

    def lines(self) -> list[str]:
        """For people: one line per fact, `git: …`; one line saying all is clean."""
        lines: list[str] = []
        if self.under_way is not None:
            lines.append(f"git: {self.under_way} is under way in this repository")
        for f in self.files:
            if f.commits:
                more = f" and {len(f.commits) - 1} more" if len(f.commits) > 1 else ""
                lines.append(
                    f"git: {f.path}: committed since the run landed ({f.commits[0]}{more})"
                )
            if f.unmerged:
                lines.append(f"git: {f.path}: unmerged (a conflict git is waiting on)")
            elif f.runs_own:
                lines.append(
                    f"git: {f.path}: what is not committed is the run's own change, which "
                    "the undo takes back (nothing else)"
                )
            elif f.untracked:
                lines.append(f"git: {f.path}: untracked (not committed)")
            elif f.changed:
                lines.append(f"git: {f.path}: uncommitted changes")
        if not lines:
            lines.append(
                "git: nothing committed since the run landed, no uncommitted changes in its files"
            )
        return lines


def git_state(
    root: Path,
    paths: Sequence[str],
    since: datetime,
    *,
    undone: Mapping[str, str | None] | None = None,
) -> GitState | None:
    """The git state of workspace-relative `paths` under `root` since `since` (aware
    datetime). `undone`: path -> the text an undo would leave (None: the file deleted);
    a file whose uncommitted state that text takes back whole is `runs_own`. None when
    `root` is not in a git work tree, git is missing, or it fails or takes longer than
    `GIT_SECONDS` (the state is a courtesy, never a condition)."""
    try:
        inside = _git(root, "rev-parse", "--is-inside-work-tree")
        if inside.strip() != "true":
            return None
        prefix = _git(root, "rev-parse", "--show-prefix").strip()  # the workspace's folder
        status = _git(root, "status", "--porcelain=v1", "-z", "--untracked-files=all", "--", *paths)
        states = _status(status)
        files = []
        for path in paths:
            log = _git(root, "log", "--format=%h %s", f"--since={_seconds(since)}", "--", path)
            kind = states.get(prefix + path, "")
            own = (
                bool(kind)
                and kind not in _UNMERGED
                and undone is not None
                and path in undone
                and _committed(root, prefix + path) == undone[path]
            )
            files.append(
                FileGitState(
                    path=path,
                    commits=[line for line in log.splitlines() if line.strip()],
                    changed=bool(kind) and kind != "??",
                    untracked=kind == "??",
                    unmerged=kind in _UNMERGED,
                    runs_own=own,
                )
            )
        return GitState(since=since, under_way=_under_way(root), files=files)
    except (OSError, subprocess.SubprocessError, UnicodeDecodeError):
        return None


def _committed(root: Path, path: str) -> str | None:
    """The text HEAD holds for `path` (from the repository's top); None when HEAD has
    no such file (or there is no commit yet), or an unreadable marker when it is not text."""
    try:
        data = _git_bytes(root, "show", f"HEAD:{path}")
    except subprocess.CalledProcessError:
        return None
    try:
        return decode_text(data)[0]
    except NotText:
        return "\0not text"  # never equal to what an undo leaves


def _git(root: Path, *args: str) -> str:
    return _git_bytes(root, *args).decode("utf-8", errors="replace")


def _git_bytes(root: Path, *args: str) -> bytes:
    # core.fsmonitor off: a repository's config must not start a program of its own.
    env = {**os.environ, "GIT_OPTIONAL_LOCKS": "0", "LC_ALL": "C", "GIT_TERMINAL_PROMPT": "0"}
    done = subprocess.run(
        ["git", "-c", "core.fsmonitor=false", *args],
        cwd=root,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        timeout=GIT_SECONDS,
        check=True,
    )
    return done.stdout


def _seconds(moment: datetime) -> str:
    """`moment` as git reads a date, to the second (floored: a commit of the same second
    counts as since), in UTC."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S +0000")


def _status(output: str) -> dict[str, str]:
    """`git status --porcelain=v1 -z`: path (from the repository's top) -> XY."""
    states: dict[str, str] = {}
    entries = output.split("\0")
    index = 0
    while index < len(entries):
        entry = entries[index]
        index += 1
        if len(entry) < 4:
            continue
        code, path = entry[:2], entry[3:]
        states[path] = code
        if code[0] in "RC":  # a rename or copy: its origin follows
            index += 1
    return states


def _under_way(root: Path) -> str | None:
    for name, what in _UNDER_WAY.items():
        marker = _git(root, "rev-parse", "--git-path", name).strip()
        if (root / marker).exists():
            return what
    return None
