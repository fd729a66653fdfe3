"""`orchestra runs` as a new user reads it: a review run (`orchestra review RUN`, on a
pseudo-terminal) names the run it reviewed once, not twice. A real `orchestra` process,
the real anthropic client against the scripted Messages API server."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent.parent / "engine"))
from engine_helpers import cli_env, command_file, in_a_terminal, orchestra, str_replace, workspace

from orchestra_lsp.journal import list_runs
from orchestra_lsp.testing import ScriptedServer

REVIEWED = command_file(
    [{"id": "work", "agent": "worker", "prompt": "Do it for {{who}}.", "gate": "review"}],
    arguments=[{"name": "who", "required": True}],
)
EDIT: list[dict[str, Any]] = [
    {"reply": {"tool_use": [str_replace("values.py", "a = 1\n", "a = 2\n")]}},
    {"reply": {"text": "Done."}},
]


def test_a_review_run_names_the_reviewed_run_once(tmp_path: Path) -> None:
    root = workspace(tmp_path / "ws", {"work": REVIEWED}, extra={"values.py": "a = 1\n"})
    config = tmp_path / "config"
    with ScriptedServer(EDIT) as server:
        stopped = orchestra(root, server, config, "run", "work", "who=shop")
    assert stopped.returncode == 3, stopped.stdout + stopped.stderr
    [first] = list_runs(root)
    transcript, code = in_a_terminal(
        [sys.executable, "-m", "orchestra_lsp", "review", "last"],
        root,
        cli_env("http://127.0.0.1:9", config),
        {"Accept the changes to values.py?": "y\n"},
    )
    assert code == 0, transcript
    listed = orchestra(root, "http://127.0.0.1:9", config, "runs", COLUMNS="200")
    review = [line for line in listed.stdout.splitlines() if "review of" in line]
    assert len(review) == 1, listed.stdout
    assert review[0].count(first.run_id) == 1, listed.stdout
    # Its own row, and the review's command; nowhere else (not wrapped onto a next line).
    assert listed.stdout.count(first.run_id) == 2, listed.stdout
    [work] = [line for line in listed.stdout.splitlines() if line.startswith(f"│ {first.run_id}")]
    assert "work shop" in work, listed.stdout  # an ordinary run still shows its arguments
    # The record keeps the reviewed run as an argument.
    runs = json.loads(orchestra(root, "http://127.0.0.1:9", config, "runs", "--json").stdout)
    assert runs[0]["arguments"] == {"run": first.run_id}


def test_the_runs_table_reads_whole_on_an_80_column_terminal(tmp_path: Path) -> None:
    root = workspace(tmp_path / "ws", {"work": REVIEWED}, extra={"values.py": "a = 1\n"})
    config = tmp_path / "config"
    with ScriptedServer(EDIT) as server:
        orchestra(root, server, config, "run", "work", "who=shop")
    [run] = list_runs(root)
    shown, code = in_a_terminal(
        [sys.executable, "-m", "orchestra_lsp", "runs"],
        root,
        {**cli_env("http://127.0.0.1:9", config), "COLUMNS": "80"},
        {},
    )
    assert code == 0, shown
    lines = [line.rstrip("\r") for line in shown.splitlines()]
    table = [line for line in lines if line[:1] in "┏┃┡│└"]
    assert table and all(len(line) <= 80 for line in table), "\n".join(lines)
    [row] = [line for line in table if run.run_id in line]
    # Each cell on the run's one line, no word broken: the command, state, start, cost.
    assert "work" in row and "stopped," in row, "\n".join(lines)
    assert f"{run.started_at:%m-%d %H:%M}" in row and "$" in row, "\n".join(lines)
    assert "undone" not in shown  # a column empty in every row is left out


def test_a_stopped_run_is_stopped_wherever_a_person_reads_it(tmp_path: Path) -> None:
    """The run's live output says `stopped`; so do `runs`, `show` and the run's page (the
    journal and JSON keep the state's data name, `cancelled`)."""
    root = workspace(tmp_path / "ws", {"work": REVIEWED}, extra={"values.py": "a = 1\n"})
    config = tmp_path / "config"
    with ScriptedServer(EDIT) as server:
        ran = orchestra(root, server, config, "run", "work", "who=shop")
    assert ran.returncode == 3, ran.stdout + ran.stderr
    assert "■ stopped:" in ran.stdout, ran.stdout
    [run] = list_runs(root)
    model = "http://127.0.0.1:9"
    listed = orchestra(root, model, config, "runs", COLUMNS="200").stdout
    [row] = [line for line in listed.splitlines() if run.run_id in line]
    assert "stopped" in row and "cancelled" not in row, listed
    shown = orchestra(root, model, config, "show", run.run_id).stdout
    assert f"state stopped · started {run.started_at:%Y-%m-%d}" in shown, shown
    assert "cancelled" not in shown, shown
    page = Path(orchestra(root, model, config, "show", run.run_id, "--html").stdout.strip())
    assert '<span class="state cancelled" id="run-state">stopped</span>' in page.read_text()
    as_data = json.loads(orchestra(root, model, config, "runs", "--json").stdout)
    assert as_data[0]["state"] == "cancelled"


def test_a_stopped_batch_item_is_stopped_in_the_listing_and_the_summary(tmp_path: Path) -> None:
    """A batch item that stopped at a gate nobody could answer: its line, the batch's
    table, `orchestra runs`' Batches row and summary.md all say `stopped`."""
    root = workspace(tmp_path / "ws", {"work": REVIEWED}, extra={"values.py": "a = 1\n"})
    for args in (["init", "-q"], ["add", "."], ["commit", "-qm", "start"]):
        subprocess.run(
            ["git", "-c", "user.email=t@example.com", "-c", "user.name=t", *args],
            cwd=root,
            check=True,
        )
    config = tmp_path / "config"
    with ScriptedServer(EDIT) as server:
        done = orchestra(root, server, config, "batch", "work", "--each", "who=shop")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "■ shop stopped: the review of step 'work' needs a person" in done.stdout
    listed = orchestra(root, "http://127.0.0.1:9", config, "runs", COLUMNS="200").stdout
    [batch_row] = [line for line in listed.splitlines() if "work over who" in line]
    assert "1 stopped" in batch_row, listed
    [summary] = (root / ".orchestra" / "runs" / "batches").glob("*/summary.md")
    text = summary.read_text()
    assert "- items: 1 (1 stopped)" in text and "| shop | stopped: the review" in text, text
    assert "cancelled" not in listed + text
