"""`orchestra demo`: a real command on a small example, end to end.

With ANTHROPIC_API_KEY set it runs against Claude; without one, against the shipped
transcript served by the scripted Messages API server — the real client, tools,
review and journal either way, and it says which.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from rich.console import Console
from rich.rule import Rule

from orchestra_lsp.cli.terminal import TerminalFrontEnd
from orchestra_lsp.engine import Engine, RunRequest
from orchestra_lsp.llm import ModelClient
from orchestra_lsp.workspace import load_workspace

EXAMPLE = "calculator"
COMMAND = "fix-failing-tests"
TESTS = [sys.executable, "-m", "unittest", "-q"]


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--into", type=Path, metavar="DIR", help="copy the example here (default: a new temp dir)"
    )


def example_dir() -> Path:
    """Inside the wheel, or this repository's `examples/` in a checkout."""
    package = Path(__file__).resolve().parent.parent
    for candidate in (package / "examples" / EXAMPLE, package.parent.parent / "examples" / EXAMPLE):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"the {EXAMPLE} example is not installed")


def run(args: argparse.Namespace) -> int:
    console = Console(highlight=False)
    source = example_dir()
    target = (args.into or Path(tempfile.mkdtemp(prefix="orchestra-demo-"))).resolve()
    shutil.copytree(source, target, dirs_exist_ok=True, ignore=shutil.ignore_patterns("runs"))
    transcript = target / "transcript.yaml"
    shutil.move(transcript, target.parent / f"{target.name}-transcript.yaml")
    transcript = target.parent / f"{target.name}-transcript.yaml"

    console.print(Rule(f"Orchestra demo · {EXAMPLE} · {target}"))
    workspace = load_workspace(target)
    console.print(
        f"orchestra check: {len(workspace.errors)} error(s); "
        f"{len(workspace.agents)} agents; commands: {', '.join(sorted(workspace.commands))}"
    )
    console.print(f"tests before: {_tests(target)}")

    if os.environ.get("ANTHROPIC_API_KEY"):
        console.print("[bold]Model: Claude[/] (ANTHROPIC_API_KEY is set)")
        code = asyncio.run(_run(target, console, ModelClient()))
        failures: list[str] = []
    else:
        from orchestra_lsp.testing import ScriptedServer

        console.print(
            "[bold]Model: the shipped scripted transcript[/] (no ANTHROPIC_API_KEY; offline, "
            "through the real anthropic client)"
        )
        with ScriptedServer.from_file(transcript) as server:
            client = ModelClient(base_url=server.base_url, api_key="demo-offline")
            code = asyncio.run(_run(target, console, client))
            failures = [f.message for f in server.failures]
    for failure in failures:
        console.print(f"[red]transcript mismatch:[/] {failure}")
    console.print(f"tests after: {_tests(target)}")
    console.print(f"journal: {target / '.orchestra' / 'runs'} · patch: {target / 'demo.patch'}")
    console.print(f"see it again: orchestra show last --workspace {target}")
    return 1 if failures else code


async def _run(root: Path, console: Console, client: ModelClient) -> int:
    frontend = TerminalFrontEnd(
        console=console, root=root, interactive=False, apply=True, patch=root / "demo.patch"
    )
    engine = Engine(root, client=client)
    try:
        handle = engine.start(RunRequest(command=COMMAND), frontend, yes=True)
        result = await handle.wait()
    finally:
        await engine.aclose()
    return 0 if result.state == "finished" else 1


def _tests(root: Path) -> str:
    done = subprocess.run(TESTS, cwd=root, capture_output=True, text=True, timeout=120)
    last = (done.stderr.strip().splitlines() or ["(no output)"])[-1]
    return f"{'pass' if done.returncode == 0 else 'FAIL'} ({last})"
