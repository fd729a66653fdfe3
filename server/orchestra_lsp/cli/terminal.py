"""The terminal front end of the engine: live progress, gates and review in a shell.

Without a terminal (CI, a pipe) nobody can answer, so a gate that needs a person
stops the run with a message saying how to proceed (`--yes`), instead of hanging.
"""

from __future__ import annotations

import asyncio
import contextlib
import difflib
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import tempfile
import threading
import webbrowser
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO, TypeVar

from rich.console import Console
from rich.markdown import Markdown
from rich.markup import escape
from rich.panel import Panel
from rich.prompt import InvalidResponse, Prompt
from rich.syntax import Syntax
from rich.text import Text

from orchestra_lsp.changes import LABELS, Changeset, apply_hunks
from orchestra_lsp.changes.hunks import hunk_diff
from orchestra_lsp.cli.line_input import ask_in_thread
from orchestra_lsp.durations import for_people
from orchestra_lsp.engine import (
    ApprovalDecision,
    ApprovalRequest,
    Event,
    FileDecision,
    FileReview,
    PermissionRequest,
    Question,
    ReviewDecision,
    ReviewRequest,
)
from orchestra_lsp.engine import events as ev
from orchestra_lsp.engine.frontend import CANNOT_ASK
from orchestra_lsp.journal.models import stopped
from orchestra_lsp.redaction import SECRETS
from orchestra_lsp.shown_text import spelled_out
from orchestra_lsp.workspace.files import FileProblem, read_raw

T = TypeVar("T")

#: An approve gate's answer edited in $EDITOR: far more than any step's output.
MAX_EDITED_BYTES = 16 * 1024 * 1024

#: How much of a tool result the run's output shows, in characters.
PREVIEW_CHARS = 100


class ChoicePrompt(Prompt):
    """A choice typed in full or as an unambiguous prefix (`y`, `e`), any case. No
    default: a bare Enter is no answer and asks again, so nothing lands by accident."""

    illegal_choice_message = "[prompt.invalid.choice]Type one of the options, or its first letter"

    def process_response(self, value: str) -> str:
        typed = value.strip().lower()
        choices = self.choices or []
        exact = [c for c in choices if c.lower() == typed]
        matches = exact or [c for c in choices if typed and c.lower().startswith(typed)]
        if len(matches) != 1:
            raise InvalidResponse(self.illegal_choice_message)
        return matches[0]


def diff_text(diff: str) -> Text:
    """A unified diff coloured by line kind, each line as long as it is: rich's
    `Syntax` pads every line to the console's width, and the spaces come along when
    the diff is copied."""
    styles = {"+": "green", "-": "red", "@": "cyan"}
    text = Text(no_wrap=False, end="")
    for line in diff.splitlines(keepends=True):
        header = line.startswith(("+++", "---"))
        # Every control character spelled out, before rich drops CR and BS unseen. A
        # bare CR (or FF, …) ends difflib's line but no line on disk: it is shown too.
        [body] = line.splitlines()
        ending = line[len(body) :]
        if ending not in ("", "\n", "\r\n"):
            body, ending = line, "\n"
        style = "bold" if header else styles.get(line[:1], "")
        text.append(spelled_out(body) + ending, style=style)
    return text


#: `read_file`'s numbered lines (`     1\tline`), as `cat -n` writes them.
_NUMBERED = re.compile(r"^\s*\d+\t")


def cut(text: str, width: int) -> str:
    """`text` if it fits in `width` characters, else its start and `…` (so a person can
    tell a cut value from a whole one)."""
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def result_preview(summary: str, width: int = PREVIEW_CHARS) -> str:
    """A tool result's start (`ToolCallFinished.summary`) on one line of at most
    `width` characters: JSON compacted (`{"id": "SHOP-1", "labels": ["bug"]}`), read_file's
    line numbers dropped, every other run of whitespace and line breaks one space (a
    pretty-printed result's first line alone is often just `{`). Cut with `…`."""
    lines = [line for line in summary.splitlines() if line.strip()]
    if lines and _NUMBERED.match(lines[0]):  # and its `\ No newline at end of file`
        summary = "\n".join(_NUMBERED.sub("", line) for line in lines if line[:2] != "\\ ")
    try:
        flat = json.dumps(json.loads(summary), ensure_ascii=False)
    except ValueError:  # not JSON, or cut short: its words will do
        flat = " ".join(summary.split())
    return cut(flat, width)


