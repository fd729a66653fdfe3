"""The journal's lines are what the front end was shown, encoded the one canonical way:
the engine encodes each event once (for its secret screen) and the journal's line
reuses that encoding, so every line must still read byte for byte as the journal's
encoder writes the record, with `ts` and `seq` last, and secrets redacted in both."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from engine_helpers import command_file, run_command, workspace

from orchestra_lsp.engine import RunRequest
from orchestra_lsp.journal import RunJournal
from orchestra_lsp.journal.files import dumps
from orchestra_lsp.redaction import SECRETS, Redactor

SECRET = "journal-line-secret-8417"
NOTES = f'first line\n\tsecond "quoted" \\ é 😀\nthe key is {SECRET}\n'


def _tool(name: str, **arguments: Any) -> dict[str, Any]:
    return {"name": name, "input": arguments}


async def test_every_line_is_the_event_shown_plus_its_time_and_number(root: Path) -> None:
    SECRETS.add([SECRET])
    step = command_file([{"id": "work", "agent": "worker", "prompt": "Read the notes."}])
    workspace(root, {"read": step}, extra={"notes.txt": NOTES, "README.md": "# Notes\n"})
    script: list[dict[str, Any]] = [
        {
            "reply": {
                "text": ["Reading ", "the notes.\n"],
                "tool_use": [_tool("read_file", path="notes.txt"), _tool("list_files")],
            }
        },
        {"reply": {"text": 'Done: "quoted" \\ é.'}},
    ]
    outcome = await run_command(root, script, RunRequest(command="read"))
    assert outcome.result.state == "finished", outcome.result.error
    path = root / ".orchestra" / "runs" / outcome.result.run_id / "events.jsonl"
    raw = path.read_bytes()
    assert SECRET.encode() not in raw
    lines = raw.splitlines()
    records = [json.loads(line) for line in lines]
    for line, record in zip(lines, records, strict=True):
        assert dumps(record) == line
        assert list(record)[-2:] == ["ts", "seq"]
    assert [r["seq"] for r in records] == list(range(1, len(records) + 1))
    shown = [e.model_dump(mode="json") for e in outcome.frontend.events if e.type != "text_delta"]
    journaled = [
        {k: v for k, v in r.items() if k not in ("ts", "seq")}
        for r in records
        if r["type"] != "text_delta"
    ]
    assert [list(r.items()) for r in journaled] == [list(s.items()) for s in shown]
    finished = [r for r in records if r["type"] == "tool_call_finished"]
    assert len(finished) == 2 and "[redacted]" in finished[0]["summary"]
    assert 'second "quoted" \\ é 😀' in finished[0]["summary"]


def test_a_line_made_from_the_callers_encoding_is_the_line_made_from_the_record(
    tmp_path: Path,
) -> None:
    journal = RunJournal.start(tmp_path, "c", {}, redactor=Redactor())
    record = {"run_id": journal.run_id, "type": "notice", "level": "info", "message": NOTES}
    journal.append(record, screened=True, encoded=dumps(record))
    journal.append(dict(record), screened=True)
    # An encoding that would not make the line (an event with its own `ts`, first) is
    # not reused.
    stamped = {"ts": "2026-01-01T00:00:00.000+00:00", **record}
    journal.append(stamped, screened=True, encoded=dumps(record))
    journal.close()
    lines = (journal.directory / "events.jsonl").read_bytes().splitlines()
    first, second, third = (json.loads(line) for line in lines[:3])
    assert [dumps(r) for r in (first, second, third)] == lines[:3]
    assert list(first) == [*record, "ts", "seq"] and first["message"] == NOTES
    assert {**first, "ts": 0, "seq": 0} == {**second, "ts": 0, "seq": 0}
    assert third["ts"] == stamped["ts"] and list(third) == [*stamped, "seq"]
