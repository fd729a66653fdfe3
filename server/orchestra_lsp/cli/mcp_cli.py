"""`orchestra mcp list` and `orchestra mcp call`: the MCP servers of mcp.json, by hand.

For debugging a server setup: `list` starts every enabled server and shows its state,
its tools and, for one that failed, why (command, exit code, last stderr lines);
`call` runs one tool and prints what the model would get, exiting 1 on an error. No
permission policy applies: a person typed the command.
"""

from __future__ import annotations

import argparse
import asyncio
import difflib
import json
import sys
import webbrowser
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from rich.markup import escape

from orchestra_lsp.cli.options import common_options
from orchestra_lsp.cli.tables import print_table
from orchestra_lsp.durations import for_people
from orchestra_lsp.mcp import McpResult, ServerState, ServerStatus
from orchestra_lsp.shown_text import spelled_out
from orchestra_lsp.workspace import StdioServer, Workspace, load_workspace
from orchestra_lsp.workspace.loader import default_user_dir

if TYPE_CHECKING:
    import mcp_types as types

    from orchestra_lsp.mcp.pool import McpPool


def register(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="mcp_command", metavar="ACTION", required=True)
    common = common_options()
    listing = sub.add_parser(
        "list", help="start the servers; show state, tools, failures", parents=[common]
    )
    listing.add_argument("--json", action="store_true", help="print as JSON")
    call = sub.add_parser(
        "call", help="call one tool and print its result; exit 1 on error", parents=[common]
    )
    call.add_argument("server", help="the server's name in mcp.json")
    call.add_argument("tool", help="the tool's name on that server")
    call.add_argument("arguments", nargs="?", default="{}", help="a JSON object (default: {})")
    call.add_argument("--json", action="store_true", help="print the result as JSON")
    login = sub.add_parser(
        "login",
        help="authorize Orchestra with an HTTP server (OAuth, in the browser)",
        parents=[common],
    )
    login.add_argument("server", help="the server's name in mcp.json")
    login.add_argument("--no-browser", action="store_true", help="only print the page to open")
    logout = sub.add_parser(
        "logout", help="forget the OAuth tokens of an HTTP server", parents=[common]
    )
    logout.add_argument("server", help="the server's name in mcp.json")


def run(args: argparse.Namespace) -> int:
    workspace = load_workspace(args.workspace)
    if args.mcp_command == "list":
        return asyncio.run(_list(workspace, as_json=args.json))
    if args.mcp_command in ("login", "logout"):
        return _authorize(workspace, args)
    try:
        arguments = json.loads(args.arguments)
    except json.JSONDecodeError as exc:
        print(f"orchestra: ARGUMENTS is not JSON: {exc}", file=sys.stderr)
        return 2
    if not isinstance(arguments, dict):
        print("orchestra: ARGUMENTS must be a JSON object", file=sys.stderr)
        return 2
    if args.server not in workspace.mcp_servers:
        known = ", ".join(sorted(workspace.mcp_servers)) or "none configured"
        print(f"orchestra: no MCP server '{args.server}' ({known})", file=sys.stderr)
        return 2
    result = asyncio.run(_call(workspace, args.server, args.tool, arguments))
    # A server's text is spelled out: its escape sequences must not drive the terminal.
    print(result.model_dump_json(indent=2) if args.json else spelled_out(_readable(result)))
    return 1 if result.is_error else 0


def _pool(workspace: Workspace) -> McpPool:
    from orchestra_lsp.mcp.pool import McpPool  # the SDK loads only when a pool is made

    settings = workspace.config.mcp
    return McpPool(
        workspace.mcp_servers,
        call_timeout=settings.call_timeout_seconds,
        startup_timeout=settings.startup_timeout_seconds,
        max_result_tokens=workspace.config.model.max_tool_result_tokens,
        workspace=workspace.root,
        tokens=default_user_dir(),
    )


async def _list(workspace: Workspace, *, as_json: bool) -> int:
    async with _pool(workspace) as pool:
        await pool.tools_for(["mcp__*"])
        statuses = pool.status()
    if as_json:
        print(json.dumps([status.model_dump(mode="json") for status in statuses], indent=2))
    elif not statuses:
        print("No MCP servers configured (.orchestra/mcp.json or .mcp.json).")
    else:
        _table(statuses)
    return 1 if any(status.state is ServerState.FAILED for status in statuses) else 0


