"""`orchestra check` (the real CLI, in a subprocess) against generated bad input: every
kind ends within 5 s, with no traceback, a `path:line:col` error at the broken file and
exit 1; put right, the same workspace checks clean."""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from bad_files import KINDS, STRUCTURE, Kind, good_workspace
from hypothesis import HealthCheck, given, settings

POSITIONED = re.compile(r"^(?P<path>[^\n]+?):(?P<line>\d+):(?P<column>\d+): (?P<severity>\w+): ")

#: Root ignores mode bits; without these two capabilities it is held to them like anyone.
NO_DAC = ["setpriv", "--bounding-set=-dac_override,-dac_read_search"]


def check(
    root: Path, home: Path, *, prefix: list[str] | None = None
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "XDG_CONFIG_HOME": str(home)}
    return subprocess.run(
        [*(prefix or []), sys.executable, "-m", "orchestra_lsp", "check", "-w", str(root)],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=5 + 10,  # the budget is 5 s; past 15 the test fails as a hang
    )


def assert_clean_output(result: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in result.stdout + result.stderr
    assert "internal error" not in result.stdout


def errors_at(result: subprocess.CompletedProcess[str], relative: str) -> list[str]:
    found = []
    for line in result.stdout.splitlines():
        match = POSITIONED.match(line)
        assert match, f"not positioned: {line!r}"
        if match["path"] == relative and match["severity"] == "error":
            found.append(line)
    return found


@pytest.mark.parametrize("kind", KINDS, ids=lambda kind: kind.name)
def test_each_kind_is_a_positioned_error_then_fixed(kind: Kind, tmp_path: Path) -> None:
    root = good_workspace(tmp_path / "repo")
    kind.break_(root)
    broken = check(root, tmp_path)
    assert_clean_output(broken)
    if kind.name == "fan-out-imports":  # loads, capped: a warning, fast
        assert broken.returncode == 0, broken.stdout
        assert "imports expand past" in broken.stdout
    else:
        assert broken.returncode == 1, broken.stdout + broken.stderr
        assert errors_at(broken, kind.path), broken.stdout

    kind.fix(root)
    fixed = check(root, tmp_path)
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert fixed.stdout == ""


def test_an_unreadable_agents_folder_is_an_error_not_an_empty_one(tmp_path: Path) -> None:
    # /tmp/pytest-of-root is private; a world-traversable folder keeps this about the one bit.
    root = good_workspace(Path(tempfile.mkdtemp(dir=tmp_path)))
    folder = root / ".orchestra" / "agents"
    folder.chmod(0)
    try:
        result = check(root, tmp_path, prefix=NO_DAC)
    finally:
        folder.chmod(stat.S_IRWXU)
    assert_clean_output(result)
    assert result.returncode == 1
    [error] = errors_at(result, ".orchestra/agents")
    assert "cannot read the folder: Permission denied" in error


WRONG_OK: dict[str, tuple[str, str | None, str]] = {
    "duplicate argument": (
        ".orchestra/commands/review.md",
        "---\narguments:\n  - name: a\n  - name: a\n---\nDo it.\n",
        "4:11: error: argument 'a' is declared twice",
    ),
    "unclosed template": (
        ".orchestra/commands/review.md",
        "---\ndescription: x\n---\nFix {{ticket now.\n",
        "4:5: error: template '{{ticket' is not closed",
    ),
    "unclosed template in a step": (
        ".orchestra/commands/review.md",
        "---\nsteps:\n  - id: a\n    prompt: Fix {{ticket}\n---\n",
        "4:17: error: template '{{ticket' is not closed",
    ),
    "bool as int": (
        ".orchestra/agents/checker.md",
        "---\nmax_turns: true\n---\nx\n",
        "2:12: error: 'max_turns': a number is needed, not true",
    ),
    "bool as number in toml": (
        ".orchestra/config.toml",
        "[model]\nmax_output_tokens = true\n",
        "2:21: error: 'model.max_output_tokens': a number is needed, not true",
    ),
    "string as bool": (
        ".orchestra/commands/review.md",
        "---\narguments:\n  - name: a\n    required: 'yes'\n---\nDo it.\n",
        "4:15: error: `arguments[1]: required` must be true or false, not 'yes'",
    ),
    "trailing comma in an object": (
        ".orchestra/mcp.json",
        '{"mcpServers": {"s": {"command": "x"},}}',
        "1:38: error: JSON syntax error: a comma before '}' (JSON allows no trailing comma)",
    ),
    "trailing comma in a list": (
        ".mcp.json",
        '{"mcpServers": {"s": {"command": "x", "args": ["a",\n]}}}',
        "1:51: error: JSON syntax error: a comma before ']'",
    ),
    "infinite timeout": (
        ".orchestra/mcp.json",
        '{"mcpServers": {"s": {"command": "x", "timeout": 1e999}}}',
        "error: 'timeout'",
    ),
    "missing search path": (
        ".orchestra/config.toml",
        'search_paths = ["shared"]\n',
        "1:17: error: search_paths entry 'shared': does not exist",
    ),
    "file as search path": (
        ".orchestra/config.toml",
        'search_paths = ["README.md"]\n',
        "1:17: error: search_paths entry 'README.md': is not a folder",
    ),
    ".orchestra is a file": (".orchestra", "x", "1:1: error: .orchestra must be a folder"),
    "dangling agent symlink": (
        ".orchestra/agents/gone.md",
        None,
        "1:1: error: it is a broken symlink (to nowhere.md)",
    ),
}


@pytest.mark.parametrize("case", sorted(WRONG_OK))
def test_no_wrong_ok(case: str, tmp_path: Path) -> None:
    relative, text, expected = WRONG_OK[case]
    root = good_workspace(tmp_path / "repo")
    (root / "README.md").write_text("hi\n", encoding="utf-8")
    target = root / relative
    if target.is_dir():
        import shutil

        shutil.rmtree(target)
    if text is None:
        target.symlink_to("nowhere.md")
    else:
        target.write_text(text, encoding="utf-8")
    result = check(root, tmp_path)
    assert_clean_output(result)
    assert result.returncode == 1, result.stdout
    assert any(
        line.startswith(relative) and expected in line for line in result.stdout.splitlines()
    ), result.stdout


def test_every_error_of_a_file_at_once(tmp_path: Path) -> None:
    """A mistyped field does not hide the unknown tool (nor the bad template) beside it."""
    root = good_workspace(tmp_path / "repo")
    agent = root / ".orchestra/agents/checker.md"
    agent.write_text("---\ndescripton: x\ntools: [read_file, nosuch]\n---\nx\n", encoding="utf-8")
    command = root / ".orchestra/commands/review.md"
    command.write_text(
        "---\nmode: sometimes\nagent: nobody\n---\nUse {{tiket}}.\n", encoding="utf-8"
    )
    result = check(root, tmp_path)
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert [line.split(": error: ")[0] for line in lines] == [
        ".orchestra/agents/checker.md:2:1",
        ".orchestra/agents/checker.md:3:20",
        ".orchestra/commands/review.md:2:7",  # at `sometimes`, the value that is wrong
        ".orchestra/commands/review.md:3:8",
        ".orchestra/commands/review.md:5:5",
    ]
    assert "unknown tool 'nosuch'" in lines[1] and "agent 'nobody'" in lines[3]


def test_a_symlink_loop_is_named(tmp_path: Path) -> None:
    """A definition that is a link to itself, or one of two links to each other, is an
    error at its own path, not a file silently left out."""
    root = good_workspace(tmp_path / "repo")
    (root / ".orchestra/agents/self.md").symlink_to("self.md")
    claude = root / ".claude/commands"
    claude.mkdir(parents=True)
    (claude / "ping.md").symlink_to("pong.md")
    (claude / "pong.md").symlink_to("ping.md")
    result = check(root, tmp_path)
    assert result.returncode == 1, result.stdout
    assert "Traceback" not in result.stdout + result.stderr
    for relative in (
        ".orchestra/agents/self.md",
        ".claude/commands/ping.md",
        ".claude/commands/pong.md",
    ):
        assert f"{relative}:1:1: error: it is a symlink loop" in result.stdout, result.stdout


@settings(
    max_examples=10,  # each is a process; the in-process fuzz test runs many more
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(files=STRUCTURE)
def test_generated_structure_never_breaks_check(files: dict[str, str], tmp_path: Path) -> None:
    with tempfile.TemporaryDirectory(dir=tmp_path) as folder:
        root = good_workspace(Path(folder) / "repo")
        for relative, text in files.items():
            (root / relative).parent.mkdir(parents=True, exist_ok=True)
            (root / relative).write_text(text, encoding="utf-8")
        result = check(root, Path(folder))
        assert_clean_output(result)
        assert result.returncode in (0, 1)
        for line in result.stdout.splitlines():
            assert POSITIONED.match(line), line
