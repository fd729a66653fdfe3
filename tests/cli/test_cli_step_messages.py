"""Mistakes in a command's steps as `orchestra check` and a refused run say them: the
step by its id (or its place when it has none), the key as the file writes it, at the
line and column of that key — never a validator's internal path (`steps.2.repeat.max`,
`value error`, `input should be …`). A real `orchestra` subprocess."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent.parent / "engine"))
from engine_helpers import orchestra, workspace

#: What a validator's own words look like: a dotted path with a list index, or its phrases.
LEAK = re.compile(r"\w\.\d+(\.|'|$)|value error|input should|\(got dict\)|front matter needs")


def _command(steps: str) -> str:
    return f"---\ndescription: flow\nsteps:\n{steps}---\nbody\n"


# (the steps, the text the position points at (the value that is wrong, where it is one
# line), the message)
CASES = [
    (
        "  - id: build\n    repeat:\n      until: 'true'\n      max: 0\n"
        "      steps:\n        - {id: a, agent: worker, prompt: x}\n",
        "0",
        "step 'build': `repeat: max` must be 1 or more (got 0)",
    ),
    (
        "  - id: build\n    repeat:\n      until: 'true'\n      max: many\n"
        "      steps:\n        - {id: a, agent: worker, prompt: x}\n",
        "many",
        "step 'build': `repeat: max` must be a whole number, not 'many'",
    ),
    (
        "  - id: loop\n    repeat:\n      until: 'true'\n      max: 2\n"
        "    steps:\n      - {id: a, agent: worker, prompt: x}\n",
        "repeat:",
        "step 'loop': the steps of a `repeat` go inside it: indent `steps:` under `repeat:`",
    ),
    (
        "  - id: loop\n    repeat:\n      until: 3\n      max: 2\n"
        "      steps:\n        - {id: a, agent: worker, prompt: x}\n",
        "3",
        "step 'loop': `repeat: until` must be text",
    ),
    (
        "  - id: each\n    for_each: \"['a']\"\n    steps:\n"
        "      - agent: worker\n        prompt: y\n",
        "agent: worker",
        "step 'each' › steps[1]: needs the key `id`",
    ),
    (
        "  - id: each\n    for_each: \"['a']\"\n    max_parallel: true\n    steps:\n"
        "      - {id: a, agent: worker, prompt: y}\n",
        "true",
        "step 'each': `max_parallel` must be a whole number, not true",
    ),
    (
        "  - id: both\n    parallel:\n      - id: one\n        agent: worker\n"
        "        prompt: z\n        output: a schema\n",
        "a schema",
        "step 'one': `output` must be a JSON Schema, written as a mapping",
    ),
    (
        "  - id: both\n    parallel:\n      - id: one\n        agent: worker\n        prompt: z\n"
        "        output:\n          type: object\n          properties:\n"
        "            verdict: {enum: pass}\n",
        "enum: pass",
        "step 'one': `output: properties: verdict: enum` is not valid JSON Schema:",
    ),
    (
        "  - id: check\n    agent: worker\n    prompt: z\n    output:\n"
        "      type: object\n      required: verdict\n",
        "required: verdict",
        "step 'check': `output: required` is not valid JSON Schema:",
    ),
    (
        "  - id: 7\n    agent: worker\n    prompt: q\n",
        "7",
        "steps[1]: `id` must be text",
    ),
    (
        "  - id: 'bad id!'\n    agent: worker\n    prompt: q\n",
        "'bad id!'",
        "steps[1]: `id` must be a name of letters, digits, `_` and `-`",
    ),
    (
        "  - id: both\n    agent: worker\n    prompt: x\n"
        "    repeat: {until: 'true', max: 2, steps: [{id: i, prompt: y}]}\n",
        "id: both",
        "step 'both' needs exactly one of `prompt`, `repeat`, `for_each` or `parallel`",
    ),
    (
        "  - id: grp\n    for_each: \"['a']\"\n    gate: review\n"
        "    steps: [{id: k, agent: worker, prompt: y}]\n",
        "id: grp",
        "step 'grp': `output` and `gate` belong to a step with a `prompt`",
    ),
    (
        "  - id: grp\n    parallel:\n      - id: inner\n        agent: worker\n"
        "        prompt: y\n        on_max_turns: retry\n",
        "retry",
        "step 'inner': `on_max_turns` must be one of",
    ),
]


@pytest.mark.parametrize(("steps", "at", "message"), CASES)
def test_check_names_the_step_and_key_where_the_fix_goes(
    tmp_path: Path, steps: str, at: str, message: str
) -> None:
    text = _command(steps)
    root = workspace(tmp_path / "ws", {"flow": text})
    done = orchestra(root, "http://127.0.0.1:9", tmp_path / "config", "check")
    assert done.returncode == 1, done.stdout + done.stderr
    lines = [line for line in done.stdout.splitlines() if "flow.md" in line]
    [line] = [line for line in lines if message in line]
    assert not LEAK.search(line), line
    found = re.match(r"\.orchestra/commands/flow\.md:(\d+):(\d+): error: ", line)
    assert found, line
    row, column = int(found[1]), int(found[2])
    assert text.splitlines()[row - 1][column - 1 :].startswith(at), (line, text)
    for other in lines:
        assert not LEAK.search(other), other


def test_a_refused_run_and_batch_say_the_first_error_where_it_is(tmp_path: Path) -> None:
    steps, _, message = CASES[0]
    root = workspace(tmp_path / "ws", {"flow": _command(steps)})
    for words in (["run", "flow"], ["batch", "flow", "--each", "x=1,2"]):
        done = orchestra(root, "http://127.0.0.1:9", tmp_path / "config", *words)
        assert done.returncode == 2, done.stdout + done.stderr
        said = done.stderr.strip()
        assert said.startswith("orchestra: command 'flow' cannot run, its file has errors: "), said
        assert f".orchestra/commands/flow.md:7:12: error: {message}" in said, said
        assert "`orchestra check`" in said and "Traceback" not in said, said
    unknown = orchestra(root, "http://127.0.0.1:9", tmp_path / "config", "run", "flwo")
    assert unknown.returncode == 2
    assert "no command 'flwo'" in unknown.stderr, unknown.stderr


LISTS = """\
---
description: list items outside the steps
arguments:
  - name: "bad name"
  - {name: ok, required: "yes"}
  - {description: no name}
code_action:
  kinds: [quickfx]
steps:
  - {id: a, agent: worker, prompt: x}
---
"""


def test_items_of_other_lists_are_named_by_their_place_too(tmp_path: Path) -> None:
    root = workspace(tmp_path / "ws", {"flow": LISTS})
    done = orchestra(root, "http://127.0.0.1:9", tmp_path / "config", "check")
    lines = LISTS.splitlines()
    said = {}
    for line in done.stdout.splitlines():
        found = re.match(r"\.orchestra/commands/flow\.md:(\d+):(\d+): error: (.*)", line)
        if found:
            assert not LEAK.search(line), line
            said[found[3]] = lines[int(found[1]) - 1][int(found[2]) - 1 :]
    expected = {
        "`arguments[1]: name` must be a name of letters, digits, `_` and `-`, not starting "
        "with a digit or `-` (got 'bad name')": '"bad name"',
        "`arguments[2]: required` must be true or false, not 'yes'": '"yes"}',
        "`arguments[3]` needs the key `name`": "{description: no name}",
        "`code_action: kinds[1]` must be one of quickfix, refactor, source (got 'quickfx'); "
        "did you mean 'quickfix'?": "quickfx]",
    }
    for message, at in expected.items():
        assert message in said, done.stdout
        assert said[message].startswith(at), (message, said[message])
