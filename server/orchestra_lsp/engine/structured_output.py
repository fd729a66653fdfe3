"""Structured outputs: a step's `output:` JSON Schema, offered as a tool the model answers through.

The model gets one more tool, `structured_output`, whose input schema is the step's
schema (wrapped in `{"value": …}` when the schema is not an object, as tool inputs
must be objects). Its call is the step's answer. The answer is validated with the
`jsonschema` library (the schema's own `$schema` draft, else 2020-12); on a mismatch
the model is told what is wrong, field by field, and asked again, at most
`MAX_MISMATCHES` times in all before the step fails naming the fields.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from jsonschema import ValidationError

OUTPUT_TOOL = "structured_output"
MAX_MISMATCHES = 3
"""Answers that do not match (or no answer through the tool) before the step fails."""


def _where(error: ValidationError) -> str:
    path = ".".join(str(part) for part in error.absolute_path)
    return f"field '{path}'" if path else "the answer"


def _problems(errors: list[ValidationError]) -> list[str]:
    ordered = sorted(errors, key=lambda e: [str(p) for p in e.absolute_path])
    return [f"{_where(e)}: {e.message}" for e in ordered]


@dataclass(frozen=True)
class OutputContract:
    """One step's output schema and the tool that carries its answer."""

    step_id: str
    schema: dict[str, Any]

    @property
    def wrapped(self) -> bool:
        return self.schema.get("type") != "object"

    def spec(self) -> dict[str, Any]:
        """The tool offered to the model, in the Messages API's shape."""
        schema = (
            {"type": "object", "properties": {"value": self.schema}, "required": ["value"]}
            if self.wrapped
            else self.schema
        )
        return {
            "name": OUTPUT_TOOL,
            "description": (
                "Give your final answer to this step by calling this tool once, with the "
                "answer as its input. Call it only when you are done; nothing else is read."
            ),
            "input_schema": schema,
        }

    def instructions(self) -> str:
        """What the step's prompt adds so the model knows how to answer."""
        return (
            f"When you are done, answer by calling the `{OUTPUT_TOOL}` tool: its input "
            "is your answer, in the shape of its schema. Your text is not read as the answer."
        )

    def check(self, tool_input: Any) -> tuple[Any, list[str]]:
        """(the answer, []) when `tool_input` satisfies the schema, else (None, problems)."""
        value = (
            tool_input.get("value") if self.wrapped and isinstance(tool_input, dict) else tool_input
        )
        validator = _validator(self.schema)
        problems = _problems(list(validator.iter_errors(value)))
        return (None, problems) if problems else (value, [])

    def read_edit(self, text: str) -> tuple[Any, str | None]:
        """A person's edit of the step's answer at its approve gate, read back:
        (the answer, None) when it is JSON the schema accepts, else (None, why) — the
        JSON error with its line and column, or each field the schema refuses. A step
        whose schema is a string takes the text as it is (its output is never JSON)."""
        if self.schema.get("type") == "string":
            value: Any = text
        else:
            try:
                value = json.loads(text)
            except json.JSONDecodeError as error:
                return None, f"line {error.lineno}, column {error.colno}: {error.msg}"
        validator = _validator(self.schema)
        problems = _problems(list(validator.iter_errors(value)))
        if problems:
            return None, "; ".join(problems)
        return value, None

    def retry_note(self, problems: list[str], attempt: int) -> str:
        """The tool result (or message) that asks the model for a corrected answer."""
        listed = "\n".join(f"- {problem}" for problem in problems)
        return (
            f"Not accepted (answer {attempt} of at most {MAX_MISMATCHES}): it does not match "
            f"the output schema.\n{listed}\nCall `{OUTPUT_TOOL}` again with a corrected answer."
        )

    def failure(self, problems: list[str]) -> str:
        """The step's error after the last mismatch."""
        return (
            f"step '{self.step_id}': the model's answer did not match the step's `output` "
            f"schema {MAX_MISMATCHES} times; the last one: {'; '.join(problems)}"
        )


def as_text(value: Any, *, inline: bool = False) -> str:
    """How a structured answer reads as text: `{{steps.ID.output}}` and the report get
    indented JSON, a field inside a sentence (`inline`) one line; text stays as it is."""
    if isinstance(value, str):
        return value
    return json.dumps(value, indent=None if inline else 2, ensure_ascii=False)


NOT_CALLED = (
    f"you ended the step without calling `{OUTPUT_TOOL}`; your text is not read as the answer"
)


def _validator(schema: dict[str, Any]) -> Any:
    """The schema's validator; `jsonschema` is imported when a step first needs it."""
    from jsonschema.validators import validator_for

    return validator_for(schema)(schema)
