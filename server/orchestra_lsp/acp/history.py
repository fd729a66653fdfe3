"""Past runs as ACP sessions: `session/list` lists the journal's runs, `session/load`
replays one run's conversation as the session updates it sent live.

One run is one listed session (its id is the run id): the journal records runs, not
ACP sessions, so a session that ran several prompts lists as several runs. Nothing
here reads anything but the journal (`journal.list_runs` / `load_run`).
"""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any

from acp.schema import ListSessionsResponse, SessionInfo, ToolCallLocation
from pydantic import TypeAdapter, ValidationError

from acp import start_tool_call, update_agent_message_text, update_user_message_text
from orchestra_lsp.acp.frontend import AcpFrontEnd, review_call
from orchestra_lsp.engine import Event
from orchestra_lsp.journal import RunRecord, RunSummary, list_runs

#: Sessions per `session/list` page; the cursor is the offset of the next page.
PAGE = 50

_EVENT: TypeAdapter[Event] = TypeAdapter(Event)


def list_sessions(root: Path, cursor: str | None) -> ListSessionsResponse:
    """One page of the workspace's runs, newest first. Raises ValueError for a cursor
    this agent did not give."""
    start = int(cursor) if cursor else 0
    if start < 0:
        raise ValueError(cursor)
    runs = list_runs(root)
    page = runs[start : start + PAGE]
    more = start + PAGE < len(runs)
    return ListSessionsResponse(
        sessions=[_info(root, run) for run in page],
        next_cursor=str(start + PAGE) if more else None,
    )


def _info(root: Path, run: RunSummary) -> SessionInfo:
    return SessionInfo(
        session_id=run.run_id,
        cwd=str(root),
        title=f"{prompt_text(run.command, run.arguments)} ({run.state})",
        updated_at=(run.finished_at or run.started_at).isoformat(),
    )


def prompt_text(command: str, arguments: dict[str, Any]) -> str:
    """What the person typed to start the run, as near as the journal tells: the
    message itself for a free-text prompt, else `/command args`."""
    if command == "prompt" and isinstance(arguments.get("request"), str):
        return str(arguments["request"])
    words = shlex.join(str(value) for value in arguments.values() if value)
    return f"/{command} {words}".rstrip()


def replay(record: RunRecord, frontend: AcpFrontEnd) -> None:
    """Queue the run's conversation: the person's prompt, then every journaled event
    as the live session showed it; a proposal shows as its files' edit calls (their
    diffs are not journaled, their outcomes are)."""
    summary = record.summary
    frontend.send(update_user_message_text(prompt_text(summary.command, summary.arguments)))
    for line in record.events:
        try:
            event = _EVENT.validate_python(line)
        except ValidationError:
            continue  # an event of a newer or older shape: the rest still replays
        if event.type == "proposal_ready":
            for proposal in event.files:
                frontend.send(
                    start_tool_call(
                        review_call(event.step_id, proposal.path),
                        f"Edit {proposal.path} ({proposal.kind}, {proposal.hunks} hunk(s))",
                        kind="edit",
                        status="pending",
                        locations=[ToolCallLocation(path=proposal.path)],
                    )
                )
        elif event.type == "gate_decided":
            said = f": {event.feedback}" if event.feedback else ""
            frontend.send(
                update_agent_message_text(
                    f"\n[{event.gate} gate of {event.step_id}: {event.decision}{said}]\n"
                )
            )
        frontend.emit(event)
    if summary.state in ("running", "interrupted"):
        pending = (
            " Its proposal is still pending: /review reviews it."
            if summary.pending_proposal
            else ""
        )
        frontend.send(update_agent_message_text(f"\n[the run is {summary.state}.{pending}]\n"))
