"""The engine's `FrontEnd` spoken as ACP session updates and permission requests.

Events become `session/update` notifications (text as `agent_message_chunk`, tool
calls as `tool_call` / `tool_call_update`, steps as a `plan`, token use and cost as
`usage_update`); gates, policy asks and each proposed file become
`session/request_permission`. A gate's "revise" asks for the feedback through
`elicitation/create` where the client offers forms, else the person's next prompt is
the feedback (as it is the answer to a free-text `ask_user`). Nothing here lands a
file: the engine does, from the `FileDecision`s returned (ARCHITECTURE.md §front-ends).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from acp.helpers import SessionUpdate
from acp.interfaces import Client
from acp.schema import (
    AcceptElicitationResponse,
    AllowedOutcome,
    ClientCapabilities,
    Cost,
    ElicitationFormSessionMode,
    ElicitationSchema,
    ElicitationStringPropertySchema,
    PermissionOption,
    PlanEntry,
    ToolCallLocation,
    ToolCallUpdate,
    ToolKind,
    UsageUpdate,
)

from acp import (
    RequestError,
    plan_entry,
    start_tool_call,
    text_block,
    tool_content,
    tool_diff_content,
    tool_terminal_ref,
    update_agent_message_text,
    update_plan,
    update_tool_call,
)
from orchestra_lsp.changes import LABELS, Changeset
from orchestra_lsp.engine import (
    ApprovalDecision,
    ApprovalRequest,
    EditorState,
    Event,
    FileDecision,
    FileReview,
    PermissionAnswer,
    PermissionRequest,
    Question,
    ReviewDecision,
    ReviewRequest,
)
from orchestra_lsp.engine import events as ev
from orchestra_lsp.tools.base import TerminalRun

#: ACP's tool kinds, for the client's icons; a tool not named here is `other`.
_KINDS: dict[str, ToolKind] = {
    "read_file": "read",
    "list_files": "search",
    "search": "search",
    "edit": "edit",
    "run_shell": "execute",
    "task": "think",
    "ask_user": "think",
}

#: The output a client's terminal keeps for `run_shell` (its end, when longer): what
#: `run_shell` keeps when it runs the command itself.
TERMINAL_OUTPUT_BYTES = 30_000

#: Starts a terminal's command with exactly the environment given (`env -i`).
ENV_COMMAND = "/usr/bin/env"

#: What `session/update` carries (the SDK's `SessionUpdate` alias lacks `usage_update`).
Update = SessionUpdate | UsageUpdate

_ALLOW = PermissionOption(option_id="allow_once", name="Allow", kind="allow_once")
_REJECT = PermissionOption(option_id="reject_once", name="Reject", kind="reject_once")
_ALWAYS = PermissionOption(
    option_id="allow_always", name="Allow for this session", kind="allow_always"
)
_NEVER = PermissionOption(
    option_id="reject_always", name="Reject for this session", kind="reject_always"
)
_APPROVE = PermissionOption(option_id="approve", name="Approve", kind="allow_once")
_REVISE = PermissionOption(option_id="revise", name="Revise with feedback", kind="reject_once")
_STOP = PermissionOption(option_id="stop", name="Stop the run", kind="reject_once")


class AcpFrontEnd:
    """One ACP session's answers to the engine. `emit` queues updates in order; `pump`
    (a task of the session) sends them, so a slow client never blocks the run."""

    def __init__(
        self,
        client: Client,
        session_id: str,
        root: Path,
        capabilities: ClientCapabilities | None = None,
    ) -> None:
        self.client = client
        self.session_id = session_id
        self.root = root
        """The workspace: ACP's `fs/*` methods take absolute paths."""
        self.capabilities = capabilities or ClientCapabilities()
        self.context_size = 0
        """The context budget in tokens (`usage_update.size`); the agent keeps it current."""
        self.reply_wanted = asyncio.Event()
        """Set while the run waits for the person's next prompt (feedback, an answer)."""
        self._reply: asyncio.Future[str] | None = None
        self._remembered: dict[str, bool] = {}
        self._shell_calls: dict[str, list[str]] = {}
        """`run_shell` calls started and not yet in a terminal, by command text."""
        self._terminals: dict[str, str] = {}
        """Terminal ids by tool call id, so the finished call keeps showing its output."""
        self._costs: dict[str, float] = {}
        self._updates: asyncio.Queue[Update | None] = asyncio.Queue()
        self._plan: list[PlanEntry] = []
        self._sending = 0

    # -- events ----------------------------------------------------------------------

    def send(self, update: Update) -> None:
        self._updates.put_nowait(update)

    async def pump(self) -> None:
        """Send queued updates in order, for the session's life."""
        while (update := await self._updates.get()) is not None:
            self._sending += 1
            try:
                await self.client.session_update(session_id=self.session_id, update=update)
            except ConnectionError:
                return  # the client went away; the journal still has every event
            finally:
                self._sending -= 1

    def idle(self) -> bool:
        """Every queued update has been handed to the client."""
        return self._updates.empty() and self._sending == 0

    def emit(self, event: Event) -> None:
        match event:
            case ev.TextDelta():
                self.send(update_agent_message_text(event.text))
            case ev.RunStarted() if len(event.steps) > 1:
                self._plan = [plan_entry(step) for step in event.steps]
                self.send(update_plan(self._plan))
            case ev.StepStarted() if self._plan and event.parent_step is None:
                for index, entry in enumerate(self._plan):
                    if index < event.index:
                        entry.status = "completed"
                    elif index == event.index:
                        entry.status = "in_progress"
                self.send(update_plan(self._plan))
            case ev.ToolCallStarted():
                command = event.arguments.get("command")
                if event.tool == "run_shell" and isinstance(command, str):
                    self._shell_calls.setdefault(command, []).append(event.call_id)
                path = event.arguments.get("path")
                self.send(
                    start_tool_call(
                        event.call_id,
                        _title(event.tool, event.arguments),
                        kind=_KINDS.get(event.tool, "other"),
                        status="in_progress",
                        locations=[ToolCallLocation(path=path)] if isinstance(path, str) else None,
                        raw_input=event.arguments,
                    )
                )
            case ev.ToolCallFinished():
                terminal = self._terminals.pop(event.call_id, None)
                self.send(
                    update_tool_call(
                        event.call_id,
                        status="failed" if event.is_error else "completed",
                        content=[
                            *([tool_terminal_ref(terminal)] if terminal else []),
                            tool_content(text_block(event.summary)),
                        ],
                    )
                )
            case ev.ProposalDecided():
                self.send(
                    update_tool_call(
                        review_call(event.step_id, event.path),
                        status="completed" if event.outcome != "conflict" else "failed",
                        content=[
                            tool_content(
                                text_block(
                                    f"{event.path}: {LABELS[event.outcome]}"
                                    + (f" — {event.detail}" if event.detail else "")
                                )
                            )
                        ],
                    )
                )
            case ev.UsageReported():
                self._costs[event.run_id] = event.run_cost_usd
                used = event.input_tokens + event.cache_read_tokens + event.cache_write_tokens
                self.send(
                    UsageUpdate(
                        session_update="usage_update",
                        used=used,
                        size=max(self.context_size, used),
                        cost=Cost(amount=round(sum(self._costs.values()), 6), currency="USD"),
                    )
                )
            case ev.Notice():
                self.send(update_agent_message_text(f"\n[{event.level}] {event.message}\n"))
            case ev.RunFinished():
                for entry in self._plan:
                    entry.status = "completed"
                if self._plan:
                    self.send(update_plan(self._plan))
            case ev.RunFailed():
                self.send(update_agent_message_text(f"\nThe run failed: {event.error}\n"))
            case ev.RunCancelled():
                self.send(update_agent_message_text(f"\nThe run stopped: {event.reason}\n"))
            case _:
                pass

    # -- the client's terminal ------------------------------------------------------

    async def run_in_terminal(
        self, command: str, *, cwd: str, env: Mapping[str, str], timeout: float
    ) -> TerminalRun:
        """`run_shell` in the client's terminal (`terminal/create`), shown in its tool
        call; killed at `timeout` or on cancel (releasing a terminal kills its command).

        ACP's `env` is added to the editor's own environment, which holds the tokens
        `env` was scrubbed of; so the command starts under `env -i` with `env` as its
        whole environment, as `run_shell` gives it when it runs the command itself."""
        calls = self._shell_calls.get(command) or []
        call_id = calls.pop(0) if calls else None
        created = await self.client.create_terminal(
            session_id=self.session_id,
            command=ENV_COMMAND,
            args=[
                "-i",
                *(f"{name}={value}" for name, value in env.items() if _assignable(name)),
                "/bin/sh",
                "-c",
                command,
            ],
            cwd=cwd,
            output_byte_limit=TERMINAL_OUTPUT_BYTES,
        )
        terminal_id = created.terminal_id
        if call_id is not None:
            self._terminals[call_id] = terminal_id
            self.send(update_tool_call(call_id, content=[tool_terminal_ref(terminal_id)]))
        try:
            try:
                exited = await asyncio.wait_for(
                    self.client.wait_for_terminal_exit(
                        session_id=self.session_id, terminal_id=terminal_id
                    ),
                    timeout,
                )
            except TimeoutError:
                await self.client.kill_terminal(session_id=self.session_id, terminal_id=terminal_id)
                exited = None
            shown = await self.client.terminal_output(
                session_id=self.session_id, terminal_id=terminal_id
            )
        finally:
            with contextlib.suppress(ConnectionError, RequestError):
                await self.client.release_terminal(
                    session_id=self.session_id, terminal_id=terminal_id
                )
        return TerminalRun(
            output=shown.output,
            truncated=shown.truncated,
            exit_code=exited.exit_code if exited else None,
            signal=exited.signal if exited else None,
            timed_out=exited is None,
        )

    # -- questions -------------------------------------------------------------------

    async def _choose(
        self, call_id: str, title: str, options: list[PermissionOption], raw: Any = None
    ) -> str | None:
        """The option the person picked, or None when the client cancelled the ask."""
        try:
            response = await self.client.request_permission(
                session_id=self.session_id,
                tool_call=ToolCallUpdate(tool_call_id=call_id, title=title, raw_input=raw),
                options=options,
            )
        except ConnectionError:
            # The client went away: nobody can answer. Wait for the agent to interrupt
            # the run (it ends `interrupted`, a proposal kept), rather than decide.
            await asyncio.Event().wait()
            raise
        outcome = response.outcome
        return outcome.option_id if isinstance(outcome, AllowedOutcome) else None

    async def approve(self, request: ApprovalRequest) -> ApprovalDecision:
        """Approve, revise with feedback, or stop."""
        if request.gate == "budget":
            title, options = request.message, [_APPROVE, _STOP]
        else:
            title = f"Approve the output of step '{request.step_id}' ({request.agent})?"
            options = [_APPROVE, _REVISE, _STOP]
            self.send(update_agent_message_text(f"\n\n---\n{request.output}\n---\n"))
        call_id = f"gate-{request.step_id}"
        while True:
            chosen = await self._choose(call_id, title, options)
            if chosen != "revise":
                return ApprovalDecision(decision="approve" if chosen == "approve" else "stop")
            feedback = await self._feedback(
                call_id, f"What should step '{request.step_id}' change?"
            )
            if feedback:
                return ApprovalDecision(decision="revise", feedback=feedback)

    async def _feedback(self, call_id: str, message: str) -> str | None:
        """The person's feedback: a one-field form where the client offers elicitation
        forms (None when declined: the gate is asked again), else their next prompt."""
        elicitation = self.capabilities.elicitation
        if elicitation is None or elicitation.form is None:
            return await self.next_prompt(f"{message} Your next message is the feedback.")
        form = ElicitationSchema(
            type="object",
            properties={"feedback": ElicitationStringPropertySchema(type="string", title=message)},
            required=["feedback"],
        )
        try:
            response = await self.client.create_elicitation(
                message=message,
                mode=ElicitationFormSessionMode(
                    session_id=self.session_id, tool_call_id=call_id, requested_schema=form
                ),
            )
        except ConnectionError:
            await asyncio.Event().wait()  # as in `_choose`: the agent interrupts the run
            raise
        if isinstance(response, AcceptElicitationResponse) and response.content:
            text = response.content.get("feedback")
            return (text.strip() or None) if isinstance(text, str) else None
        return None

    async def next_prompt(self, message: str) -> str:
        """Show `message`, end the prompt turn, and wait for the person's next prompt:
        its text is the answer (`reply`)."""
        self.send(update_agent_message_text(f"\n{message}\n"))
        self._reply = asyncio.get_running_loop().create_future()
        self.reply_wanted.set()
        try:
            return await self._reply
        finally:
            self._reply = None
            self.reply_wanted.clear()

    def wants_reply(self) -> bool:
        return self._reply is not None and not self._reply.done()

    def reply(self, text: str) -> None:
        """The person's next prompt, to the run that waits for it."""
        assert self._reply is not None
        # Cleared now, not when the run wakes: the next turn must not end at once.
        self.reply_wanted.clear()
        self._reply.set_result(text)

    async def permission(self, request: PermissionRequest) -> PermissionAnswer:
        """The policy asks about one call, shown with its exact arguments. An
        `allow_always` / `reject_always` answers later asks about the same tool with the
        same arguments for this session only; the journal marks both the answer that
        set it (`always: chosen`) and each call it decided (`always: applied`)."""
        key = f"{request.tool} {json.dumps(request.arguments, sort_keys=True)}"
        if key in self._remembered:
            return PermissionAnswer(allow=self._remembered[key], always="applied")
        title = f"{request.tool} {json.dumps(request.arguments, ensure_ascii=False)[:200]}"
        chosen = await self._choose(
            f"permission-{request.step_id}-{request.tool}",
            f"Allow {title}? ({request.reason})",
            [_ALLOW, _ALWAYS, _REJECT, _NEVER],
            raw=request.arguments,
        )
        allow = chosen in ("allow_once", "allow_always")
        if chosen in ("allow_always", "reject_always"):
            self._remembered[key] = allow
            return PermissionAnswer(allow=allow, always="chosen")
        return PermissionAnswer(allow=allow)

    async def ask(self, question: Question) -> str:
        """A question with choices is asked as a permission with one option per choice;
        a free-text question is answered by the person's next prompt."""
        if not question.choices:
            return await self.next_prompt(question.question)
        options = [
            PermissionOption(option_id=str(i), name=choice, kind="allow_once")
            for i, choice in enumerate(question.choices)
        ]
        chosen = await self._choose(f"ask-{question.step_id}", question.question, options)
        return question.choices[int(chosen)] if chosen is not None else ""

    async def review(self, request: ReviewRequest, changeset: Changeset) -> ReviewDecision:
        """Each file is an `edit` tool call carrying its `diff`, then one permission ask:
        allowed lands the whole file, rejected none of it (per-hunk review is LSP's).
        In plan mode the diffs are only shown: nobody is asked, nothing is written."""
        decisions = []
        for review in request.files:
            every = [hunk.id for hunk in review.hunks]
            call_id = review_call(request.step_id, review.path)
            self.send(
                start_tool_call(
                    call_id,
                    f"Edit {review.path}",
                    kind="edit",
                    status="pending",
                    locations=[ToolCallLocation(path=review.path)],
                    content=[
                        tool_diff_content(review.path, review.proposed_text or "", review.base_text)
                    ],
                )
            )
            if request.plan:
                continue  # the engine keeps it pending, whatever is answered
            if not request.auto_accept:
                chosen = await self._choose(
                    call_id, f"Apply the edit to {review.path}?", [_ALLOW, _REJECT]
                )
                if chosen != "allow_once":
                    decisions.append(FileDecision(path=review.path, accepted=[]))
                    continue
            decisions.append(await self._through_client(review, every))
        return ReviewDecision(files=decisions)

    async def _through_client(self, review: FileReview, every: list[str]) -> FileDecision:
        """An allowed file, written through the client's `fs/write_text_file` where it
        offers reading and writing (so its buffer and undo stay right), when its buffer
        still holds what the proposal was made from. A buffer with unsaved changes of
        its own is never overwritten (the file is refused: `conflict`); where the client
        cannot write, or the buffer is the disk's, the engine lands it on disk."""
        fs = self.capabilities.fs
        decision = FileDecision(path=review.path, accepted=every)
        if fs is None or not fs.read_text_file or not fs.write_text_file:
            return decision
        if review.proposed_text is None:
            return decision  # ACP cannot delete a file: the engine does
        path = self.root / review.path
        try:
            buffer: str | None = (
                await self.client.read_text_file(session_id=self.session_id, path=str(path))
            ).content
        except RequestError:
            buffer = None  # no such file (a create), or one the client will not read
        if buffer != review.base_text:
            disk = _disk_text(path)
            if buffer is None or buffer == disk:
                return decision  # nothing unsaved: the engine rebases onto the disk
            return FileDecision(
                path=review.path,
                accepted=every,
                refused=f"the editor's buffer of {review.path} has unsaved changes; "
                "save or revert them, then review again",
            )
        await self.client.write_text_file(
            session_id=self.session_id, path=str(path), content=review.proposed_text
        )
        saved = _disk_text(path) == review.proposed_text
        return FileDecision(
            path=review.path,
            accepted=every,
            editor=EditorState(text=review.proposed_text, saved=saved),
        )


def _disk_text(path: Path) -> str | None:
    """The file's text on disk, for comparing with a buffer; None when unreadable."""
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def _assignable(name: str) -> bool:
    """A name `env` takes as `NAME=VALUE` (not as an option, not as the command)."""
    return bool(name) and not name.startswith("-") and "=" not in name


def review_call(step_id: str, path: str) -> str:
    return f"review-{step_id}-{path}"


def _title(tool: str, arguments: dict[str, Any]) -> str:
    detail = arguments.get("path") or arguments.get("command") or arguments.get("pattern")
    return f"{tool} {detail}" if isinstance(detail, str) else tool
