"""What a hostile model, tool or file writes never drives the person's terminal.

A scripted model reads a file full of escape sequences (clear screen, OSC 8 link,
window title, colour), has an allowed command print more, proposes a hunk that hides
text (`ESC[8m`), reverses it (Trojan Source bidi controls) and splits a line with a
bare CR, and replies with the same sequences. `orchestra run --yes` and `orchestra show`
print every one of them spelled out (`\\x1b[2J`, `\\u202e`), and none raw.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from attack_helpers import committed, person_runs

from orchestra_lsp.testing import ScriptedServer

AGENT = """\
---
name: writer
description: Reads and writes.
tools: [read_file, edit, run_shell]
max_turns: 4
---
You write.
"""

COMMAND = """\
---
description: write
steps: [{"id": "write", "agent": "writer", "prompt": "Write."}]
---
"""

CLEAR, HIDE = "\x1b[2J\x1b[H", "\x1b[8m"
LINK = "\x1b]8;;http://evil.example/\x1b\\click\x1b]8;;\x1b\\"
TITLE = "\x1b]0;innocent\x07"
C1_CSI = "\x9b2J"
BIDI = "\u202e ;)nimda(llac \u2066"
RAW = ("\x1b", "\x9b", "\x07", "\u202e", "\u2066")


def _cli(root: Path, *args: str, model_url: str = "http://127.0.0.1:9") -> str:
    done = person_runs(root, *args, model_url=model_url, columns=400)
    output = done.stdout + done.stderr
    assert "Traceback" not in output, output
    return output


def test_escape_sequences_and_bidi_controls_are_shown_never_sent_to_the_terminal(
    tmp_path: Path,
) -> None:
    root = tmp_path / "repo"
    files = {
        ".orchestra/agents/writer.md": AGENT,
        ".orchestra/commands/write.md": COMMAND,
        ".orchestra/config.toml": '[model]\nname = "claude-sonnet-4-6"\n'
        '[permissions]\nallow = ["edit(**)", "run_shell(printf *)"]\n',
        "notes.txt": f"{CLEAR}{LINK} {TITLE} {C1_CSI}\n",
        "src/app.py": "x = 1\n",
        ".gitignore": ".orchestra/runs/\n",
    }
    committed(root, files)

    calls = [
        {"name": "read_file", "input": {"path": "notes.txt"}},
        {"name": "run_shell", "input": {"command": r"printf '\033]0;shell\007\033[31mred'"}},
        {
            "name": "edit",
            "input": {
                "command": "str_replace",
                "path": "src/app.py",
                "old_str": "x = 1",
                "new_str": f"x = 1  # {BIDI} {HIDE}hidden\x1b[0m\rlooks fine",
            },
        },
    ]
    script = [
        {"name": "work", "reply": {"tool_use": calls}},
        {"name": "done", "reply": {"text": ["Done ", CLEAR, LINK, TITLE, BIDI]}},
    ]
    with ScriptedServer(script) as model:
        output = _cli(root, "run", "write", "--yes", model_url=model.base_url)
        model.assert_no_failures()
        model.assert_all_consumed()
    [run] = [p.name for p in (root / ".orchestra" / "runs").iterdir() if p.is_dir()]
    shown = _cli(root, "show", run)

    for where, text in {"run": output, "show": shown}.items():
        raw = [repr(c) for c in RAW if c in text]
        assert raw == [], f"{where} printed {raw} raw:\n{text!r}"
        # the tool result, the model's reply and the hunk, each spelled out
        assert "\\x1b]8;;http://evil.example/" in text, (where, text)
        assert "\\x1b[2J" in text and "\\u202e ;)nimda(llac \\u2066" in text, (where, text)
        assert "\\x1b[8mhidden\\x1b[0m\\x0d" in text, (where, text)  # the bare CR too
    assert "\\x1b]0;shell" in output and "\\x1b[31mred" in output, output
    assert "\\x9b2J" in output, output
    # report.md is read with `cat` too: the reply in it is spelled out the same way.
    report = (root / ".orchestra" / "runs" / run / "report.md").read_text(encoding="utf-8")
    assert [repr(c) for c in RAW if c in report] == [], repr(report)
    assert "Done \\x1b[2J" in report and "\\u202e ;)nimda(llac" in report, repr(report)


def test_an_mcp_tools_text_printed_by_mcp_call_is_spelled_out(tmp_path: Path) -> None:
    """`orchestra mcp call` prints a server's text: a hostile server's escapes too."""
    server = Path(__file__).resolve().parents[1] / "mcp" / "servers" / "faulty_server.py"
    root = tmp_path / "repo"
    (root / ".orchestra").mkdir(parents=True)
    (root / ".orchestra" / "mcp.json").write_text(
        json.dumps({"mcpServers": {"echo": {"command": sys.executable, "args": [str(server)]}}})
    )
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    said = json.dumps({"text": f"{CLEAR}{LINK}{TITLE}{BIDI}"})
    output = _cli(root, "mcp", "call", "echo", "ok", said)
    assert "ok: " in output, output  # the call was made and its text printed
    raw = [repr(c) for c in RAW if c in output]
    assert raw == [], f"printed {raw} raw:\n{output!r}"
    assert "\\x1b[2J" in output and "\\x1b]8;;http://evil.example/" in output, output
    assert "\\u202e" in output, output
