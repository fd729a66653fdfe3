"""`orchestra demo` offline: the shipped transcript drives a real run to a real fix."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def test_demo_fixes_the_example_offline(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "ANTHROPIC_API_KEY"}
    env["XDG_CONFIG_HOME"] = str(tmp_path / "config")
    target = tmp_path / "demo"
    done = subprocess.run(
        [sys.executable, "-m", "orchestra_lsp", "demo", "--into", str(target)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Model: the shipped scripted transcript" in done.stdout
    assert "tests before: FAIL" in done.stdout
    assert "tests after: pass" in done.stdout
    assert "transcript mismatch" not in done.stdout
    assert "return a + b" in (target / "calc.py").read_text()
    patch = (target / "demo.patch").read_text()
    assert "-    return a - b" in patch and "+    return a + b" in patch
    [run] = list((target / ".orchestra" / "runs").glob("2*"))
    events = (run / "events.jsonl").read_text()
    assert '"type":"proposal_decided"' in events
    assert '"outcome":"applied"' in events
