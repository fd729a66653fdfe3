"""Durations as a person reads them, wherever the CLI and the reports print one: the
run's own output, `orchestra show RUN`, the run's page. A real `orchestra` process, the
real anthropic client against the scripted Messages API server."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent.parent / "engine"))
from engine_helpers import command_file, orchestra, workspace

from orchestra_lsp.durations import for_people
from orchestra_lsp.testing import ScriptedServer

READ = command_file([{"id": "look", "agent": "worker", "prompt": "Read values.py."}])
SCRIPT: list[dict[str, Any]] = [
    {"reply": {"tool_use": [{"name": "read_file", "input": {"path": "values.py"}}]}},
    {"reply": {"text": "Read it."}},
]
#: A duration as printed: whole milliseconds, tenths of seconds, or minutes and seconds.
READABLE = r"(?:<1 ms|\d{1,3} ms|\d{1,2}\.\d s|\d+ min \d{1,2} s|\d+ h \d{1,2} min)"


@pytest.mark.parametrize(
    ("milliseconds", "said"),
    [
        (0.0, "0 ms"),
        (0.2, "<1 ms"),
        (38.628, "39 ms"),
        (999.6, "1.0 s"),  # rounds up into the next unit, not to `1000 ms`
        (1234.5, "1.2 s"),
        (59_960.0, "1 min 0 s"),
        (125_000.0, "2 min 5 s"),
        (3_725_000.0, "1 h 2 min"),
        (None, "?"),
    ],
)
def test_one_formatter_says_each_size_of_duration(milliseconds: float | None, said: str) -> None:
    assert for_people(milliseconds) == said


def test_the_run_and_show_print_durations_for_people(tmp_path: Path) -> None:
    root = workspace(tmp_path / "ws", {"look": READ}, extra={"values.py": "a = 1\n"})
    config = tmp_path / "config"
    with ScriptedServer(SCRIPT) as server:
        ran = orchestra(root, server, config, "run", "look")
    assert ran.returncode == 0, ran.stdout + ran.stderr
    [during] = [line for line in ran.stdout.splitlines() if "read_file ·" in line]
    assert re.search(rf"read_file · {READABLE} · ", during), during
    shown = orchestra(root, "http://127.0.0.1:9", config, "show", "last")
    assert shown.returncode == 0, shown.stderr
    [after] = [line for line in shown.stdout.splitlines() if "read_file ·" in line]
    assert re.fullmatch(rf"[\d:]+\s+read_file · {READABLE} · a = 1", after), after
    page = orchestra(root, "http://127.0.0.1:9", config, "show", "last", "--html")
    html = Path(page.stdout.strip()).read_text()
    [total] = re.findall(r'id="run-duration"[^>]*>([^<]*)<', html)
    assert re.fullmatch(READABLE, total), total
    assert not re.search(r"\d\.\d+ ms", html), "a duration with decimals of a millisecond"


def test_tool_result_previews_say_something(tmp_path: Path) -> None:
    """The run's output previews each tool result on one line: a pretty-printed JSON
    result compacted (not its first line, `{`), read_file's line numbers dropped, a
    result that starts with blank lines previewed from its first words; cut at 100."""
    big = json.dumps({"id": "SHOP-7", "title": "Totals", "body": "words " * 60}, indent=2)
    files = {
        "ticket.json": big,
        "small.json": json.dumps({"id": "SHOP-8", "tags": ["a", "b"]}, indent=4),
        "notes.md": "\n\n\n---\ntitle: Release notes\n---\n",
    }
    root = workspace(tmp_path / "ws", {"look": READ}, extra=files)
    reads = [{"name": "read_file", "input": {"path": name}} for name in files]
    # Arguments too long for their line are cut with an ellipsis too.
    reads.append({"name": "search", "input": {"pattern": "needle-" * 30}})
    with ScriptedServer([{"reply": {"tool_use": reads}}, {"reply": {"text": "Read."}}]) as server:
        ran = orchestra(root, server, tmp_path / "config", "run", "look")
    assert ran.returncode == 0, ran.stdout + ran.stderr
    previews = [
        line.split(" · ", 2)[2] for line in ran.stdout.splitlines() if "✓ read_file ·" in line
    ]
    assert len(previews) == 3, ran.stdout
    ticket, small, notes = previews
    assert ticket.startswith('{ "id": "SHOP-7", "title": "Totals", "body": "words words')
    assert len(ticket) == 100 and ticket.endswith("…"), ticket
    assert small == '{"id": "SHOP-8", "tags": ["a", "b"]}'
    assert notes == "--- title: Release notes ---"
    [called] = [line for line in ran.stdout.splitlines() if "⚙ search" in line]
    assert called.endswith("…") and len(called.split(" ", 4)[-1]) == 120, called
    # `orchestra show` says each call as the run's output did.
    shown = orchestra(root, "http://127.0.0.1:9", tmp_path / "config", "show", "last").stdout
    again = [line.split(" · ", 2)[2] for line in shown.splitlines() if " read_file · " in line]
    assert again == previews, shown


def test_mcp_list_says_how_long_a_server_took_to_start_for_people(tmp_path: Path) -> None:
    tickets = {"command": sys.executable, "args": ["-m", "orchestra_lsp.tickets", "--dir", "t"]}
    root = workspace(
        tmp_path / "ws",
        {},
        extra={".mcp.json": json.dumps({"mcpServers": {"tickets": tickets}}), "t/.keep": ""},
    )
    listed = orchestra(
        root, "http://127.0.0.1:9", tmp_path / "config", "mcp", "list", COLUMNS="250"
    )
    assert listed.returncode == 0, listed.stdout + listed.stderr
    [row] = [line for line in listed.stdout.splitlines() if "tickets" in line and "ready" in line]
    cells = [cell.strip() for cell in row.split("│")]
    assert any(re.fullmatch(READABLE, cell) for cell in cells), row
