"""A repeated `orchestra check` reuses the last result only while nothing it consulted
has changed: real runs of the installed command, each kind of input changed in turn.

Each invalidation test plants a marker in the stored result first and sees a warm check
print it (so the cache is in use), then changes one input: the next check must not
print the marker, and must print what a check without the cache prints.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

#: The console script pip installed: what a person runs.
ORCHESTRA = Path(sys.executable).with_name("orchestra")
MARKER = "planted by the test: only a reused result says this"

AGENT = "---\nname: {name}\ndescription: An agent\ntools: [{tool}]\n---\nRead, then answer.\n"


class Setup:
    """A workspace with problems of every severity, its own home, config and cache."""

    def __init__(self, tmp_path: Path) -> None:
        self.repo = tmp_path / "repo"
        self.home = tmp_path / "home"
        self.cache = tmp_path / "cache"
        agents = self.repo / ".orchestra" / "agents"
        agents.mkdir(parents=True)
        (self.home / ".claude").mkdir(parents=True)
        (agents / "good.md").write_text(AGENT.format(name="good", tool="read_file"))
        (agents / "bad.md").write_text(AGENT.format(name="bad", tool="read_fil"))
        commands = self.repo / ".claude" / "commands"
        commands.mkdir(parents=True)
        (commands / "cat.md").write_text(
            "---\ndescription: Cat\nallowed-tools: Bash(echo:*)\n---\nNotes: !`cat *.txt`\n"
        )
        (self.repo / ".orchestra" / "mcp.json").write_text(
            '{"mcpServers": {"tool": {"command": "${CHECK_CACHE_TOOL}", "args": ["-v"]}}}\n'
        )
        self.env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("XDG_", "CHECK_CACHE_"))
        }
        self.env.update(
            HOME=str(self.home),
            XDG_CONFIG_HOME=str(tmp_path / "config"),
            XDG_CACHE_HOME=str(self.cache),
        )

    def check(self, *args: str) -> tuple[str, str, int]:
        done = subprocess.run(
            [str(ORCHESTRA), "check", *args],
            cwd=self.repo,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert "Traceback" not in done.stderr, done.stderr
        return done.stdout, done.stderr, done.returncode

    def entries(self) -> list[Path]:
        return sorted((self.cache / "orchestra" / "check").glob("*.json"))

    def entry(self) -> Path:
        [only] = self.entries()
        return only

    def plant(self) -> None:
        """A check that stores its result, a marker added to it, and a check that shows
        the marker: the cache is in use for this workspace."""
        self.check()
        stored = json.loads(self.entry().read_text())
        stored["result"]["diagnostics"].append(
            [str(self.repo / "marker.md"), 0, 0, "warning", MARKER]
        )
        self.entry().write_text(json.dumps(stored))
        assert MARKER in self.check()[0]

    def assert_fresh(self) -> None:
        """The check after a change: not the stored result, and what a check that
        loads everything says."""
        warm = self.check()
        assert MARKER not in warm[0]
        assert warm == self.check("--no-cache")


@pytest.fixture
def setup(tmp_path: Path) -> Setup:
    return Setup(tmp_path)


def test_a_repeated_check_prints_exactly_what_a_fresh_one_does(setup: Setup) -> None:
    cold = setup.check("--no-cache")
    assert setup.entries() == []  # --no-cache writes nothing
    assert cold[2] == 1
    assert "unknown tool 'read_fil'" in cold[0]
    assert "environment variable CHECK_CACHE_TOOL is not set" in cold[0]
    assert "!`cat *.txt` will not run" in cold[0]
    assert "1 error(s), 2 warning(s); " in cold[1]
    first = setup.check()  # stores the result
    assert len(setup.entries()) == 1
    stored = setup.entry().read_text()
    assert setup.check() == first == cold  # reused: stdout, stderr and status alike
    assert setup.entry().read_text() == stored
    as_json = setup.check("--json")
    assert as_json == setup.check("--json", "--no-cache")
    assert ".orchestra/agents/bad.md" in {p["path"] for p in json.loads(as_json[0])}
    # From another folder, paths are printed as they are from there.
    elsewhere = subprocess.run(
        [str(ORCHESTRA), "check", "-w", str(setup.repo)],
        cwd=setup.home,
        env=setup.env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert str(setup.repo / ".orchestra" / "agents" / "bad.md") in elsewhere.stdout


def test_a_clean_workspace_reuses_its_result_with_status_zero(setup: Setup) -> None:
    (setup.repo / ".orchestra" / "agents" / "bad.md").unlink()
    (setup.repo / ".orchestra" / "mcp.json").unlink()
    (setup.repo / ".claude" / "commands" / "cat.md").unlink()
    cold = setup.check()
    assert cold[2] == 0 and cold[0] == ""
    assert setup.check() == cold


def test_the_cache_is_kept_in_the_users_cache_folder_not_the_repository(setup: Setup) -> None:
    before = sorted(p.relative_to(setup.repo) for p in setup.repo.rglob("*"))
    setup.check()
    assert sorted(p.relative_to(setup.repo) for p in setup.repo.rglob("*")) == before
    assert re.fullmatch(r"[0-9a-f]{40}\.json", setup.entry().name)


def test_the_cache_holds_no_secret_an_expansion_brought_in(setup: Setup) -> None:
    secret = "sk-ant-api03-" + "k" * 40
    (setup.repo / ".orchestra" / "mcp.json").write_text(
        '{"mcpServers": {"tool": {"command": "run", "args": ["--token", "${CHECK_CACHE_KEY}"],'
        ' "url": 5}}}\n'
    )
    setup.env["CHECK_CACHE_KEY"] = secret
    cold = setup.check("--no-cache")
    assert setup.check() == cold
    assert setup.check() == cold
    assert secret not in setup.entry().read_text()
    assert secret not in cold[0] + cold[1]


def _edit_same_size(setup: Setup) -> None:
    path = setup.repo / ".orchestra" / "agents" / "good.md"
    status = path.stat()
    text = path.read_text()
    path.write_text(text.replace("read_file", "read_fiel"))
    os.utime(path, ns=(status.st_atime_ns, status.st_mtime_ns))  # same size, same time
    assert path.stat().st_size == status.st_size


def _add_file(setup: Setup) -> None:
    path = setup.repo / ".orchestra" / "agents" / "added.md"
    path.write_text(AGENT.format(name="added", tool="serch"))


def _remove_file(setup: Setup) -> None:
    (setup.repo / ".orchestra" / "agents" / "bad.md").unlink()


def _create_mcp_json(setup: Setup) -> None:
    (setup.repo / ".mcp.json").write_text("{not json\n")


def _create_claude_md(setup: Setup) -> None:
    (setup.repo / "CLAUDE.md").write_text("Answer briefly.\n")


def _create_folder_looked_for(setup: Setup) -> None:
    skill = setup.repo / ".claude" / "skills" / "review"
    skill.mkdir(parents=True)
    (skill / "SKILL.md").write_text("---\nname: review\ndescription: Review\n---\nReview.\n")


def _set_variable(setup: Setup) -> None:
    setup.env["CHECK_CACHE_TOOL"] = "/bin/true"


def _change_variable(setup: Setup) -> None:
    # Set before planting (see below), then changed to another value of the same length.
    setup.env["CHECK_CACHE_TOOL"] = "/bin/echo"


def _edit_user_settings(setup: Setup) -> None:
    (setup.home / ".claude" / "settings.json").write_text('{"permissions": {"allow": 5}}\n')


def _add_user_agent(setup: Setup) -> None:
    folder = Path(setup.env["XDG_CONFIG_HOME"]) / "orchestra" / "agents"
    folder.mkdir(parents=True)
    (folder / "mine.md").write_text(AGENT.format(name="mine", tool="read_file"))


def _move_home(setup: Setup) -> None:
    other = setup.home.parent / "other-home"
    (other / ".claude").mkdir(parents=True)
    (other / ".claude" / "settings.json").write_text("[]\n")
    setup.env["HOME"] = str(other)


def _change_version(setup: Setup) -> None:
    stored = json.loads(setup.entry().read_text())
    stored["key"]["orchestra"] = "0.0.0-older"
    setup.entry().write_text(json.dumps(stored))


def _change_python(setup: Setup) -> None:
    stored = json.loads(setup.entry().read_text())
    stored["key"]["python"] = "3.10.0 (an older one)"
    setup.entry().write_text(json.dumps(stored))


def _retarget_workspace_link(setup: Setup) -> None:
    # Seen from the workspace: a symlinked agents folder now points elsewhere.
    agents = setup.repo / ".orchestra" / "agents"
    other = setup.repo.parent / "other-agents"
    other.mkdir()
    (other / "x.md").write_text(AGENT.format(name="x", tool="sarch"))
    agents.rename(setup.repo.parent / "old-agents")
    agents.symlink_to(other)


def _match_a_shell_glob(setup: Setup) -> None:
    # A command's `!`cat *.txt`` line is decided on what the glob matches.
    (setup.repo / "notes.txt").write_text("a file the glob now matches\n")


CHANGES: dict[str, Callable[[Setup], None]] = {
    "a file edited to the same size and time": _edit_same_size,
    "a file added to a folder that was listed": _add_file,
    "a file removed": _remove_file,
    "a .mcp.json looked for and absent, created": _create_mcp_json,
    "a CLAUDE.md looked for and absent, created": _create_claude_md,
    "a skills folder looked for and absent, created": _create_folder_looked_for,
    "a ${VAR} that was unset, set": _set_variable,
    "a user-level file in HOME changed": _edit_user_settings,
    "a file added to the user's config folder": _add_user_agent,
    "HOME itself changed": _move_home,
    "Orchestra's version changed": _change_version,
    "Python's version changed": _change_python,
    "a folder replaced by a symlink elsewhere": _retarget_workspace_link,
    "a file a command's shell glob matches, added": _match_a_shell_glob,
}


@pytest.mark.parametrize("change", list(CHANGES), ids=list(CHANGES))
def test_each_kind_of_change_invalidates_the_stored_result(setup: Setup, change: str) -> None:
    setup.plant()
    CHANGES[change](setup)
    setup.assert_fresh()


def test_a_variable_changed_to_another_value_invalidates_it(setup: Setup) -> None:
    setup.env["CHECK_CACHE_TOOL"] = "/bin/true"
    setup.plant()
    _change_variable(setup)
    setup.assert_fresh()


def test_an_upgraded_distribution_invalidates_it(setup: Setup) -> None:
    # A folder on Python's path holding a distribution's metadata, as pip leaves it.
    site = setup.repo.parent / "site"
    (site / "somelib-1.0.dist-info").mkdir(parents=True)
    setup.env["PYTHONPATH"] = str(site)
    setup.plant()
    (site / "somelib-1.0.dist-info").rename(site / "somelib-1.1.dist-info")
    setup.assert_fresh()


def test_a_variable_nothing_read_does_not_invalidate_it(setup: Setup) -> None:
    setup.plant()
    setup.env["CHECK_CACHE_UNRELATED"] = "anything"
    assert MARKER in setup.check()[0]


@pytest.mark.parametrize(
    "garbage", [b"", b"{not json", b'{"key": 1}', b"\xff\xfe", b'{"key": {}, "inputs": [[1]]}']
)
def test_a_corrupt_cache_file_is_ignored_and_rewritten(setup: Setup, garbage: bytes) -> None:
    cold = setup.check()
    setup.entry().write_bytes(garbage)
    assert setup.check() == cold
    assert json.loads(setup.entry().read_text())["result"]["diagnostics"]
    assert setup.check() == cold


def test_a_malformed_stored_result_is_ignored(setup: Setup) -> None:
    cold = setup.check()
    stored = json.loads(setup.entry().read_text())
    stored["result"]["diagnostics"] = [["only", "three", "fields"]]
    setup.entry().write_text(json.dumps(stored))
    assert setup.check() == cold


def test_a_cache_folder_that_cannot_be_written_is_no_error(setup: Setup) -> None:
    setup.cache.write_text("a file where the cache folder would be\n")
    cold = setup.check("--no-cache")
    assert setup.check() == cold
    assert setup.check() == cold
    setup.cache.unlink()
    setup.cache.mkdir()
    setup.cache.chmod(0o500)  # read-only (root may still write: then it is just cached)
    try:
        assert setup.check() == cold
        assert setup.check() == cold
    finally:
        setup.cache.chmod(0o700)


def test_no_cache_neither_reads_nor_writes_it(setup: Setup) -> None:
    setup.plant()
    stored = setup.entry().read_text()
    assert MARKER not in setup.check("--no-cache")[0]
    assert setup.entry().read_text() == stored


def test_a_repeated_check_imports_neither_pydantic_nor_the_loader(setup: Setup) -> None:
    setup.check()

    def imported() -> str:
        # `-X importtime` is passed on when the command re-executes itself (see
        # secret_environment); a variable would not be.
        done = subprocess.run(
            [sys.executable, "-X", "importtime", str(ORCHESTRA), "check"],
            cwd=setup.repo,
            env=setup.env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert "unknown tool 'read_fil'" in done.stdout
        return done.stderr

    warm = imported()
    assert "orchestra_lsp.workspace.result_cache" in warm
    assert "pydantic" not in warm and "orchestra_lsp.workspace.agents" not in warm
    _add_file(setup)
    cold = imported()  # the check that loads does import them: the probe can see them
    assert "pydantic" in cold and "orchestra_lsp.workspace.agents" in cold
