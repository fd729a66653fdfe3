"""Context as Claude Code (and the AGENTS.md and Copilot conventions) read it: a file
once by its real path, `@~/` imports from the home folder, CommonMark code fences,
sub-folder AGENTS.md for the files under it, Copilot's instructions, agents and
prompts. Through the real CLI and the scripted Messages API."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from claude_repo import first_user_text, git_init, message_bodies, orchestra, write

from orchestra_lsp.engine import RunRequest
from orchestra_lsp.engine.preview import preview
from orchestra_lsp.testing import ScriptedServer
from orchestra_lsp.workspace import load_workspace

AGENTS = """\
# Shop  AGENTS-MARK

@~/.claude/team-notes.md

````markdown
An example of an import, shown, not read:
```
@docs/inside-fence.md
```
````

@docs/style.md
"""

FILES = {
    "AGENTS.md": AGENTS,
    "docs/inside-fence.md": "INSIDE-FENCE-MARK\n",
    "docs/style.md": "STYLE-MARK\n",
    "sub/AGENTS.md": "SUB-MARK: code under sub/ uses tabs.\n",
    "sub/x.py": "x = 1\n",
    ".github/copilot-instructions.md": "COPILOT-MARK\n",
    ".github/agents/planner.agent.md": (
        "---\ndescription: Plans features\ntools: ['search/codebase', 'read', 'fetch']\n"
        "model: Claude Sonnet 4\n---\nYou plan. PLANNER-MARK\n"
    ),
    ".github/prompts/explain.prompt.md": (
        "---\nmode: agent\ndescription: Explain a topic\n---\n"
        "Explain ${input:topic:what to explain} in the code of ${file}.\n"
    ),
    ".claude/commands/look.md": "---\ndescription: Look\n---\nLook at sub/x.py.\n",
}


def _repo(tmp_path: Path) -> tuple[Path, Path]:
    root = write(tmp_path / "repo", FILES)
    (root / "CLAUDE.md").symlink_to("AGENTS.md")
    home = write(tmp_path / "home", {".claude/team-notes.md": "HOME-NOTES-MARK\n"})
    return root, home


def test_context_is_read_once_with_home_imports_and_fences(tmp_path: Path) -> None:
    root, home = _repo(tmp_path)
    git_init(root)
    script: list[dict[str, Any]] = [
        {
            "reply": {"tool_use": [{"name": "read_file", "input": {"path": "sub/x.py"}}]},
        },
        {
            "expect": {"last_tool_result_contains": ["SUB-MARK", "sub/AGENTS.md"]},
            "reply": {"tool_use": [{"name": "read_file", "input": {"path": "sub/x.py"}}]},
        },
        {"reply": {"text": "Looked."}},
    ]
    with ScriptedServer(script) as server:
        done = orchestra(root, server, home, "run", "look", "--yes")
    server.assert_no_failures()
    assert done.returncode == 0, done.stdout + done.stderr
    bodies = message_bodies(server)
    system = json.dumps(bodies[0]["system"])
    assert system.count("AGENTS-MARK") == 1  # CLAUDE.md is AGENTS.md: sent once
    assert "HOME-NOTES-MARK" in system and "STYLE-MARK" in system and "COPILOT-MARK" in system
    assert "INSIDE-FENCE-MARK" not in system  # inside a four-backtick fence
    assert "SUB-MARK" not in system  # only for files under sub/, when they are read
    # the sub-folder's instructions came once in the step, after the first read
    assert json.dumps(bodies[2]["messages"]).count("SUB-MARK") == 1

    previous = os.environ.get("HOME")
    os.environ["HOME"] = str(home)
    try:
        ws = load_workspace(root, user_dir=tmp_path / "user")
    finally:
        if previous is not None:
            os.environ["HOME"] = previous
    [agents_md, copilot] = ws.context.sources
    assert agents_md.home_imports == ["~/.claude/team-notes.md"]
    assert copilot.path.name == "copilot-instructions.md"
    # the context manifest (`orchestra/context`) names the files, home imports as `~/…`
    [step] = preview(ws, RunRequest(command="look"))
    label = "persistent context (AGENTS.md, copilot-instructions.md, ~/.claude/team-notes.md)"
    assert label in step.manifest.sources


def test_copilot_agents_and_prompts_are_listed_and_run(tmp_path: Path) -> None:
    root, home = _repo(tmp_path)
    git_init(root)
    with ScriptedServer([{"reply": {"text": "It caches."}}]) as server:
        agents = json.loads(orchestra(root, server, home, "agents", "--json").stdout)
        commands = json.loads(orchestra(root, server, home, "commands", "--json").stdout)
        checked = orchestra(root, server, home, "check")
        done = orchestra(root, server, home, "run", "explain", "topic=caching", "--yes")
    server.assert_no_failures()
    assert checked.returncode == 0, checked.stdout
    assert "Copilot tool 'fetch' has no equivalent" in checked.stdout
    [planner] = [a for a in agents if a["name"] == "planner"]
    assert planner["tools"] == ["search", "read_file"]
    [explain] = [c for c in commands if c["name"] == "explain"]
    assert [a["name"] for a in explain["arguments"]] == ["topic"]
    assert done.returncode == 0, done.stdout + done.stderr
    assert first_user_text(message_bodies(server)[0]).startswith("Explain caching in the code of")


def test_links_out_of_the_workspace_are_not_read(tmp_path: Path) -> None:
    """A cloned repository whose CLAUDE.md or sub-folder AGENTS.md links out of the
    workspace (to `/proc/self/environ`, another user's files) sends none of it to the
    model: the root one gets a warning; a link into the home folder of a workspace
    inside it is read, as an `@~/` import would be."""
    outside = write(tmp_path / "elsewhere", {"notes.md": "OUTSIDE-MARK\n"})
    home = write(tmp_path / "home", {"shared.md": "HOME-LINK-MARK\n"})
    files = {"sub/x.py": "x = 1\n", ".claude/commands/look.md": "---\ndescription: L\n---\nLook.\n"}
    root = write(tmp_path / "repo", files)
    (root / "CLAUDE.md").symlink_to(outside / "notes.md")
    (root / "sub" / "AGENTS.md").symlink_to(outside / "notes.md")
    (root / "AGENTS.md").symlink_to("/proc/self/environ")
    git_init(root)
    script: list[dict[str, Any]] = [
        {"reply": {"tool_use": [{"name": "read_file", "input": {"path": "sub/x.py"}}]}},
        {"reply": {"text": "Looked."}},
    ]
    with ScriptedServer(script) as server:
        checked = orchestra(root, server, home, "check")
        done = orchestra(root, server, home, "run", "look", "--yes")
    server.assert_no_failures()
    assert done.returncode == 0, done.stdout + done.stderr
    sent = json.dumps(message_bodies(server))
    assert "OUTSIDE-MARK" not in sent and "ANTHROPIC_BASE_URL" not in sent
    for name, target in (("AGENTS.md", "/proc/"), ("CLAUDE.md", str(outside))):
        assert f"{name}:1:1: warning: {name} is a link to {target}" in checked.stdout, (
            checked.stdout
        )
        assert "outside the workspace and your home folder; it is not read" in checked.stdout

    inside_home = write(home / "repo", files)
    (inside_home / "CLAUDE.md").symlink_to(home / "shared.md")
    git_init(inside_home)
    with ScriptedServer([{"reply": {"text": "Looked."}}]) as server:
        done = orchestra(inside_home, server, home, "run", "look", "--yes")
    server.assert_no_failures()
    assert "HOME-LINK-MARK" in json.dumps(message_bodies(server)[0]["system"])

    # Into the home folder, but not a note: a key or a credentials file, by any name.
    write(home, {".ssh/id_ed25519": "SSH-LINK-MARK\n", ".aws/credentials": "AWS-LINK-MARK\n"})
    (inside_home / "CLAUDE.md").unlink()
    (inside_home / "CLAUDE.md").symlink_to(home / ".ssh" / "id_ed25519")
    (inside_home / "AGENTS.md").symlink_to(home / ".aws" / "credentials")
    with ScriptedServer([{"reply": {"text": "Looked."}}]) as server:
        checked = orchestra(inside_home, server, home, "check")
        done = orchestra(inside_home, server, home, "run", "look", "--yes")
    server.assert_no_failures()
    assert done.returncode == 0, done.stdout + done.stderr
    sent = json.dumps(message_bodies(server))
    assert "SSH-LINK-MARK" not in sent and "AWS-LINK-MARK" not in sent
    for name in ("CLAUDE.md", "AGENTS.md"):
        assert f"{name}:1:1: warning: {name} is a link to {home}" in checked.stdout
    assert "from the home folder only notes (.md) are read" in checked.stdout


def test_a_missing_home_import_is_a_warning_a_missing_repository_import_an_error(
    tmp_path: Path,
) -> None:
    """`@~/.claude/my-prefs.md` is one person's file: a CI machine or a colleague without
    it still checks clean (a warning); a file of the repository that is missing is an
    error."""
    home = write(tmp_path / "home", {})
    root = write(tmp_path / "repo", {"CLAUDE.md": "# Team\n\n@~/.claude/my-prefs.md\n"})
    git_init(root)
    with ScriptedServer([]) as server:
        checked = orchestra(root, server, home, "check")
    assert checked.returncode == 0, checked.stdout
    assert "CLAUDE.md:3:1: warning: imported file '@~/.claude/my-prefs.md' does not exist" in (
        checked.stdout
    )
    (root / "CLAUDE.md").write_text("# Team\n\n@docs/missing.md\n", encoding="utf-8")
    with ScriptedServer([]) as server:
        checked = orchestra(root, server, home, "check")
    assert checked.returncode == 1, checked.stdout
    assert "CLAUDE.md:3:1: error: imported file '@docs/missing.md' does not exist" in checked.stdout


def test_a_repository_imports_only_notes_from_the_home_folder(tmp_path: Path) -> None:
    """A cloned repository's CLAUDE.md that names the person's keys and credentials
    (as a line, inline, or through a home note it imports) sends none of them to the
    model; each gets a warning where it is named. The person's own notes still come."""
    home = write(
        tmp_path / "home",
        {
            ".aws/credentials": "[default]\naws_secret_access_key = AWS-HOME-MARK\n",
            ".ssh/id_rsa": "SSH-HOME-MARK\n",
            ".config/orchestra/tokens.json": '{"t": "TOKEN-HOME-MARK"}\n',
            ".claude/notes.md": "NOTES-HOME-MARK\n",
            ".claude/NOTES.MARKDOWN": "UPPER-NOTES-MARK\n",
        },
    )
    claude = (
        "# Team\n\n@~/.aws/credentials\n\n"
        "Keys: @~/.ssh/id_rsa and @~/.config/orchestra/tokens.json please.\n\n"
        "@~/.claude/notes.md\n@~/.claude/NOTES.MARKDOWN\n"
    )
    files = {"CLAUDE.md": claude, ".claude/commands/look.md": "---\ndescription: L\n---\nLook.\n"}
    root = write(tmp_path / "repo", files)
    git_init(root)
    with ScriptedServer([{"reply": {"text": "Looked."}}]) as server:
        checked = orchestra(root, server, home, "check")
        done = orchestra(root, server, home, "run", "look", "--yes")
    server.assert_no_failures()
    assert done.returncode == 0, done.stdout + done.stderr
    sent = json.dumps(message_bodies(server))
    for mark in ("AWS-HOME-MARK", "SSH-HOME-MARK", "TOKEN-HOME-MARK"):
        assert mark not in sent, mark
    assert "NOTES-HOME-MARK" in sent and "UPPER-NOTES-MARK" in sent
    for at, target in (
        ("3:1", "~/.aws/credentials"),
        ("5:7", "~/.ssh/id_rsa"),
        ("5:26", "~/.config/orchestra/tokens.json"),
    ):
        assert (
            f"CLAUDE.md:{at}: warning: import '@{target}' is not a Markdown file" in checked.stdout
        ), checked.stdout
