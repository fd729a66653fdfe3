"""The CLI's rough edges, as a user meets them: a real `orchestra` process, real files,
a real scripted model server. The root is found upward like git; unknown or surplus
arguments and `--apply` alone are refused with exit 2; a closed pipe is quiet; paths
are never wrapped; a full disk or a read-only journal folder is one line and exit 2,
and never leaves half a journal line."""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent.parent / "engine"))
from engine_helpers import cli_env, command_file, printed_in_a_terminal, workspace

from orchestra_lsp.testing import ScriptedServer

#: Root ignores mode bits; without these two capabilities it is held to them like anyone.
NO_DAC = ["setpriv", "--bounding-set=-dac_override,-dac_read_search"]
IMPLEMENT = command_file([{"id": "implement", "agent": "worker", "prompt": "Say hi."}])
TICKET = command_file(
    [{"id": "work", "agent": "worker", "prompt": "Work on {{ticket}}."}],
    arguments=[{"name": "ticket", "required": True}],
)


def orchestra(
    cwd: Path,
    *args: str,
    home: Path,
    env: dict[str, str] | None = None,
    prefix: list[str] | None = None,
    **options: object,
) -> subprocess.CompletedProcess[str]:
    environment = env or {
        **{k: v for k, v in os.environ.items() if k != "COLUMNS"},
        "XDG_CONFIG_HOME": str(home / "xdg"),
        "HOME": str(home),
        "ANTHROPIC_API_KEY": "sk-ant-test-not-used",
    }
    settings: dict[str, object] = {"capture_output": True, **options}
    return subprocess.run(  # type: ignore[call-overload, no-any-return]
        [*(prefix or []), sys.executable, "-m", "orchestra_lsp", *args],
        cwd=cwd,
        env=environment,
        stdin=subprocess.DEVNULL,
        text=True,
        timeout=60,
        **settings,
    )


def agent_layers(result: subprocess.CompletedProcess[str]) -> dict[str, str]:
    assert result.returncode == 0, result.stderr
    return {agent["name"]: agent["layer"] for agent in json.loads(result.stdout)}


def test_the_root_is_found_upward_like_git(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    deeper = repo / "src" / "deeper"
    deeper.mkdir(parents=True)
    (repo / ".git").mkdir()
    (repo / ".orchestra" / "agents").mkdir(parents=True)
    (repo / ".orchestra" / "agents" / "mine.md").write_text("---\ndescription: M\n---\nx\n")
    # A nested CLAUDE.md is Claude Code's memory for that folder, not another root.
    (repo / "src" / "CLAUDE.md").write_text("Notes.\n")
    layers = agent_layers(orchestra(deeper, "agents", "--json", home=tmp_path))
    assert layers["mine"] == "repository"


def test_claude_code_files_mark_the_root_but_not_in_the_home_folder(tmp_path: Path) -> None:
    home = tmp_path / "home"
    (home / ".claude" / "agents").mkdir(parents=True)
    (home / ".claude" / "agents" / "personal.md").write_text(
        "---\nname: personal\ndescription: P\n---\nx\n"
    )
    project = home / "project"
    (project / ".claude" / "agents").mkdir(parents=True)
    (project / ".claude" / "agents" / "team.md").write_text(
        "---\nname: team\ndescription: T\n---\nx\n"
    )
    (project / ".git").mkdir()
    sub = project / "pkg"
    sub.mkdir()
    layers = agent_layers(orchestra(sub, "agents", "--json", home=home))
    assert layers["team"] == "repository (.claude)"

    # Outside any project the home folder's `.claude/` is not taken for a repository.
    elsewhere = home / "notes"
    elsewhere.mkdir()
    layers = agent_layers(orchestra(elsewhere, "agents", "--json", home=home))
    assert layers.get("personal") != "repository (.claude)"
    assert "team" not in layers


def test_init_stays_where_it_is_asked(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / ".orchestra").mkdir(parents=True)
    sub = repo / "service"
    sub.mkdir()
    assert orchestra(sub, "init", home=tmp_path).returncode == 0
    assert (sub / ".orchestra" / "config.toml").is_file()


@pytest.mark.parametrize(
    ("words", "message"),
    [
        (["tiket=SHOP-1"], "has no argument 'tiket' (arguments: ticket)"),
        (["SHOP-1", "urgent"], "; urgent is left over"),
        (["ticket=SHOP-1", "more"], "more is left over"),
        (["--yes", "tiket=SHOP-1"], "has no argument 'tiket'"),  # after an option too
    ],
)
def test_unknown_or_surplus_arguments_are_refused(
    tmp_path: Path, words: list[str], message: str
) -> None:
    root = workspace(tmp_path / "ws", {"ticket": TICKET})
    result = orchestra(root, "run", "ticket", *words, home=tmp_path)
    assert result.returncode == 2, result.stdout + result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert not (root / ".orchestra" / "runs").exists()  # refused before anything ran


def test_apply_without_yes_is_refused_and_says_why(tmp_path: Path) -> None:
    root = workspace(tmp_path / "ws", {"implement": IMPLEMENT})
    result = orchestra(root, "run", "implement", "--apply", home=tmp_path)
    assert result.returncode == 2
    assert "--apply writes the changes --yes accepts" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("args", [["agents", "--json"], ["commands"], ["check"]])
def test_a_closed_pipe_ends_quietly(tmp_path: Path, args: list[str]) -> None:
    """`orchestra agents --json | head -1`: the reader goes away before we write."""
    root = workspace(tmp_path / "ws", {"implement": IMPLEMENT})
    (root / ".orchestra" / "agents" / "odd.md").write_text("---\ntools: [nosuch]\n---\nx\n")
    read, write = os.pipe()
    os.close(read)  # the reader is gone
    try:
        result = orchestra(
            root, *args, home=tmp_path, stdout=write, capture_output=False, stderr=subprocess.PIPE
        )
    finally:
        os.close(write)
    assert result.stderr == "", result.stderr
    # 141 as a process killed by SIGPIPE; rich's own guard says 1. Quiet either way.
    assert result.returncode in (1, 128 + signal.SIGPIPE)


def test_paths_are_never_wrapped(tmp_path: Path) -> None:
    deep = tmp_path / ("a-folder-with-a-rather-long-name-" * 3) / "ws"
    root = workspace(deep, {"implement": IMPLEMENT})
    name = "an-agent-whose-file-name-alone-is-longer-than-forty-characters"
    (root / ".orchestra" / "agents" / f"{name}.md").write_text("---\ntools: [nosuch]\n---\nx\n")
    listed = orchestra(root, "agents", home=tmp_path)
    assert f".orchestra/agents/{name}.md" in listed.stdout
    checked = orchestra(tmp_path, "check", "-w", str(root), home=tmp_path)
    shown = root.relative_to(tmp_path) / ".orchestra" / "agents" / f"{name}.md"
    assert checked.stdout.startswith(f"{shown}:2:9: error: unknown tool 'nosuch'")

    with ScriptedServer([{"reply": {"text": "Hi."}}]) as server:
        env = cli_env(server.base_url, tmp_path / "xdg")
        ran = orchestra(root, "run", "implement", "--yes", home=tmp_path, env=env)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    [journal] = [line for line in ran.stdout.splitlines() if line.startswith("journal: ")]
    assert Path(journal.removeprefix("journal: ")).is_dir()
    assert len(journal) > 80


def _small_files(limit: int) -> None:
    """In the child: files may not grow past `limit` bytes, and the write that would
    says EFBIG (a full disk, as a process sees it) instead of killing the process."""
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))


