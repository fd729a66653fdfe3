"""The run page as people see it: the shop's QA run (`orchestra demo`, real MCP servers,
the scripted model) keeps its screenshots in its own folder and embeds them in its report;
`orchestra show RUN --html` writes one page that Debian's Chromium opens with no network,
whose timeline holds every step and tool call of the journal with their durations, and
whose cost equals the journal's."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from orchestra_lsp.journal import list_runs, load_run

sys.path.insert(0, str(Path(__file__).parent))
from chromium import seen_in_chromium

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(__file__).parent / "artifacts"
SCREENSHOTS = ["AC1-pass-login.png", "AC2-pass-cart-total.png", "AC3-fail-remove.png", "AC4-pass-order.png"]  # fmt: skip


def _environment(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANTHROPIC_", "SHOP_"))}
    env["XDG_CONFIG_HOME"] = str(tmp_path / "config")
    env["COLUMNS"] = "200"
    return env


def _orchestra(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "orchestra_lsp", *args],
        env=_environment(tmp_path),
        capture_output=True,
        text=True,
        timeout=300,
        stdin=subprocess.DEVNULL,
    )


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shop after `orchestra demo`: its QA run and its implement run, journaled."""
    tmp = tmp_path_factory.mktemp("run-page")
    target = tmp / "shop"
    done = _orchestra(tmp, "demo", "--into", str(target))
    assert done.returncode == 0, done.stdout + done.stderr
    return target


def _qa_run(workspace: Path) -> str:
    [qa] = [s.run_id for s in list_runs(workspace) if s.command == "qa-ticket"]
    return qa


def test_the_qa_report_embeds_its_screenshots_which_live_in_its_folder(demo: Path) -> None:
    folder = demo / ".orchestra" / "runs" / _qa_run(demo)
    report = (folder / "report.md").read_text(encoding="utf-8")
    for name in SCREENSHOTS:
        kept = folder / "artifacts" / name
        assert kept.is_file() and kept.read_bytes().startswith(b"\x89PNG"), name
        # A link in the summary table, an image where the criterion cites its evidence.
        assert f"[{name}](artifacts/{name})" in report
        assert f"![{Path(name).stem}](artifacts/{name})" in report
    assert ".orchestra/runs/screenshots/" not in report  # no path outside its own folder
    events = load_run(demo, _qa_run(demo)).events
    saved = [e for e in events if e["type"] == "artifact_saved"]
    assert {Path(e["path"]).name for e in saved} >= set(SCREENSHOTS)
    assert all((folder / e["path"]).is_file() for e in saved)


def _seen_in_chromium(page: Path, shots: Path) -> dict[str, Any]:
    shots.mkdir(parents=True, exist_ok=True)
    return seen_in_chromium(Path(__file__).parent / "check_page.mjs", page, shots)


def test_show_html_writes_a_page_chromium_shows_whole_without_network(
    demo: Path, tmp_path: Path
) -> None:
    run_id = _qa_run(demo)
    done = _orchestra(tmp_path, "show", run_id, "--html", "--workspace", str(demo))
    assert done.returncode == 0, done.stdout + done.stderr
    page = Path(done.stdout.strip())
    assert page == demo / ".orchestra" / "runs" / run_id / "report.html"
    seen = _seen_in_chromium(page, ARTIFACTS)
    shutil.copyfile(ARTIFACTS / "run-page.png", tmp_path / "kept.png")  # it was written

    # Nothing but the page itself was requested: styles and images are inline.
    assert [url for url in seen["requests"] if not url.startswith(("file:", "data:"))] == []
    assert seen["state"] == "finished"
    assert [(i["alt"], i["drawn"], i["inline"]) for i in seen["images"]] == [
        (Path(name).stem, True, True) for name in SCREENSHOTS
    ]

    record = load_run(demo, run_id)
    events = record.events
    # Every step and every tool call of the journal is on the timeline, with its duration.
    steps = [e["step_id"] for e in events if e["type"] == "step_started"]
    assert [s["step"] for s in seen["spans"] if s["kind"] == "step"] == steps
    tools = [(e["tool"], e["duration_ms"]) for e in events if e["type"] == "tool_call_finished"]
    shown = [(s["label"], float(s["ms"])) for s in seen["spans"] if s["kind"] == "tool"]
    assert sorted(shown) == sorted((tool, round(ms, 3)) for tool, ms in tools)
    models = sum(1 for e in events if e["type"] == "usage")
    assert sum(1 for s in seen["spans"] if s["kind"] == "model") == models
    # The durations add up: each step is its model calls, tool calls, gates and the rest,
    # and the steps fit in the run.
    for step in seen["steps"]:
        parts = sum(float(step[k]) for k in ("modelMs", "toolMs", "gateMs", "otherMs"))
        assert parts == pytest.approx(float(step["ms"]), abs=0.01)
        assert float(step["toolMs"]) <= float(step["ms"]) + 1
    assert sum(float(s["ms"]) for s in seen["steps"]) <= seen["durationMs"] + 1
    # The cost is the journal's, per step, per agent and in total.
    usage = [e for e in events if e["type"] == "usage"]
    total = sum(e["cost_usd"] for e in usage)
    assert seen["costUsd"] == pytest.approx(total, abs=1e-6)
    assert record.summary.cost_usd == pytest.approx(total, abs=1e-6)
    for row in seen["costSteps"]:
        expected = sum(e["cost_usd"] for e in usage if e["step_id"] == row["name"])
        assert float(row["usd"]) == pytest.approx(expected, abs=1e-6)
    assert sum(float(r["usd"]) for r in seen["costAgents"]) == pytest.approx(total, abs=1e-5)
    # The report's words are there, and so is the verdict the QA agent found.
    assert "AC3" in seen["reportText"] and "FAIL" in seen["reportText"]


