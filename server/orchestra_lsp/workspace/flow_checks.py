"""Checks of a command's flow: `when`/`until`/`for_each` expressions, `output` schemas,
loops without `max`, and which step outputs each step may reference.

What a step can see: the steps before it (at its level and at every enclosing level),
the outputs of a `repeat` group's steps and a `parallel` group's steps once the group
is done, every step of its own `repeat` group (an earlier round's answer), and the
`as` name of each enclosing `for_each`. A `for_each` group's inner steps are seen only
inside it; after it, the group's own output is the list.
"""

from __future__ import annotations

import ast
import difflib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from orchestra_lsp.workspace.commands import Command, Step
from orchestra_lsp.workspace.diagnostics import DiagnosticSink, Span
from orchestra_lsp.workspace.expressions import CONSTANTS, ExpressionError, parse, references
from orchestra_lsp.workspace.templates import CONTEXT_NAMES
from orchestra_lsp.workspace.yaml_positions import FieldPath, PositionMap

StepVisitor = Callable[[Step, FieldPath, "Visible"], None]
"""Called for each agent step with its field path and what it may reference."""


@dataclass
class Visible:
    """The step outputs and names a step may reference."""

    steps: dict[str, Step] = field(default_factory=dict)
    names: set[str] = field(default_factory=set)
    """`as` names of the enclosing `for_each` groups."""
    unsure: frozenset[str] = frozenset()
    """Step ids and `as` names written in a file whose steps are partly in error: a
    reference to one of them is not reported (its step was dropped for its own error)."""

    def with_steps(self, steps: Mapping[str, Step]) -> Visible:
        return Visible({**self.steps, **steps}, set(self.names), self.unsure)


def walk_flow(
    command: Command,
    has_steps: bool,
    positions: PositionMap,
    lines: list[str],
    sink: DiagnosticSink,
    on_step: StepVisitor,
    unsure: frozenset[str] = frozenset(),
    written: Any = None,
) -> None:
    """Check every step's flow keys, calling `on_step` for each agent step.

    `written` is the front matter as written (a dict): a partial command lost its steps
    in error, and each kept step's path is found there (see `placed`)."""
    checker = _Checker(command, positions, lines, sink, on_step, written)
    checker.sequence(command.steps, ("steps",) if has_steps else None, Visible(unsure=unsure))


def visible_steps(command: Command) -> dict[str, Visible]:
    """What each agent step of `command` (by its own id) may reference, by the rules
    above: for completion, which offers a step only what it can read."""
    seen: dict[str, Visible] = {}

    def keep(step: Step, at: FieldPath, visible: Visible) -> None:
        seen.setdefault(step.id, visible)

    # Checked already when the file loaded: what the walk says again goes nowhere.
    walk_flow(command, True, PositionMap(), [], DiagnosticSink(command.path), keep)
    return seen


def step_paths(steps: list[Step], prefix: str = "") -> list[str]:
    """Every step as a path of ids, groups before their steps: `triage`, `build`,
    `build/implement`, `qa/check` — what listings and `resume --from` name."""
    paths: list[str] = []
    for step in steps:
        path = prefix + step.id
        paths.append(path)
        paths.extend(step_paths(step.steps, path + "/"))
    return paths


def written_at(data: Any, at: FieldPath) -> Any:
    """What is written at `at` in the front matter `data`, else None."""
    for part in at:
        if isinstance(part, int):
            data = data[part] if isinstance(data, list) and part < len(data) else None
        else:
            data = data.get(part) if isinstance(data, dict) else None
    return data


def placed(steps: list[Step], written: Any) -> list[tuple[int, Step]]:
    """Each step with its index in the list `written` (the same level as written).

    A partial command (some step in error) lacks the steps dropped for their errors, so
    counting the kept ones would point every later problem at an earlier step. The steps
    kept are in written order: each is the next written item of its id."""
    if not isinstance(written, list) or len(written) == len(steps):
        return list(enumerate(steps))
    found: list[tuple[int, Step]] = []
    start = 0
    for step in steps:
        index = next(
            (
                i
                for i in range(start, len(written))
                if isinstance(written[i], dict) and written[i].get("id") == step.id
            ),
            None,
        )
        if index is None:  # not as written (cannot happen for a partial): best effort
            index = min(start, len(written) - 1)
        found.append((index, step))
        start = index + 1
    return found


