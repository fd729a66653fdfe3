"""A run's timeline and costs, computed from its journal events alone.

Times come from the events' `ts` (milliseconds, UTC) as the journal wrote them; a tool
call's length is its `duration_ms`, measured around the call itself. A model call spans
from the `context` event (the prompt is built and sent) to its `usage` event (the reply
is complete). A gate spans from `gate_opened` to `gate_decided`, so its length is how
long the run waited for a person (or for the policy).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel

SpanKind = Literal["step", "model", "tool", "gate"]


class Span(BaseModel):
    """One bar of the timeline."""

    kind: SpanKind
    step_id: str
    label: str
    start_ms: float
    """From the run's start."""
    duration_ms: float
    error: bool = False
    detail: str = ""


class Tokens(BaseModel):
    """Token counts, as the API's `usage` reports them (input excludes cache reads/writes)."""

    input: int = 0
    output: int = 0
    cache_read: int = 0
    cache_write: int = 0
    cost_usd: float = 0.0
    calls: int = 0

    @property
    def prompt(self) -> int:
        """Every token the prompts held, cached or not."""
        return self.input + self.cache_read + self.cache_write

    def add(self, usage: Mapping[str, Any]) -> None:
        self.input += int(usage.get("input_tokens", 0))
        self.output += int(usage.get("output_tokens", 0))
        self.cache_read += int(usage.get("cache_read_tokens", 0))
        self.cache_write += int(usage.get("cache_write_tokens", 0))
        self.cost_usd += float(usage.get("cost_usd", 0.0))
        self.calls += 1


class StepTimes(BaseModel):
    """Where one step's time went, in milliseconds. `other` is the rest: the engine's
    own work, and time not covered by a model call, a tool call or a gate."""

    step_id: str
    agent: str
    duration_ms: float
    model_ms: float
    tool_ms: float
    gate_ms: float
    tokens: Tokens

    @property
    def other_ms(self) -> float:
        return max(0.0, self.duration_ms - self.model_ms - self.tool_ms - self.gate_ms)


class Timeline(BaseModel):
    """Everything the run page draws."""

    duration_ms: float
    spans: list[Span]
    steps: list[StepTimes]
    agents: dict[str, Tokens]
    total: Tokens


def build_timeline(events: Iterable[Mapping[str, Any]]) -> Timeline:
    """The timeline of a run's events (as `load_run` returns them), in journal order."""
    events = list(events)
    times = [_time(e) for e in events]
    known = [t for t in times if t is not None]
    origin = min(known) if known else 0.0
    end = max(known) if known else 0.0

    def at(index: int) -> float:
        value = times[index]
        return (value if value is not None else origin) - origin

    spans: list[Span] = []
    open_steps: dict[str, tuple[int, str]] = {}
    open_models: dict[str, int] = {}
    open_gates: dict[str, tuple[int, str]] = {}
    agents_of: dict[str, str] = {}
    per_step: dict[str, Tokens] = {}
    agents: dict[str, Tokens] = {}
    total = Tokens()
    for index, event in enumerate(events):
        kind, step = event.get("type"), str(event.get("step_id") or "")
        if kind == "step_started":
            open_steps[step] = (index, str(event.get("agent", "")))
            agents_of[step] = str(event.get("agent", ""))
        elif kind == "step_finished" and step in open_steps:
            begin, agent = open_steps.pop(step)
            spans.append(_span("step", step, f"{step} ({agent})", at(begin), at(index)))
        elif kind == "context":
            open_models[step] = index
        elif kind == "usage":
            begin_model = open_models.pop(step, None)
            model = str(event.get("model", "model"))
            if begin_model is not None:
                spans.append(_span("model", step, model, at(begin_model), at(index)))
            for tokens in (
                per_step.setdefault(step, Tokens()),
                agents.setdefault(str(event.get("agent", "")), Tokens()),
                total,
            ):
                tokens.add(event)
        elif kind == "tool_call_finished":
            duration = float(event.get("duration_ms", 0.0))
            spans.append(
                Span(
                    kind="tool",
                    step_id=step,
                    label=str(event.get("tool", "")),
                    start_ms=max(0.0, at(index) - duration),
                    duration_ms=duration,
                    error=bool(event.get("is_error")),
                    detail=str(event.get("summary", "")).split("\n", 1)[0][:160],
                )
            )
        elif kind == "gate_opened":
            open_gates[step] = (index, str(event.get("gate", "")))
        elif kind == "gate_decided" and step in open_gates:
            begin_gate, gate = open_gates.pop(step)
            how = f"{event.get('decision', '')} by {event.get('by', '')}" + (
                ", edited" if event.get("edited") else ""
            )
            spans.append(_span("gate", step, f"{gate} gate", at(begin_gate), at(index), how))
    # A run that ended inside a step (failed, cancelled, interrupted): the step ends with it.
    for step, (begin, agent) in open_steps.items():
        spans.append(_span("step", step, f"{step} ({agent})", at(begin), end - origin))
    for step, (begin, gate) in open_gates.items():
        spans.append(_span("gate", step, f"{gate} gate", at(begin), end - origin, "undecided"))
    steps = [_step_times(s, agents_of.get(s.step_id, ""), spans, per_step) for s in spans]
    return Timeline(
        duration_ms=end - origin,
        spans=sorted(spans, key=lambda s: (s.start_ms, _ORDER[s.kind])),
        steps=[s for s in steps if s is not None],
        agents=agents,
        total=total,
    )


_SLACK_MS = 1.0
"""Event times are whole milliseconds; a tool's own duration is finer."""

_ORDER: dict[SpanKind, int] = {"step": 0, "gate": 1, "model": 2, "tool": 3}


def _span(
    kind: SpanKind, step: str, label: str, start: float, stop: float, detail: str = ""
) -> Span:
    return Span(
        kind=kind,
        step_id=step,
        label=label,
        start_ms=start,
        duration_ms=max(0.0, stop - start),
        detail=detail,
    )


def _step_times(
    span: Span, agent: str, spans: list[Span], tokens: Mapping[str, Tokens]
) -> StepTimes | None:
    if span.kind != "step":
        return None

    def inside(kind: SpanKind) -> float:
        return sum(
            s.duration_ms
            for s in spans
            if s.kind == kind
            and s.step_id == span.step_id
            and span.start_ms <= s.start_ms
            and s.start_ms + s.duration_ms <= span.start_ms + span.duration_ms + _SLACK_MS
        )

    return StepTimes(
        step_id=span.step_id,
        agent=agent,
        duration_ms=span.duration_ms,
        model_ms=inside("model"),
        tool_ms=inside("tool"),
        gate_ms=inside("gate"),
        tokens=tokens.get(span.step_id, Tokens()),
    )


def _time(event: Mapping[str, Any]) -> float | None:
    """The event's time in milliseconds since the epoch, or None without a readable `ts`."""
    stamp = event.get("ts")
    if not isinstance(stamp, str):
        return None
    try:
        return datetime.fromisoformat(stamp).timestamp() * 1000
    except ValueError:
        return None