async def _call(
    workspace: Workspace, server: str, tool: str, arguments: dict[str, Any]
) -> McpResult:
    async with _pool(workspace) as pool:
        result = await pool.call(f"mcp__{server}__{tool}", arguments, elicit=_elicit)
        if not result.is_error:
            return result
        # A misspelt tool: the server's own answer rarely says which tools it has.
        offered = [t.tool for t in await pool.tools_for([f"mcp__{server}__*"])]
        if offered and tool not in offered:
            close = difflib.get_close_matches(tool, offered, n=1)
            hint = f"did you mean '{close[0]}'? " if close else ""
            note = (
                f"MCP server '{server}' has no tool '{tool}'; {hint}its tools: {', '.join(offered)}"
            )
            return result.model_copy(
                update={"content": [*result.content, {"type": "text", "text": note}]}
            )
        return result


async def _elicit(server: str, params: types.ElicitRequestParams) -> types.ElicitResult:
    """A server's question during `mcp call` goes to the person at the terminal (the
    page of URL mode opened once they accept); without a terminal it is declined.
    What happened goes to stderr, never the answers."""
    from mcp_types import ElicitRequestFormParams
    from rich.prompt import Prompt

    from orchestra_lsp.cli.line_input import ask_in_thread
    from orchestra_lsp.mcp.elicitation import NobodyToAsk, ask_form, ask_url

    async def ask(text: str, choices: list[str] | None, open_url: str | None = None) -> str:
        if not (sys.stdin.isatty() and sys.stdout.isatty()):
            raise NobodyToAsk("there is no terminal to ask in")
        try:
            answer = await ask_in_thread(
                lambda line: Prompt.ask(escape(text), choices=choices, stream=line)
            )
        except EOFError:  # Ctrl-D: nobody answers; the request is declined
            raise NobodyToAsk("the terminal's input ended (Ctrl-D)") from None
        if open_url and choices and answer == choices[0]:
            webbrowser.open(open_url)
        return answer

    if isinstance(params, ElicitRequestFormParams):
        result, why = await ask_form(server, params, ask)
    else:
        result, why = await ask_url(server, params, ask)
    print(
        spelled_out(
            f"MCP server '{server}' asked for input ({params.mode} mode): {result.action}; {why}"
        ),
        file=sys.stderr,
    )
    return result


def _table(statuses: Sequence[ServerStatus]) -> None:
    rows = [
        [
            status.name,
            status.state,
            f"{len(status.tools)}: {', '.join(status.tools)}" if status.tools else "0",
            for_people(status.start_ms) if status.start_ms is not None else "",
            status.failure or status.target,
        ]
        for status in statuses
    ]
    columns = ["server", "state", "tools", "started in", "command or URL / failure"]
    # A command line is copied whole, as a path is.
    where = columns[-1]
    print_table("MCP servers", columns, rows, paths=(where,), short=("state", "started in"))


def _readable(result: McpResult) -> str:
    parts = []
    for block in result.content:
        if block["type"] == "text":
            parts.append(block["text"])
        else:
            source = block["source"]
            parts.append(f"[image {source['media_type']}, {len(source['data'])} base64 characters]")
    return "\n".join(parts)


def _authorize(workspace: Workspace, args: argparse.Namespace) -> int:
    """`login`: the OAuth flow in the browser, tokens kept per user; `logout`: forget them."""
    from orchestra_lsp.mcp.oauth import TokenStore

    server = workspace.mcp_servers.get(args.server)
    if server is None or isinstance(server.spec, StdioServer) or server.spec.type in ("sse", "acp"):
        known = [
            n for n, s in workspace.mcp_servers.items() if getattr(s.spec, "type", "") != "stdio"
        ]
        names = ", ".join(sorted(known)) or "none"
        print(
            f"orchestra: '{args.server}' is not a streamable HTTP server of mcp.json "
            f"(HTTP servers: {names})",
            file=sys.stderr,
        )
        return 2
    if args.mcp_command == "logout":
        store = TokenStore(server.spec.url, default_user_dir())
        had = store.clear()
        print(f"{'Forgot' if had else 'No'} OAuth tokens for '{args.server}' ({store.where}).")
        return 0

    async def open_url(url: str) -> None:
        print(f"Open this page to authorize Orchestra with '{args.server}':\n{url}", flush=True)
        if not args.no_browser:
            import webbrowser

            webbrowser.open(url)

    async def authorize() -> str:
        async with _pool(workspace) as pool:
            return await pool.login(args.server, open_url)

    from orchestra_lsp.mcp import McpFailure

    try:
        where = asyncio.run(authorize())
    except McpFailure as exc:
        print(f"orchestra: {exc}", file=sys.stderr)
        return 1
    print(f"Authorized: tokens for '{args.server}' are kept in {where}.")
    return 0
