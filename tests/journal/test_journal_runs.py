"""The run journal: round trip, coalescing, redaction, and runs that die mid-way."""

from __future__ import annotations

import json
import logging
import signal
import subprocess
import sys
import textwrap
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pydantic import BaseModel

from orchestra_lsp.journal import (
    RedactingFilter,
    Redactor,
    RunJournal,
    RunNotFoundError,
    is_run_id,
    list_runs,
    load_run,
    new_run_id,
)

API_KEY = "sk-ant-api03-" + "Q" * 40
ENV_TOKEN = "jira-token-5f1e2d3c"
HEADER_VALUE = "Bearer ghp_abcdefghijklmnop"


class StepStarted(BaseModel):
    type: str = "step_started"
    run_id: str
    step_id: str


def runs_folder(workspace: Path) -> Path:
    return workspace / ".orchestra" / "runs"


def all_journal_text(workspace: Path) -> str:
    return "\n".join(
        path.read_text(encoding="utf-8")
        for path in runs_folder(workspace).rglob("*")
        if path.is_file()
    )


def test_run_ids_sort_by_time() -> None:
    early = new_run_id(datetime(2026, 11, 24, 13, 29, 55, tzinfo=UTC))
    late = new_run_id(datetime(2026, 11, 24, 13, 30, 1, tzinfo=UTC))
    assert early.startswith("20261124-132955-")
    assert early < late
    assert is_run_id(early)
    assert not is_run_id("../../etc")


def test_round_trip(tmp_path: Path) -> None:
    with RunJournal.start(tmp_path, "implement-ticket", {"ticket": "SHOP-12"}) as journal:
        run_id = journal.run_id
        journal.append({"type": "run_started", "run_id": run_id, "command": "implement-ticket"})
        journal.append(StepStarted(run_id=run_id, step_id="design"))
        journal.append({"type": "usage", "input_tokens": 1200, "cost_usd": 0.25})
        journal.write_changeset({"files": {"src/a.py": {"base": "a", "proposed": "b"}}})
        journal.append({"type": "proposal_ready", "files": ["src/a.py"]})
        journal.append({"type": "usage", "input_tokens": 800, "cost_usd": 0.5})
        journal.append({"type": "run_finished", "output": "done"})
        assert journal.state == "finished"

    record = load_run(tmp_path, run_id)
    assert [event["type"] for event in record.events] == [
        "run_started",
        "step_started",
        "usage",
        "proposal_ready",
        "usage",
        "run_finished",
    ]
    assert [event["seq"] for event in record.events] == [1, 2, 3, 4, 5, 6]
    assert all(event["run_id"] == run_id for event in record.events)
    assert all(datetime.fromisoformat(event["ts"]).tzinfo is not None for event in record.events)
    assert record.events[1]["step_id"] == "design"
    assert record.changeset == {"files": {"src/a.py": {"base": "a", "proposed": "b"}}}
    summary = record.summary
    assert (summary.command, summary.arguments, summary.state) == (
        "implement-ticket",
        {"ticket": "SHOP-12"},
        "finished",
    )
    assert summary.cost_usd == pytest.approx(0.75)
    assert summary.pending_proposal
    assert summary.finished_at is not None and summary.finished_at >= summary.started_at
    assert list_runs(tmp_path) == [summary]


def test_runs_listed_newest_first_and_cleared_changeset(tmp_path: Path) -> None:
    ids = []
    for number in range(3):
        journal = RunJournal.start(tmp_path, f"command-{number}", {})
        journal.write_changeset({"n": number})
        if number != 1:
            journal.clear_changeset()
        journal.append({"type": "run_cancelled" if number == 2 else "run_failed"})
        journal.close()
        ids.append(journal.run_id)
    runs = list_runs(tmp_path)
    assert [run.command for run in runs] == ["command-2", "command-1", "command-0"]
    assert [run.state for run in runs] == ["cancelled", "failed", "failed"]
    assert [run.pending_proposal for run in runs] == [False, True, False]
    assert runs[0].cost_usd is None


def test_closed_without_ending_is_interrupted(tmp_path: Path) -> None:
    journal = RunJournal.start(tmp_path, "review", {})
    journal.append({"type": "step_started", "step_id": "one"})
    journal.close()
    assert load_run(tmp_path, journal.run_id).summary.state == "interrupted"
    with pytest.raises(RuntimeError):
        journal.append({"type": "step_finished"})


def test_bad_events_are_refused(tmp_path: Path) -> None:
    with RunJournal.start(tmp_path, "review", {}) as journal:
        with pytest.raises(ValueError, match="type"):
            journal.append({"run_id": journal.run_id})
        with pytest.raises(ValueError, match="another-run"):
            journal.append({"type": "usage", "run_id": "another-run"})


