"""`orchestra init` keeps a repository's Claude Code permissions working: after it, a
command's `allowed-tools` and `.claude/settings.json`'s `permissions.allow` allow exactly
what they allowed without `.orchestra/config.toml`, while a shell line nothing allows is
still refused in an unattended run. A real `orchestra init`, then a real `orchestra run
--yes` against the scripted Messages API server, judged from the run's journal."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent.parent / "engine"))
from engine_helpers import events_of, orchestra, write_files

from orchestra_lsp.testing import ScriptedServer

TESTS = """\
import unittest


class Shop(unittest.TestCase):
    def test_sum(self):
        self.assertEqual(sum([1, 2]), 3)
"""
UNITTEST = "python3 -m unittest test_shop"
UNALLOWED = 'python3 -c \'open("made-by-shell", "w").close()\''


def _command(allowed: str) -> str:
    front = f"allowed-tools: {allowed}\n" if allowed else ""
    return f"---\ndescription: Fix the tests\n{front}---\nRun the tests and fix them.\n"


def _shell(command: str) -> dict[str, object]:
    return {"reply": {"tool_use": [{"name": "run_shell", "input": {"command": command}}]}}


def _run(root: Path, home: Path) -> dict[str, dict[str, object]]:
    """`orchestra run fix-tests --yes` whose model runs UNITTEST then UNALLOWED; the
    policy's decision per command line."""
    script: list[dict[str, Any]] = [
        _shell(UNITTEST),
        _shell(UNALLOWED),
        {"reply": {"text": "Done."}},
    ]
    with ScriptedServer(script) as server:
        ran = orchestra(root, server, home / "xdg", "run", "fix-tests", "--yes")
    assert ran.returncode == 0, ran.stdout + ran.stderr
    [journal] = [line for line in ran.stdout.splitlines() if line.startswith("journal: ")]
    run_id = Path(journal.removeprefix("journal: ")).name
    decided = [e for e in events_of(root, run_id, "permission_decided") if e["tool"] == "run_shell"]
    assert len(decided) == 2, decided  # one per scripted call, in order
    return dict(zip((UNITTEST, UNALLOWED), decided, strict=True))


@pytest.mark.parametrize(
    ("allowed", "settings"),
    [
        ("Bash(python3 -m unittest:*)", None),
        ("", {"permissions": {"allow": ["Bash(python3 -m unittest:*)"]}}),
        ("Bash(python3 -m unittest test_shop)", None),
    ],
    ids=["allowed-tools", "settings-allow", "exact-allowed-tools"],
)
def test_claude_code_allows_work_the_same_before_and_after_init(
    tmp_path: Path, allowed: str, settings: dict[str, object] | None
) -> None:
    verdicts = []
    for initialised in (False, True):
        root = write_files(
            tmp_path / f"repo-{initialised}",
            {"test_shop.py": TESTS, ".claude/commands/fix-tests.md": _command(allowed)},
        )
        if settings is not None:
            (root / ".claude" / "settings.json").write_text(json.dumps(settings))
        if initialised:
            init = orchestra(root, "http://127.0.0.1:9", tmp_path / "xdg", "init")
            assert init.returncode == 0, init.stdout + init.stderr
            assert (root / ".orchestra" / "config.toml").is_file()
        decided = _run(root, tmp_path)
        assert decided[UNITTEST]["verdict"] == "allow", decided[UNITTEST]
        # Nothing allows the other line: an unattended run still refuses it.
        assert decided[UNALLOWED]["verdict"] == "deny", decided[UNALLOWED]
        assert not (root / "made-by-shell").exists()
        verdicts.append({line: e["rule"] for line, e in decided.items()})
    assert verdicts[0] == verdicts[1]


def test_check_warns_when_a_config_rule_overrides_a_claude_code_allow(tmp_path: Path) -> None:
    root = write_files(
        tmp_path / "repo",
        {
            "test_shop.py": TESTS,
            ".claude/commands/fix-tests.md": _command("Bash(python3 -m unittest:*)"),
            ".claude/settings.json": json.dumps({"permissions": {"allow": ["Bash(npm test:*)"]}}),
        },
    )
    init = orchestra(root, "http://127.0.0.1:9", tmp_path / "xdg", "init")
    assert init.returncode == 0, init.stdout + init.stderr
    clean = orchestra(root, "http://127.0.0.1:9", tmp_path / "xdg", "check")
    assert clean.returncode == 0 and "warning" not in clean.stdout, clean.stdout

    config = root / ".orchestra" / "config.toml"
    text = config.read_text()
    # What `orchestra init` used to write, a wider deny, and rules that override nothing.
    config.write_text(
        text.replace(
            '# ask = ["run_shell(git push*)"]',
            'ask = ["run_shell(git push*)", "run_shell"]',
        ).replace('deny  = ["run_shell(rm *)"', 'deny  = ["run_shell(rm *)", "run_shell(npm *)"')
    )
    lines = config.read_text().splitlines()
    ask_line = next(i for i, line in enumerate(lines, 1) if line.startswith("ask"))
    deny_line = next(i for i, line in enumerate(lines, 1) if line.startswith("deny"))
    ask_column = lines[ask_line - 1].index('"run_shell"]') + 1
    deny_column = lines[deny_line - 1].index('"run_shell(npm *)"') + 1
    checked = orchestra(root, "http://127.0.0.1:9", tmp_path / "xdg", "check")
    warnings = [line for line in checked.stdout.splitlines() if ": warning: " in line]
    assert warnings == [
        f".orchestra/config.toml:{ask_line}:{ask_column}: warning: ask rule 'run_shell' overrides "
        "`run_shell(python3 -m unittest *)` (command 'fix-tests' allowed-tools) and 1 more: "
        "ask beats allow, so those allows never take effect; narrow or remove this rule "
        "(a call no rule allows is asked about anyway)",
        f".orchestra/config.toml:{deny_line}:{deny_column}: warning: deny rule 'run_shell(npm *)' "
        "overrides `run_shell(npm test *)` (Claude Code permissions.allow): deny beats allow, "
        "so that allow never takes effect; narrow this rule if the allow is meant",
    ], checked.stdout
