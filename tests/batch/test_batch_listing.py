"""Batches as `orchestra runs` lists them and as `orchestra batch` sums them up, on an
80-column terminal: a real `orchestra` subprocess, the real ticket MCP server and the
real anthropic client against a concurrent scripted Messages API server."""

from __future__ import annotations

import functools
import json
from pathlib import Path

from batch_helpers import concurrent_script, endless_turns, git, note_turns, queue, triage_turns
from engine_helpers import orchestra

from orchestra_lsp.testing import Script, ScriptedServer, Turn

NARROW = "80"
# `orchestra ARGS…` as on an 80-column terminal (rich reads COLUMNS).
_orchestra = functools.partial(orchestra, COLUMNS=NARROW)


def test_runs_lists_a_batch_with_its_items_states_cost_and_how_to_see_it(
    root: Path, config_home: Path
) -> None:
    queue(root)
    script = concurrent_script(
        triage_turns("SHOP-21"), triage_turns("SHOP-22"), endless_turns("SHOP-24")
    )
    with ScriptedServer(script) as server:
        done = _orchestra(
            root, server.base_url, config_home, "batch", "triage", "--each",
            "ticket=SHOP-21,SHOP-22,SHOP-24", "--yes", "--json",
        )  # fmt: skip
    assert done.returncode == 1, done.stdout + done.stderr
    summary = json.loads(done.stdout)
    batch = summary["batch_id"]

    listed = _orchestra(root, "http://127.0.0.1:9", config_home, "runs")
    assert listed.returncode == 0, listed.stderr
    out = listed.stdout
    assert "Batches" in out, out
    [row] = [line for line in out.splitlines() if batch in line]
    assert "triage over ticket" in row and "2 finished, 1 failed" in row, out
    cost = sum(item["cost_usd"] for item in summary["items"])
    assert f"${cost:.4f}" in row, out
    hint = f"orchestra batch-report {Path('.orchestra', 'runs', 'batches')}/BATCH"
    assert hint in out, out

    # The hint works as printed, with the batch's id for BATCH.
    shown = _orchestra(
        root, "http://127.0.0.1:9", config_home,
        *hint.replace("BATCH", batch).split()[1:],
    )  # fmt: skip
    assert "SHOP-24" in shown.stdout and "2 of 3 item(s) finished" in shown.stdout, shown.stdout

    # As JSON, each run names its batch.
    runs = json.loads(_orchestra(root, "http://127.0.0.1:9", config_home, "runs", "--json").stdout)
    assert {r["run_id"]: r["batch"] for r in runs} == {
        item["run_id"]: batch for item in summary["items"]
    }


def test_a_batch_that_never_ended_is_listed_unfinished(root: Path, config_home: Path) -> None:
    queue(root)
    with ScriptedServer(concurrent_script(triage_turns("SHOP-21"))) as server:
        done = _orchestra(
            root, server.base_url, config_home,
            "batch", "triage", "--each", "ticket=SHOP-21", "--yes",
        )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    [manifest] = (root / ".orchestra" / "runs" / "batches").glob("*/batch.json")
    # As a killed batch leaves it: no end, an item that never started.
    data = json.loads(manifest.read_text())
    data["finished_at"] = None
    data["plan"].append("SHOP-22")
    data["items"].append({"item": "SHOP-22", "arguments": {"ticket": "SHOP-22"}})
    manifest.write_text(json.dumps(data))
    out = _orchestra(root, "http://127.0.0.1:9", config_home, "runs").stdout
    [row] = [line for line in out.splitlines() if data["batch_id"] in line]
    assert "unfinished: 1 finished, 1 not run" in row, out


def test_the_batch_summary_fits_80_columns_and_keeps_branches_whole(
    root: Path, config_home: Path
) -> None:
    queue(root, git=True)
    keys = ["SHOP-21-gift-cards-for-the-whole-family", "SHOP-22-wish-list-shared-with-friends"]
    turns = [Turn.model_validate(t) for key in keys for t in note_turns(key)]
    with ScriptedServer(Script(concurrent=True, turns=turns)) as server:
        done = _orchestra(
            root, server.base_url, config_home, "batch", "note", "--each",
            "ticket=" + ",".join(keys), "--gate", "note=review:accept-all",
        )  # fmt: skip
    server.assert_no_failures()
    out = done.stdout
    assert done.returncode == 0, out + done.stderr
    table = out[out.index("note over ticket") : out.index("item(s) finished")]
    branches = git(root, "branch", "--list", "orchestra/*", "--format=%(refname:short)").split()
    assert len(branches) == 2, branches
    for key, branch in zip(keys, sorted(branches), strict=True):
        # Each branch whole on a line of its own, after the table, as it can be copied.
        assert f"{key}: edits on branch {branch}\n" in table, table
        report = f"{key}: report {root / '.orchestra' / 'runs'}"
        assert report in table, table
    # The table itself: nothing wider than the terminal.
    rows = [line for line in table.splitlines() if line[:1] in "┏┃┡│└"]
    assert rows and all(len(line) <= 80 for line in rows), "\n".join(rows)
