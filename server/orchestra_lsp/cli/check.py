"""`orchestra check`: every problem in the workspace's files, compiler style."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from orchestra_lsp.workspace import Diagnostic, Severity, load_workspace


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print the problems as JSON")


def _shown_path(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _as_json(diagnostic: Diagnostic) -> dict[str, object]:
    return {
        "path": _shown_path(diagnostic.path),
        "line": diagnostic.line + 1,
        "column": diagnostic.column + 1,
        "severity": diagnostic.severity.value,
        "message": diagnostic.message,
    }


def run(args: argparse.Namespace) -> int:
    workspace = load_workspace(args.workspace)
    found = sorted(workspace.diagnostics, key=lambda d: (str(d.path), d.line, d.column))
    errors = sum(d.severity is Severity.ERROR for d in found)
    warnings = sum(d.severity is Severity.WARNING for d in found)
    if args.json:
        json.dump([_as_json(d) for d in found], sys.stdout, indent=2)
        print()
    else:
        for diagnostic in found:
            print(diagnostic.render(Path.cwd()))
        summary = (
            f"{errors} error(s), {warnings} warning(s); "
            f"{len(workspace.agents)} agents, {len(workspace.commands)} commands, "
            f"{len(workspace.mcp_servers)} MCP servers"
        )
        print(summary, file=sys.stderr)
    return 1 if errors else 0