def test_unknown_run(tmp_path: Path) -> None:
    with pytest.raises(RunNotFoundError):
        load_run(tmp_path, "20260101-000000-abcdef")
    with pytest.raises(RunNotFoundError):
        load_run(tmp_path, "../../etc")
    assert list_runs(tmp_path) == []


def test_text_deltas_are_coalesced(tmp_path: Path) -> None:
    with RunJournal.start(tmp_path, "review", {}) as journal:
        words = [f"word{index} " for index in range(300)]
        for word in words[:200]:
            journal.append({"type": "text_delta", "step_id": "a", "text": word})
        for word in words[200:]:
            journal.append({"type": "text_delta", "step_id": "b", "text": word})
        journal.append({"type": "tool_call_started", "tool": "read_file"})
        journal.append({"type": "text_delta", "step_id": "b", "text": "after"})
        journal.flush()
        lines = (journal.directory / "events.jsonl").read_text().splitlines()

    events = [json.loads(line) for line in lines]
    deltas = [event for event in events if event["type"] == "text_delta"]
    assert len(lines) <= 8  # hundreds of deltas, a handful of lines
    assert "".join(event["text"] for event in deltas) == "".join(words) + "after"
    assert list(dict.fromkeys(event["step_id"] for event in deltas)) == ["a", "b"]
    assert sum(event.get("coalesced", 1) for event in deltas) == 301
    assert [event["seq"] for event in events] == list(range(1, len(events) + 1))
    tool_index = next(i for i, event in enumerate(events) if event["type"] == "tool_call_started")
    assert events[tool_index + 1]["text"] == "after"


def test_a_long_stream_is_written_in_lines_of_bounded_size(tmp_path: Path) -> None:
    chunk = "x" * 10_000
    with RunJournal.start(tmp_path, "review", {}) as journal:
        for _ in range(20):
            journal.append({"type": "text_delta", "step_id": "a", "text": chunk})
        journal.flush()
        lines = (journal.directory / "events.jsonl").read_text().splitlines()

    deltas = [json.loads(line) for line in lines]
    assert "".join(delta["text"] for delta in deltas) == chunk * 20
    assert len(deltas) >= 3  # 200,000 characters do not wait for the end in one line
    assert all(len(delta["text"]) <= 64 * 1024 + len(chunk) for delta in deltas)
    assert all(delta["ts"] and delta["seq"] for delta in deltas)


def test_truncated_last_line_is_skipped(tmp_path: Path) -> None:
    with RunJournal.start(tmp_path, "review", {}) as journal:
        journal.append({"type": "step_started", "step_id": "one"})
        journal.append({"type": "text_delta", "text": "héllo"})
        journal.flush()
        path = journal.directory / "events.jsonl"
        whole = path.read_bytes()
    # the last event, cut in the middle of a multi-byte character, as a kill would leave it
    cut = whole + b'{"type":"text_delta","text":"h\xc3'
    path.write_bytes(cut)
    record = load_run(tmp_path, journal.run_id)
    assert [event["type"] for event in record.events] == ["step_started", "text_delta"]
    assert record.skipped_lines == 1


def test_secrets_never_reach_the_journal(tmp_path: Path) -> None:
    redactor = Redactor([API_KEY, ENV_TOKEN, HEADER_VALUE, "on"])
    journal = RunJournal.start(
        tmp_path, "qa-ticket", {"ticket": f"SHOP-1 {ENV_TOKEN}"}, redactor=redactor
    )
    journal.append(
        {
            "type": "tool_call_finished",
            "tool": "mcp__tickets__get_issue",
            "result": {
                "content": [{"type": "text", "text": f"token={ENV_TOKEN}; key {API_KEY}"}],
                "nested": [[{"deep": f"Authorization: {HEADER_VALUE}"}]],
            },
            ENV_TOKEN: "keys are field names and stay as they are",
            "note": "turn it on and off",
        }
    )
    # a secret split across two streamed deltas is caught once they are coalesced
    journal.append({"type": "text_delta", "text": ENV_TOKEN[:7]})
    journal.append({"type": "text_delta", "text": ENV_TOKEN[7:]})
    journal.append({"type": "text_delta", "text": " and sk-ant-api03-unknownkey1234567"})
    journal.write_changeset({"files": {".env": {"proposed": f"KEY={API_KEY}\n"}}})
    journal.append({"type": "run_finished"})
    journal.close()

    text = all_journal_text(tmp_path)
    assert API_KEY not in text
    assert "sk-ant-api03-unknownkey" not in text
    assert ENV_TOKEN not in text.replace(f'"{ENV_TOKEN}":', "")  # only as a key
    assert "ghp_abcdefghijklmnop" not in text
    assert "[redacted]" in text
    assert "turn it on and off" in text  # short values are not secrets
    event = load_run(tmp_path, journal.run_id).events[0]
    assert event["result"]["nested"][0][0]["deep"] == "Authorization: Bearer [redacted]"


