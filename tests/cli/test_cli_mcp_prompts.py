"""`orchestra mcp call` when the server asks for input (MCP elicitation) on a
pseudo-terminal: Ctrl-D at its question declines the request with the reason said
once, and the call ends cleanly — no traceback. A real `orchestra` process and a real
MCP server that elicits."""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent.parent / "engine"))
from engine_helpers import cli_env, in_a_terminal

SERVER = Path(__file__).resolve().parents[1] / "mcp" / "servers" / "elicit_server.py"


def test_end_of_input_at_a_servers_question_declines_it(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    (root / ".orchestra").mkdir(parents=True)
    servers = {"e": {"command": sys.executable, "args": [str(SERVER)]}}
    (root / ".orchestra" / "mcp.json").write_text(json.dumps({"mcpServers": servers}))
    transcript, code = in_a_terminal(
        [sys.executable, "-m", "orchestra_lsp", "mcp", "call", "e", "book", "{}"],
        root,
        cli_env("http://127.0.0.1:9", tmp_path / "config"),
        {"MCP server 'e' asks": "\x04"},
    )
    assert "Traceback" not in transcript and "EOFError" not in transcript, transcript
    assert "declined: the terminal's input ended (Ctrl-D)" in transcript, transcript
    assert "booking declined" in transcript, transcript  # the server's own answer
    assert code == 0, transcript
