"""`orchestra demo`: the example shop's two workflows, end to end, on a copy of it.

`qa-ticket SHOP-14` tests a ticket in a real browser (the ticket MCP server,
@playwright/mcp driving Chromium against the shop, which the QA agent starts) and
writes a report per criterion; `implement-ticket SHOP-12` fixes a bug through an
approved design and a reviewed change, after which the shop's own tests pass.

With ANTHROPIC_API_KEY set it runs against Claude; without one, against the shipped
transcripts (`examples/shop/transcripts/`) served by the scripted Messages API server:
the real client, MCP servers, browser, tools, review and journal either way, and it
says which. Gates pass by policy, as with `orchestra run --yes --apply`: the design is
approved, the change is accepted and written to the copy, and posting the QA report on
the ticket (which needs a person's permission) is declined.

Last, `orchestra batch triage-ticket` goes over every ticket of the tracker, two at a
time (the whole queue at once, as a QA lead hands it over), and prints its summary.

`orchestra demo --example calculator` runs the smaller first example instead: one
command fixing a failing test, no MCP servers.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import yaml
from rich.console import Console
from rich.rule import Rule
from rich.text import Text

from orchestra_lsp.cli.batch_cmd import ItemProgress, print_summary
from orchestra_lsp.cli.console import TerminalConsole
from orchestra_lsp.cli.terminal import TerminalFrontEnd
from orchestra_lsp.cli.words import counted
from orchestra_lsp.engine import Engine, RunRequest
from orchestra_lsp.engine.batch import (
    BatchOptions,
    BatchRunner,
    BatchSummary,
    format_verdicts,
    make_plan,
    tool_items,
)
from orchestra_lsp.journal import read_events
from orchestra_lsp.journal.models import said
from orchestra_lsp.llm import ModelClient
from orchestra_lsp.workspace import load_workspace

if TYPE_CHECKING:
    from orchestra_lsp.testing import Script

SHOP = "shop"
CALCULATOR = "calculator"
SHOP_PORT = 8000
"""The port the shop's CONTEXT.md, tickets and transcripts are written for."""
SHOP_HOST = "127.0.0.1"
TRANSCRIPTS = "transcripts"
REPORT_FILE = "report.md"
CHROMIUM = Path("/usr/bin/chromium")
PLAYWRIGHT_CLI = Path("tests/mcp/node/node_modules/@playwright/mcp/cli.js")
"""Where `make mcp-test-servers` installs @playwright/mcp, relative to the repository."""
SHOP_TESTS = ["-m", "unittest", "discover", "-s", "tests"]
CALCULATOR_TESTS = ["-m", "unittest", "-q"]
#: Copied examples leave out the journal, caches, real secrets and the transcripts
#: (the model must not find its own script in the workspace).
COPY_IGNORE = shutil.ignore_patterns("runs", "__pycache__", ".env", TRANSCRIPTS)
#: The copy's one commit: whatever the person's git configuration (no signing, no hooks).
GIT_COMMIT = [
    *("-c", "user.name=Orchestra demo", "-c", "user.email=demo@orchestra.invalid"),
    *("-c", "commit.gpgsign=false", "commit", "--no-verify", "-q"),
]


@dataclass(frozen=True)
class Workflow:
    """One command of the shop demo and the transcript that plays the model offline."""

    command: str
    ticket: str
    what: str

    @property
    def transcript(self) -> str:
        return f"{self.command}-{self.ticket}.yaml"


BATCH_COMMAND = "triage-ticket"
BATCH_TOOL = "mcp__tickets__search_tickets"
BATCH_TRANSCRIPT = "batch-triage-ticket.yaml"
GATES_PASS = (
    "[bold]Gates pass by policy[/], as with `orchestra run --yes --apply`: nobody is asked; "
    "each gate says so where it passes, and a tool call that needs a person's permission "
    "is declined"
)
BATCH_LINE = f"orchestra batch {BATCH_COMMAND} --each-from '{BATCH_TOOL} {{}}' --parallel 2 --yes"

WORKFLOWS = (
    Workflow("qa-ticket", "SHOP-14", "test a ticket's criteria in the browser"),
    Workflow("implement-ticket", "SHOP-12", "fix a bug: design, reviewed change, review"),
)


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--into", type=Path, metavar="DIR", help="copy the example here (default: a new temp dir)"
    )
    parser.add_argument(
        "--example",
        choices=[SHOP, CALCULATOR],
        default=SHOP,
        help="which example to run (default: the shop, both workflows)",
    )