def written_names(data: Any) -> frozenset[str]:
    """Every `id` and `as` written under a front matter's `steps`, however broken."""
    found: set[str] = set()

    def visit(value: Any) -> None:
        if isinstance(value, dict):
            for key in ("id", "as"):
                if isinstance(value.get(key), str):
                    found.add(value[key])
            for inner in value.values():
                visit(inner)
        elif isinstance(value, list):
            for inner in value:
                visit(inner)

    visit(data)
    return frozenset(found)


def _seen_after(step: Step) -> dict[str, Step]:
    """The outputs a finished step leaves for the steps after it."""
    seen = {step.id: step}
    if step.kind in ("repeat", "parallel"):
        for inner in step.steps:
            seen.update(_seen_after(inner))
    return seen


def schema_at(step: Step, fields: tuple[str, ...]) -> tuple[dict[str, Any] | None, str | None]:
    """The JSON Schema of `steps.ID.output.<fields>` (None: not known), or a problem."""
    schema: dict[str, Any] | None
    if step.kind == "for_each":
        schema = {"type": "array"}
    elif step.kind in ("repeat", "parallel"):
        schema = {"type": "object", "properties": {s.id: _output_schema(s) for s in step.steps}}
    elif step.output is None:
        if fields:
            return None, (
                f"step '{step.id}' answers in text (it has no `output` schema), so "
                f"'{fields[0]}' is not a field of it"
            )
        return {"type": "string"}, None
    else:
        schema = step.output
    path = f"steps.{step.id}.output"
    for name in fields:
        if schema is None:
            return None, None
        if schema.get("type") == "array":
            return None, f"`{path}` is a list; it has no field '{name}' (index it: `{path}[0]`)"
        properties = schema.get("properties")
        if not isinstance(properties, dict):
            return None, None
        if name not in properties:
            if schema.get("additionalProperties") not in (None, False):
                return None, None
            known = ", ".join(properties) or "none"
            close = difflib.get_close_matches(name, list(properties), n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            return None, f"`{path}` has no field '{name}'{hint} (its schema declares: {known})"
        inner = properties[name]
        schema = inner if isinstance(inner, dict) else None
        path += f".{name}"
    return schema, None


def _output_schema(step: Step) -> dict[str, Any] | None:
    if step.kind == "agent":
        return step.output if step.output is not None else {"type": "string"}
    return None


def reference_problem(
    name: str, fields: tuple[str, ...], visible: Visible, known: set[str]
) -> str | None:
    """What is wrong with reading `name.fields…` where `visible` holds, if anything."""
    if name == "steps":
        if not fields:
            return "`steps` alone is not a value; write steps.<id>.output"
        step = visible.steps.get(fields[0])
        if step is None and fields[0] in visible.unsure:
            return None
        if step is None:
            earlier = ", ".join(visible.steps) or "none"
            close = difflib.get_close_matches(fields[0], list(visible.steps), n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            # A step dropped for its own error is not among the earlier steps: still
            # name it, else a typo of it reads as if it did not exist.
            dropped = difflib.get_close_matches(fields[0], sorted(visible.unsure), n=1)
            if not close and dropped:
                hint = f"; did you mean '{dropped[0]}'? (that step has an error of its own)"
            return f"no earlier step '{fields[0]}'{hint} (earlier steps: {earlier})"
        if len(fields) < 2 or fields[1] != "output":
            return f"write `steps.{fields[0]}.output` to read what step '{fields[0]}' answered"
        return schema_at(step, fields[2:])[1]
    if name in visible.names or name in CONSTANTS or name in visible.unsure:
        return None
    if name in known:
        if fields:
            return f"'{name}' is text; it has no field '{fields[0]}'"
        return None
    names = sorted(known | visible.names)
    close = difflib.get_close_matches(name, names, n=1)
    hint = f"; did you mean '{close[0]}'?" if close else ""
    return f"unknown name '{name}'{hint} (known: {', '.join(names)}, steps.<id>.output)"


@dataclass
class _Checker:
    command: Command
    positions: PositionMap
    lines: list[str]
    sink: DiagnosticSink
    on_step: StepVisitor
    written: Any = None

    @property
    def known(self) -> set[str]:
        return {a.name for a in self.command.arguments} | set(CONTEXT_NAMES)

    def sequence(self, steps: list[Step], at: FieldPath | None, visible: Visible) -> None:
        for index, step in placed(steps, None if at is None else written_at(self.written, at)):
            where: FieldPath = () if at is None else (*at, index)
            self.step(step, where, visible)
            visible = visible.with_steps(_seen_after(step))

    def step(self, step: Step, at: FieldPath, visible: Visible) -> None:
        if step.when is not None:
            self.expression(step.when, (*at, "when"), visible)
        if step.kind == "agent":
            if step.output is not None:
                self.schema(step, at)
            self.on_step(step, at, visible)
        elif step.kind == "repeat":
            body = visible.with_steps({s.id: s for inner in step.steps for s in inner.walk()})
            if step.max is None and (*at, "repeat", "max") not in self.positions.values:
                self.sink.add(
                    f"the loop of step '{step.id}' has no `max`: say how many rounds it may "
                    "run at most (e.g. `max: 3`)",
                    self.positions.key((*at, "repeat")),
                )
            self.sequence(step.steps, (*at, "repeat", "steps"), body)
            if step.until is not None:
                self.expression(step.until, (*at, "repeat", "until"), body)
        elif step.kind == "for_each":
            assert step.for_each is not None
            self.expression(step.for_each, (*at, "for_each"), visible, want_list=True)
            inner = Visible(dict(visible.steps), {*visible.names, step.as_}, visible.unsure)
            self.sequence(step.steps, (*at, "steps"), inner)
        else:
            group = (*at, "parallel")
            for index, inner_step in placed(step.steps, written_at(self.written, group)):
                self.step(inner_step, (*group, index), visible)

    def schema(self, step: Step, at: FieldPath) -> None:
        assert step.output is not None
        found = schema_problem(step.output)
        if found is None:
            return
        problem, inside = found
        # At the key in error when the file writes it (a schema's own keys are the
        # person's words: `output: properties: verdict: enum`), else at `output`.
        where: FieldPath = (*at, "output")
        while inside and (*where, *inside) not in self.positions.keys:
            inside = inside[:-1]
        keys = ": ".join(["output", *(str(k) for k in inside)])
        self.sink.add(
            f"step '{step.id}': `{keys}` is not valid JSON Schema: {problem}",
            self.positions.key((*where, *inside)),
        )

    def expression(
        self, text: str, at: FieldPath, visible: Visible, *, want_list: bool = False
    ) -> None:
        span = self.positions.value(at)
        try:
            tree = parse(text)
        except ExpressionError as error:
            self.sink.add(str(error), self._inside(span, text, error.column, error.end_column))
            return
        for ref in references(tree):
            problem = reference_problem(ref.name, ref.fields, visible, self.known)
            if problem is not None:
                self.sink.add(problem, self._inside(span, text, ref.column, ref.end_column))
        if want_list:
            problem = self._not_a_list(tree, visible)
            if problem is not None:
                self.sink.add(problem, span)

    def _not_a_list(self, tree: ast.expr, visible: Visible) -> str | None:
        refs = references(tree)
        if len(refs) != 1 or not isinstance(tree, ast.Name | ast.Attribute):
            return None
        ref = refs[0]
        if ref.name in self.known and not ref.fields:
            return f"`for_each` needs a list; '{ref.name}' is an argument (text)"
        if ref.name != "steps" or len(ref.fields) < 2 or ref.fields[0] not in visible.steps:
            return None
        schema, problem = schema_at(visible.steps[ref.fields[0]], ref.fields[2:])
        if problem is not None or schema is None:
            return None
        if schema.get("type") in ("string", "number", "integer", "boolean", "object", "null"):
            kind = "text" if schema["type"] == "string" else f"of type {schema['type']}"
            return f"`for_each` needs a list; `{ast.unparse(tree)}` is {kind}"
        return None

    def _inside(self, span: Span, text: str, column: int, end: int | None) -> Span:
        """The span of columns `column`..`end` of an expression written at `span`."""
        if span.line >= len(self.lines):
            return span
        line = self.lines[span.line]
        start = line.find(text.strip(), span.column)
        if start < 0:
            return span
        return Span(
            line=span.line,
            column=start + column,
            end_line=span.line,
            end_column=start + (end if end is not None else len(text.strip())),
        )


def schema_problem(schema: dict[str, Any]) -> tuple[str, FieldPath] | None:
    """Why `schema` is not a valid JSON Schema, and where in it (its keys and list
    indexes), else None; checked with the `jsonschema` library against the schema's
    own draft (else 2020-12)."""
    # Imported here: only a command with an `output:` schema needs it (some 6 MiB).
    from jsonschema import SchemaError
    from jsonschema.validators import validator_for

    try:
        validator_for(schema).check_schema(schema)
    except SchemaError as error:
        return error.message, tuple(error.absolute_path)
    return None
