"""`{{name}}` templates in prompts: finding the names (with positions) and rendering.

Plain substitution on purpose: prompts are prose, and a template language would
make `{%` or `{#` in a prompt an error. `$ARGUMENTS`, `$ARGUMENTS[N]`, `$1`..`$9` and
named `$name` are the Claude Code spellings for a command's arguments, kept so its
files work as they are: `$ARGUMENTS` is the whole string as typed, the others its
words split as a shell splits them (quotes respected, see `PositionalArguments`).
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field

_NAME = re.compile(r"\{\{\s*([A-Za-z_][\w.\-]*)\s*\}\}")
_POSITIONAL = re.compile(r"\$(?:ARGUMENTS\[(\d+)\]|(ARGUMENTS)\b|([1-9])(?!\d))")

#: Names every step may use besides the command's arguments and earlier steps.
CONTEXT_NAMES = ("selection", "file", "diagnostics", "feedback")


@dataclass(frozen=True)
class TemplateRef:
    name: str
    line: int
    """0-based line inside the template text."""
    column: int
    end_column: int


def uses_positional(text: str) -> bool:
    """Whether `text` names `$ARGUMENTS`, `$ARGUMENTS[N]` or `$1`..`$9`."""
    return _POSITIONAL.search(text) is not None


def find_names(text: str) -> Iterator[TemplateRef]:
    for line_no, line in enumerate(text.splitlines()):
        for match in _NAME.finditer(line):
            yield TemplateRef(match.group(1), line_no, match.start(), match.end())


@dataclass(frozen=True)
class PositionalArguments:
    """A command's arguments as Claude Code's placeholders see them."""

    raw: str
    """`$ARGUMENTS`: the whole string, as typed."""
    words: list[str]
    """`$1`..`$9` (1-based) and `$ARGUMENTS[N]` (0-based)."""
    names: Sequence[str] = field(default=())
    """Named arguments: `$name` is the word at the name's position."""

    @classmethod
    def of_values(cls, values: Sequence[str]) -> PositionalArguments:
        """An Orchestra command's declared arguments, each one word."""
        return cls(" ".join(values), list(values))

    @classmethod
    def split(cls, raw: str, names: Sequence[str] = ()) -> PositionalArguments:
        """One string split like a shell: `456 "high prio" alice` is three words.

        An unclosed quote falls back to splitting on white space, as Claude Code does.
        """
        try:
            words = shlex.split(raw)
        except ValueError:
            words = raw.split()
        return cls(raw, words, tuple(names))

    def word(self, index: int) -> str:
        return self.words[index] if 0 <= index < len(self.words) else ""


def render(
    text: str, values: Mapping[str, str], arguments: PositionalArguments | None = None
) -> str:
    """Substitute known names; unknown ones were reported at load time and stay as written."""

    def name(match: re.Match[str]) -> str:
        return values.get(match.group(1), match.group(0))

    rendered = _NAME.sub(name, text)
    if arguments is None:
        return rendered

    def positional(match: re.Match[str]) -> str:
        indexed, whole, digit = match.groups()
        if whole:
            return arguments.raw
        if indexed is not None:
            return arguments.word(int(indexed))
        return arguments.word(int(digit) - 1)

    rendered = _POSITIONAL.sub(positional, rendered)
    names = [n for n in arguments.names if re.fullmatch(r"[A-Za-z_]\w*", n)]
    if names:
        named = re.compile(r"\$(" + "|".join(map(re.escape, names)) + r")\b")
        rendered = named.sub(lambda m: arguments.word(names.index(m.group(1))), rendered)
    return rendered
