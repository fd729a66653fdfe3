"""`orchestra batch` as a real subprocess: the real ticket MCP server, the real
anthropic client against a concurrent scripted Messages API server. Items from a list,
a file and a tool call; `--parallel 2`; one journal per item; the summary as a table,
JSON and Markdown; an item that fails makes the exit code 1; bad input is exit 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from batch_helpers import (
    check_turns,
    concurrent_script,
    endless_turns,
    orchestra,
    queue,
    triage_turns,
)
from engine_helpers import cli_env

from orchestra_lsp.cli.main import main
from orchestra_lsp.journal import list_runs, load_run
from orchestra_lsp.testing import ScriptedServer


def test_three_tickets_two_at_a_time(root: Path, config_home: Path) -> None:
    queue(root)
    script = concurrent_script(
        triage_turns("SHOP-21"), triage_turns("SHOP-22", "blocked"), triage_turns("SHOP-24")
    )
    with ScriptedServer(script) as server:
        done = orchestra(
            root,
            server,
            config_home,
            "batch",
            "triage",
            "--each",
            "ticket=SHOP-21,SHOP-22,SHOP-24",
            "--parallel",
            "2",
            "--yes",
            "--json",
        )
    server.assert_no_failures()
    server.assert_all_consumed()
    assert done.returncode == 0, done.stdout + done.stderr
    summary = json.loads(done.stdout)
    assert [(i["item"], i["state"]) for i in summary["items"]] == [
        ("SHOP-21", "finished"),
        ("SHOP-22", "finished"),
        ("SHOP-24", "finished"),
    ]
    # Each item is a normal run with its own journal and report.
    runs = {r.run_id: r for r in list_runs(root)}
    assert len(runs) == 3
    for item in summary["items"]:
        run = runs[item["run_id"]]
        assert run.command == "triage" and run.arguments == {"ticket": item["item"]}
        assert item["cost_usd"] > 0
        report = root / ".orchestra" / "runs" / item["report"]
        assert report.read_text().strip() == f"{item['item']} is " + (
            "blocked." if item["item"] == "SHOP-22" else "ready."
        )
    # Live progress names each item; at most two ran at once.
    progress = done.stderr
    for key in ("SHOP-21", "SHOP-22", "SHOP-24"):
        assert f"[{key}] ● step triage" in progress and f"✔ {key} finished" in progress
    assert _most_at_once(root, [i["run_id"] for i in summary["items"]]) == 2
    # The Markdown summary beside the manifest.
    [folder] = (root / ".orchestra" / "runs" / "batches").iterdir()
    markdown = (folder / "summary.md").read_text()
    assert "| SHOP-22 | finished |" in markdown and "3 finished" in markdown
    assert json.loads((folder / "batch.json").read_text())["plan"] == [
        "SHOP-21",
        "SHOP-22",
        "SHOP-24",
    ]


def test_the_summary_shows_the_verdicts_of_structured_outputs(
    root: Path, config_home: Path
) -> None:
    queue(root)
    script = concurrent_script(check_turns("SHOP-21", "pass"), check_turns("SHOP-22", "fail"))
    with ScriptedServer(script) as server:
        done = orchestra(
            root,
            server,
            config_home,
            "batch",
            "check",
            "--each",
            "ticket=SHOP-21,SHOP-22",
            "--parallel",
            "2",
            "--yes",
        )
    server.assert_no_failures()
    server.assert_all_consumed()
    assert done.returncode == 0, done.stdout + done.stderr
    rows = [line for line in done.stdout.splitlines() if line.startswith("│ SHOP-")]
    assert len(rows) == 2, done.stdout
    assert "check: pass" in rows[0] and "check: fail" in rows[1], rows
    [folder] = (root / ".orchestra" / "runs" / "batches").iterdir()
    items = json.loads((folder / "batch.json").read_text())["items"]
    assert [i["verdicts"] for i in items] == [{"check": "pass"}, {"check": "fail"}]


def _most_at_once(root: Path, run_ids: list[str]) -> int:
    """The largest number of runs whose journals overlap in time."""
    spans = []
    for run_id in run_ids:
        events = load_run(root, run_id).events
        spans.append((events[0]["ts"], events[-1]["ts"]))
    return max(sum(1 for s, e in spans if s <= start < e) for start, _ in spans)


def test_items_from_a_tool_call_and_a_file_and_a_failing_item(
    root: Path, config_home: Path
) -> None:
    queue(root)
    # The queue: what the ticket server's search lists as Ready for QA.
    script = concurrent_script(
        triage_turns("SHOP-21"), endless_turns("SHOP-22"), triage_turns("SHOP-24")
    )
    with ScriptedServer(script) as server:
        plan = orchestra(
            root,
            server,
            config_home,
            "batch",
            "triage",
            "--each-from",
            'mcp__tickets__search_tickets {"status": "Ready for QA"}',
            "--plan",
            "--json",
        )
        assert plan.returncode == 0, plan.stderr
        assert [i["name"] for i in json.loads(plan.stdout)["items"]] == [
            "SHOP-21",
            "SHOP-22",
            "SHOP-24",
        ]
        done = orchestra(
            root,
            server,
            config_home,
            "batch",
            "triage",
            "--each-from",
            'ticket=mcp__tickets__search_tickets {"status": "Ready for QA"}',
            "--parallel",
            "2",
            "--yes",
            "--report",
            str(root.parent / "summary.md"),
        )
    server.assert_no_failures()
    server.assert_all_consumed()
    assert done.returncode == 1, done.stdout + done.stderr
    out = done.stdout
    assert "SHOP-22" in out and "reached max_turns (3)" in out, out
    assert "2 of 3 item(s) finished" in out
    markdown = (root.parent / "summary.md").read_text()
    assert "| SHOP-21 | finished |" in markdown
    assert "| SHOP-22 | failed: step 'triage' reached max_turns (3)" in markdown

    listed = root.parent / "tickets.txt"
    listed.write_text("# tonight's queue\nSHOP-24\n\nSHOP-21  # again\nSHOP-24\n")
    with ScriptedServer(
        concurrent_script(triage_turns("SHOP-24"), triage_turns("SHOP-21"))
    ) as server:
        again = orchestra(
            root, server, config_home, "batch", "triage", "--each", f"ticket=@{listed}", "--yes"
        )
    server.assert_all_consumed()
    assert again.returncode == 0, again.stdout + again.stderr
    assert again.stdout.index("SHOP-24") < again.stdout.index("SHOP-21")


def test_bad_input_is_one_line_and_exit_2(
    root: Path,
    config_home: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """In this process (`main` is what the `orchestra` script calls), for speed."""
    queue(root)
    cases = {
        ("--each", "ticket="): "the batch has no items",
        ("--each", "ticket=@missing.txt"): "cannot read",
        ("--each", "tiket=SHOP-21"): "has no argument 'tiket'",
        ("--each", "ticket=SHOP-21", "--gate", "review=approve"): "has no step 'review'",
        ("--each", "ticket=SHOP-21", "--shard", "3/2"): "--shard '3/2' is not K/N",
        ("--each", "ticket=SHOP-21", "--parallel", "0"): "--parallel takes a number",
        ("--each-from", 'mcp__tickets__search_tickets {"status": "Done"}'): "no items",
        ("--each-from", "mcp__tickets__nope"): "(the server's tools: mcp__tickets__get_ticket",
        ("--each", "ticket=SHOP-21", "--apply"): "--apply goes with --yes",
        ("--each-from", "search_tickets"): "does not start with an MCP tool name",
        ("--each-from", "mcp__tickets__search_tickets {oops"): "are not JSON",
    }
    monkeypatch.chdir(root)
    with ScriptedServer([]) as server:
        for key, value in cli_env(server.base_url, config_home).items():
            monkeypatch.setenv(key, value)
        for words, expected in cases.items():
            code = main(["batch", "triage", *words])
            err = capsys.readouterr().err
            assert code == 2, (words, err)
            assert expected in err, (words, err)
        assert main(["batch", "triag", "--each", "ticket=SHOP-21"]) == 2
        assert "no command 'triag'; did you mean 'triage'? (commands: " in capsys.readouterr().err
    assert server.requests == []
    assert list_runs(root) == []
