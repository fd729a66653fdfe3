"""What `orchestra --version` and `orchestra --help` load: the version imports no
sub-command (so it answers in tens of milliseconds), help imports them all (it lists
their options). Checked by what Python imported, in a fresh interpreter, not by a timer."""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
from pathlib import Path

PROBE = """
import contextlib, io, json, sys
from orchestra_lsp.cli.main import main
out = io.StringIO()
with contextlib.redirect_stdout(out), contextlib.suppress(SystemExit):
    main(sys.argv[1:])
print(json.dumps({"out": out.getvalue(), "modules": sorted(sys.modules)}))
"""
#: The console script pip installed: what a person runs.
ORCHESTRA = Path(sys.executable).with_name("orchestra")
#: Loaded by any program of ours, or by a start that does nothing but print.
HEAVY = ("argparse", "re", "json", "pathlib", "typing", "logging", "orchestra_lsp.redaction")


def _ours(first: list[str]) -> set[str]:
    """The HEAVY modules of `first` that our code imported: not those the console
    script's own wrapper imports (pip writes it; an older pip's imports `re`)."""
    wrapper = ast.parse(ORCHESTRA.read_text(encoding="utf-8"))
    own = {
        alias.name for node in wrapper.body if isinstance(node, ast.Import) for alias in node.names
    }
    return set(first) & set(HEAVY) - own


def _loaded(*args: str) -> tuple[str, set[str]]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args], capture_output=True, text=True, timeout=120
    )
    seen = json.loads(done.stdout)
    return seen["out"], set(seen["modules"])


def _imported_by_first_process(*args: str, env: dict[str, str]) -> tuple[str, list[str]]:
    """(stdout, the modules the console script's own process imported after `site`,
    up to its end or its re-execution), from `python -X importtime`'s report: each
    process of the run starts its report again with `encodings`."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", str(ORCHESTRA), *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    names = re.findall(r"^import time:\s+\d+ \|\s+\d+ \| ( *\S+)$", done.stderr, re.MULTILINE)
    assert "site" in names, done.stderr[-2000:]
    first: list[str] = []
    for name in names[names.index("site") + 1 :]:
        if name == "encodings":  # the re-executed process starts
            break
        first.append(name.strip())
    return done.stdout, first


def test_version_imports_no_sub_command() -> None:
    out, modules = _loaded("--version")
    assert out.startswith("orchestra ")
    loaded = {m for m in modules if m.startswith(("orchestra_lsp.engine", "orchestra_lsp.cli."))}
    assert loaded <= {"orchestra_lsp.cli.main"}, loaded
    assert "anthropic" not in modules and "pydantic" not in modules


def test_the_installed_version_command_is_one_print() -> None:
    out, first = _imported_by_first_process("--version", env=dict(os.environ))
    assert out.startswith("orchestra "), out
    assert not _ours(first), first


def test_what_runs_before_the_re_execution_imports_little(tmp_path: Path) -> None:
    """A sub-command re-executes itself once (secret_environment) before it imports
    anything of its own: what the first process loaded is paid twice."""
    env = {**os.environ, "ORCHESTRA_TEST_TOKEN": "moved-away"}
    out, first = _imported_by_first_process("--workspace", str(tmp_path), "agents", env=env)
    assert "orchestra_lsp.secret_environment" in first, first
    assert not _ours(first), first
    assert "Agents" in out or "agents" in out, out  # the second process did the work


def test_help_lists_every_sub_command_s_options() -> None:
    out, modules = _loaded("--help")
    assert {"orchestra_lsp.cli.run_cmd", "orchestra_lsp.cli.check"} <= modules
    for name in ("check", "run", "review", "show", "serve", "demo"):
        assert name in out


def test_check_of_clean_files_imports_no_second_yaml_or_toml_parser(tmp_path: Path) -> None:
    """PyYAML only explains positions and errors, tomllib only reads a config.toml: a
    clean workspace without one pays for neither."""
    agents = tmp_path / ".orchestra" / "agents"
    agents.mkdir(parents=True)
    (agents / "reader.md").write_text(
        "---\nname: reader\ndescription: Reads.\ntools: [read_file]\n---\nRead the code.\n"
    )
    done = subprocess.run(
        [sys.executable, "-X", "importtime", str(ORCHESTRA), "--workspace", str(tmp_path), "check"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "0 error(s), 0 warning(s)" in done.stderr, done.stderr[-2000:]
    names = {
        name.strip()
        for name in re.findall(r"^import time:\s+\d+ \|\s+\d+ \| ( *\S+)$", done.stderr, re.M)
    }
    assert "orchestra_lsp.workspace.loader" in names
    assert "yaml" not in names and "tomllib" not in names
