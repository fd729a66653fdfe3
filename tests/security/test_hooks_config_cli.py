"""A formatter hook never runs code the model wrote before a person accepted it.

The project's PostToolUse hook on `Edit|Write` is `sh tools/fmt.sh`, which sources its
defaults from `fmt_rules.sh` beside it and starts a small formatter that works as
prettier does: it looks for `prettier.config.js` or `.prettierrc.cjs` from the file's
folder up to the file system's root and loads it with node (so the configuration's code
runs). The accepted configuration on disk asks for double quotes.

The scripted model proposes a configuration (or the hook's own code) whose code would
append to a log outside the project, then edits an ordinary file. Through the real CLI:
the log never appears (the proposed code never ran: not when the hook would have run on
the proposed file itself, nor when it ran on the later file while the configuration was
still pending), the journal and the terminal say why, and the ordinary file is
formatted by the accepted configuration, as part of its proposal.
"""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from attack_helpers import committed, formatter_hooked, person_runs, run_events

from orchestra_lsp.engine.hooks import runs_as_code
from orchestra_lsp.testing import ScriptedServer

FORMATTER = """\
import json, os, pathlib, subprocess, sys
QUOTES = {"double": '"', "single": "'"}
call = json.load(sys.stdin)
path = pathlib.Path(call["tool_input"]["file_path"])
project = pathlib.Path(os.environ["CLAUDE_PROJECT_DIR"])
LOAD = "process.stdout.write(JSON.stringify(require(process.argv[1])))"
folder = path.parent
while True:
    found = [folder / n for n in ("prettier.config.js", ".prettierrc.cjs") if (folder / n).is_file()]
    if found:
        options = json.loads(subprocess.run(["node", "-e", LOAD, str(found[0])],
                             capture_output=True, text=True, check=True).stdout)
        break
    if folder == folder.parent:  # as prettier does, up to the file system's root
        options = {"quotes": os.environ["FMT_DEFAULT"]}
        break
    folder = folder.parent
quote = QUOTES[options["quotes"]]
path.write_text(path.read_text().replace("'", quote))
"""
SCRIPT = """\
. "$(dirname "$0")/fmt_rules.sh"
export FMT_DEFAULT
exec python3 "$(dirname "$0")/fmt.py"
"""
RULES = "FMT_DEFAULT=double\n"
ACCEPTED_CONFIG = 'module.exports = { quotes: "double" };\n'
APP = "console.log('hello');\n"
HOOK = "sh tools/fmt.sh"


@pytest.fixture
def repo() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="orchestra-hooks-") as folder:
        root = Path(folder) / "repo"
        files = {
            **formatter_hooked(HOOK),
            "tools/fmt.py": FORMATTER,
            "tools/fmt.sh": SCRIPT,
            "tools/fmt_rules.sh": RULES,
            "prettier.config.js": ACCEPTED_CONFIG,
            "src/app.js": APP,
        }
        yield committed(root, files)


def _model_code(log: Path, language: str) -> str:
    """What the model writes: code that says it ran, in the proposed file's language."""
    if language == "sh":
        return f"echo 'MODEL CODE RAN' >> {shlex.quote(str(log))}\n{RULES}"
    return (
        f"require('fs').appendFileSync({json.dumps(str(log))}, 'MODEL CODE RAN\\n');\n"
        "module.exports = { quotes: 'single' };\n"
    )


@pytest.mark.parametrize(
    ("path", "language", "why"),
    [
        ("prettier.config.js", "js", "tools load `*.config.js` as code"),
        ("src/.prettierrc.cjs", "js", "tools load `.*rc.cjs` as code"),
        ("tools/fmt.sh", "sh", f"the hook `{HOOK}` runs it"),
        ("tools/fmt_rules.sh", "sh", f"it is beside tools/fmt.sh, which the hook `{HOOK}`"),
    ],
)
def test_model_written_code_a_formatter_would_run_waits_for_review(
    repo: Path, path: str, language: str, why: str
) -> None:
    log = repo.parent / "executed.log"
    written = _model_code(log, language)
    existing = repo / path
    create = {
        "name": "edit",
        "input": {"command": "str_replace", "path": path, "old_str": existing.read_text()}
        | {"new_str": written}
        if existing.exists()
        else {"command": "create", "path": path, "file_text": written},
    }
    change = {
        "name": "edit",
        "input": {
            "command": "str_replace",
            "path": "src/app.js",
            "old_str": "console.log('hello');",
            "new_str": "console.log('hello');\nconsole.log('bye');",
        },
    }
    refusal = f"PostToolUse hook not run on the proposed {path} before review: {why}"
    script = [
        {"name": "config", "reply": {"tool_use": [create]}},
        {
            "name": "app",
            "expect": {"last_tool_result_contains": [refusal]},
            "reply": {"tool_use": [change]},
        },
        {
            "name": "done",
            "expect": {"last_tool_result_contains": ["its change is part of the proposal"]},
            "reply": {"text": "Done."},
        },
    ]
    with ScriptedServer(script) as model:
        done = person_runs(repo, "run", "change", "--yes", model_url=model.base_url)
        model.assert_no_failures()
        model.assert_all_consumed()
    assert not log.exists(), f"model-written code ran before review: {log.read_text()}"
    events = run_events(repo)
    notices = [str(e["message"]) for e in events if e["type"] == "notice"]
    assert any(refusal in notice for notice in notices), notices
    assert refusal in done.stdout + done.stderr
    # Nothing landed; the proposal holds the model's file as written and the app file
    # formatted by the accepted configuration (double quotes).
    assert (repo / "src/app.js").read_text() == APP
    [changeset] = (repo / ".orchestra" / "runs").glob("*/changeset.json")
    files: dict[str, Any] = json.loads(changeset.read_text())["files"]
    assert files[path]["proposed_text"] == written
    assert files["src/app.js"]["proposed_text"] == 'console.log("hello");\nconsole.log("bye");\n'
    hooks = [e for e in events if e["type"] == "hook_ran"]
    assert [h["decision"] for h in hooks] == ["ok"], hooks  # only the app file's


