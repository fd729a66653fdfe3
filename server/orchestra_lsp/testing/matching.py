"""Reading a Messages API request body: its text, its cached prefix, and checks against a turn.

Kept apart from the HTTP server so that the rules a script's ``expect`` applies are
plain functions over the parsed JSON body, easy to read and to test.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from .script import Expect

EXCERPT = 160
"""How many characters of actual text a mismatch message quotes."""


def canonical_json(value: Any) -> str:
    """Key-sorted, compact JSON: equal values give equal strings."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def excerpt(text: str, limit: int = EXCERPT) -> str:
    """A one-line quote of ``text``, shortened in the middle when long."""
    flat = text.replace("\n", "\\n")
    if len(flat) <= limit:
        return repr(flat)
    half = limit // 2
    return repr(flat[:half] + " … " + flat[-half:])


def system_text(body: dict[str, Any]) -> str:
    """The system prompt as one string, whether sent as a string or as text blocks."""
    system = body.get("system")
    if isinstance(system, str):
        return system
    if isinstance(system, list):
        return "\n".join(str(b.get("text", "")) for b in system if isinstance(b, dict))
    return ""


def _texts(value: Any) -> Iterator[str]:
    """Every string inside a content value: text, tool inputs, nested tool results."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from _texts(item)
    elif isinstance(value, dict):
        if value.get("type") == "tool_use":
            yield canonical_json(value.get("input", {}))
        for key in ("text", "content"):
            if key in value:
                yield from _texts(value[key])


def messages_text(body: dict[str, Any]) -> str:
    """All the text of the conversation, tool inputs and results included."""
    messages = body.get("messages", [])
    return "\n".join(_texts([m.get("content") for m in messages if isinstance(m, dict)]))


def last_tool_result_text(body: dict[str, Any]) -> str | None:
    """The text of the last ``tool_result`` block in the conversation, if there is one."""
    found: str | None = None
    for message in body.get("messages", []):
        content = message.get("content") if isinstance(message, dict) else None
        if not isinstance(content, list):
            continue
        for block in content:
            if isinstance(block, dict) and block.get("type") == "tool_result":
                found = "\n".join(_texts(block.get("content", "")))
    return found


def tool_names(body: dict[str, Any]) -> list[str]:
    """Names of the tools offered, in request order."""
    return [str(t.get("name")) for t in body.get("tools", []) if isinstance(t, dict)]


def cached_prefix(body: dict[str, Any]) -> str:
    """Canonical JSON of what prompt caching keys on, up to the system cache breakpoint.

    That is the model, the tools, and the system blocks up to and including the last one
    carrying ``cache_control`` (the whole system when none does). Two requests whose
    prefixes are equal would hit the same cache entry.
    """
    system = body.get("system")
    if isinstance(system, list):
        marked = [i for i, b in enumerate(system) if isinstance(b, dict) and "cache_control" in b]
        if marked:
            system = system[: marked[-1] + 1]
    return canonical_json(
        {"model": body.get("model"), "tools": body.get("tools"), "system": system}
    )


def describe_difference(expected: str, actual: str) -> str:
    """Where two strings first differ, quoting both around that point."""
    at = next(
        (i for i, (a, b) in enumerate(zip(expected, actual, strict=False)) if a != b),
        min(len(expected), len(actual)),
    )
    start = max(0, at - 40)
    return (
        f"first difference at character {at}: "
        f"expected {excerpt(expected[start : at + 80])}, got {excerpt(actual[start : at + 80])}"
    )


def _missing(label: str, needles: list[str], haystack: str) -> list[str]:
    return [
        f"{label}: expected to contain {needle!r}, got {excerpt(haystack)}"
        for needle in needles
        if needle not in haystack
    ]


def check(expect: Expect, body: dict[str, Any], previous: dict[str, Any] | None) -> list[str]:
    """Every way ``body`` fails ``expect``, as readable lines; empty when it matches.

    ``previous`` is the body of the request received before this one (for
    ``prefix_unchanged``), or None when this is the first.
    """
    problems = _missing("system_contains", expect.system_contains, system_text(body))
    problems += _missing("messages_contain", expect.messages_contain, messages_text(body))
    if expect.last_tool_result_contains:
        result = last_tool_result_text(body)
        if result is None:
            problems.append("last_tool_result_contains: the request has no tool_result block")
        else:
            problems += _missing(
                "last_tool_result_contains", expect.last_tool_result_contains, result
            )
    offered = tool_names(body)
    absent = [name for name in expect.tools if name not in offered]
    if absent:
        problems.append(f"tools: expected {absent} to be offered, got {offered}")
    if expect.tools_exactly is not None and sorted(expect.tools_exactly) != sorted(offered):
        problems.append(f"tools_exactly: expected {sorted(expect.tools_exactly)}, got {offered}")
    if expect.model is not None and body.get("model") != expect.model:
        problems.append(f"model: expected {expect.model!r}, got {body.get('model')!r}")
    max_tokens = body.get("max_tokens")
    if expect.max_tokens_at_most is not None and not (
        isinstance(max_tokens, int) and max_tokens <= expect.max_tokens_at_most
    ):
        problems.append(
            f"max_tokens_at_most: expected at most {expect.max_tokens_at_most}, got {max_tokens!r}"
        )
    if expect.stream is not None and bool(body.get("stream")) != expect.stream:
        problems.append(f"stream: expected {expect.stream}, got {bool(body.get('stream'))}")
    if expect.prefix_unchanged:
        problems += _prefix_problems(body, previous)
    return problems


def _prefix_problems(body: dict[str, Any], previous: dict[str, Any] | None) -> list[str]:
    if previous is None:
        return ["prefix_unchanged: there is no previous request to compare with"]
    before, now = cached_prefix(previous), cached_prefix(body)
    if before == now:
        return []
    return [f"prefix_unchanged: the cached prefix changed; {describe_difference(before, now)}"]
