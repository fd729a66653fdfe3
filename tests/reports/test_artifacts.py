"""Artifacts: which files a tool call saved are kept in the run's folder, and how the
report cites them; and the timeline's arithmetic on runs that end in odd places."""

from __future__ import annotations

import os
import time
from pathlib import Path

from orchestra_lsp.journal import ArtifactCollector
from orchestra_lsp.reports import build_timeline

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 32


def _collector(tmp_path: Path) -> tuple[Path, ArtifactCollector]:
    workspace = tmp_path / "ws"
    run = workspace / ".orchestra" / "runs" / "r1"
    run.mkdir(parents=True)
    return workspace, ArtifactCollector(workspace, run, started=time.time())


def _write(path: Path, data: bytes = PNG) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def test_files_named_in_arguments_or_results_are_kept(tmp_path: Path) -> None:
    workspace, collector = _collector(tmp_path)
    _write(workspace / "shots" / "login.png")
    _write(workspace / "out" / "page.yml", b"- heading: Products\n")
    saved = collector.collect(
        {"filename": "shots/login.png"}, "### Page\n- [Snapshot](./out/page.yml)\n"
    )
    assert [(a.source, a.relative) for a in saved] == [
        ("shots/login.png", "artifacts/login.png"),
        ("out/page.yml", "artifacts/page.yml"),
    ]
    assert (collector.folder / "login.png").read_bytes() == PNG


def test_what_is_not_this_run_s_evidence_is_left_alone(tmp_path: Path) -> None:
    workspace, collector = _collector(tmp_path)
    old = _write(workspace / "docs" / "old.png")
    os.utime(old, (time.time() - 3600, time.time() - 3600))  # there before the run
    _write(workspace / "src" / "app.py", b"print(1)\n")  # source, not evidence
    _write(tmp_path / "outside.png")  # outside the workspace
    result = "saved docs/old.png; edited src/app.py; see ../outside.png and /etc/passwd"
    assert collector.collect({"path": "../outside.png"}, result) == []
    assert not collector.folder.exists()


def test_a_retaken_screenshot_is_copied_again_and_same_names_stay_apart(tmp_path: Path) -> None:
    workspace, collector = _collector(tmp_path)
    _write(workspace / "a" / "shot.png")
    _write(workspace / "b" / "shot.png", PNG + b"b")
    assert [a.name for a in collector.collect({"filename": "a/shot.png"}, "")] == ["shot.png"]
    assert [a.name for a in collector.collect({"filename": "b/shot.png"}, "")] == ["shot-2.png"]
    _write(workspace / "a" / "shot.png", PNG + b"again")
    assert collector.collect({"filename": "a/shot.png"}, "") == []  # not new, but copied
    assert (collector.folder / "shot.png").read_bytes() == PNG + b"again"
    # Two artifacts share the bare name: only full paths are cited.
    report = "Evidence: a/shot.png and b/shot.png, also shot.png"
    assert collector.embed(report) == (
        "Evidence: ![shot](artifacts/shot.png) and ![shot-2](artifacts/shot-2.png), also shot.png"
    )


def test_citations_become_images_in_text_and_links_in_tables(tmp_path: Path) -> None:
    workspace, collector = _collector(tmp_path)
    _write(workspace / ".orchestra" / "shots" / "AC1-pass.png")
    _write(workspace / "logs" / "server.log", b"started\n")
    collector.collect({"filename": ".orchestra/shots/AC1-pass.png"}, "wrote logs/server.log")
    report = "\n".join(
        [
            "| AC1 | PASS | .orchestra/shots/AC1-pass.png |",
            "Evidence: .orchestra/shots/AC1-pass.png; screenshot AC1-pass.png.",
            "Server log: `logs/server.log`; not a citation: my-AC1-pass.png, AC1-pass.png.bak",
        ]
    )
    assert collector.embed(report).split("\n") == [
        "| AC1 | PASS | [AC1-pass.png](artifacts/AC1-pass.png) |",
        "Evidence: ![AC1-pass](artifacts/AC1-pass.png); screenshot ![AC1-pass](artifacts/AC1-pass.png).",
        "Server log: [server.log](artifacts/server.log); not a citation: my-AC1-pass.png, AC1-pass.png.bak",
    ]