def example_dir(name: str = SHOP) -> Path:
    """Inside the wheel, or this repository's `examples/` in a checkout."""
    package = Path(__file__).resolve().parent.parent
    for candidate in (package / "examples" / name, package.parent.parent / "examples" / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"the {name} example is not installed")


def run(args: argparse.Namespace) -> int:
    console = TerminalConsole(highlight=False)
    if args.example == CALCULATOR:
        return _calculator(args, console)
    return _shop(args, console)


# -- the shop: preparing a copy --------------------------------------------------------


def shop_port() -> int:
    """8000, the port the example is written for, unless something already uses it."""
    return SHOP_PORT if _port_free(SHOP_PORT) else _free_port()


def prepare_shop(target: Path, port: int = SHOP_PORT) -> Path:
    """Copy the shop to `target` as a git repository with one commit (so a review can
    `git diff`), its URLs moved to `port` when that is not 8000. Returns `target`."""
    shutil.copytree(example_dir(SHOP), target, dirs_exist_ok=True, ignore=COPY_IGNORE)
    if port != SHOP_PORT:
        texts = [target / ".orchestra" / "CONTEXT.md", *sorted((target / "tickets").glob("*.md"))]
        for path in texts:
            path.write_text(with_port(path.read_text(encoding="utf-8"), port), encoding="utf-8")
    _git(target, "init", "-q")
    exclude = target / ".git" / "info" / "exclude"
    exclude.parent.mkdir(parents=True, exist_ok=True)
    exclude.write_text(".orchestra/runs/\n__pycache__/\n", encoding="utf-8")
    _git(target, "add", "-A")
    _git(target, *GIT_COMMIT, "-m", "The example shop")
    return target


def with_port(text: str, port: int) -> str:
    """`text` with the shop's address moved from port 8000 to `port`."""
    return text.replace(f"{SHOP_HOST}:{SHOP_PORT}", f"{SHOP_HOST}:{port}")


def load_transcript(name: str, port: int = SHOP_PORT) -> Script:
    """A shipped transcript of the shop (e.g. `qa-ticket-SHOP-14.yaml`), for `port`."""
    from orchestra_lsp.testing import Script

    text = (example_dir(SHOP) / TRANSCRIPTS / name).read_text(encoding="utf-8")
    return Script.model_validate(yaml.safe_load(with_port(text, port)))


def playwright_cli() -> Path | None:
    """@playwright/mcp's cli.js: `PLAYWRIGHT_MCP_CLI`, else where `make
    mcp-test-servers` puts it in this repository's checkout."""
    configured = os.environ.get("PLAYWRIGHT_MCP_CLI")
    if configured:
        return Path(configured)
    checkout = Path(__file__).resolve().parents[3] / PLAYWRIGHT_CLI
    return checkout if checkout.is_file() else None


def chromium() -> Path | None:
    configured = os.environ.get("CHROMIUM_PATH")
    if configured:
        return Path(configured)
    found = shutil.which("chromium")
    return Path(found) if found else (CHROMIUM if CHROMIUM.exists() else None)


def shop_environment(workspace: Path, port: int) -> dict[str, str]:
    """What the copied example's mcp.json and the shop need from the environment: the
    browser server's paths (its defaults point into this repository) and the port."""
    cli, browser = playwright_cli(), chromium()
    missing = [
        what
        for what, path in (("@playwright/mcp", cli), ("Chromium", browser))
        if path is None or not path.exists()
    ]
    if missing:
        raise FileNotFoundError(
            f"{' and '.join(missing)} not found: run `make demo` (it installs them), or set "
            "PLAYWRIGHT_MCP_CLI to @playwright/mcp's cli.js and CHROMIUM_PATH to a Chromium"
        )
    assert cli is not None and browser is not None
    return {
        "PLAYWRIGHT_MCP_CLI": str(cli),
        "CHROMIUM_PATH": str(browser),
        "PLAYWRIGHT_MCP_OUTPUT_DIR": str(workspace / ".orchestra" / "runs" / "browser"),
        "XDG_CACHE_HOME": os.environ.get(
            "XDG_CACHE_HOME", str(Path(tempfile.gettempdir()) / "orchestra-playwright-cache")
        ),
        "SHOP_PORT": str(port),
    }


