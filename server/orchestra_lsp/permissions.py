"""The permission policy: may an agent make this tool call, must a person be asked, or never?

A rule is a string: a tool-name glob with an optional argument pattern in parentheses,
for example ``read_file``, ``mcp__tickets__get_*``, ``run_shell(npm test*)``,
``edit(src/**)``. A policy is three lists of rules — allow, ask, deny — and
:meth:`Policy.decide` returns a :class:`Decision`: deny beats ask beats allow, and a call
that no rule matches is asked about.

Which argument a pattern is matched against depends on the tool (:data:`ARGUMENT_OF`):
``run_shell`` → ``command``; ``edit``, ``read_file``, ``list_files`` → ``path``;
``search`` → ``pattern``; any other tool → the compact JSON of all its arguments, keys
sorted, so that ``mcp__tickets__get_issue(*"SHOP-12"*)`` works.

Globs know ``*``, ``**`` and ``?``; every other character is literal (no ``[...]``
classes: a bracket in a command line should mean a bracket). How far ``*`` reaches
depends on what is matched:

- paths (``edit``, ``read_file``, ``list_files``): ``*`` and ``?`` stay inside one path
  segment, ``**`` crosses ``/`` and ``**/`` also matches no directory at all, as in
  ``.gitignore``. Patterns are anchored at the workspace root: ``edit(.env*)`` is the
  root ``.env`` files, ``edit(**/.env*)`` those in every folder. Paths are normalised
  first (``./``, ``..``, backslashes, absolute paths inside the workspace) so that
  ``src/../.env`` cannot slip past a rule about ``.env``; a path that still leaves the
  workspace is never allowed by a rule (at most asked about).
- everything else (command lines, search patterns, JSON arguments, tool names): ``*``
  and ``**`` match anything, ``/`` included. A command line is not a path: in
  ``run_shell(npm test*)`` the star must cover ``npm test -- src/a.test.ts``.

Command lines get one more safeguard, because ``*`` matching anything would otherwise
let ``run_shell(npm test*)`` allow ``npm test && rm -rf ~``: the command is split on
the shell's control operators (``;``, ``&``, ``&&``, ``|``, ``||``, newlines, subshell
parentheses; quotes respected) and leading ``VAR=value`` assignments are ignored. Every
part must be allowed for the call to be allowed; any part (or the whole line) matching
a deny rule denies it. Command substitution (``$(...)``, backticks, ``<(...)``) cannot be
checked part by part, so such a command is never allowed by a rule, only asked about or
denied. This is a guard-rail for honest mistakes, not a sandbox: ``run_shell`` is asked
about by default and that is the real protection.

The engine's automation mode (``--yes``) turns ``ask`` into "allowed by policy"; this
module only states the verdict and why.
"""

from __future__ import annotations

import json
import posixpath
import re
import shlex
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

Verdict = Literal["allow", "ask", "deny"]

#: The argument a rule's pattern is matched against, per built-in tool.
ARGUMENT_OF: Mapping[str, str] = {
    "run_shell": "command",
    "edit": "path",
    "read_file": "path",
    "list_files": "path",
    "search": "pattern",
}

_PATH_TOOLS = frozenset({"edit", "read_file", "list_files"})
_COMMAND_TOOL = "run_shell"
_SEVERITY: Mapping[Verdict, int] = {"allow": 0, "ask": 1, "deny": 2}
_NAME_CHARS = re.compile(r"[A-Za-z0-9_\-.*?]+")


class Decision(BaseModel):
    """The policy's answer for one tool call; journaled as part of `permission_decided`."""

    model_config = ConfigDict(frozen=True)

    verdict: Verdict
    rule: str | None
    """The rule that decided, as written in the configuration; None for the default ask."""
    reason: str


@dataclass(frozen=True)
class RuleError:
    """Why a rule string is malformed; `offset` (0-based, in the rule text) lets the
    configuration loader point at the exact column."""

    text: str
    message: str
    offset: int

    def __str__(self) -> str:
        return f"{self.message} (in rule {self.text!r}, at character {self.offset + 1})"


