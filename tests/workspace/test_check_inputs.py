"""The recorder under `orchestra check`'s cache: what a load consulted, and what it
could not represent (then nothing is stored)."""

from __future__ import annotations

from pathlib import Path

import pytest

from orchestra_lsp.workspace import inputs, load_workspace, result_cache
from orchestra_lsp.workspace.files import read_regular


def test_a_load_records_what_it_read_looked_for_and_listed(tmp_path: Path) -> None:
    agents = tmp_path / ".orchestra" / "agents"
    agents.mkdir(parents=True)
    (agents / "a.md").write_text("---\nname: a\ndescription: A\n---\nx\n")
    with inputs.recording() as recording:
        load_workspace(tmp_path, user_dir=tmp_path / "user", claude_home=tmp_path / "claude")
    assert recording.incomplete == []
    facts = recording.facts
    assert facts[("file", str(agents / "a.md"))].startswith("blake2b ")
    assert facts[("file", str(tmp_path / ".mcp.json"))] == "absent"
    assert facts[("file", str(tmp_path / "CLAUDE.md"))] == "absent"
    assert ("listing", f'["{agents}", ".md", false]') in facts
    assert inputs.changed(facts) is None
    (tmp_path / "CLAUDE.md").write_text("x")
    assert inputs.changed(facts) == f"file {tmp_path / 'CLAUDE.md'}"


def test_what_no_probe_asked_makes_the_recording_incomplete(tmp_path: Path) -> None:
    path = tmp_path / "data.txt"
    path.write_text("x")
    with inputs.recording() as recording:
        assert read_regular(path) == b"x"
    assert recording.incomplete == []
    with inputs.recording() as recording:
        path.read_text()  # not through a probe: the audit hook sees it
    assert recording.incomplete == [f"open {path}"]
    with inputs.recording() as recording:
        list(tmp_path.iterdir())  # Path.iterdir lists with os.listdir
    assert recording.incomplete == [f"os.listdir {tmp_path}"]
    with inputs.recording() as recording:
        dict(inputs.RecordedEnvironment())  # every variable at once: no one fact says so
    assert recording.incomplete


def test_an_incomplete_recording_is_not_stored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    result = {"diagnostics": [], "agents": 0, "commands": 0, "mcp_servers": 0}
    with inputs.recording() as recording:
        (tmp_path / "x").write_text("x")  # opened outside a probe
    result_cache.store("check", tmp_path, recording, result)
    assert not result_cache.cache_file("check", tmp_path).exists()
    with inputs.recording() as recording:
        inputs.exists(tmp_path / "x")
    result_cache.store("check", tmp_path, recording, result)
    assert result_cache.cached("check", tmp_path) == result
    (tmp_path / "x").unlink()
    assert result_cache.cached("check", tmp_path) is None
