"""One self-contained HTML page for a run: its report with the evidence inline, a
timeline, tokens and cost per step and per agent, the reviewed diff with each hunk's
fate, and each model call's context manifest.

Self-contained means it opens anywhere with no network: styles are inline, images are
`data:` URIs, and nothing is fetched. Jinja2 (autoescaping) builds the markup and the
SVG charts; markdown-it-py renders the report (raw HTML in a report is shown as text,
never run). Every text goes through the run's :class:`Redactor` once more, as the
journal does, so a page never shows what the journal would not.
"""

from __future__ import annotations

import base64
import difflib
import json
import mimetypes
import os
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict
from markupsafe import Markup
from pydantic import BaseModel

from orchestra_lsp.changes import Changeset
from orchestra_lsp.durations import for_people
from orchestra_lsp.journal import RunRecord, load_run
from orchestra_lsp.journal.artifacts import MAX_ARTIFACT_BYTES
from orchestra_lsp.journal.models import RUNS_FOLDER, said
from orchestra_lsp.redaction import Redactor
from orchestra_lsp.reports.timeline import Timeline, build_timeline

PAGE_FILE = "report.html"
"""Where `orchestra show RUN --html` writes the page by default, beside report.md."""

REPORT_FILE = "report.md"
PATCH_SUFFIX = ".patch"


class FileFate(BaseModel):
    """What a review decided for one file."""

    step_id: str
    path: str
    outcome: str
    accepted: list[str]
    rejected: list[str]
    detail: str = ""


class ModelCall(BaseModel):
    """One model call's context manifest, shown on demand."""

    step_id: str
    index: int
    total_tokens: int
    budget_tokens: int
    sources: dict[str, int]
    cuts: list[Any]


def render_run_page(
    record: RunRecord,
    folder: Path,
    redactor: Redactor | None = None,
    *,
    undone: str | None = None,
    undo_outlook: Sequence[str] = (),
) -> str:
    """The HTML page of the run `record`, whose journal folder is `folder`; `undone`
    says how far a later undo took it back (`whole by RUN`), `undo_outlook` what an
    undo of it would meet now (engine/undo.py: `undo_outlook`).

    Reads `report.md`, the patches and the artifacts in `folder`; an image the report
    cites by a relative path inside `folder` is inlined. Never raises for a missing or
    unreadable file in `folder`: the page says what is missing instead."""
    redactor = redactor or Redactor()
    timeline = build_timeline(record.events)
    report = _read(folder / REPORT_FILE)
    template = environment().get_template("run.html.j2")
    html = template.render(
        run=record.summary,
        workspace=record.workspace,
        timeline=timeline,
        chart=_chart(timeline),
        report=Markup(_markdown(folder).render(redactor.redact_text(report))) if report else None,
        fates=_fates(record.events),
        patches=[
            (p.name, redactor.redact_text(_read(p) or "")) for p in sorted(folder.glob("*.patch"))
        ],
        pending=_pending_hunks(record.changeset),
        calls=_model_calls(record.events),
        failure=_failure(record.events),
        skipped_lines=record.skipped_lines,
        outputs=_step_outputs(record.events),
        notices=[
            (str(e.get("level", "info")), str(e.get("message", "")))
            for e in record.events
            if e.get("type") == "notice"
        ],
        undone=undone,
        undo_outlook=list(undo_outlook),
    )
    return redactor.redact_text(html)


def write_run_page(
    record: RunRecord,
    folder: Path,
    target: Path | None = None,
    redactor: Redactor | None = None,
    *,
    undone: str | None = None,
    undo_outlook: Sequence[str] = (),
) -> Path:
    """Render the page and write it to `target` (default: `report.html` in `folder`)."""
    target = target or folder / PAGE_FILE
    target.parent.mkdir(parents=True, exist_ok=True)
    page = render_run_page(record, folder, redactor, undone=undone, undo_outlook=undo_outlook)
    target.write_text(page, encoding="utf-8")
    return target


# -- pieces ---------------------------------------------------------------------------


class _Bar(BaseModel):
    x: float
    width: float
    y: float
    kind: str
    label: str
    title: str
    error: bool = False