def test_a_file_the_call_only_named_is_not_kept(tmp_path: Path) -> None:
    """Written after the run started but before this call (a ticket's notes the model
    reads later): named in the call, not saved by it, so it stays out of the run."""
    workspace, collector = _collector(tmp_path)
    _write(workspace / "docs" / "NOTES.md", b"# Notes\n")
    later = time.time() + 1
    assert collector.collect({"path": "docs/NOTES.md"}, "docs/NOTES.md", since=later) == []
    assert not collector.folder.exists()


def test_kept_text_is_redacted_and_text_that_cannot_be_screened_is_not_kept(
    tmp_path: Path,
) -> None:
    workspace, collector = _collector(tmp_path)
    token = "ghp_" + "R4nd0mT0k3nV4lu3F0rT3st1ng0000000000"
    _write(workspace / "logs" / "server.log", f"started with {token}\n".encode())
    _write(workspace / "logs" / "dump.txt", b"\xff\xfe" + token.encode("utf-16-le"))
    _write(workspace / "shots" / "page.png")
    saved = collector.collect({"filename": "shots/page.png"}, "logs/server.log logs/dump.txt")
    assert [a.name for a in saved] == ["page.png", "server.log"]
    kept = (collector.folder / "server.log").read_text(encoding="utf-8")
    assert token not in kept and "[redacted]" in kept
    assert saved[1].size == len(kept.encode())
    assert (collector.folder / "page.png").read_bytes() == PNG


def test_a_report_without_artifacts_is_unchanged(tmp_path: Path) -> None:
    _, collector = _collector(tmp_path)
    assert collector.embed("No evidence: x.png") == "No evidence: x.png"


def _event(kind: str, at: float, **fields: object) -> dict[str, object]:
    second, ms = divmod(int(at), 1000)
    return {"type": kind, "ts": f"2026-11-30T10:00:{second:02d}.{ms:03d}+00:00", **fields}


def test_the_timeline_adds_up_and_closes_what_a_failure_left_open() -> None:
    events = [
        _event("run_started", 0),
        _event("step_started", 10, step_id="plan", agent="architect"),
        _event("context", 20, step_id="plan", manifest={}),
        _event(
            "usage",
            1020,
            step_id="plan",
            agent="architect",
            model="m",
            cost_usd=0.5,
            input_tokens=10,
            output_tokens=5,
            cache_read_tokens=90,
            cache_write_tokens=0,
        ),
        _event("tool_call_finished", 1530, step_id="plan", tool="search", duration_ms=500.0),
        _event("step_finished", 1600, step_id="plan"),
        _event("gate_opened", 1600, step_id="plan", gate="approve"),
        _event(
            "gate_decided", 9600, step_id="plan", gate="approve", decision="approve", by="person"
        ),
        _event("step_started", 9700, step_id="build", agent="developer"),
        _event("context", 9710, step_id="build", manifest={}),
        _event("run_failed", 12000, error="model error"),
    ]
    timeline = build_timeline(events)
    assert timeline.duration_ms == 12000
    plan, build = timeline.steps
    assert (plan.duration_ms, plan.model_ms, plan.tool_ms, plan.other_ms) == (1590, 1000, 500, 90)
    assert build.duration_ms == 2300  # the failed step ends with the run
    [gate] = [s for s in timeline.spans if s.kind == "gate"]
    assert (gate.duration_ms, gate.detail) == (8000, "approve by person")
    assert timeline.total.cost_usd == 0.5 and timeline.total.prompt == 100
    assert timeline.agents["architect"].cache_read == 90