def test_a_full_disk_is_one_line_and_no_half_journal_line(tmp_path: Path) -> None:
    root = workspace(tmp_path / "ws", {"implement": IMPLEMENT})
    replies = [{"reply": {"text": "word " * 2000}}]
    with ScriptedServer(replies) as server:
        env = cli_env(server.base_url, tmp_path / "xdg")
        result = orchestra(
            root,
            "run",
            "implement",
            "--yes",
            home=tmp_path,
            env=env,
            preexec_fn=lambda: _small_files(3000),
        )
    assert result.returncode == 2, result.stdout + result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    line = lines[0]
    assert line.startswith("orchestra: cannot write the run journal ") and "File too large" in line
    [run] = (root / ".orchestra" / "runs").glob("*/events.jsonl")
    data = run.read_bytes()
    assert data.endswith(b"\n")
    assert all(json.loads(text) for text in data.splitlines())


def test_a_read_only_journal_folder_is_one_line(tmp_path: Path) -> None:
    root = workspace(tmp_path / "ws", {"implement": IMPLEMENT})
    runs = root / ".orchestra" / "runs"
    runs.mkdir()
    (runs / ".gitignore").write_text("*\n")
    runs.chmod(0o555)
    # The whole path must be reachable by a root held to mode bits.
    for folder in (tmp_path, *tmp_path.parents):
        if folder.stat().st_mode & 0o005 != 0o005:
            folder.chmod(folder.stat().st_mode | 0o005)
    with ScriptedServer([{"reply": {"text": "Hi."}}]) as server:
        env = cli_env(server.base_url, tmp_path / "xdg")
        result = orchestra(root, "run", "implement", "--yes", home=tmp_path, env=env, prefix=NO_DAC)
    runs.chmod(0o755)
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.splitlines() == [
        f"orchestra: cannot write the run journal {runs}: Permission denied"
    ]


def test_no_api_key_is_said_before_anything_runs(tmp_path: Path) -> None:
    """Without a key (and no gateway URL) the run does not start: one line, exit 2, no
    journal, and a Claude command's `!`cmd`` line is not run in vain."""
    root = tmp_path / "repo"
    (root / ".claude" / "commands").mkdir(parents=True)
    (root / ".claude" / "commands" / "stamp.md").write_text(
        "---\ndescription: Stamp\nallowed-tools: Bash(touch:*)\n---\n!`touch ran.txt`\nSay hi.\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANTHROPIC_") and k != "COLUMNS"}
    env.update(XDG_CONFIG_HOME=str(tmp_path / "xdg"), HOME=str(tmp_path))
    done = orchestra(root, "run", "stamp", "--yes", home=tmp_path, env=env)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "ANTHROPIC_API_KEY is not set" in done.stderr, done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    assert not (root / "ran.txt").exists()
    assert not (root / ".orchestra" / "runs").exists() or not any(
        p.name != "batches" for p in (root / ".orchestra" / "runs").iterdir()
    )