class _Chart(BaseModel):
    width: float
    height: float
    lanes: list[tuple[float, str]]
    bars: list[_Bar]
    ticks: list[tuple[float, str]]


_LANE_HEIGHT = 18.0
_LANE_KINDS = ("step", "gate", "model", "tool")
_LABEL_WIDTH = 170.0
_PLOT_WIDTH = 780.0


def _chart(timeline: Timeline) -> _Chart:
    """The timeline as horizontal bars: per step a lane for the step itself, its model
    calls, its tool calls and its gates."""
    scale = _PLOT_WIDTH / max(timeline.duration_ms, 1.0)
    bars: list[_Bar] = []
    # A step's lanes stay together, steps in the order they started (spans come sorted
    # by start, so a step's first span is its earliest).
    first: dict[str, float] = {}
    for span in timeline.spans:
        first.setdefault(span.step_id, span.start_ms)
    keys = sorted(
        {(span.step_id, span.kind) for span in timeline.spans},
        key=lambda key: (first[key[0]], _LANE_KINDS.index(key[1])),
    )
    lane_of = {key: index * _LANE_HEIGHT for index, key in enumerate(keys)}
    lanes = [(lane_of[key], key[0] if key[1] == "step" else f"· {key[1]}") for key in keys]
    for span in timeline.spans:
        bars.append(
            _Bar(
                x=_LABEL_WIDTH + span.start_ms * scale,
                width=max(1.0, span.duration_ms * scale),
                y=lane_of[(span.step_id, span.kind)],
                kind=span.kind,
                label=span.label,
                title=f"{span.label} · {for_people(span.duration_ms)}"
                + (f" · {span.detail}" if span.detail else ""),
                error=span.error,
            )
        )
    step = _tick_step(timeline.duration_ms)
    ticks = [
        (_LABEL_WIDTH + t * scale, for_people(t))
        for t in (step * i for i in range(int(timeline.duration_ms // step) + 1))
    ]
    return _Chart(
        width=_LABEL_WIDTH + _PLOT_WIDTH + 20,
        height=len(lanes) * _LANE_HEIGHT + 24,
        lanes=lanes,
        bars=bars,
        ticks=ticks,
    )


def _tick_step(duration_ms: float) -> float:
    for step in (100, 250, 500, 1000, 2000, 5000, 10000, 30000, 60000, 300000, 600000):
        if duration_ms / step <= 10:
            return float(step)
    return 3600000.0


def _fates(events: Sequence[dict[str, Any]]) -> list[FileFate]:
    return [
        FileFate(
            step_id=str(e.get("step_id", "")),
            path=str(e.get("path", "")),
            outcome=str(e.get("outcome", "")),
            accepted=[str(h) for h in e.get("accepted", [])],
            rejected=[str(h) for h in e.get("rejected", [])],
            detail=str(e.get("detail", "")),
        )
        for e in events
        if e.get("type") == "proposal_decided"
    ]


def _pending_hunks(changeset: dict[str, Any] | None) -> list[tuple[str, str]]:
    """Per file of a pending changeset: its path and a unified diff of the proposal."""
    if not changeset:
        return []
    try:
        pending = Changeset.model_validate(changeset)
    except ValueError:
        return [("changeset.json", "(the pending changeset could not be read)")]
    return [
        (path, _unified(path, change.base_text, change.proposed_text))
        for path, change in pending.files.items()
    ]


def _unified(path: str, before: str | None, after: str | None) -> str:
    return "".join(
        difflib.unified_diff(
            (before or "").splitlines(keepends=True),
            (after or "").splitlines(keepends=True),
            f"a/{path}",
            f"b/{path}",
        )
    )


def _model_calls(events: Sequence[dict[str, Any]]) -> list[ModelCall]:
    calls: list[ModelCall] = []
    for event in events:
        if event.get("type") != "context":
            continue
        manifest = event.get("manifest") or {}
        calls.append(
            ModelCall(
                step_id=str(event.get("step_id", "")),
                index=len(calls) + 1,
                total_tokens=int(manifest.get("total_tokens", 0)),
                budget_tokens=int(manifest.get("budget_tokens", 0)),
                sources={str(k): int(v) for k, v in (manifest.get("sources") or {}).items()},
                cuts=list(manifest.get("cuts") or []),
            )
        )
    return calls


def _step_outputs(events: Sequence[dict[str, Any]]) -> list[tuple[str, str]]:
    """(placed step id, what it answered as JSON, or why it was skipped) for each step
    with a structured or group output and each skipped step, in journal order."""
    found = []
    for event in events:
        if event.get("type") == "step_finished" and event.get("data") is not None:
            data = json.dumps(event["data"], indent=2, ensure_ascii=False)
            found.append((str(event.get("step_id", "")), data))
        elif event.get("type") == "step_skipped":
            found.append((str(event.get("step_id", "")), f"skipped: when {event.get('when')}"))
    return found


def _failure(events: Sequence[dict[str, Any]]) -> str | None:
    for event in reversed(events):
        if event.get("type") in ("run_failed", "run_cancelled"):
            return str(event.get("error") or event.get("reason") or "")
    return None


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None


def _markdown(folder: Path) -> MarkdownIt:
    """CommonMark with tables; raw HTML shown as text; local images inlined."""
    # `breaks`: a model's report puts one fact a line ("Verdict: PASS", "Steps:") and
    # means the line breaks; CommonMark would run them together into one paragraph.
    md = MarkdownIt("commonmark", {"html": False, "breaks": True}).enable("table")
    base = folder.resolve()

    def image(
        self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
    ) -> str:
        token = tokens[idx]
        source = str(token.attrGet("src") or "")
        inlined = _data_uri(base, source)
        if inlined is not None:
            token.attrSet("src", inlined)
            token.attrSet("data-source", source)
        return self.image(tokens, idx, options, env)

    md.add_render_rule("image", image)
    return md


def _data_uri(base: Path, source: str) -> str | None:
    if not source or ":" in source.split("/", 1)[0]:
        return None  # a URL or a data: URI: never fetched, left as written
    path = (base / source).resolve()
    if not path.is_relative_to(base) or not path.is_file():
        return None
    if path.stat().st_size > MAX_ARTIFACT_BYTES:
        return None
    kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return f"data:{kind};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"


def environment() -> Environment:
    """The Jinja environment of the pages (templates/, with their filters)."""
    env = Environment(
        loader=PackageLoader("orchestra_lsp.reports", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["ms"] = for_people
    env.filters["said"] = said
    env.filters["usd"] = lambda value: f"${value:.4f}"
    env.filters["when"] = lambda value: (
        value.strftime("%Y-%m-%d %H:%M:%S UTC") if isinstance(value, datetime) else ""
    )
    env.filters["tojson_pretty"] = lambda value: json.dumps(value, indent=2, ensure_ascii=False)
    return env


def workspace_redactor(root: Path) -> Redactor:
    """A redactor of the workspace's own secrets (mcp.json's `env`, `headers`,
    expanded values) and the API key, on top of the patterns every redactor knows."""
    from orchestra_lsp.workspace import load_workspace  # only front ends call this

    secrets = [*load_workspace(root).secrets(), os.environ.get("ANTHROPIC_API_KEY", "")]
    return Redactor(s for s in secrets if s)


def write_page_of_run(workspace: Path, run_id: str, target: Path | None = None) -> Path:
    """Write the page of run `run_id` of `workspace` (default: `report.html` in its
    journal folder) and return where. The workspace's own secrets (mcp.json's `env`,
    `headers`, expanded values) and the API key are redacted once more.

    Raises `RunNotFoundError` when the journal has no such run."""
    root = workspace.resolve()
    record = load_run(root, run_id)
    folder = root / RUNS_FOLDER / record.summary.run_id
    from orchestra_lsp.engine.undo import undo_outlook, undone_runs
    from orchestra_lsp.journal import list_runs

    undone = undone_runs(root, list_runs(root)).get(record.summary.run_id)
    return write_run_page(
        record,
        folder,
        target,
        workspace_redactor(root),
        undone=None if undone is None else undone.label(),
        undo_outlook=undo_outlook(root, record.summary.run_id)
        if record.summary.state != "running"
        else (),
    )