def test_log_records_are_redacted(tmp_path: Path) -> None:
    log_file = tmp_path / ".orchestra" / "runs" / "server.log"
    log_file.parent.mkdir(parents=True)
    handler = logging.FileHandler(log_file, encoding="utf-8")
    handler.addFilter(RedactingFilter(Redactor([API_KEY, ENV_TOKEN])))
    logger = logging.getLogger("orchestra_lsp.test_redaction")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        logger.info("starting %s with env %s", "tickets", {"JIRA_TOKEN": ENV_TOKEN})
        logger.info("bad format %s %s", API_KEY)
        try:
            raise RuntimeError(f"401 for key {API_KEY}")
        except RuntimeError:
            logger.exception("model call failed")
        logging.getLogger("orchestra_lsp.test_redaction.child").warning("child %s", ENV_TOKEN)
    finally:
        logger.removeHandler(handler)
        handler.close()
    text = all_journal_text(tmp_path)
    assert API_KEY not in text
    assert ENV_TOKEN not in text
    assert text.count("[redacted]") >= 4
    assert "RuntimeError" in text


def test_redactor_patterns_and_short_secrets() -> None:
    redactor = Redactor(["abc", "long-secret", "long-secret-and-more"])
    assert redactor.redact_text("abc long-secret-and-more") == "abc [redacted]"
    assert redactor.redact_text("x-api-key: abcdef123") == "x-api-key: [redacted]"
    assert redactor.redact_text('"authorization": "Bearer tok.en"') == (
        '"authorization": "Bearer [redacted]"'
    )
    assert redactor.redact({"a": ("long-secret", 3, None)}) == {"a": ["[redacted]", 3, None]}
    assert Redactor().with_secrets(["zq7x"]).redact_text("zq7x") == "[redacted]"


KILLED_RUN = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from orchestra_lsp.journal import Redactor, RunJournal

    journal = RunJournal.start(
        Path(sys.argv[1]), "implement-ticket", {"ticket": "SHOP-12"},
        redactor=Redactor([sys.argv[2]]),
    )
    journal.append({"type": "run_started"})
    journal.append({"type": "step_started", "step_id": "implement"})
    journal.append({"type": "tool_call_started", "tool": "edit", "secret": sys.argv[2]})
    journal.append({"type": "usage", "cost_usd": 0.125})
    journal.write_changeset({"files": {"src/cart.py": {"proposed": "def total(): ..."}}})
    journal.append({"type": "proposal_ready", "files": ["src/cart.py"]})
    print(journal.run_id, flush=True)
    time.sleep(60)
    """
)


def test_killed_process_leaves_an_interrupted_run_with_its_changeset(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [sys.executable, "-c", KILLED_RUN, str(tmp_path), ENV_TOKEN],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        run_id = process.stdout.readline().strip()
        assert is_run_id(run_id)
        [summary] = list_runs(tmp_path)
        assert summary.state == "running"  # its process is alive
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
    assert process.returncode == -signal.SIGKILL

    [summary] = list_runs(tmp_path)
    assert summary.run_id == run_id
    assert summary.state == "interrupted"
    assert summary.pending_proposal
    assert summary.cost_usd == pytest.approx(0.125)
    assert summary.finished_at is not None
    record = load_run(tmp_path, run_id)
    assert record.changeset == {"files": {"src/cart.py": {"proposed": "def total(): ..."}}}
    assert [event["type"] for event in record.events][-1] == "proposal_ready"
    assert ENV_TOKEN not in all_journal_text(tmp_path)


def test_a_reused_pid_is_not_the_same_process(tmp_path: Path) -> None:
    journal = RunJournal.start(tmp_path, "review", {})
    journal.append({"type": "step_started"})
    run_json = journal.directory / "run.json"
    meta = json.loads(run_json.read_text())
    meta["process"]["start_ticks"] = (meta["process"]["start_ticks"] or 0) + 1
    run_json.write_text(json.dumps(meta))
    assert list_runs(tmp_path)[0].state == "interrupted"
    meta["process"]["start_ticks"] -= 1
    meta["process"]["boot_id"] = "another-boot"
    run_json.write_text(json.dumps(meta))
    assert list_runs(tmp_path)[0].state == "interrupted"
    journal.close()
