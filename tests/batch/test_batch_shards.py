"""A batch split over machines: `--plan --json`, `--shard K/N` in two processes at
once (two copies of the repository, as two CI jobs), their journals copied elsewhere
(as artifacts are), and `orchestra batch-report` merging them into one summary."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from batch_helpers import TICKETS, endless_turns, queue, triage_turns
from engine_helpers import cli_env

from orchestra_lsp.testing import Script, ScriptedServer, Turn

KEYS = ["SHOP-21", "SHOP-22", "SHOP-23", "SHOP-24"]


def _start(root: Path, env: dict[str, str], *words: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "orchestra_lsp", *words],
        cwd=root,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _finish(process: subprocess.Popen[str]) -> tuple[int, str, str]:
    out, err = process.communicate(timeout=120)
    return process.returncode, out, err


def test_two_shards_in_two_processes_merge_into_one_summary(
    tmp_path: Path, config_home: Path
) -> None:
    machines = [queue(tmp_path / f"machine-{n}") for n in (1, 2)]
    each = ("--each", "ticket=" + ",".join(KEYS))
    turns = [
        Turn.model_validate(t)
        for key in KEYS
        for t in (endless_turns(key) if key == "SHOP-23" else triage_turns(key))
    ]
    assert set(KEYS) <= set(TICKETS)
    with ScriptedServer(Script(concurrent=True, turns=turns)) as server:
        env = cli_env(server.base_url, config_home, COLUMNS="200")
        plans = [
            _finish(_start(machines[0], env, "batch", "triage", *each, "--plan", "--json", *s))
            for s in ((), ("--shard", "1/2"), ("--shard", "2/2"))
        ]
        shards = [
            _start(m, env, "batch", "triage", *each, "--shard", f"{n}/2", "--yes", "--json")
            for n, m in ((1, machines[0]), (2, machines[1]))
        ]
        ended = [_finish(process) for process in shards]
    server.assert_no_failures()
    server.assert_all_consumed()
    listed = [[i["name"] for i in json.loads(out)["items"]] for _, out, _ in plans]
    assert listed == [KEYS, ["SHOP-21", "SHOP-23"], ["SHOP-22", "SHOP-24"]]
    # Shard 1 holds the failing SHOP-23: exit 1; shard 2: exit 0.
    assert [code for code, _, _ in ended] == [1, 0], [err for _, _, err in ended]
    slices = (["SHOP-21", "SHOP-23"], ["SHOP-22", "SHOP-24"])
    for (_, out, _), expected in zip(ended, slices, strict=True):
        summary = json.loads(out)
        assert [i["item"] for i in summary["items"]] == expected
        assert summary["plan"] == KEYS

    # CI: each job uploads .orchestra/runs; the final job downloads them side by side.
    artifacts = tmp_path / "artifacts"
    for n, machine in enumerate(machines, 1):
        shutil.copytree(machine / ".orchestra" / "runs", artifacts / f"journals-{n}")
    report = tmp_path / "summary.md"
    merged = subprocess.run(
        [
            sys.executable,
            "-m",
            "orchestra_lsp",
            "batch-report",
            str(artifacts),
            "--json",
            "--report",
            str(report),
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert merged.returncode == 1, merged.stderr  # SHOP-23 failed
    summary = json.loads(merged.stdout)
    assert [(i["item"], i["state"]) for i in summary["items"]] == [
        ("SHOP-21", "finished"),
        ("SHOP-22", "finished"),
        ("SHOP-23", "failed"),
        ("SHOP-24", "finished"),
    ]
    assert "reached max_turns" in summary["items"][2]["error"]
    assert len(summary["sources"]) == 2
    for item in summary["items"]:
        assert item["cost_usd"] > 0
        assert item["state"] != "finished" or Path(item["report"]).is_file()
    markdown = report.read_text()
    assert "| SHOP-23 | failed: step 'triage' reached max_turns (3)" in markdown
    assert "3 finished" in markdown and "1 failed" in markdown

    # One shard's artifact alone: the other shard's items are "not run", exit 1.
    alone = subprocess.run(
        [sys.executable, "-m", "orchestra_lsp", "batch-report", str(artifacts / "journals-2")],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        env={**cli_env(server.base_url, config_home), "COLUMNS": "200"},
    )
    assert alone.returncode == 1
    assert alone.stdout.count("not run") == 2 and "2 of 4 item(s) finished" in alone.stdout

    nothing = subprocess.run(
        [sys.executable, "-m", "orchestra_lsp", "batch-report", str(tmp_path / "missing")],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert nothing.returncode == 2 and "no batch manifest" in nothing.stderr
