"""`orchestra agents` and `orchestra commands`: what is defined, and where."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path

from orchestra_lsp.cli.tables import print_table
from orchestra_lsp.workspace import Command, Layer, SourceRef, Step, Workspace, load_workspace
from orchestra_lsp.workspace.availability import unavailable
from orchestra_lsp.workspace.flow_checks import step_paths


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print as JSON")


def _where(source: SourceRef, root: Path) -> str:
    """The path from the workspace, or from its own folder for built-ins and user files."""
    base = root if source.layer > Layer.USER else source.path.parent.parent
    try:
        shown = str(source.path.relative_to(base))
    except ValueError:
        shown = str(source.path)
    return f"{shown} ({source.layer.label})"


def agents(args: argparse.Namespace) -> int:
    workspace = load_workspace(args.workspace)
    items = sorted(workspace.agents.values(), key=lambda a: a.name)
    if args.json:
        payload = [
            {
                "name": a.name,
                "description": a.description,
                "tools": a.tools,
                "excluded_tools": a.excluded_tools,
                "permission_mode": a.permission_mode,
                "skills": a.skills,
                "model": a.model,
                "source": str(a.source.path),
                "layer": a.source.layer.label,
            }
            for a in items
        ]
        print(json.dumps(payload, indent=2))
        _say_broken("agent", workspace.broken_agents)
        return 0
    rows = [
        [a.name, a.description, ", ".join(a.tools), _where(a.source, workspace.root)] for a in items
    ]
    print_table("Agents", ["name", "description", "tools", "from"], rows)
    _say_broken("agent", workspace.broken_agents)
    return 0


def commands(args: argparse.Namespace) -> int:
    workspace = load_workspace(args.workspace)
    prompts = asyncio.run(_mcp_prompts(args.workspace)) if _has_mcp(workspace) else []
    items = sorted([*workspace.commands.values(), *prompts], key=lambda c: c.name)
    if args.json:
        payload = [
            {
                "name": c.name,
                "description": c.description,
                "arguments": [a.model_dump() for a in c.arguments],
                "mode": c.mode,
                "steps": [s.id for s in c.steps],
                "step_paths": step_paths(c.steps),
                "source": str(c.source.path),
                "layer": c.source.layer.label,
                "mcp_server": c.mcp_prompt[0] if c.mcp_prompt else None,
                "unavailable": unavailable(c, workspace),
            }
            for c in items
        ]
        print(json.dumps(payload, indent=2))
        _say_broken("command", workspace.broken_commands)
        return 0
    rows = [
        [
            c.name,
            _described(c, workspace),
            " ".join(f"<{a.name}>" if a.required else f"[{a.name}]" for a in c.arguments),
            _steps_text(c.steps),
            f"MCP server '{c.mcp_prompt[0]}'" if c.mcp_prompt else _where(c.source, workspace.root),
        ]
        for c in items
    ]
    print_table("Commands", ["name", "description", "arguments", "steps", "from"], rows)
    _say_broken("command", workspace.broken_commands)
    return 0


def _say_broken(kind: str, broken: dict[str, str]) -> None:
    """After the listing, on stderr: the definitions left out because their files have
    errors (`orchestra run` explains one when it is named; this says they exist)."""
    if not broken:
        return
    where = ", ".join(f"{name} ({at})" for name, at in sorted(broken.items()))
    plural = "" if len(broken) == 1 else "s"
    print(
        f"orchestra: {len(broken)} {kind} definition{plural} could not be read and "
        f"{'is' if len(broken) == 1 else 'are'} not listed: {where}; run `orchestra check` "
        "for why",
        file=sys.stderr,
    )


def _described(command: Command, workspace: Workspace) -> str:
    """The description, and why the command cannot run here when it cannot."""
    why = unavailable(command, workspace)
    return command.description if why is None else f"{command.description} (cannot run: {why})"


def _steps_text(steps: list[Step]) -> str:
    """The steps in order, groups with theirs: `triage → build repeat≤3(implement
    [review] → review) → qa for_each(check) → both parallel(unit | lint)`."""
    parts = []
    for step in steps:
        text = step.id + (f" [{step.gate}]" if step.gate else "")
        if step.kind == "repeat":
            text += f" repeat≤{step.max}({_steps_text(step.steps)})"
        elif step.kind == "for_each":
            text += f" for_each({_steps_text(step.steps)})"
        elif step.kind == "parallel":
            text += f" parallel({' | '.join(_steps_text([inner]) for inner in step.steps)})"
        parts.append(text)
    return " → ".join(parts)


def _has_mcp(workspace: Workspace) -> bool:
    return any(not s.spec.disabled for s in workspace.mcp_servers.values())


#: How long `orchestra commands` waits for MCP servers to start before it lists their
#: prompts (a server that hangs at start would otherwise hold the listing for its
#: whole start-up time-out).
PROMPTS_WAIT_SECONDS = 10.0


async def _mcp_prompts(root: Path) -> list[Command]:
    """The prompts of the configured MCP servers, as commands (this starts them). A
    server that fails, or lists its prompts wrongly, is named on stderr."""
    from orchestra_lsp.engine import Engine

    def notice(level: str, message: str) -> None:
        # The listing itself stands (exit 0): what a server lacks is a warning here.
        del level
        print(f"orchestra: warning: {message}; its prompts are not listed", file=sys.stderr)

    engine = Engine(root, on_notice=notice)
    try:
        return list((await engine.mcp_commands(PROMPTS_WAIT_SECONDS)).values())
    finally:
        await engine.aclose()