@dataclass(frozen=True)
class Rule:
    """A parsed rule: a tool-name glob and, optionally, an argument pattern."""

    text: str
    tool: str
    argument: str | None = None
    _tool_regex: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_tool_regex", _compile_glob(self.tool, path=False))

    def matches_tool(self, tool_name: str) -> bool:
        """Whether the tool-name glob covers `tool_name`."""
        return self._tool_regex.fullmatch(tool_name) is not None

    def matches(self, tool_name: str, argument: str) -> bool:
        """Whether the rule covers a call of `tool_name` whose relevant argument is
        `argument` (already normalised, see :func:`argument_text`)."""
        if not self.matches_tool(tool_name):
            return False
        if self.argument is None:
            return True
        pattern = _compile_glob(self.argument, path=tool_name in _PATH_TOOLS)
        return pattern.fullmatch(argument) is not None


def parse_rule(text: str) -> Rule | RuleError:
    """Parse one rule string, or say precisely what is wrong with it."""
    stripped = text.strip()
    lead = len(text) - len(text.lstrip())
    if not stripped:
        return RuleError(text, "empty rule", 0)
    open_at = stripped.find("(")
    name = stripped if open_at < 0 else stripped[:open_at]
    if not name:
        return RuleError(text, "missing tool name before '('", lead)
    bad = _first_bad_name_char(name)
    if bad is not None:
        if name[bad] == ")":
            return RuleError(text, "unbalanced parentheses: ')' without '('", lead + bad)
        return RuleError(text, f"unexpected character {name[bad]!r} in tool name", lead + bad)
    if open_at < 0:
        return Rule(text=text, tool=name)
    if not stripped.endswith(")"):
        close_at = stripped.rfind(")")
        if close_at > open_at:
            return RuleError(text, "unexpected text after ')'", lead + close_at + 1)
        return RuleError(text, "unbalanced parentheses: '(' is never closed", lead + open_at)
    argument = stripped[open_at + 1 : -1]
    unbalanced = _unbalanced_paren(argument)
    if unbalanced is not None:
        return RuleError(text, "unbalanced parentheses", lead + open_at + 1 + unbalanced)
    if not argument.strip():
        return RuleError(
            text,
            f"empty argument pattern: write {name!r} for any arguments, or {name + '(*)'!r}",
            lead + open_at,
        )
    return Rule(text=text, tool=name, argument=argument)


def rule_matches_any(rule: Rule, tool_names: Iterable[str]) -> bool:
    """Whether the rule's tool glob covers at least one of `tool_names`, so the loader can
    warn about a rule that can never apply (a typo, a server that was renamed)."""
    return any(rule.matches_tool(name) for name in tool_names)


class PolicyError(ValueError):
    """Raised by :meth:`Policy.from_strings` when some rules are malformed."""

    def __init__(self, errors: Sequence[RuleError]) -> None:
        self.errors = list(errors)
        super().__init__("; ".join(str(error) for error in errors))


