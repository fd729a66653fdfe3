"""The flow keys of a command file as the loader checks them: every problem positioned
at what has to change (`orchestra check` and the editor's diagnostics show these), a
clean file with every construct loading silently, and `orchestra check` itself."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from orchestra_lsp.workspace import Workspace, load_workspace

AGENT = """---
name: dev
description: Develops.
tools: [read_file, edit]
---
You develop.
"""

GOOD = """---
description: Every flow construct.
arguments:
  - {name: ticket, required: true}
steps:
  - id: triage
    agent: dev
    prompt: Read ticket {{ticket}}.
    output:
      type: object
      properties:
        kind: {enum: [bug, feature]}
        criteria: {type: array, items: {type: string}}
      required: [kind, criteria]
  - id: fix
    when: steps.triage.output.kind == "bug" and not ticket in ["SHOP-1"]
    agent: dev
    prompt: "Fix: {{steps.triage.output.criteria}}"
  - id: build
    repeat:
      until: steps.review.output.verdict == "approve"
      max: 3
      steps:
        - {id: implement, agent: dev, prompt: "Notes: {{steps.review.output.notes}}", gate: review}
        - id: review
          agent: dev
          prompt: Review {{steps.implement.output}}.
          output: {type: object, properties: {verdict: {enum: [approve, revise]}, notes: {type: string}}, required: [verdict]}
  - id: qa
    for_each: steps.triage.output.criteria
    as: criterion
    max_parallel: 4
    steps:
      - {id: check, agent: dev, prompt: "Test {{criterion}}", output: {type: object, properties: {verdict: {enum: [pass, fail]}}}}
  - id: both
    when: len(steps.qa.output) > 0
    parallel:
      - {id: unit, agent: dev, prompt: "Unit tests after {{steps.review.output.verdict}}."}
      - {id: lint, agent: dev, prompt: Lint.}
  - id: report
    agent: dev
    prompt: "{{steps.qa.output}} {{steps.unit.output}} {{steps.both.output.lint}}"
---
"""


def _load(tmp_path: Path, command: str) -> Workspace:
    root = tmp_path / "repo"
    (root / ".orchestra" / "agents").mkdir(parents=True, exist_ok=True)
    (root / ".orchestra" / "commands").mkdir(parents=True, exist_ok=True)
    (root / ".orchestra" / "agents" / "dev.md").write_text(AGENT)
    (root / ".orchestra" / "commands" / "flow.md").write_text(command)
    user = tmp_path / "user"
    user.mkdir(exist_ok=True)
    return load_workspace(root, user_dir=user)


def _problems(ws: Workspace) -> list[tuple[int, int, int | None, str]]:
    """(1-based line, 1-based column, 1-based end column, message) of flow.md's diagnostics."""
    return sorted(
        (
            d.line + 1,
            d.column + 1,
            None if d.span.end_column is None else d.span.end_column + 1,
            d.message,
        )
        for d in ws.diagnostics
        if d.path.name == "flow.md"
    )


def test_a_command_with_every_construct_loads_without_a_diagnostic(tmp_path: Path) -> None:
    ws = _load(tmp_path, GOOD)
    assert _problems(ws) == []
    command = ws.commands["flow"]
    assert [s.kind for s in command.steps] == [
        "agent",
        "agent",
        "repeat",
        "for_each",
        "parallel",
        "agent",
    ]
    assert [s.id for s in command.agent_steps()] == [
        "triage",
        "fix",
        "implement",
        "review",
        "check",
        "unit",
        "lint",
        "report",
    ]
    qa = command.steps[3]
    assert (qa.as_, qa.max_parallel, qa.for_each) == (
        "criterion",
        4,
        "steps.triage.output.criteria",
    )
    assert command.steps[2].max == 3 and command.steps[2].steps[0].gate == "review"


def test_an_unknown_step_in_when_is_pointed_at(tmp_path: Path) -> None:
    bad = GOOD.replace(
        'when: steps.triage.output.kind == "bug"',
        'when: steps.triage.output.kind == "bug" or steps.trage.output.kind == "x"',
    )
    [(line, column, end, message)] = _problems(_load(tmp_path, bad))
    source = bad.splitlines()[line - 1]
    assert end is not None
    assert source[column - 1 : end - 1] == "steps.trage.output.kind"
    assert "no earlier step 'trage'; did you mean 'triage'?" in message