_DECIDED = {"approve": "approved", "revise": "sent back", "stop": "stopped"}


def unattended_gate(event: ev.GateDecided) -> str:
    """A gate nobody was asked at, said where it passes: by the policy (`--yes`, the
    demo, a batch) or by an answer given in advance (`--gate STEP=ANSWER`)."""
    what = f"{event.gate} gate of step '{event.step_id}'"
    if event.by == "preset":
        return f"{what}: {_DECIDED[event.decision]}, answered in advance ({event.preset})"
    return f"{what}: {_DECIDED[event.decision]} by policy (--yes); nobody was asked"


def unified_diff(review: FileReview, accepted_text: str | None = None) -> str:
    """The file's proposal (or just its accepted part) as a unified diff."""
    new = review.proposed_text if accepted_text is None else accepted_text
    return "".join(
        difflib.unified_diff(
            (review.base_text or "").splitlines(keepends=True),
            (new or "").splitlines(keepends=True),
            fromfile="/dev/null" if review.base_text is None else f"a/{review.path}",
            tofile="/dev/null" if new is None else f"b/{review.path}",
        )
    )


def models_said(models: Sequence[str]) -> str:
    """`model M`, or `models M1, M2` when the run's steps call several."""
    return ("model " if len(models) == 1 else "models ") + ", ".join(models)