@dataclass(frozen=True)
class Policy:
    """Three lists of rules; see the module docstring for how they are applied.

    `workspace`, when given, lets absolute paths inside it be matched like relative ones.
    """

    allow: tuple[Rule, ...] = ()
    ask: tuple[Rule, ...] = ()
    deny: tuple[Rule, ...] = ()
    workspace: str | None = None

    @classmethod
    def from_strings(
        cls,
        allow: Iterable[str] = (),
        ask: Iterable[str] = (),
        deny: Iterable[str] = (),
        workspace: str | None = None,
    ) -> Policy:
        """Build a policy from configuration strings; raise :class:`PolicyError` listing
        every malformed rule rather than silently dropping one (a lost deny rule would be
        a silent loosening)."""
        errors: list[RuleError] = []

        def parse_all(texts: Iterable[str]) -> tuple[Rule, ...]:
            rules: list[Rule] = []
            for text in texts:
                parsed = parse_rule(text)
                if isinstance(parsed, RuleError):
                    errors.append(parsed)
                else:
                    rules.append(parsed)
            return tuple(rules)

        policy = cls(parse_all(allow), parse_all(ask), parse_all(deny), workspace)
        if errors:
            raise PolicyError(errors)
        return policy

    def decide(self, tool_name: str, args: Mapping[str, Any]) -> Decision:
        """The verdict for calling `tool_name` with `args`. Never raises."""
        subject = _subject(tool_name, args, self.workspace)
        whole = self._decide_one(tool_name, subject.whole)
        if subject.parts == (subject.whole,):
            decision = whole
        else:
            decision = self._decide_parts(tool_name, subject.parts)
            if whole.rule is not None and _SEVERITY[whole.verdict] > _SEVERITY[decision.verdict]:
                decision = whole  # e.g. deny `run_shell(*sudo*)` spans several parts
        return decision if subject.checkable else _at_most_ask(decision, subject.why_not)

    def _decide_parts(self, tool_name: str, parts: Sequence[str]) -> Decision:
        """A compound command: the strictest verdict among its parts."""
        decided = [(part, self._decide_one(tool_name, part)) for part in parts]
        worst_part, worst = max(decided, key=lambda item: _SEVERITY[item[1].verdict])
        if worst.verdict != "allow":
            reason = f"part `{worst_part}` of the command: {worst.reason}"
            return Decision(verdict=worst.verdict, rule=worst.rule, reason=reason)
        rules = ", ".join(dict.fromkeys(f"`{decision.rule}`" for _, decision in decided))
        return Decision(verdict="allow", rule=decided[0][1].rule, reason=f"allowed by {rules}")

    def _decide_one(self, tool_name: str, argument: str) -> Decision:
        tiers: tuple[tuple[Verdict, tuple[Rule, ...]], ...] = (
            ("deny", self.deny),
            ("ask", self.ask),
            ("allow", self.allow),
        )
        for verdict, rules in tiers:
            for rule in rules:
                if rule.matches(tool_name, argument):
                    return Decision(
                        verdict=verdict,
                        rule=rule.text,
                        reason=f"{_PAST[verdict]} by rule `{rule.text}`",
                    )
        return Decision(verdict="ask", rule=None, reason=f"no rule matches `{tool_name}`")


_PAST: Mapping[Verdict, str] = {"deny": "denied", "ask": "asked", "allow": "allowed"}


@dataclass(frozen=True)
class _Subject:
    """What a call's rules are matched against: the whole argument, its parts (for
    command lines) and whether allow rules may apply at all."""

    whole: str
    parts: tuple[str, ...]
    checkable: bool = True
    why_not: str = ""


def _at_most_ask(decision: Decision, why_not: str) -> Decision:
    if decision.verdict != "allow":
        return decision
    return Decision(verdict="ask", rule=decision.rule, reason=f"{why_not}; {decision.reason}")


def argument_text(tool_name: str, args: Mapping[str, Any], workspace: str | None = None) -> str:
    """The text a rule's argument pattern is matched against for this call."""
    key = ARGUMENT_OF.get(tool_name)
    if key is None:
        return _compact_json(args)
    value = args.get(key, "")
    text = value if isinstance(value, str) else _compact_json(value)
    return _normalise_path(text, workspace) if tool_name in _PATH_TOOLS else text


def _subject(tool_name: str, args: Mapping[str, Any], workspace: str | None) -> _Subject:
    text = argument_text(tool_name, args, workspace)
    if tool_name in _PATH_TOOLS and _escapes(text):
        return _Subject(text, (text,), checkable=False, why_not="the path is outside the workspace")
    if tool_name != _COMMAND_TOOL:
        return _Subject(text, (text,))
    text = text.replace("\\\n", "")  # a line continuation joins the lines
    parts, quotes_closed = _split_command(text)
    forms = tuple(dict.fromkeys(form for part in parts for form in _forms(part))) or (text,)
    if not quotes_closed:
        return _Subject(text, forms, checkable=False, why_not="the command has an unclosed quote")
    if any(marker in text for marker in ("$(", "`", "<(", ">(")):
        why = "command substitution cannot be checked against allow rules"
        return _Subject(text, forms, checkable=False, why_not=why)
    return _Subject(text, forms)


