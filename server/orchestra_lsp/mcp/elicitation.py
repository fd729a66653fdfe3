"""Elicitation: a server asks the person for input in the middle of a tool call.

The pool answers the SDK's `elicitation/create` callback by handing the request to
whoever made the call in flight on that server (the run's toolbox, which asks through
its front end's gates); with no caller waiting, or nobody to ask, it is declined with
a reason. Form mode's flat schema becomes one question per field, typed back from the
answer text (choices shown by title, defaults taken for an empty answer, an answer
that does not fit asked again); URL mode becomes one question naming the page to
open.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Protocol

import mcp_types as types

#: Answers the request for the person: `(server, params) -> ElicitResult`.
Elicitor = Callable[[str, types.ElicitRequestParams], Awaitable[types.ElicitResult]]


class Ask(Protocol):
    """Asks one question (its text, its choices or None, a page to open once the
    person picks the first choice) and returns the answer, or None when the person
    dismissed it; raises NobodyToAsk when nobody can answer."""

    async def __call__(
        self, text: str, choices: list[str] | None, open_url: str | None = None
    ) -> str | None: ...


ACCEPT, DECLINE = "Accept", "Decline"


class NobodyToAsk(Exception):
    """Raised by an `Ask` when no person can answer here (no terminal, an editor that
    takes no free text); the request is declined with this message as the reason."""


def declined(reason: str) -> types.ElicitResult:
    """A decline; the reason goes to the journal, not to the server (MCP has no field)."""
    del reason
    return types.ElicitResult(action="decline")


async def ask_form(
    server: str, params: types.ElicitRequestFormParams, ask: Ask
) -> tuple[types.ElicitResult, str]:
    """Ask each field of a form; (the result, what happened, for the journal)."""
    schema = params.requested_schema
    properties: dict[str, Any] = schema.get("properties") or {}
    required = set(schema.get("required") or [])
    try:
        return await _ask_fields(server, params, ask, properties, required)
    except NobodyToAsk as nobody:
        return declined("nobody"), f"declined: {nobody}"


async def _ask_fields(
    server: str,
    params: types.ElicitRequestFormParams,
    ask: Ask,
    properties: dict[str, Any],
    required: set[str],
) -> tuple[types.ElicitResult, str]:
    content: dict[str, str | int | float | bool | list[str] | None] = {}
    for name, schema in properties.items():
        field = _Field(name, schema if isinstance(schema, dict) else {}, name in required)
        problem = ""
        for _ in range(RETRIES + 1):
            answer = await ask(field.question(server, params.message, problem), field.choices())
            if answer is None:
                return types.ElicitResult(action="cancel"), "the person dismissed the form"
            value, problem = field.parse(answer)
            if not problem:
                break
        else:
            return declined("bad"), f"no fitting answer for '{name}' ({problem})"
        if value is not _SKIP:
            content[name] = value
    return types.ElicitResult(action="accept", content=content), "the person answered the form"


#: Times a field is asked again after an answer that does not fit it (a typo).
RETRIES = 2
_SKIP: Any = object()
Value = str | int | float | bool | list[str]


class _Field:
    """One field of a form's schema (MCP's primitive set: string with or without
    choices, number, integer, boolean, multi-select array), asked as text and typed
    back. Choices are shown by their titles and answered with their values."""

    def __init__(self, name: str, schema: dict[str, Any], required: bool) -> None:
        self.name, self.schema, self.required = name, schema, required
        self.kind = schema.get("type")
        items = schema.get("items") if self.kind == "array" else schema
        self.options = _options(items if isinstance(items, dict) else {})
        if self.kind == "boolean":
            self.options = [("true", "true"), ("false", "false")]

    def choices(self) -> list[str] | None:
        """What a front end offers to pick from (a multi-select is typed instead)."""
        if self.options is None or self.kind == "array":
            return None
        return [label for _, label in self.options]

    def question(self, server: str, message: str, problem: str) -> str:
        label = self.schema.get("title") or self.name
        detail = f" ({self.schema['description']})" if self.schema.get("description") else ""
        hints = []
        if self.kind == "array" and self.options:
            listed = ", ".join(label for _, label in self.options)
            hints.append(f"one or more of: {listed}; separate them with commas")
        low, high = self.schema.get("minimum"), self.schema.get("maximum")
        if low is not None or high is not None:
            hints.append(f"from {_bound(low)} to {_bound(high)}")
        if "default" in self.schema:
            hints.append(f"leave empty for {self._shown(self.schema['default'])}")
        elif not self.required:
            hints.append("optional: leave empty to skip")
        hinted = f" [{'; '.join(hints)}]" if hints else ""
        retry = f"\n{problem}; please answer again." if problem else ""
        return f"MCP server '{server}' asks: {message}\n{label}{detail}{hinted}{retry}"

    def parse(self, answer: str) -> tuple[Any, str]:
        """(the value, "") or (None, what is wrong with the answer)."""
        text = answer.strip()
        if not text:
            if "default" in self.schema:
                return self.schema["default"], ""
            return (_SKIP, "") if not self.required else (None, "an answer is needed")
        if self.kind == "array":
            return self._many(text)
        if self.options is not None:
            value = self._pick(text)
            if value is None:
                listed = ", ".join(label for _, label in self.options)
                return None, f"'{text}' is not one of: {listed}"
            return (value == "true", "") if self.kind == "boolean" else (value, "")
        if self.kind in ("integer", "number"):
            return self._number(text)
        return text, ""

    def _pick(self, text: str) -> str | None:
        assert self.options is not None
        lowered = text.casefold()
        if self.kind == "boolean":
            lowered = {"yes": "true", "no": "false"}.get(lowered, lowered)
        for value, label in self.options:
            if lowered in (value.casefold(), label.casefold()):
                return value
        return None

    def _many(self, text: str) -> tuple[Any, str]:
        parts = [part.strip() for part in text.split(",") if part.strip()]
        if self.options is None:
            picked: list[str] = parts
        else:
            picked = []
            for part in parts:
                value = self._pick(part)
                if value is None:
                    listed = ", ".join(label for _, label in self.options)
                    return None, f"'{part}' is not one of: {listed}"
                picked.append(value)
        low, high = self.schema.get("minItems"), self.schema.get("maxItems")
        if (low is not None and len(picked) < low) or (high is not None and len(picked) > high):
            return (
                None,
                f"choose from {low or 0} to {_bound(high)}",
            )
        return picked, ""

    def _number(self, text: str) -> tuple[Any, str]:
        try:
            value: int | float = int(text) if self.kind == "integer" else float(text)
        except ValueError:
            return (
                None,
                f"'{text}' is not {'a whole number' if self.kind == 'integer' else 'a number'}",
            )
        low, high = self.schema.get("minimum"), self.schema.get("maximum")
        if (low is not None and value < low) or (high is not None and value > high):
            return None, f"{text} is not from {_bound(low)} to {_bound(high)}"
        return value, ""

    def _shown(self, value: Any) -> str:
        """A default as the person sees it (choices by their titles)."""
        values = value if isinstance(value, list) else [value]
        labels = dict(self.options or [])
        shown = (str(v).lower() if isinstance(v, bool) else str(v) for v in values)
        return ", ".join(labels.get(text, text) for text in shown)


def _bound(value: Any) -> str:
    return "…" if value is None else str(value)


def _options(schema: dict[str, Any]) -> list[tuple[str, str]] | None:
    """(value, title) of each choice: `enum` (titled by a legacy `enumNames`), or
    `oneOf` / `anyOf` of `{const, title}`; None when the field is free."""
    if isinstance(schema.get("enum"), list):
        values = [str(v) for v in schema["enum"]]
        names = schema.get("enumNames")
        if isinstance(names, list) and len(names) == len(values):
            return [(v, str(name)) for v, name in zip(values, names, strict=True)]
        return [(v, v) for v in values]
    alternatives = schema.get("oneOf") or schema.get("anyOf")
    if isinstance(alternatives, list):
        return [
            (str(o["const"]), str(o.get("title") or o["const"]))
            for o in alternatives
            if isinstance(o, dict) and "const" in o
        ]
    return None


async def ask_url(
    server: str, params: types.ElicitRequestURLParams, ask: Ask
) -> tuple[types.ElicitResult, str]:
    question = (
        f"MCP server '{server}' asks you to open a page: {params.message}\n{params.url}\n"
        f"Choose {ACCEPT} once you have opened it, or {DECLINE}."
    )
    try:
        answer = await ask(question, [ACCEPT, DECLINE], params.url)
    except NobodyToAsk as nobody:
        return declined("nobody"), f"declined: {nobody}"
    if answer == ACCEPT:
        return types.ElicitResult(action="accept"), f"the person accepted to open {params.url}"
    if answer is None:
        return types.ElicitResult(action="cancel"), "the person dismissed the request"
    return declined("no"), f"the person declined to open {params.url}"
