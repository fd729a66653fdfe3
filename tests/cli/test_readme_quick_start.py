"""The README's quick start works as written: its `orchestra` lines, run in a fresh git
repository by a real `orchestra` process (the model a scripted server), all succeed; it
says how to install; the CLI table names every sub-command; `resume --help` says group
paths work."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent.parent / "engine"))
from engine_helpers import orchestra

from orchestra_lsp.cli.main import SUBCOMMANDS
from orchestra_lsp.testing import ScriptedServer

README = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")


def _section(title: str) -> str:
    start = README.index(f"\n## {title}\n")
    return README[start : README.index("\n## ", start + 1)]


def _quick_start_lines() -> list[list[str]]:
    [block] = re.findall(r"```sh\n(.*?)```", _section("Use it on your own repository"), re.S)
    return [shlex.split(line, comments=True) for line in block.splitlines() if line.strip()]


def test_the_quick_start_says_how_to_install() -> None:
    section = _section("Use it on your own repository")
    assert README.index(section) < README.index("\n## The two commands\n")  # near the top
    assert any(words[:2] == ["pip", "install"] for words in _quick_start_lines())
    assert ".venv/bin/orchestra" in section and ".venv/bin/activate" in section


def test_the_quick_start_runs_as_written(tmp_path: Path) -> None:
    repo = tmp_path / "your-repo"
    (repo / "src").mkdir(parents=True)
    (repo / "src" / "app.py").write_text("print('hello')\n")
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    commands = [words[1:] for words in _quick_start_lines() if words[0] == "orchestra"]
    assert [words[0] for words in commands] == ["init", "check", "commands", "run"]
    with ScriptedServer([{"reply": {"text": "It prints hello."}}]) as server:
        for words in commands:
            done = orchestra(repo, server, tmp_path / "config", *words)
            assert done.returncode == 0, (words, done.stdout + done.stderr)
    server.assert_no_failures()
    assert "It prints hello." in done.stdout


def test_the_cli_table_names_every_subcommand() -> None:
    table = _section("The CLI")
    missing = [name for name in SUBCOMMANDS if f"| `orchestra {name}" not in table]
    missing = [n for n in missing if not re.search(rf"/ `orchestra {n}\b", table)]
    assert missing == [], missing


def test_resume_help_says_a_group_step_path_is_taken(tmp_path: Path) -> None:
    done = orchestra(tmp_path, "http://127.0.0.1:9", tmp_path / "config", "resume", "--help")
    assert done.returncode == 0, done.stderr
    text = " ".join(done.stdout.split())
    assert "top-level step (default" not in text
    assert "build/review" in text, text
