"""The journal's cheap screen for secrets never lets one through: events are walked and
redacted whenever their JSON might hold a secret, including secrets JSON would escape."""

from __future__ import annotations

from pathlib import Path

import pytest

from orchestra_lsp.engine.events import ToolCallFinished
from orchestra_lsp.journal import RunJournal
from orchestra_lsp.redaction import Redactor, redact_model_data

SECRETS = [
    "plain-secret-1234",
    'quoted"secret-5678',  # JSON writes the quote escaped: the screen must not be trusted
    "back\\slash-secret-9",
    "new\nline-secret-0",
    "ünïcode-secret-42",
]


@pytest.mark.parametrize("secret", SECRETS)
def test_every_secret_is_redacted_whatever_json_does_to_it(tmp_path: Path, secret: str) -> None:
    journal = RunJournal.start(tmp_path, "c", {}, redactor=Redactor([secret]))
    journal.append(
        {"type": "notice", "message": f"the value is {secret}!", "deep": [{"x": secret}]}
    )
    journal.append({"type": "notice", "message": "nothing secret here"})
    journal.close()
    written = (journal.directory / "events.jsonl").read_text(encoding="utf-8")
    assert "[redacted]" in written
    assert secret not in written
    assert secret.encode("unicode_escape").decode() not in written.replace("[redacted]", "")
    assert "nothing secret here" in written


def test_patterns_are_screened_case_insensitively(tmp_path: Path) -> None:
    journal = RunJournal.start(tmp_path, "c", {})
    journal.append({"type": "notice", "message": "AUTHORIZATION: Bearer abc.def.ghi"})
    journal.append({"type": "notice", "message": "key sk-ant-api03-abcdefghijkl"})
    journal.close()
    written = (journal.directory / "events.jsonl").read_text(encoding="utf-8")
    assert "abc.def.ghi" not in written and "sk-ant-api03-abcdefghijkl" not in written


def test_the_screen_passes_clean_text_and_catches_secrets() -> None:
    redactor = Redactor(["s3cr3t-value"])
    assert not redactor.may_hold_secret('{"message":"hello"}')
    assert redactor.may_hold_secret('{"message":"xs3cr3t-valuey"}')
    assert redactor.may_hold_secret('{"h":"Authorization: Bearer abcdefgh"}')
    assert redactor.may_hold_secret('{"k":"AKIAIOSFODNN7EXAMPLE"}')  # a token shape
    # Escaped by JSON; a short secret counts as a whole token only (`pytest` keeps `test`).
    assert Redactor(['a"bcd']).may_hold_secret('{"m":"x a\\"bcd y"}')
    assert Redactor([], patterns=[r"custom-\d+"]).may_hold_secret('{"m":"custom-12"}')


def test_the_screen_reads_json_escapes_decoded() -> None:
    """Escaped text (every tool summary has newlines) is screened as its strings read,
    not walked whole: clean text passes, and a secret an escape splits is still caught."""
    redactor = Redactor(["s3cr3t-value"])
    assert not redactor.may_hold_secret('{"m":"line one\\n\\tline \\"two\\" \\\\ \\u00e9"}')
    pem = "-----BEGIN RSA PRIVATE KEY-----\\nMIIEpAIBAAKCAQEA\\n-----END RSA PRIVATE KEY-----"
    assert redactor.may_hold_secret('{"k":"' + pem + '"}')
    assert Redactor(["ab\x01cdefgh"]).may_hold_secret('{"m":"xab\\u0001cdefghy"}')
    assert Redactor(["ab\\cd"]).may_hold_secret('{"m":"x ab\\\\cd y"}')
    # An escaped backslash before an `n` is a backslash and an `n`, not a newline.
    assert not Redactor(["a\ncd"]).may_hold_secret('{"m":"a\\\\ncd"}')
    # `\/` (JSON's optional escape of a slash, which the journal's encoder never writes).
    assert Redactor(["a/bcdefgh"]).may_hold_secret('{"m":"xa\\/bcdefghy"}')


@pytest.mark.parametrize("secret", SECRETS)
def test_an_engine_event_is_redacted_once_for_the_journal_and_the_editor(
    tmp_path: Path, secret: str
) -> None:
    """The engine redacts each event with the process-wide redactor (which knows the
    journal's secrets and more) and journals that, unscreened: nothing gets through, in
    either copy, whatever JSON escapes; a redactor that does not cover the journal's
    leaves the screening to the journal."""
    journal = RunJournal.start(tmp_path, "c", {}, redactor=Redactor([secret]))
    event = ToolCallFinished(
        run_id=journal.run_id,
        step_id="s",
        call_id="c1",
        tool="bash",
        duration_ms=1.0,
        is_error=False,
        summary=f"line one\n  the value is {secret}!\n\tdone",
    )
    process_wide = Redactor([secret, "another-secret-value"])
    assert journal.covered_by(process_wide) and not journal.covered_by(Redactor())
    shown, data = redact_model_data(event, process_wide)
    journal.append(data, screened=journal.covered_by(process_wide))
    assert secret not in shown.summary and "[redacted]" in shown.summary
    assert data == shown.model_dump(mode="json")
    unscreened, raw = redact_model_data(event, Redactor())  # knows nothing: redacts nothing
    assert unscreened is event
    journal.append(raw, screened=journal.covered_by(Redactor()))
    journal.close()
    written = (journal.directory / "events.jsonl").read_text(encoding="utf-8")
    assert written.count("[redacted]") == 2
    assert secret not in written
    assert secret.encode("unicode_escape").decode() not in written.replace("[redacted]", "")


def test_a_clean_event_is_the_same_object_and_its_dump() -> None:
    event = ToolCallFinished(
        run_id="r",
        step_id="s",
        call_id="c",
        tool="t",
        duration_ms=0.5,
        is_error=False,
        summary="a\nb\tc \\ d",  # escapes make the screen walk; the walk finds nothing
    )
    shown, data = redact_model_data(event, Redactor(["never-there-1234"]))
    assert shown is event and data == event.model_dump(mode="json")
