"""`{{name}}` templates in prompts: finding the names (with positions) and rendering.

Plain substitution on purpose: prompts are prose, and a template language would
make `{%` or `{#` in a prompt an error. `$ARGUMENTS` (and `$1`..`$9`) are the
Claude Code spellings for a command's arguments, kept so its files work as they are.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

_NAME = re.compile(r"\{\{\s*([A-Za-z_][\w.\-]*)\s*\}\}")
_POSITIONAL = re.compile(r"\$(ARGUMENTS|[1-9])\b")

#: Names every step may use besides the command's arguments and earlier steps.
CONTEXT_NAMES = ("selection", "file", "diagnostics", "feedback")


@dataclass(frozen=True)
class TemplateRef:
    name: str
    line: int
    """0-based line inside the template text."""
    column: int
    end_column: int


def find_names(text: str) -> Iterator[TemplateRef]:
    for line_no, line in enumerate(text.splitlines()):
        for match in _NAME.finditer(line):
            yield TemplateRef(match.group(1), line_no, match.start(), match.end())


def step_reference(name: str) -> str | None:
    """The step id in `steps.ID.output`, else None."""
    if name.startswith("steps.") and name.endswith(".output"):
        return name[len("steps.") : -len(".output")] or None
    return None


def render(text: str, values: Mapping[str, str], arguments: list[str] | None = None) -> str:
    """Substitute known names; unknown ones were reported at load time and stay as written."""

    def name(match: re.Match[str]) -> str:
        return values.get(match.group(1), match.group(0))

    rendered = _NAME.sub(name, text)
    if arguments is None:
        return rendered

    def positional(match: re.Match[str]) -> str:
        key = match.group(1)
        if key == "ARGUMENTS":
            return " ".join(arguments)
        index = int(key) - 1
        return arguments[index] if index < len(arguments) else ""

    return _POSITIONAL.sub(positional, rendered)