def test_a_step_not_run_yet_is_unknown_to_when(tmp_path: Path) -> None:
    bad = GOOD.replace("when: len(steps.qa.output) > 0", 'when: steps.report.output == "x"')
    [(line, column, _, message)] = _problems(_load(tmp_path, bad))
    assert (line, column) == (
        bad.splitlines().index('    when: steps.report.output == "x"') + 1,
        11,
    )
    assert "no earlier step 'report'" in message
    # Inside a for_each, its inner steps are not seen after it; the group's list is.
    hidden = GOOD.replace("{{steps.qa.output}} ", "{{steps.check.output}} ")
    [(_, _, _, message)] = _problems(_load(tmp_path, hidden))
    assert "no earlier step 'check'" in message


def test_an_unknown_field_of_a_declared_schema(tmp_path: Path) -> None:
    bad = GOOD.replace(
        'until: steps.review.output.verdict == "approve"',
        'until: steps.review.output.verdikt == "approve"',
    )
    bad = bad.replace(
        "Fix: {{steps.triage.output.criteria}}", "Fix: {{steps.triage.output.critera}}"
    )
    found = _problems(_load(tmp_path, bad))
    assert len(found) == 2
    lines = bad.splitlines()
    template, until = found
    assert template[2] is not None and until[2] is not None
    assert (
        lines[template[0] - 1][template[1] - 1 : template[2] - 1]
        == "{{steps.triage.output.critera}}"
    )
    assert (
        "has no field 'critera'; did you mean 'criteria'? (its schema declares: kind, criteria)"
        in template[3]
    )
    assert lines[until[0] - 1][until[1] - 1 : until[2] - 1] == "steps.review.output.verdikt"
    assert "no field 'verdikt'" in until[3]
    # A step that answers in text has no fields at all.
    text = GOOD.replace("{{steps.unit.output}}", "{{steps.unit.output.passed}}")
    [(_, _, _, message)] = _problems(_load(tmp_path, text))
    assert "step 'unit' answers in text" in message


def test_a_loop_without_max(tmp_path: Path) -> None:
    bad = GOOD.replace("      max: 3\n", "")
    [(line, column, _, message)] = _problems(_load(tmp_path, bad))
    assert bad.splitlines()[line - 1][column - 1 :].startswith("repeat:")
    assert "the loop of step 'build' has no `max`" in message


def test_for_each_over_something_not_a_list(tmp_path: Path) -> None:
    typed = GOOD.replace("kind: {enum: [bug, feature]}", "kind: {type: string}")
    over_kind = typed.replace(
        "for_each: steps.triage.output.criteria", "for_each: steps.triage.output.kind"
    )
    over_text = GOOD.replace("for_each: steps.triage.output.criteria", "for_each: steps.fix.output")
    over_argument = GOOD.replace("for_each: steps.triage.output.criteria", "for_each: ticket")
    messages = []
    for bad in (over_kind, over_text, over_argument):
        [(line, column, _, message)] = _problems(_load(tmp_path, bad))
        assert (
            bad.splitlines()[line - 1][column - 1 :]
            == bad.split("    for_each: ")[1].split("\n")[0]
        )
        messages.append(message)
    assert messages == [
        "`for_each` needs a list; `steps.triage.output.kind` is text",
        "`for_each` needs a list; `steps.fix.output` is text",
        "`for_each` needs a list; 'ticket' is an argument (text)",
    ]
    # A field whose schema names no type is known only at run time (the engine then
    # fails the step clearly: tests/engine/test_engine_flow.py).
    untyped = GOOD.replace(
        "for_each: steps.triage.output.criteria", "for_each: steps.triage.output.kind"
    )
    assert _problems(_load(tmp_path, untyped)) == []


