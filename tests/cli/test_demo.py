"""`orchestra demo` offline: the shipped transcripts drive real runs to real results —
the shop's two workflows by default, the calculator's fix with `--example calculator`."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from orchestra_lsp.cli import demo


def _environment(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANTHROPIC_", "SHOP_"))}
    env["XDG_CONFIG_HOME"] = str(tmp_path / "config")
    env["COLUMNS"] = "200"  # paths on one line
    return env


def test_demo_runs_both_shop_workflows_offline(tmp_path: Path) -> None:
    if demo.playwright_cli() is None or demo.chromium() is None:
        message = "@playwright/mcp or Chromium is not installed: run `make mcp-test-servers`"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    target = tmp_path / "demo"
    done = subprocess.run(
        [sys.executable, "-m", "orchestra_lsp", "demo", "--into", str(target)],
        env=_environment(tmp_path),
        capture_output=True,
        text=True,
        timeout=300,
    )
    out = done.stdout
    assert done.returncode == 0, out + done.stderr
    assert "Model: the shipped scripted transcripts (no ANTHROPIC_API_KEY): offline" in out
    assert "transcript mismatch" not in out
    # The whole queue at once: every ticket triaged, two at a time, with its verdict.
    assert (
        "triage-ticket over the queue: 3 of 3 ticket(s) finished · SHOP-10 triage: testable; "
        "SHOP-12 triage: needs-criteria; SHOP-14 triage: testable" in out
    ), out
    assert "[SHOP-12] ● step triage · agent analyst" in out
    # mcp.json's `${VAR}`s as written: references, not secrets (nor redacted values).
    [browser] = [line for line in out.splitlines() if line.startswith("browser: ")]
    assert "${PLAYWRIGHT_MCP_CLI:-" in browser, browser
    assert "--executable-path ${CHROMIUM_PATH:-/usr/bin/chromium}" in browser, browser
    assert "[redacted]" not in browser, browser
    assert "shop tests before: FAIL" in out and "shop tests after: pass" in out
    assert "Gates pass by policy" in out
    assert "approve gate of step 'design': approved by policy (--yes)" in out, out
    assert "qa-ticket SHOP-14: finished" in out and "implement-ticket SHOP-12: finished" in out
    # The last hint names an `orchestra` the person can type (the virtualenv's, which
    # `make demo` does not put on PATH).
    [again] = [line for line in out.splitlines() if line.startswith("see them again: ")]
    typed = again.split()[3]
    assert shutil.which(typed) or Path(typed).is_file(), again
    assert (
        "ticket comment: not posted: mcp__tickets__add_comment needs a person's permission" in out
    )

    reports = list(dict.fromkeys(re.findall(r"report: (\S+/report\.md)", out)))
    assert len(reports) == 2, reports
    qa, review = Path(reports[0]), Path(reports[1])
    assert "| AC3 remove one product" in qa.read_text() and "| FAIL |" in qa.read_text()
    assert review.read_text().startswith("VERDICT: approve")
    [patch] = re.findall(r"reviewed diff \(applied to the copy\): (\S+)", out)
    assert (
        "+        return sum(line.subtotal_cents for line in self.lines)" in Path(patch).read_text()
    )
    assert "subtotal_cents for line" in (target / "shop" / "cart.py").read_text()

    [port] = re.findall(r"shop: http://127\.0\.0\.1:(\d+)", out)
    assert not demo.shop_answers(int(port))  # the demo stopped the shop it ran


def test_demo_fixes_the_calculator_offline(tmp_path: Path) -> None:
    target = tmp_path / "demo"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "orchestra_lsp",
            "demo",
            "--example",
            "calculator",
            "--into",
            str(target),
        ],
        env=_environment(tmp_path),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Model: the shipped scripted transcript" in done.stdout
    assert "tests before: FAIL" in done.stdout
    assert "tests after: pass" in done.stdout
    assert "transcript mismatch" not in done.stdout
    # Nobody is asked: said before the run, and at the gate where it passes.
    assert "Gates pass by policy, as with `orchestra run --yes --apply`" in done.stdout
    assert (
        "review gate of step 'fix': approved by policy (--yes); nobody was asked" in done.stdout
    ), done.stdout
    assert "return a + b" in (target / "calc.py").read_text()
    patch = (target / "demo.patch").read_text()
    assert "-    return a - b" in patch and "+    return a + b" in patch
    [run] = list((target / ".orchestra" / "runs").glob("2*"))
    events = (run / "events.jsonl").read_text()
    assert '"type":"proposal_decided"' in events
    assert '"outcome":"applied"' in events