def test_a_configuration_planted_in_the_shared_temporary_folder_is_not_loaded(
    repo: Path,
) -> None:
    """Another user's `prettier.config.js` in the temporary folder everyone may write to
    is not above the scratch tree: the formatter finds none and uses its default."""
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run([*git, "rm", "-q", "prettier.config.js"], cwd=repo, check=True)
    subprocess.run([*git, "commit", "-qm", "no configuration"], cwd=repo, check=True)
    shared = repo.parent / "shared-tmp"
    shared.mkdir()
    log = repo.parent / "executed.log"
    (shared / "prettier.config.js").write_text(
        f"require('fs').appendFileSync({json.dumps(str(log))}, 'PLANTED CODE RAN\\n');\n"
        "module.exports = { quotes: 'single' };\n"
    )
    change = {
        "name": "edit",
        "input": {
            "command": "str_replace",
            "path": "src/app.js",
            "old_str": "console.log('hello');",
            "new_str": "console.log('hello');\nconsole.log('bye');",
        },
    }
    script = [
        {"name": "app", "reply": {"tool_use": [change]}},
        {
            "name": "done",
            "expect": {"last_tool_result_contains": ["its change is part of the proposal"]},
            "reply": {"text": "Done."},
        },
    ]
    with ScriptedServer(script) as model:
        person_runs(
            repo, "run", "change", "--yes", model_url=model.base_url, env={"TMPDIR": str(shared)}
        )
        model.assert_no_failures()
        model.assert_all_consumed()
    assert not log.exists(), f"a planted configuration ran: {log.read_text()}"
    [changeset] = (repo / ".orchestra" / "runs").glob("*/changeset.json")
    files: dict[str, Any] = json.loads(changeset.read_text())["files"]
    assert files["src/app.js"]["proposed_text"] == 'console.log("hello");\nconsole.log("bye");\n'


def test_git_in_the_scratch_tree_finds_no_repository_above_it(repo: Path) -> None:
    """The person keeps their home folder in git; the scratch tree lies under it. A
    hook's git finds no repository there (as in the shared temporary folder before)."""
    home = repo.parent / "home"
    home.mkdir()
    subprocess.run(["git", "init", "-q"], cwd=home, check=True)
    hook = {"type": "command", "command": "git rev-parse --show-toplevel >&2; exit 2"}
    settings = {"hooks": {"PostToolUse": [{"matcher": "Edit", "hooks": [hook]}]}}
    (repo / ".claude/settings.json").write_text(json.dumps(settings))
    change = {
        "name": "edit",
        "input": {"command": "create", "path": "src/new.js", "file_text": "let a = 1;\n"},
    }
    script = [
        {"name": "new", "reply": {"tool_use": [change]}},
        {
            "name": "done",
            "expect": {"last_tool_result_contains": ["not a git repository"]},
            "reply": {"text": "Done."},
        },
    ]
    with ScriptedServer(script) as model:
        person_runs(repo, "run", "change", "--yes", model_url=model.base_url)
        model.assert_no_failures()
        model.assert_all_consumed()
    assert not (home / ".git" / "index").exists()


@pytest.mark.parametrize(
    ("path", "runs"),
    [
        ("src/conftest.py", True),
        ("setup.py", True),
        ("web/package.json", True),
        ("Makefile", True),
        ("web/eslint.config.mjs", True),
        ("web/node_modules/prettier/index.js", True),
        ("tokenize.py", True),  # `python -m black` in the root would import it first
        ("mypkg/__init__.py", True),
        ("bin/lib.sh", True),  # beside the script the hook names
        ("hooks/check.sh", True),  # named by the hook, not on disk yet
        ("src/app.js", False),
        ("src/app.py", False),
        ("docs/guide.md", False),
    ],
)
def test_which_proposed_files_a_hook_would_run(repo: Path, path: str, runs: bool) -> None:
    (repo / "bin").mkdir()
    (repo / "bin/fmt").write_text("#!/bin/sh\n")
    commands = [HOOK, '"$CLAUDE_PROJECT_DIR"/bin/fmt --write', "cd hooks && sh check.sh"]
    assert (runs_as_code(path, commands, repo) is not None) == runs