def test_an_invalid_json_schema(tmp_path: Path) -> None:
    bad = GOOD.replace("criteria: {type: array,", "criteria: {type: arrey,")
    [(line, column, _, message)] = _problems(_load(tmp_path, bad))
    # At the schema's key in error, named by the keys as the file writes them.
    assert bad.splitlines()[line - 1][column - 1 :].startswith("type: arrey")
    assert message.startswith(
        "step 'triage': `output: properties: criteria: type` is not valid JSON Schema: 'arrey'"
    )


def test_bad_expressions_and_mixed_keys(tmp_path: Path) -> None:
    syntax = GOOD.replace('kind == "bug" and', 'kind == = "bug" and')
    [(_, _, _, message)] = _problems(_load(tmp_path, syntax))
    assert message.startswith("not a valid expression")
    call = GOOD.replace("when: len(steps.qa.output) > 0", "when: open('x')")
    [(_, _, _, message)] = _problems(_load(tmp_path, call))
    assert "`open('x')` is not allowed in a step expression" in message
    both = GOOD.replace("    parallel:\n", "    prompt: x\n    parallel:\n")
    found = _problems(_load(tmp_path, both))
    assert any(
        "needs exactly one of `prompt`, `repeat`, `for_each` or `parallel`" in p[3] for p in found
    )
    assert "flow" not in _load(tmp_path, both).commands  # a file in error is not in force


