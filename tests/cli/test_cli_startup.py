"""What `orchestra --version` and `orchestra --help` load: the version imports no
sub-command (so it answers in tens of milliseconds), help imports them all (it lists
their options). Checked by what Python imported, in a fresh interpreter, not by a timer."""

from __future__ import annotations

import json
import subprocess
import sys

PROBE = """
import contextlib, io, json, sys
from orchestra_lsp.cli.main import main
out = io.StringIO()
with contextlib.redirect_stdout(out), contextlib.suppress(SystemExit):
    main(sys.argv[1:])
print(json.dumps({"out": out.getvalue(), "modules": sorted(sys.modules)}))
"""


def _loaded(*args: str) -> tuple[str, set[str]]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args], capture_output=True, text=True, timeout=120
    )
    seen = json.loads(done.stdout)
    return seen["out"], set(seen["modules"])


def test_version_imports_no_sub_command() -> None:
    out, modules = _loaded("--version")
    assert out.startswith("orchestra ")
    loaded = {m for m in modules if m.startswith(("orchestra_lsp.engine", "orchestra_lsp.cli."))}
    assert loaded <= {"orchestra_lsp.cli.main", "orchestra_lsp.cli.options"}, loaded
    assert "anthropic" not in modules and "pydantic" not in modules


def test_help_lists_every_sub_command_s_options() -> None:
    out, modules = _loaded("--help")
    assert {"orchestra_lsp.cli.run_cmd", "orchestra_lsp.cli.check"} <= modules
    for name in ("check", "run", "review", "show", "serve", "demo"):
        assert name in out