def shop_answers(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://{SHOP_HOST}:{port}/health", timeout=1) as answer:
            return bool(answer.read().startswith(b"shop ok"))
    except (urllib.error.URLError, OSError):
        return False


def stop_shop(workspace: Path, port: int) -> None:
    """Stop a shop the run started with `python3 -m shop --detach` (no-op otherwise)."""
    subprocess.run(
        [sys.executable, "-m", "shop", "--stop", "--port", str(port)],
        cwd=workspace,
        capture_output=True,
        timeout=30,
        check=False,
    )


@contextlib.contextmanager
def environment(values: Mapping[str, str]) -> Iterator[None]:
    """`os.environ` with `values` for the duration (mcp.json and `run_shell` read it)."""
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


# -- the shop: running both workflows ---------------------------------------------------


@dataclass
class Outcome:
    workflow: Workflow
    state: str
    journal: Path
    report: Path | None = None
    patch: Path | None = None
    comment: str | None = None
    """What became of posting on the ticket, if the run tried."""
    mismatches: list[str] = field(default_factory=list)


def _shop(args: argparse.Namespace, console: Console) -> int:
    if shutil.which("git") is None:
        console.print(
            "[red]orchestra demo: git is not installed (the review step diffs with it)[/]"
        )
        return 2
    target = (args.into or Path(tempfile.mkdtemp(prefix="orchestra-demo-"))).resolve()
    port = shop_port()
    prepare_shop(target, port)
    try:
        env = shop_environment(target, port)
    except FileNotFoundError as error:
        console.print(f"[red]orchestra demo: {error}[/]")
        return 2
    online = bool(os.environ.get("ANTHROPIC_API_KEY"))

    console.print(Rule(f"Orchestra demo · the example shop · {target}"))
    if online:
        console.print("[bold]Model: Claude[/] (ANTHROPIC_API_KEY is set)")
    else:
        console.print(
            "[bold]Model: the shipped scripted transcripts[/] (no ANTHROPIC_API_KEY): offline, "
            "through the real anthropic client; set ANTHROPIC_API_KEY to run against Claude. "
            "Token counts and costs are the scripted server's estimates."
        )
    with environment(env):
        workspace = load_workspace(target)
    console.print(
        f"orchestra check: {len(workspace.errors)} error(s); "
        f"{counted(len(workspace.agents), 'agent')}; "
        f"MCP servers: {', '.join(sorted(workspace.mcp_servers))}"
    )
    moved = "" if port == SHOP_PORT else f" (port {SHOP_PORT} is taken: moved to {port})"
    console.print(
        f"shop: http://{SHOP_HOST}:{port}{moved}; the QA agent starts it, the demo stops it"
    )
    # The server as mcp.json writes it: its `${VAR}`s are references, shown as such (the
    # values they expand to count as secrets and would print as [redacted]).
    browser = workspace.mcp_servers.get("browser")
    console.print(
        f"browser: @playwright/mcp · {browser.shown() if browser else 'not configured'}",
        soft_wrap=True,
        markup=False,
    )
    console.print(f"shop tests before: {_tests(target, SHOP_TESTS)}")
    console.print(GATES_PASS, soft_wrap=True)

    outcomes: list[Outcome] = []
    try:
        with environment(env):
            for number, workflow in enumerate(WORKFLOWS, 1):
                console.print(
                    Rule(f"{number}/{len(WORKFLOWS)} {workflow.command} {workflow.ticket}")
                )
                console.print(f"[dim]{workflow.what}[/]")
                outcome = asyncio.run(_workflow(target, workflow, port, online, console))
                outcomes.append(outcome)
                _show(outcome, console)
            console.print(Rule(f"and the whole queue: {BATCH_COMMAND} on every ticket"))
            console.print(f"[dim]$ {BATCH_LINE}[/]", soft_wrap=True)
            queue, queue_mismatches = asyncio.run(_triage_queue(target, port, online, console))
    finally:
        stop_shop(target, port)

    console.print(Rule("Summary"))
    console.print(f"shop tests after: {_tests(target, SHOP_TESTS)}")
    for outcome in outcomes:
        name = f"{outcome.workflow.command} {outcome.workflow.ticket}"
        console.print(f"{name}: {said(outcome.state)} · journal {outcome.journal}", soft_wrap=True)
        if outcome.report is not None:
            console.print(f"  report: {outcome.report}", soft_wrap=True)
        if outcome.patch is not None:
            console.print(f"  reviewed diff (applied to the copy): {outcome.patch}", soft_wrap=True)
        for mismatch in outcome.mismatches:
            console.print(f"  [red]transcript mismatch:[/] {mismatch}")
    console.print(
        f"{BATCH_COMMAND} over the queue: {sum(i.state == 'finished' for i in queue.items)} "
        f"of {len(queue.items)} ticket(s) finished · {format_verdicts_of(queue)}",
        soft_wrap=True,
    )
    for mismatch in queue_mismatches:
        console.print(f"  [red]transcript mismatch:[/] {mismatch}")
    console.print(f"see them again: {_orchestra()} runs --workspace {target}", soft_wrap=True)
    failed = any(o.state != "finished" or o.mismatches for o in outcomes)
    failed = failed or not queue.ok or bool(queue_mismatches)
    return 1 if failed or len(outcomes) < len(WORKFLOWS) else 0


def _orchestra() -> str:
    """How the person who ran `make demo` types `orchestra`: the demo runs from the
    virtualenv, which is usually not on their PATH."""
    script = Path(sys.executable).parent / "orchestra"
    found = shutil.which("orchestra")
    if found is not None and Path(found).resolve() == script.resolve():
        return "orchestra"
    with contextlib.suppress(ValueError):  # not below the current folder
        return str(script.relative_to(Path.cwd()))
    return str(script)


async def _workflow(
    root: Path, workflow: Workflow, port: int, online: bool, console: Console
) -> Outcome:
    if online:
        return await _run_workflow(root, workflow, ModelClient(), console)
    from orchestra_lsp.testing import ScriptedServer

    with ScriptedServer(load_transcript(workflow.transcript, port)) as server:
        client = ModelClient(base_url=server.base_url, api_key="demo-offline")
        outcome = await _run_workflow(root, workflow, client, console)
        outcome.mismatches = [failure.message for failure in server.failures]
        played, total = server.turns_served, len(server.script.turns)
        if not outcome.mismatches and played < total:
            outcome.mismatches.append(f"the run ended after {played} of {total} scripted turns")
    return outcome


async def _run_workflow(
    root: Path, workflow: Workflow, client: ModelClient, console: Console
) -> Outcome:
    frontend = TerminalFrontEnd(console=console, root=root, interactive=False, show_text=False)
    engine = Engine(root, client=client)
    try:
        request = RunRequest(command=workflow.command, arguments={"ticket": workflow.ticket})
        handle = engine.start(request, frontend, yes=True)
        frontend.patch = handle.journal_dir / "changes.patch"
        result = await handle.wait()
    finally:
        await engine.aclose()
    patch = frontend.patch
    report = handle.journal_dir / REPORT_FILE  # the run's answer, saved by the engine
    has_patch = patch.is_file() and patch.stat().st_size > 0
    return Outcome(
        workflow=workflow,
        state=result.state,
        journal=handle.journal_dir,
        report=report if report.is_file() else None,
        patch=patch if has_patch else None,
        comment=_comment(handle.journal_dir),
    )


async def _triage_queue(
    root: Path, port: int, online: bool, console: Console
) -> tuple[BatchSummary, list[str]]:
    """`orchestra batch triage-ticket` over every ticket the tracker lists, two at a
    time, as the CLI runs it (engine/batch.py); offline against the concurrent
    transcript. Returns the summary and the transcript's mismatches."""
    engine = Engine(root)
    try:
        command = engine.command(BATCH_COMMAND)
        assert command is not None, f"the shop has no {BATCH_COMMAND} command"
        keys = await tool_items(engine, BATCH_TOOL, {})
    finally:
        await engine.aclose()
    plan = make_plan(command, None, keys, {})

    async def run(client: Callable[[], ModelClient] | None) -> BatchSummary:
        runner = BatchRunner(
            root,
            plan,
            lambda item: ItemProgress(console, item.name),
            BatchOptions(parallel=2, yes=True),
            on_done=lambda result: None,
            client=client,
        )
        summary = await runner.run()
        print_summary(summary, console, root / ".orchestra" / "runs")
        console.print(f"batch summary: {runner.folder / 'summary.md'}", soft_wrap=True)
        return summary

    if online:
        return await run(None), []
    from orchestra_lsp.testing import ScriptedServer

    with ScriptedServer(load_transcript(BATCH_TRANSCRIPT, port)) as server:
        url = server.base_url
        summary = await run(lambda: ModelClient(base_url=url, api_key="demo-offline"))
        mismatches = [failure.message for failure in server.failures]
        played, total = server.turns_served, len(server.script.turns)
        if not mismatches and played < total:
            mismatches.append(f"the batch ended after {played} of {total} scripted turns")
    return summary, mismatches


def format_verdicts_of(summary: BatchSummary) -> str:
    return "; ".join(
        f"{i.item} {format_verdicts(i.verdicts) or said(i.state)}" for i in summary.items
    )


def _comment(journal: Path) -> str | None:
    """Whether the run's ticket comment was posted: the permission gate's decision."""
    events, _ = read_events(journal / "events.jsonl")
    for event in events:
        if event.get("type") == "permission_decided" and "comment" in str(event.get("tool")):
            if event.get("verdict") == "allow":
                return f"posted ({event.get('tool')})"
            who = "nobody to ask: gates pass by policy" if event.get("by") == "automation" else ""
            return f"not posted: {event.get('tool')} needs a person's permission" + (
                f" ({who})" if who else ""
            )
    return None


def _show(outcome: Outcome, console: Console) -> None:
    if outcome.patch is not None:
        console.print(f"reviewed diff: {outcome.patch}", soft_wrap=True)
    if outcome.report is None:
        return
    text = outcome.report.read_text(encoding="utf-8")
    title = f"{outcome.workflow.command} {outcome.workflow.ticket} · report"
    console.print(Rule(title, characters="┄", align="left"))
    console.print(Text(text.rstrip()), soft_wrap=True)
    console.print(Rule(characters="┄"))
    console.print(f"report: {outcome.report}", soft_wrap=True)
    if outcome.comment is not None:
        console.print(f"ticket comment: {outcome.comment}")


# -- the calculator ----------------------------------------------------------------------


def _calculator(args: argparse.Namespace, console: Console) -> int:
    target = (args.into or Path(tempfile.mkdtemp(prefix="orchestra-demo-"))).resolve()
    shutil.copytree(example_dir(CALCULATOR), target, dirs_exist_ok=True, ignore=COPY_IGNORE)
    transcript = target.parent / f"{target.name}-transcript.yaml"
    shutil.move(target / "transcript.yaml", transcript)

    console.print(Rule(f"Orchestra demo · {CALCULATOR} · {target}"))
    workspace = load_workspace(target)
    console.print(
        f"orchestra check: {len(workspace.errors)} error(s); "
        f"{counted(len(workspace.agents), 'agent')}; "
        f"commands: {', '.join(sorted(workspace.commands))}"
    )
    console.print(f"tests before: {_tests(target, CALCULATOR_TESTS)}")
    console.print(GATES_PASS, soft_wrap=True)
    patch = target / "demo.patch"
    if os.environ.get("ANTHROPIC_API_KEY"):
        console.print("[bold]Model: Claude[/] (ANTHROPIC_API_KEY is set)")
        code = asyncio.run(_fix_calculator(target, console, ModelClient(), patch))
        failures: list[str] = []
    else:
        from orchestra_lsp.testing import ScriptedServer

        console.print(
            "[bold]Model: the shipped scripted transcript[/] (no ANTHROPIC_API_KEY; offline, "
            "through the real anthropic client)"
        )
        with ScriptedServer.from_file(transcript) as server:
            client = ModelClient(base_url=server.base_url, api_key="demo-offline")
            code = asyncio.run(_fix_calculator(target, console, client, patch))
            failures = [f.message for f in server.failures]
    for failure in failures:
        console.print(f"[red]transcript mismatch:[/] {failure}")
    console.print(f"tests after: {_tests(target, CALCULATOR_TESTS)}")
    console.print(f"journal: {target / '.orchestra' / 'runs'} · patch: {patch}")
    console.print(f"see it again: orchestra show last --workspace {target}")
    return 1 if failures else code


async def _fix_calculator(root: Path, console: Console, client: ModelClient, patch: Path) -> int:
    frontend = TerminalFrontEnd(console=console, root=root, interactive=False, patch=patch)
    engine = Engine(root, client=client)
    try:
        handle = engine.start(RunRequest(command="fix-failing-tests"), frontend, yes=True)
        result = await handle.wait()
    finally:
        await engine.aclose()
    return 0 if result.state == "finished" else 1


# -- helpers -----------------------------------------------------------------------------


def _tests(root: Path, arguments: list[str]) -> str:
    done = subprocess.run(
        [sys.executable, *arguments], cwd=root, capture_output=True, text=True, timeout=120
    )
    last = (done.stderr.strip().splitlines() or ["(no output)"])[-1]
    return f"{'pass' if done.returncode == 0 else 'FAIL'} ({last})"


def _git(root: Path, *arguments: str) -> None:
    subprocess.run(["git", *arguments], cwd=root, check=True, capture_output=True, timeout=60)


def _port_free(port: int) -> bool:
    """Whether nothing listens on the port (a recently stopped shop's connections
    waiting to close do not count: the shop reuses the address too)."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((SHOP_HOST, port))
        except OSError:
            return False
    return True


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((SHOP_HOST, 0))
        port: int = probe.getsockname()[1]
        return port