def test_orchestra_check_prints_flow_problems_with_positions(tmp_path: Path) -> None:
    bad = GOOD.replace("      max: 3\n", "").replace(
        'when: steps.triage.output.kind == "bug"', 'when: steps.nope.output.kind == "bug"'
    )
    ws = _load(tmp_path, bad)
    assert len(_problems(ws)) == 2
    env = {**os.environ, "XDG_CONFIG_HOME": str(tmp_path / "home")}
    result = subprocess.run(
        [sys.executable, "-m", "orchestra_lsp", "check"],
        cwd=tmp_path / "repo",
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    lines = bad.splitlines()
    when_line = next(i for i, text in enumerate(lines) if "steps.nope" in text) + 1
    when_column = lines[when_line - 1].index("steps.nope") + 1
    repeat_line = next(i for i, text in enumerate(lines) if "repeat:" in text) + 1
    out = result.stdout.splitlines()
    assert any(
        line.startswith(
            f".orchestra/commands/flow.md:{when_line}:{when_column}: error: no earlier step 'nope'"
        )
        for line in out
    ), result.stdout
    assert any(
        line.startswith(
            f".orchestra/commands/flow.md:{repeat_line}:5: error: the loop of step 'build'"
        )
        for line in out
    ), result.stdout


def test_one_mistake_in_a_step_is_one_message(tmp_path: Path) -> None:
    """A step dropped for its own error is still written: the steps that refer to it
    get no second message, and a `max` in error is not also said to be missing."""
    typo = GOOD.replace("prompt: Review {{steps.implement.output}}.", "promt: Review.")
    [(line, column, _, message)] = _problems(_load(tmp_path, typo))
    assert typo.splitlines()[line - 1][column - 1 :].startswith("promt:")
    assert message.startswith("step 'review': unknown key 'promt'; did you mean 'prompt'?")
    zero = GOOD.replace("max: 3", "max: 0")
    [(_, _, _, message)] = _problems(_load(tmp_path, zero))
    assert message == "step 'build': `repeat: max` must be 1 or more (got 0)"
    no_until = GOOD.replace('      until: steps.review.output.verdict == "approve"\n', "")
    [(_, _, _, message)] = _problems(_load(tmp_path, no_until))
    assert message == "step 'build': `repeat` needs the key `until`"


def _at(text: str, line: int, column: int) -> str:
    """What a 1-based position points at."""
    return text.splitlines()[line - 1][column - 1 :]


BROKEN_FIRST = """---
description: A typo in the first step, then a mistake in every later one.
steps:
  - id: triage
    agent: dev
    promt: Look.
  - id: second
    agent: helpr
    prompt: Fix.
  - id: third
    agent: dev
    gate: aprove
    prompt: Check.
  - id: fourth
    agent: dev
    prompt: "Read {{steps.secnd.output}}."
  - id: fifth
    agent: nobody
    prompt: Done.
---
"""


def test_a_broken_step_does_not_move_the_problems_of_the_later_steps(tmp_path: Path) -> None:
    """A step dropped for its own error used to shift every later step's position back
    by one (they were counted among the kept steps): each problem is at its own step."""
    found = _problems(_load(tmp_path, BROKEN_FIRST))
    assert len(found) == 5, found
    messages = [message for _, _, _, message in found]
    positions = {message: (line, column) for line, column, _, message in found}
    promt = next(m for m in messages if "promt" in m)
    assert promt.startswith("step 'triage': unknown key 'promt'; did you mean 'prompt'?")
    assert _at(BROKEN_FIRST, *positions[promt]).startswith("promt:")
    helpr = next(m for m in messages if "'helpr'" in m)
    assert helpr.startswith("step 'second' uses agent 'helpr'")
    assert _at(BROKEN_FIRST, *positions[helpr]) == "helpr"
    gate = next(m for m in messages if "`gate` must" in m)
    assert gate == (
        "step 'third': `gate` must be one of approve, review (got 'aprove'); did you mean 'approve'?"
    )
    assert _at(BROKEN_FIRST, *positions[gate]) == "aprove"  # the value that is wrong
    secnd = next(m for m in messages if "secnd" in m)
    assert "did you mean 'second'?" in secnd
    assert _at(BROKEN_FIRST, *positions[secnd]).startswith("{{steps.secnd.output}}")
    triag = BROKEN_FIRST.replace("steps.secnd.output", "steps.triag.output")
    [message] = [m for _, _, _, m in _problems(_load(tmp_path, triag)) if "triag'" in m]
    assert "did you mean 'triage'? (that step has an error of its own)" in message
    nobody = next(m for m in messages if "'nobody'" in m)
    assert nobody.startswith("step 'fifth' uses agent 'nobody'")
    assert _at(BROKEN_FIRST, *positions[nobody]) == "nobody"


BROKEN_GROUPS = """---
description: Broken steps inside parallel and for_each groups.
steps:
  - id: list
    agent: dev
    prompt: List.
    output: {type: array, items: {type: string}}
  - id: both
    parallel:
      - id: left
        agent: dev
        prmpt: Left.
      - id: right
        agent: rigt
        prompt: Right.
  - id: each
    for_each: steps.list.output
    as: item
    steps:
      - id: first
        agent: dev
        prompt: First {{item}}.
        gate: reveiw
      - id: again
        agent: agian
        prompt: Again.
  - id: last
    agent: lats
    prompt: Last.
---
"""


def test_a_broken_step_in_a_group_keeps_every_position(tmp_path: Path) -> None:
    found = _problems(_load(tmp_path, BROKEN_GROUPS))
    positions = {message: (line, column) for line, column, _, message in found}
    messages = list(positions)
    assert len(found) == 5, found
    prmpt = next(m for m in messages if "prmpt" in m)
    assert prmpt.startswith("step 'left': unknown key 'prmpt'; did you mean 'prompt'?")
    assert _at(BROKEN_GROUPS, *positions[prmpt]).startswith("prmpt:")
    for agent, step in (("rigt", "right"), ("agian", "again"), ("lats", "last")):
        message = next(m for m in messages if f"'{agent}'" in m)
        assert message.startswith(f"step '{step}' uses agent '{agent}'"), message
        assert _at(BROKEN_GROUPS, *positions[message]) == agent
    gate = next(m for m in messages if "`gate` must" in m)
    assert gate.startswith("step 'first': `gate` must be one of approve, review")
    assert "did you mean 'review'?" in gate
    assert _at(BROKEN_GROUPS, *positions[gate]) == "reveiw"


def test_an_unknown_key_outside_the_steps_is_in_the_front_matter(tmp_path: Path) -> None:
    text = GOOD.replace("description: Every flow construct.", "descripton: x")
    found = _problems(_load(tmp_path, text))
    [(line, column, _, message)] = [p for p in found if "descripton" in p[3]]
    assert message.startswith("unknown field 'descripton' in command front matter")
    assert _at(text, line, column).startswith("descripton:")
