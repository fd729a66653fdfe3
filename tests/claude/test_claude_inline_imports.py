"""`@path` imports inside CLAUDE.md's prose, as Claude Code's memory docs write them
("See @README for project overview and @package.json for available npm commands"):
the line stays as written and the files follow it, recursively, from the home folder
too; code spans, code blocks, e-mail addresses and npm scopes are not imports; a
missing file that the mention surely names is reported where it is written. Through
the real CLI and the scripted Messages API."""

from __future__ import annotations

import json
from pathlib import Path

from claude_repo import git_init, message_bodies, orchestra, write

from orchestra_lsp.testing import ScriptedServer

CLAUDE_MD = """\
# Inventory service

See @README for the overview and @package.json for the npm scripts.
Coding rules are in @docs/rules.md; reviews follow @docs/review.md.
My own habits: @~/.claude/habits.md, kept out of the repository.
Questions to ops@example.com. We type with @types/node and mark with `@cached`.
A code span is no import: `cp @cached.md out`.
A path with a space: @docs/release\\ notes.md
Mentioned twice, sent once: @docs/rules.md.

```python
@cached
def stock(): ...
```

    @docs/indented.md is an indented code block; Claude Code reads it as an import.
"""

FILES = {
    "CLAUDE.md": CLAUDE_MD,
    "README": "README-MARK\n",
    "package.json": '{"scripts": {"test": "PACKAGE-MARK"}}\n',
    "docs/rules.md": "RULES-MARK\nNaming: see @./naming.md.\n",
    "docs/naming.md": "NAMING-MARK\n",
    "docs/review.md": "REVIEW-MARK\n",
    "docs/release notes.md": "RELEASE-MARK\n",
    "docs/indented.md": "INDENTED-MARK\n",
    "cached.md": "NOT-AN-IMPORT-MARK\n",
    ".claude/commands/look.md": "---\ndescription: Look\n---\nLook around.\n",
}


def test_inline_imports_are_followed_and_prose_is_kept(tmp_path: Path) -> None:
    root = write(tmp_path / "repo", FILES)
    home = write(tmp_path / "home", {".claude/habits.md": "HABITS-MARK\n"})
    git_init(root)
    with ScriptedServer([{"reply": {"text": "Looked."}}]) as server:
        checked = orchestra(root, server, home, "check")
        done = orchestra(root, server, home, "run", "look", "--yes")
    server.assert_no_failures()
    assert checked.returncode == 0, checked.stdout
    assert "CLAUDE.md" not in checked.stdout, checked.stdout  # nothing to say about it
    assert done.returncode == 0, done.stdout + done.stderr
    system = json.dumps(message_bodies(server)[0]["system"])
    marks = ("README", "PACKAGE", "RULES", "NAMING", "REVIEW", "HABITS", "RELEASE", "INDENTED")
    for mark in marks:
        assert system.count(f"{mark}-MARK") == 1, (mark, system)
    assert "NOT-AN-IMPORT-MARK" not in system  # `@cached` in a code span and a code block
    # the prose goes as written, the imported file after its line
    prose = "See @README for the overview and @package.json for the npm scripts."
    assert prose in system
    assert system.index(prose) < system.index("README-MARK") < system.index("PACKAGE-MARK")
    assert "Questions to ops@example.com. We type with @types/node" in system


def test_a_missing_inline_import_is_reported_where_it_is_written(tmp_path: Path) -> None:
    """A repository's file: an error; a person's own `@~/` file: a warning (another
    person or CI has none). Prose that names no file (`@here`, `@types/node`, `@v2`)
    is not reported, as Claude Code skips it silently."""
    claude_md = (
        "# Rules\n"
        "Ping @here when done; we pin @types/node and @v2.\n"
        "Follow the guide in @docs/guide.md, please.\n"
        "Personal: see `@~/x.md` and @~/.claude/mine.md for my habits.\n"
    )
    root = write(tmp_path / "repo", {"CLAUDE.md": claude_md})
    home = write(tmp_path / "home", {})
    git_init(root)
    with ScriptedServer([]) as server:
        checked = orchestra(root, server, home, "check")
    assert checked.returncode == 1, checked.stdout
    lines = [line for line in checked.stdout.splitlines() if "CLAUDE.md:" in line]
    assert lines == [
        "CLAUDE.md:3:21: error: imported file '@docs/guide.md' does not exist",
        "CLAUDE.md:4:29: warning: imported file '@~/.claude/mine.md' does not exist here; left out",
    ], checked.stdout


def test_inline_imports_nest_five_hops_as_in_claude_code(tmp_path: Path) -> None:
    files = {"CLAUDE.md": "Start with @d1.md please.\n"}
    for level in range(1, 8):
        files[f"d{level}.md"] = f"LEVEL{level}-MARK, then see @d{level + 1}.md\n"
    files["d8.md"] = "LEVEL8-MARK\n"
    files[".claude/commands/look.md"] = "---\ndescription: Look\n---\nLook.\n"
    root = write(tmp_path / "repo", files)
    home = write(tmp_path / "home", {})
    git_init(root)
    with ScriptedServer([{"reply": {"text": "Looked."}}]) as server:
        checked = orchestra(root, server, home, "check")
        done = orchestra(root, server, home, "run", "look", "--yes")
    assert done.returncode == 0, done.stdout + done.stderr
    system = json.dumps(message_bodies(server)[0]["system"])
    assert "LEVEL5-MARK" in system and "LEVEL6-MARK" not in system
    assert "d5.md:1:23: error: import '@d6.md' nests deeper than 5 levels" in checked.stdout, (
        checked.stdout
    )
