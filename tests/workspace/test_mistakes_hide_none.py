"""A value of the wrong type in `.claude/settings.json` or `config.toml` does not hide
the file's other problems: the checks of the rest run on the file without the fields in
error (never put in force), as they already do for commands and agents."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def check(root: Path) -> list[str]:
    env = {**os.environ, "HOME": str(root.parent / "home")}
    done = subprocess.run(
        [sys.executable, "-m", "orchestra_lsp", "check"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    return done.stdout.splitlines()


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    (root.parent / "home").mkdir(exist_ok=True)
    return root


def test_claude_settings_type_error_hides_no_other_problem(tmp_path: Path) -> None:
    settings = '{"permissions": {"allow": "Bash(ls:*)", "defaultMode": "yolo"}}\n'
    said = check(write(tmp_path / "repo", {".claude/settings.json": settings}))
    assert any(
        line.startswith(".claude/settings.json:1:27: error: 'permissions.allow'") for line in said
    ), said
    assert any(
        line.startswith(".claude/settings.json:1:56: warning: defaultMode 'yolo' is not a valid")
        for line in said
    ), said


def test_config_type_error_hides_no_other_problem(tmp_path: Path) -> None:
    config = (
        'search_paths = ["../nope"]\n\n'
        '[model]\nmax_output_tokens = "lots"\n\n'
        '[permissions]\nallow = ["read_file(", "bogus_tool"]\n\n'
        '[agents]\ndefault = "nobody"\n'
    )
    said = check(write(tmp_path / "repo", {".orchestra/config.toml": config}))
    expected = [
        ".orchestra/config.toml:1:17: error: search_paths entry '../nope'",
        ".orchestra/config.toml:4:21: error: 'model.max_output_tokens'",
        ".orchestra/config.toml:7:20: error: malformed rule 'read_file('",
        ".orchestra/config.toml:7:24: warning: unknown tool 'bogus_tool'",
        ".orchestra/config.toml:10:11: error: the default agent 'nobody' is not defined",
    ]
    for start in expected:
        assert any(line.startswith(start) for line in said), (start, said)
