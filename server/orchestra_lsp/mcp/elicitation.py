"""Elicitation: a server asks the person for input in the middle of a tool call.

The pool answers the SDK's `elicitation/create` callback by handing the request to
whoever made the call in flight on that server (the run's toolbox, which asks through
its front end's gates); with no caller waiting, or nobody to ask, it is declined with
a reason. Form mode's flat schema becomes one question per field, typed back from the
answer text; URL mode becomes one question naming the page to open.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import mcp_types as types

#: Answers the request for the person: `(server, params) -> ElicitResult`.
Elicitor = Callable[[str, types.ElicitRequestParams], Awaitable[types.ElicitResult]]
#: Asks one question (its text, its choices or None) and returns the answer, or None
#: when the person dismissed it.
Ask = Callable[[str, list[str] | None], Awaitable[str | None]]

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
    for name, field in properties.items():
        label = field.get("title") or name
        detail = f" ({field['description']})" if field.get("description") else ""
        optional = "" if name in required else " [optional: leave empty to skip]"
        question = f"MCP server '{server}' asks: {params.message}\n{label}{detail}{optional}"
        answer = await ask(question, _choices(field))
        if answer is None:
            return types.ElicitResult(action="cancel"), "the person dismissed the form"
        if not answer.strip():
            if name in required:
                return declined("empty"), f"the person left the required field '{name}' empty"
            continue
        value = _typed(answer.strip(), field)
        if value is None:
            return declined("bad"), f"'{answer}' is not a valid {field.get('type')} for '{name}'"
        content[name] = value
    return types.ElicitResult(action="accept", content=content), "the person answered the form"


async def ask_url(
    server: str, params: types.ElicitRequestURLParams, ask: Ask
) -> tuple[types.ElicitResult, str]:
    question = (
        f"MCP server '{server}' asks you to open a page: {params.message}\n{params.url}\n"
        f"Choose {ACCEPT} once you have opened it, or {DECLINE}."
    )
    try:
        answer = await ask(question, [ACCEPT, DECLINE])
    except NobodyToAsk as nobody:
        return declined("nobody"), f"declined: {nobody}"
    if answer == ACCEPT:
        return types.ElicitResult(action="accept"), f"the person accepted to open {params.url}"
    if answer is None:
        return types.ElicitResult(action="cancel"), "the person dismissed the request"
    return declined("no"), f"the person declined to open {params.url}"


def _choices(field: dict[str, Any]) -> list[str] | None:
    if field.get("type") == "boolean":
        return ["true", "false"]
    if isinstance(field.get("enum"), list):
        return [str(v) for v in field["enum"]]
    options = field.get("oneOf") or field.get("anyOf")
    if isinstance(options, list):
        return [str(o.get("const")) for o in options if isinstance(o, dict) and "const" in o]
    return None


def _typed(answer: str, field: dict[str, Any]) -> str | int | float | bool | None:
    kind = field.get("type")
    try:
        if kind == "boolean":
            lowered = answer.lower()
            return {"true": True, "yes": True, "false": False, "no": False}.get(lowered)
        if kind == "integer":
            return int(answer)
        if kind == "number":
            return float(answer)
    except ValueError:
        return None
    return answer
