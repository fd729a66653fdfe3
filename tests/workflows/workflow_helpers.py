"""The shop's workflows as a person runs them: a copy of the example (as `orchestra
demo` makes it), the shipped transcripts, the real MCP servers, and checks of what the
runs leave behind (the QA report criterion by criterion, the applied fix)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from orchestra_lsp.cli import demo
from orchestra_lsp.journal import list_runs, load_run
from orchestra_lsp.testing import Script, ScriptedServer
from orchestra_lsp.testing.matching import last_tool_result_text

REPO = Path(__file__).resolve().parents[2]
ATLASSIAN = REPO / "tests" / "mcp" / ".venvs" / "atlassian" / "bin" / "mcp-atlassian"
API_KEY = "test-key-workflows-5e6f7a8b"
RUN_TIMEOUT = 180

QA_TRANSCRIPT = "qa-ticket-SHOP-14.yaml"
IMPLEMENT_TRANSCRIPT = "implement-ticket-SHOP-12.yaml"
VERDICTS = {"AC1": "PASS", "AC2": "PASS", "AC3": "FAIL", "AC4": "PASS"}
FIX = "        return sum(line.subtotal_cents for line in self.lines)"
BUG = "        return sum(line.product.price_cents for line in self.lines)"


def _password() -> str:
    for line in (demo.example_dir() / ".env.example").read_text().splitlines():
        if line.startswith("SHOP_QA_PASSWORD="):
            return line.partition("=")[2].strip()
    raise AssertionError("SHOP_QA_PASSWORD is not in .env.example")


PASSWORD = _password()


def require(*paths: Path) -> None:
    """Skip when `make mcp-test-servers` has not installed a server (fail under CI)."""
    for path in paths:
        if not path.exists():
            message = f"{path} is not installed: run `make mcp-test-servers`"
            if os.environ.get("CI"):
                pytest.fail(message)
            pytest.skip(message)


@dataclass
class Shop:
    """A copy of the example shop on its own port, and the environment to run it with."""

    root: Path
    port: int
    env: dict[str, str]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def run_cli(
        self, model_url: str, command: str, *arguments: str
    ) -> subprocess.CompletedProcess[str]:
        """`orchestra run COMMAND ARGS --yes --apply` in the copy, against `model_url`."""
        env = {**self.env, "ANTHROPIC_BASE_URL": model_url, "ANTHROPIC_API_KEY": API_KEY}
        return subprocess.run(
            [sys.executable, "-m", "orchestra_lsp", "run", command, *arguments, "--yes", "--apply"],
            cwd=self.root,
            env=env,
            capture_output=True,
            text=True,
            timeout=RUN_TIMEOUT,
        )

    def last_run(self, command: str) -> str:
        """The id of the newest run of `command` in the copy's journal."""
        runs = [run for run in list_runs(self.root) if run.command == command]
        assert runs, f"no run of {command} in {self.root}"
        return runs[0].run_id

    def run_dir(self, run_id: str) -> Path:
        return self.root / ".orchestra" / "runs" / run_id

    def events(self, run_id: str) -> list[dict[str, Any]]:
        return load_run(self.root, run_id).events

    def tests(self) -> subprocess.CompletedProcess[str]:
        """The shop's own test suite, as its README runs it."""
        return subprocess.run(
            [sys.executable, "-m", "unittest", "discover", "-s", "tests"],
            cwd=self.root,
            capture_output=True,
            text=True,
            timeout=120,
        )


def make_shop(tmp_path: Path) -> Shop:
    port = demo._free_port()
    root = demo.prepare_shop(tmp_path / "shop", port)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANTHROPIC_", "SHOP_"))}
    env |= demo.shop_environment(root, port)
    env |= {"XDG_CONFIG_HOME": str(tmp_path / "config"), "ORCHESTRA_TEST": "1"}
    return Shop(root=root, port=port, env=env)


Override = Callable[[dict[str, Any]], None]


def transcript(name: str, port: int, overrides: Mapping[str, Override] | None = None) -> Script:
    """A shipped transcript for `port`, with named turns changed by `overrides`."""
    script = demo.load_transcript(name, port)
    data = script.model_dump(mode="json", exclude_unset=True)
    turns = {turn.get("name"): turn for turn in data["turns"]}
    for turn_name, change in (overrides or {}).items():
        assert turn_name in turns, f"no turn {turn_name!r} in {name}"
        change(turns[turn_name])
    return Script.model_validate(data)


# -- the QA report ----------------------------------------------------------------------


def criteria(report: str) -> dict[str, str]:
    """The report's sections per criterion: {"AC1": "<heading rest and body>", ...}."""
    parts = re.split(r"^### (AC\d+) — ", report, flags=re.MULTILINE)
    return {parts[i]: parts[i + 1] for i in range(1, len(parts), 2)}


def check_qa_report(report: str, folder: Path) -> None:
    """SHOP-14's report (kept in the run's `folder`), criterion by criterion: verdicts,
    steps, and its evidence: screenshots the browser took, kept beside the report and
    shown in it as images."""
    assert report.startswith("## QA report — SHOP-14"), report[:200]
    assert "Result: 3 passed, 1 failed, 0 blocked, 0 not tested." in report
    sections = criteria(report)
    assert list(sections) == list(VERDICTS), list(sections)
    for key, verdict in VERDICTS.items():
        body = sections[key]
        assert f"\nVerdict: {verdict}\n" in body, (key, body)
        assert re.search(rf"^\| {key} [^|]*\| {verdict} \|", report, re.MULTILINE), key
        for part in ("\nSteps:\n1. ", "\nExpected: ", "\nActual: ", "\nEvidence: "):
            assert part in body, (key, part)
        shots = re.findall(r"!\[[\w.-]+\]\((artifacts/[\w.-]+\.png)\)", body)
        assert shots and all(f"{key}-{verdict.lower()}" in shot for shot in shots), shots
        for shot in shots:  # the browser really took them
            assert (folder / shot).read_bytes().startswith(b"\x89PNG"), shot
    assert 'shows "Signed in as qa@example.com"' in sections["AC1"]
    assert '"Total: $16.50"' in sections["AC2"]
    ac3 = sections["AC3"].partition("\nActual: ")[2]
    assert '"Your cart is' in ac3 and 'empty."' in ac3
    assert "paragraph: Your cart is empty." in ac3
    assert "shop/app.py:200" in ac3
    assert '"Order 1001 confirmed", "Order total: $12.00", header "Cart (0)"' in sections["AC4"]
    assert PASSWORD not in report


def step_outputs(events: list[dict[str, Any]]) -> dict[str, str]:
    return {e["step_id"]: e["output"] for e in events if e.get("type") == "step_finished"}


def tool_results(events: list[dict[str, Any]], tool: str) -> list[dict[str, Any]]:
    return [e for e in events if e.get("type") == "tool_call_finished" and e.get("tool") == tool]


def seen_by_model(model: ScriptedServer, turn_name: str) -> str:
    """The last tool result in the request the named turn answered: what the model saw."""
    names = [turn.name for turn in model.script.turns]
    index = names.index(turn_name)
    [request] = [r for r in model.requests if r.turn == index and r.body is not None]
    assert request.body is not None
    return last_tool_result_text(request.body) or ""