def _in_terminal(root: Path, home: Path, columns: int, *args: str) -> str:
    """What `orchestra ARGS` shows in a terminal `columns` wide, colours removed."""
    argv = [sys.executable, "-m", "orchestra_lsp", *args, "-w", str(root)]
    env = {**os.environ, "XDG_CONFIG_HOME": str(home / "config")}
    shown, done = printed_in_a_terminal(argv, env, columns)
    assert done.returncode == 0, done.stderr
    return shown


@pytest.mark.parametrize("columns", [60, 80, 100])
def test_listings_in_a_narrow_terminal_break_no_word(tmp_path: Path, columns: int) -> None:
    """Too narrow for the table, each command is a record: its name and path whole on
    one line, every description word whole (a squeezed table split words and paths)."""
    root = workspace(tmp_path / "ws", {"implement": IMPLEMENT})
    description = "Implements a ticket carefully: requirements, design, reviewed edits"
    command = root / ".orchestra" / "commands" / "long-description.md"
    command.write_text(f"---\ndescription: {description}\n---\nDo it.\n", encoding="utf-8")
    shown = _in_terminal(root, tmp_path, columns, "commands")
    lines = shown.splitlines()
    assert any(
        line.startswith("long-description") and ".orchestra/commands/long-description.md" in line
        for line in lines
    ), shown
    words = " ".join(shown.split())
    assert description in words, shown
    # The prose wraps inside the terminal; only a name and path longer than it run on.
    assert all(len(line.rstrip()) <= columns for line in lines if line.startswith(" ")), shown
    agents = _in_terminal(root, tmp_path, columns, "agents")
    assert "agents/developer.md (built-in)" in agents and "description:" in agents


@pytest.mark.parametrize(
    ("folder", "text", "at"),
    [
        (".orchestra/agents", "---\nname: worker\ntools: [read_file\n---\nW.\n", "3:8"),
        (".claude/agents", "---\nname: worker\ndescription: d\nmodel: [\n---\nW.\n", "5:1"),
        (".orchestra/agents", "---\ntools: 5\nmax_turns: many\n---\nW.\n", "2:8"),
    ],
)
def test_a_broken_agent_is_named_where_it_is_used(
    tmp_path: Path, folder: str, text: str, at: str
) -> None:
    """A command whose agent's file has errors says so, with where the first one is —
    not that the agent is undefined, nor 'did you mean' another one."""
    root = workspace(tmp_path / "ws", {"implement": IMPLEMENT})
    for old in (root / ".orchestra" / "agents").glob("worker*.md"):
        old.unlink()
    (root / folder).mkdir(parents=True, exist_ok=True)
    (root / folder / "worker.md").write_text(text, encoding="utf-8")
    checked = orchestra(root, "check", home=tmp_path)
    assert checked.returncode == 1
    where = f"{folder}/worker.md:{at}"
    assert f"uses agent 'worker', whose file has errors ({where})" in checked.stdout, checked.stdout
    assert "which is not defined" not in checked.stdout
    ran = orchestra(root, "run", "implement", "--yes", home=tmp_path)
    assert ran.returncode == 2, ran.stdout + ran.stderr
    assert f"whose file has errors ({where})" in ran.stderr, ran.stderr


def test_a_misspelt_agent_or_command_gets_the_checks_position_and_a_suggestion(
    tmp_path: Path,
) -> None:
    """`run` says what `check` says of a step's unknown agent (where, and the closest
    name), and offers the closest command for a misspelt one."""
    misspelt = command_file([{"id": "implement", "agent": "wroker", "prompt": "Say hi."}])
    root = workspace(tmp_path / "ws", {"implement": misspelt})
    ran = orchestra(root, "run", "implement", "--yes", home=tmp_path)
    assert ran.returncode == 2, ran.stdout + ran.stderr
    said = ran.stderr.strip()
    assert said.startswith("orchestra: command 'implement' cannot run: .orchestra/commands/"), said
    assert ".md:" in said and "'wroker'" in said and "did you mean 'worker'?" in said, said
    # The listing says so before anyone runs it (the palette gets the same words).
    listed = orchestra(root, "commands", "--json", home=tmp_path)
    [entry] = [c for c in json.loads(listed.stdout) if c["name"] == "implement"]
    assert entry["unavailable"] == "uses agent 'wroker', which is not defined"
    typo = orchestra(root, "run", "implemnt", "--yes", home=tmp_path)
    assert typo.returncode == 2
    assert "no command 'implemnt'; did you mean 'implement'? (commands: " in typo.stderr
