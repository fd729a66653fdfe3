"""MCP server definitions in the `{"mcpServers": {...}}` shape of `mcp.json`.

Every string (command, args, env, cwd, url, headers) expands environment variables,
as Claude Code does, so secrets and machine paths stay out of the repository. The
grammar is the shell's parameter expansion, braced forms only:

- `${NAME}`: the variable's value; unset gives "" and a warning.
- `${NAME:-WORD}`: WORD when NAME is unset **or empty**.
- `${NAME-WORD}`: WORD only when NAME is unset (an empty value stays empty).
- WORD may itself hold `${...}` (`${A:-${B:-x}}`), expanded only when it is used.

Nothing else in a string is touched: `$NAME` without braces, `$$`, a backslash, or an
unclosed `${` stay as written (a password holding `$` must survive). The `expandvars`
package was considered; it also expands bare `$NAME`, which this grammar must not.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from orchestra_lsp.redaction import CREDENTIAL_NAME
from orchestra_lsp.workspace import inputs

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass(frozen=True)
class Unset:
    """A `${NAME}` with no default whose variable is unset; `start`/`end` index the text."""

    name: str
    start: int
    end: int


@dataclass
class Expansion:
    """The expanded text, the variables it needed and lacked, and the values that came
    from the environment."""

    text: str
    unset: list[Unset] = field(default_factory=list)
    values: list[tuple[str, str]] = field(default_factory=list)
    """(variable, value) for each non-empty value taken from the environment."""


def expand(text: str, environ: Mapping[str, str]) -> Expansion:
    """Expand `${NAME}`, `${NAME:-WORD}` and `${NAME-WORD}` in `text` (see the module)."""
    expansion = Expansion("")
    expansion.text = _expand(text, 0, len(text), environ, expansion)
    return expansion


def _expand(text: str, start: int, stop: int, environ: Mapping[str, str], out: Expansion) -> str:
    """`text[start:stop]` expanded, recording into `out`; a default is expanded only
    when it is taken, so a variable inside an unused default is never reported."""
    parts: list[str] = []
    at = start
    while at < stop:
        opening = text.find("${", at, stop)
        if opening < 0:
            break
        parts.append(text[at:opening])
        parsed = _parameter(text, opening, stop)
        if parsed is None:  # not our syntax: keep the `${` and go on after it
            parts.append("${")
            at = opening + 2
            continue
        name, operator, word, end = parsed
        value = environ.get(name)
        takes_default = operator is not None and (
            value is None or (operator == ":-" and value == "")
        )
        if takes_default and word is not None:
            parts.append(_expand(text, word[0], word[1], environ, out))
        elif value is not None:
            parts.append(value)
            if value:
                out.values.append((name, value))
        else:
            out.unset.append(Unset(name, opening, end))
        at = end
    parts.append(text[at:stop])
    return "".join(parts)


def _parameter(text: str, opening: int, stop: int) -> _Parameter | None:
    """At `${`: (name, operator, the default's span, the index after `}`), or None."""
    name = _NAME.match(text, opening + 2, stop)
    if name is None:
        return None
    after = name.end()
    if after < stop and text[after] == "}":
        return name.group(), None, None, after + 1
    for operator in (":-", "-"):
        if text.startswith(operator, after):
            word_start = after + len(operator)
            close = _closing(text, word_start, stop)
            if close is None:
                return None
            return name.group(), operator, (word_start, close), close + 1
    return None


_Parameter = tuple[str, str | None, tuple[int, int] | None, int]


def _closing(text: str, at: int, stop: int) -> int | None:
    """The index of the `}` that closes a default starting at `at`, nesting counted."""
    depth = 0
    while at < stop:
        if text.startswith("${", at):
            depth += 1
            at += 2
            continue
        if text[at] == "}":
            if depth == 0:
                return at
            depth -= 1
        at += 1
    return None


class _Server(BaseModel):
    model_config = ConfigDict(extra="forbid")

    timeout: float | None = Field(default=None, gt=0, allow_inf_nan=False)
    """Per-call time-out in seconds (else config.toml's `[mcp] call_timeout_seconds`)."""
    disabled: bool = False


class StdioServer(_Server):
    type: Literal["stdio"] = "stdio"
    command: str = Field(min_length=1)
    args: list[str] = Field(default_factory=list)
    env: dict[str, str] = Field(default_factory=dict)
    cwd: str | None = None


class HttpServer(_Server):
    type: Literal["http", "streamable-http", "sse"]
    url: str = Field(min_length=1)
    headers: dict[str, str] = Field(default_factory=dict)


class AcpServer(_Server):
    """A server an ACP client provides over its own connection (`"type": "acp"` in
    `session/new`'s `mcpServers`); never read from a file. `url` and `headers` are
    there so it reads like a remote server where one is named."""

    type: Literal["acp"] = "acp"
    server_id: str = Field(min_length=1)
    url: str = ""
    headers: dict[str, str] = Field(default_factory=dict)


McpServerSpec = StdioServer | HttpServer | AcpServer


class ExpandedValue(BaseModel):
    """A value `${...}` took from the environment, and the field it went into."""

    model_config = ConfigDict(frozen=True)

    variable: str
    value: str
    field: str
    """Where in the server's entry: `command`, `args[1]`, `env.TOKEN`, `url`, `headers.X`."""

    def is_machine_path(self) -> bool:
        """A value that names an existing file or folder by its absolute path, brought
        into the command line (`command`, `args`, `cwd`) by a variable not named like a
        credential: where a program or a browser is on this machine (`${CHROMIUM_PATH}`),
        no secret. Anything else a variable brings in is treated as one."""
        if not self.field.startswith(("command", "args[", "cwd")):
            return False
        if CREDENTIAL_NAME.search(self.variable):
            return False
        try:
            path = Path(self.value)
            return path.is_absolute() and inputs.exists(path)
        except (OSError, ValueError):  # a NUL byte, a name too long
            return False


class McpServer(BaseModel):
    """A configured server, variables expanded, with where it was defined."""

    name: str
    spec: McpServerSpec
    source_path: str
    expanded: list[ExpandedValue] = Field(default_factory=list)
    """Every value `${...}` brought in from the environment, for redaction to weigh (a
    token in `args` is a secret; `${HOME}` in a path is not)."""

    written: StdioServer | HttpServer | None = None
    """The entry as mcp.json writes it, `${VAR}` references unexpanded: what a person
    is shown of it (the values they expand to may be secrets, and are redacted)."""

    def shown(self) -> str:
        """The command line (or URL) as mcp.json writes it: `node ${CLI:-cli.js} --x`."""
        spec = self.written or self.spec
        if isinstance(spec, StdioServer):
            return " ".join(_shown_word(word) for word in [spec.command, *spec.args])
        return spec.url

    def secrets(self) -> list[str]:
        """Values that must never reach the journal or the logs: `env` and `headers`
        values, and every value a `${VAR}` brought in (also into `args`, `url`, …) —
        except a machine path in the command line (see `is_machine_path`)."""
        given = self.spec.env if isinstance(self.spec, StdioServer) else self.spec.headers
        return [v for v in given.values() if v] + [
            e.value for e in self.expanded if e.value and not e.is_machine_path()
        ]


def _shown_word(word: str) -> str:
    """A word of a command line, quoted only where the shell would split or drop it
    (`shlex.quote` would also quote `${VAR}`, which reads as if it were not expanded)."""
    if word and not re.search(r"[\s'\"\\]", word):
        return word
    return shlex.quote(word)
