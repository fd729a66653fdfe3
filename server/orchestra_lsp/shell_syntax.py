"""A command line as the shell reads it: every simple command, word and redirection.

The permission policy must see what a command line really runs and touches, wherever it
hides: after ``;``/``&&``/``||``/``|``/``&``, inside ``( … )`` and ``{ …; }``, in
``$( … )``, backticks, ``<( … )``/``>( … )``, in an unquoted here-document, in the
conditions of ``if``/``while``/``case``. :func:`parse_shell` walks the whole syntax tree
and flattens it into a :class:`ShellScript`.

The parser is tree-sitter-bash (the grammar GitHub and the editors use, MIT-licensed,
maintained, a compiled wheel). ``bashlex`` was considered: it is GPL-3.0, unmaintained
since 2023 and raises on constructs it does not know (``case``, functions, arithmetic).
tree-sitter never raises: a line it cannot read gets ``ERROR`` nodes, which we report as
a problem so that the policy asks a person. ``run_shell`` runs ``/bin/sh``; bash's
grammar is a superset, so every construct sh understands is seen.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tree_sitter import Node, Parser

#: Node types whose text reaches a command only after the shell computed it.
_DYNAMIC = frozenset(
    {
        "simple_expansion",
        "expansion",
        "command_substitution",
        "process_substitution",
        "arithmetic_expansion",
        "ansi_c_string",
        "translated_string",
        "brace_expression",
    }
)
_GLOB_CHARS = frozenset("*?[")
#: Redirection operators that read a file; every other file redirection writes one.
_READS = frozenset({"<"})
#: `>&` and `<&` duplicate a descriptor when their target is a number or `-`.
_DUPLICATES = frozenset({">&", "<&", ">&-", "<&-"})
#: Where tree-sitter-bash's scanner (0.25, reading `{1..9}`) hands the next character to
#: C's `isdigit`, which reads out of bounds for code points past 255: the process can
#: crash. Such a character is replaced before parsing, and the line asked about.
_UNSAFE_AFTER_BRACE = re.compile(r"\{[0-9]*(?:\.\.[0-9]*)?[^\x00-\xff]")


@dataclass(frozen=True)
class Word:
    """One word after quote removal. `literal` is False when the shell computes part of it
    (``$X``, ``$(…)``, ``$'…'``, ``{a,b}``); `glob` when an unquoted ``*?[`` may expand
    it to file names; `tilde` when an unquoted leading ``~`` names a home folder."""

    value: str
    literal: bool = True
    glob: bool = False
    tilde: bool = False


@dataclass(frozen=True)
class Assignment:
    """``NAME=value``, before a command (its environment) or alone (the shell's)."""

    name: str
    value: Word


@dataclass(frozen=True)
class SimpleCommand:
    """A command the shell runs: its words (name first) and its assignment prefix."""

    words: tuple[Word, ...]
    assignments: tuple[Assignment, ...]
    source: str
    """The command as written (without its redirections)."""

    @property
    def literal(self) -> bool:
        """Whether every word and assignment is known before the shell runs."""
        return all(w.literal for w in self.words) and all(a.value.literal for a in self.assignments)

    @property
    def text(self) -> str:
        """The words joined by spaces: what rules are matched against."""
        return " ".join(word.value for word in self.words)


@dataclass(frozen=True)
class Redirect:
    """A redirection to or from a file (descriptor duplications are not listed)."""

    operator: str
    target: Word
    writes: bool


@dataclass
class ShellScript:
    """Everything a command line runs, writes and reads; `problems` says what could not be
    understood (then no allow rule may let the line run)."""

    commands: list[SimpleCommand] = field(default_factory=list)
    assignments: list[Assignment] = field(default_factory=list)
    """Assignments that stand alone and change the shell's own variables."""
    redirects: list[Redirect] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


@lru_cache(maxsize=1)
def _parser() -> Parser:
    # Imported on the first parse (a shell command to judge), not with the module: the
    # grammar costs an idle language server some 4 MiB.
    import tree_sitter_bash
    from tree_sitter import Language, Parser

    return Parser(Language(tree_sitter_bash.language()))


def parse_shell(command: str) -> ShellScript:
    """Parse a command line; never raises (unreadable input becomes a problem)."""
    script = ShellScript()
    if _UNSAFE_AFTER_BRACE.search(command):
        script.problems.append(
            "the command has a `{` followed by a character the parser cannot read"
        )
        command = _UNSAFE_AFTER_BRACE.sub(lambda match: match.group()[:-1] + "?", command)
    try:
        source = command.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a lone surrogate (JSON's `"\ud800"`) is no text
        script.problems.append("the command holds characters that are not text")
        source = command.encode("utf-8", "replace")
    tree = _parser().parse(source)
    if tree.root_node.has_error:
        script.problems.append("the shell cannot parse the command")
    _walk(tree.root_node, script)
    return script


def _walk(node: Node, script: ShellScript) -> None:
    kind = node.type
    if kind in ("command", "declaration_command", "unset_command"):
        _command(node, script)
    elif kind == "variable_assignment" and not _inside_command(node):
        script.assignments.append(_assignment(node))
    elif kind == "for_statement" and (variable := node.child_by_field_name("variable")):
        script.assignments.append(Assignment(_text(variable), Word("", literal=False)))
    elif kind == "function_definition":
        # A function may shadow any command (`git() { …; }; git status`).
        script.problems.append("the command defines a shell function")
    elif kind == "file_redirect":
        _redirect(node, script)
    for child in node.children:
        _walk(child, script)


def _inside_command(node: Node) -> bool:
    parent = node.parent
    return parent is not None and parent.type in ("command", "declaration_command")


def _command(node: Node, script: ShellScript) -> None:
    words: list[Word] = []
    assignments: list[Assignment] = []
    for index, child in enumerate(node.children):
        field_name = node.field_name_for_child(index)
        if child.type == "variable_assignment" and node.type == "command":
            assignments.append(_assignment(child))
        elif child.type == "variable_assignment":  # `export NAME=value`
            words.append(_word_of_assignment(child))
        elif child.type == "command_name":
            words.extend(_word(grand) for grand in child.children)
        elif field_name == "argument" or child.type in _WORD_NODES or child.type == "word":
            words.append(_word(child))
        elif child.type in ("export", "declare", "local", "readonly", "typeset", "unset"):
            words.append(Word(child.type))
        elif child.type == "unsetenv" or child.type == "variable_name":
            words.append(Word(_text(child)))
    source = _text(node)
    script.commands.append(SimpleCommand(tuple(words), tuple(assignments), source))


_WORD_NODES = frozenset({"word", "string", "raw_string", "concatenation", "number", *_DYNAMIC})


def _assignment(node: Node) -> Assignment:
    name = node.child_by_field_name("name")
    value = node.child_by_field_name("value")
    return Assignment(
        _text(name) if name is not None else "",
        _word(value) if value is not None else Word(""),
    )


def _word_of_assignment(node: Node) -> Word:
    assignment = _assignment(node)
    return Word(f"{assignment.name}={assignment.value.value}", assignment.value.literal)


def _redirect(node: Node, script: ShellScript) -> None:
    operator = ""
    target: Node | None = None
    for index, child in enumerate(node.children):
        if node.field_name_for_child(index) == "destination":
            target = child if target is None else target
        elif child.type != "file_descriptor" and not child.is_named:
            operator = child.type
    if target is None:
        return  # `>&-`: closes a descriptor
    word = _word(target)
    if operator in _DUPLICATES and (word.value.isdigit() or word.value == "-"):
        return
    script.redirects.append(Redirect(operator, word, writes=operator not in _READS))


def _word(node: Node) -> Word:
    """The value of a word node after quote removal, and what the shell may change."""
    kind = node.type
    if kind in _DYNAMIC:
        return Word(_text(node), literal=False)
    if kind == "raw_string":
        return Word(_text(node)[1:-1])
    if kind == "string":
        parts = [_word(child) for child in node.children if child.type not in ('"',)]
        value = "".join(_unescape_double(p.value) if p.literal else p.value for p in parts)
        return Word(value, literal=all(p.literal for p in parts))
    if kind == "string_content":
        return Word(_text(node))
    if kind == "concatenation":
        parts = [_word(child) for child in node.children]
        return Word(
            "".join(p.value for p in parts),
            literal=all(p.literal for p in parts),
            glob=any(p.glob for p in parts),
            tilde=bool(parts) and parts[0].tilde,
        )
    text = _text(node)
    if kind in ("word", "number", "command_name"):
        return Word(
            _unescape_unquoted(text),
            glob=_has_unescaped(text, _GLOB_CHARS),
            tilde=text.startswith("~"),
        )
    return Word(text, literal=not node.named_children and node.is_named)


def _text(node: Node) -> str:
    return (node.text or b"").decode("utf-8", "surrogateescape")


def _unescape_unquoted(text: str) -> str:
    out: list[str] = []
    index = 0
    while index < len(text):
        if text[index] == "\\" and index + 1 < len(text):
            if text[index + 1] != "\n":
                out.append(text[index + 1])
            index += 2
            continue
        out.append(text[index])
        index += 1
    return "".join(out)


def _unescape_double(text: str) -> str:
    out: list[str] = []
    index = 0
    while index < len(text):
        if text[index] == "\\" and index + 1 < len(text) and text[index + 1] in '$`"\\\n':
            if text[index + 1] != "\n":
                out.append(text[index + 1])
            index += 2
            continue
        out.append(text[index])
        index += 1
    return "".join(out)


def _has_unescaped(text: str, chars: frozenset[str]) -> bool:
    index = 0
    while index < len(text):
        if text[index] == "\\":
            index += 2
            continue
        if text[index] in chars:
            return True
        index += 1
    return False
