"""The GitHub Actions example (examples/ci/qa-queue.yml): valid against the workflow
schema, and its jobs' shell steps, run here in order with bash — the plan, each shard
of the matrix on a fresh copy of the repository, the report over the downloaded
journals — give one merged summary in the job summary file."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml
from batch_helpers import queue, triage_turns
from engine_helpers import cli_env

from orchestra_lsp.testing import Script, ScriptedServer, Turn

WORKFLOW = Path(__file__).resolve().parents[2] / "examples" / "ci" / "qa-queue.yml"
BIN = Path(sys.executable).parent


def test_the_workflow_is_valid_for_github_actions() -> None:
    checked = subprocess.run(
        [
            str(BIN / "check-jsonschema"),
            "--builtin-schema",
            "vendor.github-workflows",
            str(WORKFLOW),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr


def _runs(job: dict[str, Any]) -> list[tuple[str, dict[str, str]]]:
    """The job's shell steps, but for installing (pip, npm): this checkout has them."""
    return [
        (s["run"], s.get("env", {}))
        for s in job["steps"]
        if "run" in s and not any(word in s["run"] for word in ("pip install", "npm install"))
    ]


def _bash(script: str, where: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-e", "-c", script],
        cwd=where,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )


def test_the_jobs_run_the_queue_in_shards_and_merge_them(tmp_path: Path, config_home: Path) -> None:
    workflow = yaml.safe_load(WORKFLOW.read_text())
    jobs = workflow["jobs"]
    shards = jobs["shard"]["strategy"]["matrix"]["shard"]
    repository = queue(tmp_path / "repository")
    keys = ["SHOP-21", "SHOP-22", "SHOP-24"]  # the tickets Ready for QA
    turns = [Turn.model_validate(t) for key in keys for t in triage_turns(key)]
    with ScriptedServer(Script(concurrent=True, turns=turns)) as server:
        base = {
            **cli_env(server.base_url, config_home),
            "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
            "COMMAND": "triage",
            "STATUS": "Ready for QA",
            "COLUMNS": "200",
        }
        # plan
        plan_dir = tmp_path / "plan"
        shutil.copytree(repository, plan_dir)
        output = tmp_path / "plan-output"
        for script, _ in _runs(jobs["plan"]):
            done = _bash(script, plan_dir, {**base, "GITHUB_OUTPUT": str(output)})
            assert done.returncode == 0, done.stderr
        assert (plan_dir / "queue.txt").read_text().split() == keys
        assert output.read_text().strip() == f"items={len(keys)}"
        # shard K of N, each on its own checkout, its journals "uploaded"
        artifacts = tmp_path / "journals"
        for shard in shards:
            machine = tmp_path / f"shard-{shard}"
            shutil.copytree(repository, machine)
            shutil.copy(plan_dir / "queue.txt", machine / "queue.txt")
            for script, env in _runs(jobs["shard"]):
                values = {
                    k: v.replace("${{ matrix.shard }}", str(shard)).replace(
                        "${{ strategy.job-total }}", str(len(shards))
                    )
                    for k, v in env.items()
                    if "secrets." not in v
                }
                done = _bash(script, machine, {**base, **values})
                assert done.returncode == 0, script + done.stdout + done.stderr
            shutil.copytree(machine / ".orchestra" / "runs", artifacts / f"journals-{shard}")
        # report
        summary = tmp_path / "step-summary.md"
        report_dir = tmp_path / "report"
        report_dir.mkdir()
        shutil.move(artifacts, report_dir / "journals")
        for script, _ in _runs(jobs["report"]):
            done = _bash(script, report_dir, {**base, "GITHUB_STEP_SUMMARY": str(summary)})
            assert done.returncode == 0, done.stdout + done.stderr
    server.assert_no_failures()
    server.assert_all_consumed()
    text = summary.read_text()
    for key in keys:
        assert f"| {key} | finished |" in text
    assert "3 finished" in text
    page = (report_dir / "summary.html").read_text()
    for key in keys:
        assert f'data-item="{key}" data-state="finished"' in page
    links = re.findall(r'href="([^"]+)"', page)
    assert len(links) == len(keys) and all((report_dir / link).is_file() for link in links)
