"""What a front end asks for when it starts a run, and binding it to a command."""

from __future__ import annotations

import re
import shlex

from pydantic import BaseModel, Field

from orchestra_lsp.workspace import Command


class RunRequest(BaseModel):
    """A command to run, with its arguments and the editor context (for code actions)."""

    command: str
    arguments: dict[str, str] = Field(default_factory=dict)
    file: str | None = None
    """Workspace-relative path of the file the person is in, for `{{file}}`."""
    selection: str | None = None
    diagnostics: str | None = None
    """The diagnostics at the cursor, as text, for `{{diagnostics}}`."""


class RunRequestError(ValueError):
    """The request cannot start: unknown command, missing argument. Said in one line."""


#: `name=value` on the command line: a name as arguments are named, then `=`.
_NAMED = re.compile(r"^([A-Za-z_][\w\-]*)=(.*)$", re.DOTALL)


def bind_arguments(command: Command, positional: list[str]) -> dict[str, str]:
    """Map command-line words to the command's arguments.

    `name=value` words set that argument; the others fill the arguments in order. A
    command that takes its arguments as one string (Claude Code's `$ARGUMENTS`) takes
    every word. Raises RunRequestError for a `name=` that is no argument of the
    command, and for more words than arguments: nothing is silently folded.
    """
    names = [argument.name for argument in command.arguments]
    takes_all = command.takes_one_string
    bound: dict[str, str] = {}
    loose: list[str] = []
    for word in positional:
        named = _NAMED.match(word)
        if named and named.group(1) in names:
            bound[named.group(1)] = named.group(2)
        elif named and not takes_all:
            raise RunRequestError(
                f"command '{command.name}' has no argument '{named.group(1)}' "
                f"(arguments: {', '.join(names) or 'none'}); to pass a value holding '=', "
                f"name its argument: {names[0]}={word}"
                if names
                else f"command '{command.name}' takes no arguments; got '{word}'"
            )
        else:
            loose.append(word)
    free = [name for name in names if name not in bound]
    if takes_all and len(free) == 1 and loose:
        # Claude Code's one argument string: quote the words that need it, so that
        # `$1`..`$9` split it back into the words the shell gave us.
        bound[free[0]] = shlex.join(loose)
        return bound
    if len(loose) > len(free):
        surplus = " ".join(shlex.quote(word) for word in loose[len(free) :])
        raise RunRequestError(
            f"command '{command.name}' takes {len(names)} argument(s) "
            f"({', '.join(names) or 'none'}); {surplus} is left over (quote a value "
            "that holds spaces)"
        )
    bound.update(zip(free, loose, strict=False))
    return bound


def resolve_arguments(command: Command, given: dict[str, str]) -> dict[str, str]:
    """Check required arguments, fill defaults, refuse unknown names."""
    known = {argument.name for argument in command.arguments}
    unknown = sorted(set(given) - known)
    if unknown:
        raise RunRequestError(
            f"command '{command.name}' has no argument {', '.join(map(repr, unknown))} "
            f"(arguments: {', '.join(sorted(known)) or 'none'})"
        )
    values: dict[str, str] = {}
    for argument in command.arguments:
        value = given.get(argument.name, argument.default)
        if value is None or (argument.required and not value.strip()):
            if argument.required:
                hint = f" ({argument.description})" if argument.description else ""
                raise RunRequestError(
                    f"command '{command.name}' needs the argument '{argument.name}'{hint}"
                )
            value = ""
        values[argument.name] = value
    return values
