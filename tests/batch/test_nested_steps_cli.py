"""Steps inside groups at the command line: `orchestra commands` shows each group with
its steps (table and `--json` paths), and `orchestra resume --from` takes a step's
path inside a group, refusing one no group has with the paths it knows."""

from __future__ import annotations

import json
from pathlib import Path

from engine_helpers import orchestra, run_command, workspace
from test_engine_flow import LOOP, answer
from test_engine_resume_groups import REQUEST, ROUND_1

from orchestra_lsp.journal import load_run
from orchestra_lsp.testing import ScriptedServer


def _cell(table: str, name: str, column: int) -> str:
    """The text of one cell of a rich table, its wrapped lines joined."""
    rows = [line.split("│") for line in table.splitlines() if line.startswith("│")]
    start = next(i for i, row in enumerate(rows) if row[1].strip() == name)
    parts = [rows[start][column].strip()]
    for row in rows[start + 1 :]:
        if row[1].strip():
            break
        parts.append(row[column].strip())
    return " ".join(p for p in parts if p)


async def test_listing_and_resume_from_name_steps_inside_groups(
    root: Path, config_home: Path
) -> None:
    workspace(root, {"flow": LOOP})
    with ScriptedServer([]) as server:
        table = orchestra(root, server, config_home, "commands", COLUMNS="250")
        listed = orchestra(root, server, config_home, "commands", "--json")
    assert table.returncode == 0, table.stderr
    assert _cell(table.stdout, "flow", 4) == "build repeat≤3(implement → review) → summary"
    [flow] = [c for c in json.loads(listed.stdout) if c["name"] == "flow"]
    assert flow["steps"] == ["build", "summary"]
    assert flow["step_paths"] == ["build", "build/implement", "build/review", "summary"]

    done = await run_command(
        root,
        [*ROUND_1, {"reply": {"text": "DRAFT-2"}}, {"reply": answer({"verdict": "approve"})}],
        REQUEST,
        max_retries=0,
        check_script=False,
    )
    assert done.result.state == "failed"  # summary had no turn
    with ScriptedServer([]) as server:
        wrong = orchestra(
            root, server, config_home, "resume", done.result.run_id, "--from", "build/x"
        )
    assert wrong.returncode == 2
    assert "has no step 'build/x' (its steps: build, build/implement, build/review, summary)" in (
        " ".join((wrong.stdout + wrong.stderr).split())
    )
    script = [
        {
            "expect": {"messages_contain": ["Review: DRAFT-2"]},
            "reply": answer({"verdict": "approve"}),
        },
        {"reply": {"text": "ok"}},
    ]
    with ScriptedServer(script) as server:
        resumed = orchestra(
            root, server, config_home, "resume", done.result.run_id, "--from", "build#2/review"
        )
        server.assert_all_consumed()
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    new_id = next(
        line.split("run ")[1].split()[0]
        for line in resumed.stdout.splitlines()
        if line.startswith("▶")
    )
    reused = [
        e["step_id"]
        for e in load_run(root, new_id).events
        if e["type"] == "step_finished" and e.get("reused_from")
    ]
    assert reused == ["build#1/implement", "build#1/review", "build#2/implement"]