def test_the_implement_run_page_shows_each_file_s_fate(demo: Path, tmp_path: Path) -> None:
    [run_id] = [s.run_id for s in list_runs(demo) if s.command == "implement-ticket"]
    target = tmp_path / "page" / "implement.html"
    done = _orchestra(tmp_path, "show", run_id, "--html", str(target), "--workspace", str(demo))
    assert done.returncode == 0, done.stdout + done.stderr
    seen = _seen_in_chromium(target, tmp_path / "shots")
    decided = [e for e in load_run(demo, run_id).events if e["type"] == "proposal_decided"]
    assert decided, "the implement run reviewed a change"
    assert [(f["path"], f["outcome"]) for f in seen["fates"]] == [
        (e["path"], e["outcome"]) for e in decided
    ]
    # The gates are on the timeline, with who decided.
    html = target.read_text(encoding="utf-8")
    assert re.search(r'data-kind="gate"[^>]*data-label="approve gate"', html)


def test_show_html_of_an_unknown_run_is_a_clear_error(demo: Path, tmp_path: Path) -> None:
    done = _orchestra(tmp_path, "show", "no-such-run", "--html", "--workspace", str(demo))
    assert done.returncode == 2
    assert "no single run matches" in done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr


def test_run_html_writes_the_page_when_the_run_ends_with_secrets_redacted(
    tmp_path: Path,
) -> None:
    """`orchestra run … --html FILE`, as CI would keep it: a step that edits a file under
    --yes --apply, a secret of mcp.json echoed by the model: the page holds the run and
    the diff, and not the secret."""
    sys.path.insert(0, str(REPO / "tests" / "engine"))
    from engine_helpers import API_KEY, cli_env, command_file, workspace

    from orchestra_lsp.testing import ScriptedServer

    secret = "ghp_" + "Zq8" * 12  # the value of a server's env in mcp.json
    root = workspace(
        tmp_path / "ws",
        {"tidy": command_file([{"id": "tidy", "agent": "worker", "prompt": "Tidy."}])},
        extra={
            "notes.txt": "one\ntwo\n",
            ".orchestra/mcp.json": json.dumps(
                {"mcpServers": {"tickets": {"command": "false", "env": {"TOKEN": secret}}}}
            ),
        },
    )
    edit = {"command": "str_replace", "path": "notes.txt", "old_str": "two", "new_str": "2"}
    script: list[dict[str, Any]] = [
        {"reply": {"text": "Tidying.", "tool_use": [{"name": "edit", "input": edit}]}},
        {"reply": {"text": f"Done. I saw the token {secret} and the key {API_KEY}."}},
    ]
    page = tmp_path / "ci" / "run.html"
    with ScriptedServer(script) as server:
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "orchestra_lsp",
                "run",
                "tidy",
                "--yes",
                "--apply",
                "--html",
                str(page),
            ],
            cwd=root,
            env=cli_env(server.base_url, tmp_path / "config"),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=120,
        )
    server.assert_no_failures()
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"page: {page}" in done.stdout
    html = page.read_text(encoding="utf-8")
    assert secret not in html and API_KEY not in html
    assert "[redacted]" in html
    assert (root / "notes.txt").read_text() == "one\n2\n"
    assert 'data-path="notes.txt"' in html and "tidy (worker)" in html