@dataclass
class TerminalFrontEnd:
    console: Console
    root: Path
    interactive: bool
    patch: Path | None = None
    show_text: bool = True
    stopped_reason: list[str] = field(default_factory=list)
    #: The id of the run under way, once it started (for `orchestra review`/`resume` hints).
    run_id: str | None = None
    #: The person is in $EDITOR: a Ctrl-C is the editor's, not a stop (see _drive).
    editing: bool = False
    _streaming: bool = False
    _header_model: str | None = None
    """The one model the run header named: a step calling another says its own."""
    _cache_read: int = 0
    _prompt_tokens: int = 0
    _outside: list[str] = field(default_factory=list)
    """Files the run changed on disk outside review (for the closing summary)."""

    # -- events --------------------------------------------------------------------

    def emit(self, event: Event) -> None:
        out = self.console
        if isinstance(event, ev.TextDelta):
            if self.show_text:
                self._streaming = True
                out.print(escape(event.text), end="", style="dim", soft_wrap=True)
            return
        if self._streaming:
            out.print()
            self._streaming = False
        match event:
            case ev.RunStarted():
                self.run_id = event.run_id
                models = event.models or [m for m in [event.model] if m]
                self._header_model = models[0] if len(models) == 1 else None
                named = f" · {models_said(models)}" if models else ""
                out.print(
                    f"[bold]▶ {escape(event.command)}[/] run {event.run_id} · "
                    f"steps: {' → '.join(event.steps)}{escape(named)}"
                )
            case ev.StepStarted():
                again = f" (attempt {event.attempt})" if event.attempt > 1 else ""
                own = event.model not in (None, self._header_model)
                model = f" · model {escape(event.model or '')}" if own else ""
                out.print(
                    f"\n[bold cyan]● step {event.index + 1}/{event.total} {event.step_id}[/]"
                    f" · agent {event.agent}{model}{again}"
                )
            case ev.StepSkipped():
                when = escape(event.when)
                out.print(f"\n[dim]○ step {escape(event.step_id)} skipped: `when: {when}`[/]")
            case ev.StepFinished() if event.data is not None and "/" not in event.step_id:
                # A structured answer (or a group's) decides what runs next: show it.
                shown = json.dumps(event.data, ensure_ascii=False)
                cost = f" · ${event.cost_usd:.4f}" if event.cost_usd else ""
                out.print(f"  [green]→[/] {escape(event.step_id)}: {escape(cut(shown, 200))}{cost}")
            case ev.ToolCallFinished():
                mark = "[red]✗[/]" if event.is_error else "[green]✓[/]"
                out.print(
                    f"  {mark} {escape(event.tool)} · {for_people(event.duration_ms)} · "
                    f"[dim]{escape(result_preview(event.summary))}[/]"
                )
            case ev.ToolCallStarted():
                args = json.dumps(event.arguments, ensure_ascii=False)
                out.print(f"  ⚙ {escape(event.tool)} [dim]{escape(cut(args, 120))}[/]")
            case ev.ArtifactSaved():
                out.print(f"  [dim]saved {escape(event.path)}[/]")
            case ev.PermissionDecided() if event.verdict == "deny":
                out.print(f"  [yellow]denied[/] {escape(event.tool)}: {escape(event.reason)}")
            case ev.UsageReported():
                self._cache_read += event.cache_read_tokens
                self._prompt_tokens += (
                    event.input_tokens + event.cache_read_tokens + event.cache_write_tokens
                )
                out.print(
                    f"  [dim]tokens in {event.input_tokens} · out {event.output_tokens} · "
                    f"cache read {event.cache_read_tokens} · write {event.cache_write_tokens} · "
                    f"${event.cost_usd:.4f} (run ${event.run_cost_usd:.4f})[/]"
                )
            case ev.ModelRetry():
                out.print(f"  [yellow]model reply discarded ({escape(event.reason)}); retrying[/]")
            case ev.Notice():
                style = {"info": "blue", "warning": "yellow", "error": "red"}[event.level]
                out.print(f"[{style}]{event.level}:[/] {escape(event.message)}")
            case ev.GateDecided() if event.by != "person":
                out.print(f"  [cyan]{escape(unattended_gate(event))}[/]")
            case ev.ProposalDecided() if event.outcome == "applied_outside_review":
                self._outside.append(event.path)
                out.print(
                    f"  [yellow]{escape(event.path)}: {LABELS[event.outcome]}[/]"
                    + (f" — {escape(event.detail)}" if event.detail else "")
                )
            case ev.ProposalDecided():
                # Nothing decided (found already applied at a review): no counts to claim.
                counts = (
                    f" ({len(event.accepted)} hunk(s) accepted, {len(event.rejected)} rejected)"
                    if event.accepted or event.rejected
                    else ""
                )
                out.print(
                    f"  {escape(event.path)}: {LABELS[event.outcome]}{counts}"
                    + (f" — {escape(event.detail)}" if event.detail else "")
                )
            case ev.RunFinished():
                cached = (
                    f" · {100 * self._cache_read / self._prompt_tokens:.0f}% of the prompt "
                    "read from cache"
                    if self._prompt_tokens
                    else ""
                )
                out.print(f"\n[bold green]✔ finished[/] · cost ${event.cost_usd:.4f}{cached}")
                self._say_outside()
                if event.report:
                    out.print(f"report: {escape(event.report)}")
            case ev.RunFailed():
                out.print(f"\n[bold red]✘ failed:[/] {escape(event.error)}")
                self._say_outside()
            case ev.RunCancelled():
                line = stopped(event.reason)
                out.print(f"\n[bold yellow]■ {escape(line)}[/]")
                self._say_outside()
            case _:
                pass

    def _say_outside(self) -> None:
        """The run's closing line about files changed on disk without review."""
        if not self._outside:
            return
        files = ", ".join(dict.fromkeys(self._outside))
        self.console.print(
            f"[yellow]changed on disk outside review ({len(set(self._outside))} file(s)):[/] "
            f"{escape(files)} — `orchestra undo {self.run_id or 'RUN'}` takes back what it can"
        )

    # -- gates ---------------------------------------------------------------------

    def _needs_person(self, what: str, *, shown: bool = True) -> str:
        """The message saying why the run stops; printed unless `shown` is False (the
        engine then prints it once, as the reason the run stopped)."""
        review = f"`orchestra review {self.run_id or 'RUN'}`"
        message = (
            f"{what} needs a person, and there is no terminal to ask in; "
            "run it in a terminal, or pass --yes to let gates pass by policy "
            f"(a proposal stays pending: {review} in a terminal)"
        )
        self.stopped_reason.append(message)
        if shown:
            self.console.print(f"[yellow]{escape(message)}[/]")
        return message

    async def approve(self, request: ApprovalRequest) -> ApprovalDecision:
        try:
            return await self._approve(request)
        except InputEnded:
            self._input_ended()
            return ApprovalDecision(decision="stop")

    def _input_ended(self) -> None:
        self.stopped_reason.append(INPUT_ENDED)
        self.console.print(f"\n[yellow]{escape(INPUT_ENDED)}[/]")

    async def _approve(self, request: ApprovalRequest) -> ApprovalDecision:
        if request.gate == "budget":
            if not self.interactive:
                self._needs_person("the cost cap")
                return ApprovalDecision(decision="stop")
            go = await self._choose(request.message, ["continue", "stop"])
            return ApprovalDecision(decision="approve" if go == "continue" else "stop")
        if not self.interactive:
            self._needs_person(f"the approve gate of step '{request.step_id}'")
            return ApprovalDecision(decision="stop")
        text = request.output
        if request.problem:
            self.console.print(f"[yellow]Your edit was not taken:[/] {escape(request.problem)}")
        while True:
            shown = Markdown(text) if request.format == "text" else Syntax(text, "json")
            edited = text != request.output or request.problem is not None
            title = f"{request.step_id} · {request.agent}" + (" · edited" if edited else "")
            self.console.print(Panel(shown, title=title))
            choice = await self._choose(
                "Approve, edit, revise or stop?", ["approve", "edit", "revise", "stop"]
            )
            if choice == "edit":
                self.editing = True
                try:
                    with _ctrl_c_to_the_editor():
                        text = await asyncio.to_thread(self._edit, request, text)
                finally:
                    self.editing = False
                continue
            if choice == "revise":
                feedback = await _ask(
                    lambda line: Prompt.ask(
                        "What should change?", console=self.console, stream=line
                    )
                )
                return ApprovalDecision(decision="revise", feedback=feedback)
            if choice == "stop":
                return ApprovalDecision(decision="stop")
            return ApprovalDecision(decision="approve", edited=text if edited else None)

    def _edit(self, request: ApprovalRequest, text: str) -> str:
        """`text` after the person edited it in $VISUAL or $EDITOR (as git finds its
        editor); when the editor cannot start or fails, `text` unchanged, with the reason
        and the file that keeps whatever was typed."""
        command = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
        folder = Path(tempfile.mkdtemp(prefix="orchestra-edit-"))
        suffix = ".json" if request.format == "json" else ".md"
        path = folder / (request.step_id.replace("/", "_") + suffix)
        path.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
        try:
            argv = [*shlex.split(command), str(path)]
        except ValueError as error:  # an unclosed quote in $EDITOR
            return self._edit_failed(
                f"the editor command `{command}` cannot be read: {error}", path, text
            )
        try:
            finished = subprocess.run(argv, check=False)
        except OSError as error:
            reason = error.strerror or str(error)
            return self._edit_failed(
                f"the editor `{argv[0]}` could not start: {reason}", path, text
            )
        if finished.returncode != 0:
            return self._edit_failed(
                f"the editor `{argv[0]}` exited with status {finished.returncode}", path, text
            )
        try:
            # Read as the loader reads files: the editor may have left anything there.
            data = read_raw(path, MAX_EDITED_BYTES)
            if data is None:
                return self._edit_failed(f"the editor removed {path}", path, text)
            edited = data.decode("utf-8")
        except (FileProblem, UnicodeDecodeError) as error:
            return self._edit_failed(f"{path} could not be read back: {error}", path, text)
        shutil.rmtree(folder, ignore_errors=True)
        return edited

    def _edit_failed(self, reason: str, path: Path, text: str) -> str:
        self.console.print(
            f"[red]The edit was not taken:[/] {escape(reason)}; what was typed is kept in "
            f"{escape(str(path))}. Set $VISUAL or $EDITOR to an editor that waits until "
            "the file is closed (e.g. `code --wait`)."
        )
        return text

    async def permission(self, request: PermissionRequest) -> bool:
        if not self.interactive:
            self._needs_person(f"the call to {request.tool}")
            return False
        args = json.dumps(request.arguments, indent=2, ensure_ascii=False)
        self.console.print(
            Panel(args, title=f"{request.tool} wants to run ({escape(request.reason)})")
        )
        try:
            return await self._choose("Allow this call?", ["yes", "no"]) == "yes"
        except InputEnded:
            self._input_ended()
            return False

    async def ask(self, question: Question) -> str:
        if not self.interactive:
            self._needs_person("a question from the agent")
            return f"{CANNOT_ASK}: there is no terminal to ask in; decide yourself)"
        try:
            answer = (
                await self._choose(question.question, question.choices)
                if question.choices
                else await _ask(
                    lambda line: Prompt.ask(
                        escape(question.question), console=self.console, stream=line
                    )
                )
            )
        except InputEnded:
            self._input_ended()
            return f"{CANNOT_ASK}: the terminal's input ended; decide yourself)"
        if question.open_url and question.choices and answer == question.choices[0]:
            webbrowser.open(question.open_url)  # the person agreed; the question named it
        return answer

    async def review(self, request: ReviewRequest, changeset: Changeset) -> ReviewDecision:
        """The person's decisions, file by file; the engine lands them. Without a
        terminal (and without `--yes`) nobody can decide: the run stops, the proposal
        stays pending for `orchestra review RUN`."""
        if not request.auto_accept and not self.interactive:
            why = self._needs_person(f"the review of step '{request.step_id}'", shown=False)
            return ReviewDecision(files=[], stop=why)
        decisions = []
        for review in request.files:
            self.console.print(diff_text(unified_diff(review)), soft_wrap=True)
            try:
                accepted = await self._accepted_hunks(request, review)
            except InputEnded:  # nothing is decided, not even the files answered so far
                # Said once, by the run's stop line (its reason is this text).
                self.stopped_reason.append(INPUT_ENDED)
                return ReviewDecision(files=[], stop=INPUT_ENDED)
            if accepted and self.patch is not None:
                self._append_patch(review, accepted)
            decisions.append(FileDecision(path=review.path, accepted=accepted))
        return ReviewDecision(files=decisions)

    async def _accepted_hunks(self, request: ReviewRequest, review: FileReview) -> list[str]:
        every = [hunk.id for hunk in review.hunks]
        if request.auto_accept:
            return every
        answer = await self._choose(f"Accept the changes to {review.path}?", ["yes", "no", "hunks"])
        if answer != "hunks":
            return every if answer == "yes" else []
        chosen = []
        for hunk in review.hunks:
            shown = hunk_diff(review.base_text or "", review.hunks, hunk.id)
            self.console.print(diff_text(shown), soft_wrap=True)
            if await self._choose(f"Accept hunk {hunk.id}?", ["yes", "no"]) == "yes":
                chosen.append(hunk.id)
        return chosen

    async def _choose(self, question: str, choices: list[str]) -> str:
        """One of `choices`, typed whole or by an unambiguous first letter(s); every
        prompt in the terminal asks this way. Enter alone chooses nothing and asks
        again; raises InputEnded at the end of input (the caller decides nothing)."""
        return await _ask(
            lambda line: ChoicePrompt.ask(
                escape(question), choices=choices, console=self.console, stream=line
            )
        )

    def _append_patch(self, review: FileReview, accepted: list[str]) -> None:
        if review.base_text is not None and review.proposed_text is not None:
            text: str | None = apply_hunks(review.base_text, review.hunks, set(accepted))
        else:
            text = review.proposed_text
        assert self.patch is not None
        with self.patch.open("a", encoding="utf-8") as patch:
            patch.write(SECRETS.redactor.redact_text(unified_diff(review, text)))


@contextlib.contextmanager
def _ctrl_c_to_the_editor() -> Iterator[None]:
    """While the editor runs in the foreground, a ^C typed there is the editor's (vi
    cancels a command with it), as git does: Orchestra's own SIGINT does nothing, so
    the run is not interrupted under the person's edit (and the edit not lost). A
    handler, not SIG_IGN: the editor, started after, gets the default back at exec."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, _not_ours)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _not_ours(signum: int, frame: object) -> None:
    """SIGINT while the editor runs: the editor's to handle."""


class InputEnded(Exception):
    """The terminal's input ended (Ctrl-D, a closed pipe) while a question waited."""


INPUT_ENDED = (
    "no answer: the terminal's input ended (Ctrl-D); nothing was decided, "
    "and a proposal stays pending for `orchestra review RUN`"
)


async def _ask(question: Callable[[TextIO], T]) -> T:
    """Run a blocking terminal prompt reading from its `line` in a thread that a
    cancel (Ctrl-C) ends at once (see line_input). Raises InputEnded at the end of input."""
    try:
        return await ask_in_thread(question)
    except EOFError:
        raise InputEnded from None