def _forms(part: str) -> list[str]:
    """The part as written and as the shell reads it after removing quotes and escapes,
    so that neither `r\\m -rf /` nor `"rm" -rf /` passes for something other than `rm`."""
    forms = [_strip_assignments(part)]
    try:
        words = shlex.split(part)
    except ValueError:
        return forms
    forms.append(_strip_assignments(" ".join(words)))
    return forms


def _compact_json(value: Any) -> str:
    try:
        return json.dumps(value, sort_keys=True, separators=(",", ":"), default=repr)
    except (TypeError, ValueError):  # unsortable mixed keys, circular structures
        return repr(value)


def _normalise_path(path: str, workspace: str | None) -> str:
    path = path.replace("\\", "/")
    if workspace and path.startswith("/"):
        root = posixpath.normpath(workspace.replace("\\", "/"))
        path = posixpath.normpath(path)
        if path == root:
            return "."
        if path.startswith(root.rstrip("/") + "/"):
            path = path[len(root.rstrip("/")) + 1 :]
    return posixpath.normpath(path) if path else "."


def _escapes(path: str) -> bool:
    return path.startswith("/") or path == ".." or path.startswith("../")


_OPERATORS = re.compile(r"&&|\|\||[;&|\n()]")


def _split_command(command: str) -> tuple[list[str], bool]:
    """Split a command line on control operators outside quotes; also say whether every
    quote was closed."""
    parts: list[str] = []
    current: list[str] = []
    quote: str | None = None
    index = 0
    while index < len(command):
        char = command[index]
        if quote != "'" and char == "\\" and index + 1 < len(command):
            current.append(command[index : index + 2])
            index += 2
            continue
        if quote is not None:
            quote = None if char == quote else quote
        elif char in "'\"":
            quote = char
        else:
            operator = _OPERATORS.match(command, index)
            if operator is not None:
                parts.append("".join(current))
                current = []
                index = operator.end()
                continue
        current.append(char)
        index += 1
    parts.append("".join(current))
    return [part.strip() for part in parts if part.strip()], quote is None


_ASSIGNMENT = re.compile(r"(?:[A-Za-z_][A-Za-z0-9_]*=(?:'[^']*'|\"[^\"]*\"|\S*)\s+)+")


def _strip_assignments(part: str) -> str:
    """`FOO=1 rm -rf x` runs `rm`: match rules against the command, not the assignment."""
    match = _ASSIGNMENT.match(part)
    return part[match.end() :] if match else part


@lru_cache(maxsize=1024)
def _compile_glob(glob: str, *, path: bool) -> re.Pattern[str]:
    """Translate a glob to a regular expression (see the module docstring)."""
    star, one = ("[^/]*", "[^/]") if path else (".*", ".")
    if path:
        glob = glob.removeprefix("./")
    out: list[str] = []
    index = 0
    while index < len(glob):
        if glob.startswith("**/", index) and path:
            out.append("(?:.*/)?")
            index += 3
        elif glob.startswith("**", index):
            out.append(".*")
            index += 2
        elif glob[index] == "*":
            out.append(star)
            index += 1
        elif glob[index] == "?":
            out.append(one)
            index += 1
        else:
            out.append(re.escape(glob[index]))
            index += 1
    return re.compile("".join(out), re.DOTALL)


def _first_bad_name_char(name: str) -> int | None:
    match = _NAME_CHARS.match(name)
    end = match.end() if match else 0
    return None if end == len(name) else end


def _unbalanced_paren(text: str) -> int | None:
    """Offset of the first parenthesis that has no partner, or None."""
    opened: list[int] = []
    for index, char in enumerate(text):
        if char == "(":
            opened.append(index)
        elif char == ")":
            if not opened:
                return index
            opened.pop()
    return opened[0] if opened else None
