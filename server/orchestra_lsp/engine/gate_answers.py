"""Gates answered in advance, for unattended runs (`orchestra run CMD --gate STEP=ANSWER`).

A person in CI cannot sit at each gate; they can say beforehand what each named gate
decides. The forms, one per gate:

- `STEP=approve` / `STEP=stop`: the approve gate of step STEP.
- `STEP=review:accept-all` / `STEP=review:reject-all`: the review of what step STEP
  proposed (a step with `gate: review`, or the command's last step, whose review
  settles whatever is still pending when the run ends).

An answered gate is decided by the engine without asking the front end and journaled
`gate_decided` with `by: "preset"` and the answer as given. A gate nobody answered
is asked as before (a front end without a person stops the run there). Answers are
checked against the command before the run starts: naming no gate of the command is
an error, never silently ignored.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Literal

from pydantic import BaseModel

from orchestra_lsp.engine.request import RunRequestError
from orchestra_lsp.workspace import Command, Step

GateKind = Literal["approve", "review"]
Answer = Literal["approve", "stop", "accept-all", "reject-all"]

_FORMS: dict[str, tuple[GateKind, Answer]] = {
    "approve": ("approve", "approve"),
    "stop": ("approve", "stop"),
    "review:accept-all": ("review", "accept-all"),
    "review:reject-all": ("review", "reject-all"),
}
FORMS = tuple(_FORMS)
"""The answers `--gate STEP=...` takes, as written."""


class GateAnswer(BaseModel):
    """One gate answered in advance."""

    step: str
    """The id of the step whose gate this answers."""
    gate: GateKind
    answer: Answer
    given: str
    """As the person wrote it (`design=approve`), for the journal."""


def parse_gate_answer(text: str) -> GateAnswer:
    """`STEP=ANSWER` as a `GateAnswer`; raises RunRequestError saying the forms."""
    step, equals, answer = text.partition("=")
    form = _FORMS.get(answer.strip().lower())
    if not equals or not step.strip() or form is None:
        raise RunRequestError(
            f"--gate '{text}' is not STEP=ANSWER with ANSWER one of {', '.join(FORMS)} "
            "(e.g. --gate design=approve --gate implement=review:accept-all)"
        )
    return GateAnswer(step=step.strip(), gate=form[0], answer=form[1], given=text.strip())


def parse_gate_answers(texts: Iterable[str]) -> list[GateAnswer]:
    return [parse_gate_answer(text) for text in texts]


def command_gates(command: Command) -> dict[str, set[GateKind]]:
    """Each step id of `command` with the gates an answer may name: its own `gate`,
    and a review for the last top-level step (the end-of-run review)."""
    gates: dict[str, set[GateKind]] = {}
    for step in _all_steps(command.steps):
        if step.gate is not None:
            gates.setdefault(step.id, set()).add(step.gate)
    if command.steps:
        gates.setdefault(command.steps[-1].id, set()).add("review")
    return gates


def check_gate_answers(command: Command, answers: Sequence[GateAnswer]) -> dict[str, GateAnswer]:
    """The answers by step id, each checked against the command's gates; raises
    RunRequestError for a step with no such gate, or two answers for one gate."""
    gates = command_gates(command)
    known = ", ".join(
        f"{step} ({'/'.join(sorted(kinds))})" for step, kinds in sorted(gates.items())
    )
    by_step: dict[str, GateAnswer] = {}
    for answer in answers:
        kinds = gates.get(answer.step)
        if kinds is None or answer.gate not in kinds:
            what = "no step" if kinds is None else f"no {answer.gate} gate at step"
            raise RunRequestError(
                f"--gate {answer.given}: command '{command.name}' has {what} "
                f"'{answer.step}' (its gates: {known or 'none'})"
            )
        if answer.step in by_step:
            raise RunRequestError(
                f"--gate {answer.given}: step '{answer.step}' is already answered "
                f"({by_step[answer.step].given})"
            )
        by_step[answer.step] = answer
    return by_step


def _all_steps(steps: Iterable[Step]) -> Iterator[Step]:
    """Every step, nested ones too (groups of steps keep theirs in `steps` or
    `parallel`, when the command file declares them)."""
    for step in steps:
        yield step
        for key in ("steps", "parallel"):
            inner = getattr(step, key, None)
            if isinstance(inner, list):
                yield from _all_steps(s for s in inner if isinstance(s, Step))
