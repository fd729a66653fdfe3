"""`orchestra check`: every problem in the workspace's files, compiler style.

A check of a workspace whose inputs have not changed since the last one prints that
one's result from the cache (`workspace.result_cache`) without loading anything;
`--no-cache` loads every file again and leaves the cache alone.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from pathlib import Path
from typing import Any

from orchestra_lsp.cli.words import counted
from orchestra_lsp.workspace import inputs, result_cache
from orchestra_lsp.workspace.diagnostic_text import render_line

#: The check's entries in the cache (`result_cache`).
CACHE_NAME = "check"


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print the problems as JSON")
    parser.add_argument(
        "--no-cache",
        action="store_true",
        help="load every file again; neither read nor write the cache of the last result",
    )


#: One problem: absolute path, 0-based line and column, severity, message.
Finding = tuple[Path, int, int, str, str]
#: The findings in printing order; the number of agents, commands and MCP servers.
Report = tuple[list[Finding], tuple[int, int, int]]


def run(args: argparse.Namespace) -> int:
    root = Path(os.path.abspath(args.workspace))
    stored = None if args.no_cache else result_cache.cached(CACHE_NAME, root)
    report = None if stored is None else _report_of(stored)
    if report is None:
        report = _report_of(_checked(root, cache=not args.no_cache))
        assert report is not None, "_checked writes the shape _report_of reads"
    else:
        # What a load would have taught the redactor of the terminal (the workspace's
        # own secrets are already out of the stored messages).
        from orchestra_lsp.redaction import SECRETS, environment_secrets

        SECRETS.add(environment_secrets(os.environ))
    found, counts = report
    return _print(found, counts, as_json=args.json)


def _checked(root: Path, *, cache: bool) -> dict[str, Any]:
    """Load the workspace and say what to print, as JSON; with `cache`, store it:
    `diagnostics` as [absolute path, 0-based line, 0-based column, severity, message],
    and the number of `agents`, `commands` and `mcp_servers` (see `_report_of`)."""
    from orchestra_lsp.redaction import Redactor
    from orchestra_lsp.workspace import load_workspace

    with inputs.recording() if cache else contextlib.nullcontext() as recording:
        workspace = load_workspace(root)
        # The workspace's secrets never reach the cache file (nor the terminal).
        redactor = Redactor(workspace.secrets(), patterns=())
    found = sorted(workspace.diagnostics, key=lambda d: (str(d.path), d.line, d.column))
    result: dict[str, Any] = {
        "diagnostics": [
            [str(d.path), d.line, d.column, d.severity.value, redactor.redact_text(d.message)]
            for d in found
        ],
        "agents": len(workspace.agents),
        "commands": len(workspace.commands),
        "mcp_servers": len(workspace.mcp_servers),
    }
    if recording is not None and workspace.complete:
        result_cache.store(CACHE_NAME, root, recording, result)
    return result


def _report_of(result: dict[str, Any]) -> Report | None:
    """What `_checked` said, ready to print; None if it is not in that shape (a cache
    entry written by hand or by another version)."""
    try:
        found = [
            (Path(path), line, column, severity, text)
            for path, line, column, severity, text in result["diagnostics"]
        ]
        counts = (result["agents"], result["commands"], result["mcp_servers"])
    except (KeyError, TypeError, ValueError):
        return None
    fields_ok = all(
        isinstance(line, int)
        and isinstance(column, int)
        and isinstance(severity, str)
        and isinstance(text, str)
        for _, line, column, severity, text in found
    )
    if not fields_ok or not all(isinstance(count, int) for count in counts):
        return None
    return found, counts


def _print(found: list[Finding], counts: tuple[int, int, int], *, as_json: bool) -> int:
    here = Path.cwd()
    errors = sum(severity == "error" for _, _, _, severity, _ in found)
    warnings = sum(severity == "warning" for _, _, _, severity, _ in found)
    if as_json:
        shown = [
            {
                "path": _shown_path(path, here),
                "line": line + 1,
                "column": column + 1,
                "severity": severity,
                "message": text,
            }
            for path, line, column, severity, text in found
        ]
        json.dump(shown, sys.stdout, indent=2)
        print()
    else:
        for path, line, column, severity, text in found:
            print(render_line(path, line, column, severity, text, here))
        summary = (
            f"{errors} error(s), {warnings} warning(s); "
            f"{counted(counts[0], 'agent')}, {counted(counts[1], 'command')}, "
            f"{counted(counts[2], 'MCP server')}"
        )
        print(summary, file=sys.stderr)
    return 1 if errors else 0


def _shown_path(path: Path, here: Path) -> str:
    try:
        return str(path.relative_to(here))
    except ValueError:
        return str(path)
