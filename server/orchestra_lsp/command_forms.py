"""Options and scripts of common read-only-looking commands that write files or run
programs.

People allow tools such as ``sed``, ``awk``, ``sort``, ``tar`` or ``rg`` by prefix
(Claude Code's ``Bash(sed:*)`` becomes ``run_shell(sed*)``) because they usually only
read. Each of them has forms that do not: ``sed -i`` edits files in place, sed's ``w``
and ``e`` commands write files and run programs, awk's ``system()`` and ``| "cmd"`` run
programs, ``sort -o`` writes, ``tar -x`` extracts, ``rg --pre`` runs a preprocessor,
``fd -x`` runs a command for every match, ``curl -o``/``wget`` save files and
``curl -d @file`` sends one, ``man -P`` runs a pager, an awk program that stores into
``ARGV`` reads other files, yq's ``load()`` and jq's ``import`` read files, ``less +!cmd``
runs one, ``split`` makes up the names it writes (sqlite3: :mod:`orchestra_lsp.sql_forms`).
:func:`command_form` reads a command's options (and sed's, awk's, yq's and jq's inline
scripts) and says which of those forms it uses:

- *hazards*, which no allow rule may allow, only a person;
- *writes*, plain output files (``sort -o out``, ``tee log``), decided like a
  redirection to that path (only a rule naming the path allows them);
- *reads*, files named inside a script or a value (sed's ``r FILE``, curl's ``@FILE``),
  checked like path arguments;
- *runs*, the words of a command it runs (``fd -x CMD``), analysed like ``find -exec``;
- *trees*, the arguments whose every file below the command removes, moves or rewrites
  (``rm -r``, ``mv``'s sources, ``chmod -R``), *read trees*, those it reads through
  (``grep -r``, ``rg``, ``tar -c``, ``cp -r``'s sources), and *lands*, where a copy or a
  move puts the files of its sources (``cp -r x pkg`` makes ``pkg/x/…``): the policy
  looks below them on disk for protected and withheld paths.

A script this module cannot read (an unterminated ``s`` command, an awk string that
never ends) is a hazard: asked about, never allowed. Options follow GNU getopt: bundled
short options (``-ni``, ``-Ei``), values glued or in the next word, long options as
``--opt=value`` or ``--opt value`` and, where the tool accepts them, abbreviated
(``--in`` is ``--in-place``).

No library fits: PyPI's ``sed``/``pysed``/``awk`` packages run or imitate the tools but
expose no parser of their scripts, and tree-sitter has no sed grammar (an awk grammar
comes only inside a 300-language bundle, and deciding print redirection from comparison
needs a few lines on top of a tokenizer anyway). The scanners below follow GNU sed's
``compile.c`` and gawk's lexer for exactly the parts that matter here.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

#: Output files that are not files: writing them is printing. (``-`` is standard output
#: only for the tools that say so: ``sort -o -`` and ``tee -`` write a file named ``-``.)
_DEVICES = frozenset({"/dev/stdout", "/dev/stderr", "/dev/null"})


@dataclass
class CommandForm:
    """What a command's options and scripts do beyond reading its input.

    `runs` holds ``(start, end)`` index ranges into the arguments (the words after the
    command's name) of commands it runs."""

    hazards: list[str] = field(default_factory=list)
    writes: list[str] = field(default_factory=list)
    reads: list[str] = field(default_factory=list)
    runs: list[tuple[int, int]] = field(default_factory=list)
    scripts: set[int] = field(default_factory=set)
    """Indices of arguments that are script text (``'/^#/d'``), not paths."""
    trees: list[int] = field(default_factory=list)
    """Indices of arguments whose every file below the command removes, moves or
    rewrites (``rm -r pkg``)."""
    read_trees: list[int] = field(default_factory=list)
    """Indices of arguments whose files below the command reads (``grep -r TOKEN pkg``)."""
    reads_here: bool = False
    """The command reads through its working folder when none of its read trees names
    something that exists (``rg TOKEN``, ``grep -r TOKEN``, ``git grep TOKEN``)."""
    skips_hidden: bool = False
    """Its reads through folders leave hidden files and folders out (``rg`` without
    ``--hidden``)."""
    lands: list[tuple[int, int, bool | None]] = field(default_factory=list)
    """``(source, target, into)``: the files under argument `source` land under argument
    `target` — under ``target/NAME`` (NAME: the source's last segment) when `into` is
    True, under `target` itself when False, and when None as the shell finds it (into
    `target` when that is a folder)."""
    not_reading: bool = False
    """The command reads no file it names (``rm``, ``mkdir``, ``ls``): its arguments are
    not reads."""


def command_form(program: str, args: Sequence[str]) -> CommandForm:
    """The hazards, written and read files and inner commands of `program ARGS`
    (`program` as named on the command line; arguments with quotes removed). Never
    raises: an unreadable script is a hazard."""
    name = posixpath.basename(program)
    form = CommandForm()
    if name == "busybox" and args:
        return _shifted(command_form(args[0], args[1:]), 1)
    check = _CHECKS.get(name)
    if check is not None:
        check(list(args), form)
    form.not_reading = name in _NAMES_ONLY
    return form


#: Commands that read no file they name: they remove, make, move the name of, print or
#: test it. (`mv` is not here: a moved file is read under its new name.)
_NAMES_ONLY = frozenset(
    {"rm", "rmdir", "unlink", "shred", "touch", "mkdir", "ls", "stat", "test", "[", "du"}
    | {"chmod", "chown", "chgrp", "cd", "pushd", "echo", "printf", "realpath"}
    | {"readlink", "basename", "dirname", "which", "type", "find", "fd", "fdfind", "tree"}
)  # not `ln`: a link to a withheld file reads it under the link's name


class _Unreadable(Exception):
    """A script this module cannot read with certainty."""


# ---------------------------------------------------------------- option parsing


@dataclass(frozen=True)
class _Option:
    """One option as given: `name` is the letter (``"i"``) or the long name as written
    without dashes (``"in-pl"``); `value` None when it has none."""

    name: str
    value: str | None
    long: bool
    index: int
    """Where the value is: the option's own word, or the next one."""


@dataclass(frozen=True)
class _Spec:
    """How a command's getopt reads its arguments."""

    short_values: str = ""
    """Letters that take a value: the rest of the word, else the next word."""
    short_optional: str = ""
    """Letters whose value, if any, is glued to them (``-i.bak``, ``-d/tmp/x``)."""
    long_values: frozenset[str] = frozenset()
    """Long options that take the next word as value when written without ``=``."""
    long_names: frozenset[str] = frozenset()
    """Every long option (to resolve abbreviations); empty when none are accepted."""
    permute: bool = True
    """Whether options may follow operands (GNU), or the first operand ends them."""


def _parse(args: Sequence[str], spec: _Spec) -> tuple[list[_Option], list[tuple[int, str]]]:
    """Options and operands (with their index in `args`), as the command's getopt sees
    them."""
    options: list[_Option] = []
    operands: list[tuple[int, str]] = []
    index = 0
    while index < len(args):
        arg = args[index]
        if arg == "--":
            operands.extend((i, args[i]) for i in range(index + 1, len(args)))
            break
        if arg.startswith("--"):
            name, equals, value = arg[2:].partition("=")
            full = _resolve(name, spec.long_names)
            if not equals and full in spec.long_values and index + 1 < len(args):
                options.append(_Option(name, args[index + 1], True, index + 1))
                index += 2
                continue
            options.append(_Option(name, value if equals else None, True, index))
        elif arg.startswith("-") and arg != "-":
            for at in range(1, len(arg)):
                letter, rest = arg[at], arg[at + 1 :]
                if letter in spec.short_values:
                    if rest:
                        options.append(_Option(letter, rest, False, index))
                    else:
                        value = args[index + 1] if index + 1 < len(args) else ""
                        index += 1
                        options.append(_Option(letter, value, False, index))
                    break
                if letter in spec.short_optional:
                    options.append(_Option(letter, rest or None, False, index))
                    break
                options.append(_Option(letter, None, False, index))
        else:
            operands.append((index, arg))
            if not spec.permute:
                operands.extend((i, args[i]) for i in range(index + 1, len(args)))
                break
        index += 1
    return options, operands


def _resolve(name: str, known: frozenset[str]) -> str:
    """The long option getopt takes `name` for: itself, or the one known option it
    abbreviates (an ambiguous abbreviation stays as written)."""
    if not known or name in known:
        return name
    matches = [option for option in known if option.startswith(name)]
    return matches[0] if len(matches) == 1 else name


def _long_is(option: _Option, names: Iterable[str], spec: _Spec) -> str | None:
    """Which of `names` a long option is (or could abbreviate, when abbreviations are
    accepted: an ambiguous one is taken for the hazard, since asking is safe)."""
    if not option.long:
        return None
    for name in names:
        abbreviates = bool(spec.long_names) and bool(option.name) and name.startswith(option.name)
        if option.name == name or abbreviates:
            return name
    return None


def _named(option: _Option, letter: str, long_name: str, spec: _Spec) -> bool:
    """Whether `option` is ``-LETTER`` or ``--LONG-NAME`` (or an abbreviation of it)."""
    if not option.long:
        return option.name == letter
    return bool(long_name) and _long_is(option, [long_name], spec) is not None


# ---------------------------------------------------------------- sed

_SED = _Spec(
    short_values="efl",
    short_optional="i",
    long_values=frozenset({"expression", "file", "line-length"}),
    long_names=frozenset(
        {
            "expression",
            "file",
            "in-place",
            "line-length",
            "quiet",
            "silent",
            "debug",
            "posix",
            "regexp-extended",
            "separate",
            "sandbox",
            "unbuffered",
            "null-data",
            "zero-terminated",
            "follow-symlinks",
            "binary",
            "help",
            "version",
        }
    ),
)


def _sed(args: list[str], form: CommandForm) -> None:
    options, operands = _parse(args, _SED)
    scripts: list[str] = []
    for option in options:
        if _named(option, "i", "in-place", _SED):
            form.hazards.append("`sed -i` edits files in place")
        elif _named(option, "f", "file", _SED):
            form.hazards.append("`sed -f` runs a script from a file, which is not seen here")
        elif _named(option, "e", "expression", _SED):
            scripts.append(option.value or "")
            form.scripts.add(option.index)
    from_file = any(_named(o, "f", "file", _SED) for o in options)
    if not scripts and not from_file and operands:
        scripts.append(operands[0][1])
        form.scripts.add(operands[0][0])
    if not scripts:
        return
    # GNU sed 4.9 skips a delimiter inside a bracket expression (`s/[/]/x/`), older and
    # other seds do not: the script is read both ways, and both must be readable.
    for brackets in (True, False):
        try:
            _sed_script("\n".join(scripts), form, brackets=brackets)
        except _Unreadable as error:
            form.hazards.append(f"the sed script cannot be read with certainty ({error})")
            return


_SED_SIMPLE = frozenset("=dDgGhHnNpPxzF")
_SED_NUMBER = frozenset("lLqQ")
_SED_S_FLAGS = frozenset("gpiImM0123456789")


def _sed_script(script: str, form: CommandForm, *, brackets: bool) -> None:
    """Scan a sed script (GNU grammar): hazards for ``w``/``W``/``e`` and the ``w``/``e``
    flags of ``s``; ``r``/``R`` files as reads. With `brackets`, a regular expression's
    bracket expressions may hold its delimiter. Raises :class:`_Unreadable`."""
    text = script
    at = 0
    depth = 0
    size = len(text)

    def blanks(position: int) -> int:
        while position < size and text[position] in " \t":
            position += 1
        return position

    def rest_of_line(position: int) -> tuple[str, int]:
        end = text.find("\n", position)
        end = size if end < 0 else end
        return text[position:end], end

    def delimited(position: int, delimiter: str, what: str, regex: bool = True) -> int:
        """The position after the closing `delimiter` (GNU's match_slash: a backslash
        escapes any character, an unescaped newline ends the command too early)."""
        while position < size:
            char = text[position]
            if char == "\\":
                position += 2
                continue
            if char == "[" and regex and brackets:
                position = bracket_end(position + 1)
                continue
            if char == "\n":
                break
            if char == delimiter:
                return position + 1
            position += 1
        raise _Unreadable(f"unterminated {what}")

    def bracket_end(position: int) -> int:
        """After `[`: the position after its `]` (a first `]` is literal, `[:…:]`,
        `[.….]` and `[=…=]` are skipped whole, a backslash is literal)."""
        if text[position : position + 1] == "^":
            position += 1
        if text[position : position + 1] == "]":
            position += 1
        while position < size and text[position] != "\n":
            char = text[position]
            if char == "[" and text[position + 1 : position + 2] in (":", ".", "="):
                close = text.find(text[position + 1] + "]", position + 2)
                if close < 0:
                    break
                position = close + 2
                continue
            if char == "]":
                return position + 1
            position += 1
        raise _Unreadable("an unterminated bracket expression")

    def address(position: int) -> int:
        if position < size and text[position].isdigit():
            while position < size and text[position].isdigit():
                position += 1
            if position < size and text[position] == "~":
                position += 1
                while position < size and text[position].isdigit():
                    position += 1
            return position
        if position < size and text[position] == "$":
            return position + 1
        if position < size and text[position] in "/\\":
            if text[position] == "\\":
                if position + 1 >= size or text[position + 1] in "\n\\":
                    raise _Unreadable("a bad address delimiter")
                delimiter, position = text[position + 1], position + 2
            else:
                delimiter, position = "/", position + 1
            position = delimited(position, delimiter, "address")
            while position < size and text[position] in "IM":
                position += 1
            return position
        return position

    while True:
        while at < size and text[at] in " \t\n;":
            at += 1
        if at >= size:
            break
        if text[at] == "#":
            at = rest_of_line(at)[1]
            continue
        start = at
        at = address(at)
        if at != start:
            at = blanks(at)
            if at < size and text[at] == ",":
                at = blanks(at + 1)
                if at < size and text[at] in "+~":
                    at += 1
                    if at >= size or not text[at].isdigit():
                        raise _Unreadable("a bad second address")
                second = at
                at = address(at)
                if at == second:
                    raise _Unreadable("a missing second address")
        at = blanks(at)
        while at < size and text[at] == "!":
            at = blanks(at + 1)
        if at >= size:
            raise _Unreadable("a missing command")
        command = text[at]
        at += 1
        if command == "{":
            depth += 1
            continue
        if command == "}":
            depth -= 1
            if depth < 0:
                raise _Unreadable("an unexpected `}`")
        elif command in _SED_SIMPLE:
            pass
        elif command in _SED_NUMBER:
            at = blanks(at)
            while at < size and text[at].isdigit():
                at += 1
        elif command in "btT:v":
            label = at = blanks(at)
            while at < size and text[at] not in " \t\n;":
                at += 1
            if command == ":" and at == label:
                raise _Unreadable("a label without a name")
        elif command in "aic":
            # Text up to an unescaped newline (`a\` + newline, `a text`, `a\text`).
            while at < size and text[at] != "\n":
                at += 2 if text[at] == "\\" else 1
            continue
        elif command in "rRwWe":
            argument, at = rest_of_line(at)
            _sed_file_command(command, argument.strip(" \t"), form)
            continue
        elif command in "sy":
            if at >= size or text[at] in "\n\\":
                raise _Unreadable(f"a bad delimiter after `{command}`")
            delimiter = text[at]
            at = delimited(at + 1, delimiter, f"`{command}` command", command == "s")
            at = delimited(at, delimiter, f"`{command}` command", regex=False)
            if command == "s":
                while at < size and text[at] in _SED_S_FLAGS | {"e", "w"}:
                    flag = text[at]
                    at += 1
                    if flag == "e":
                        form.hazards.append("sed's `s///e` runs the result as a command")
                    elif flag == "w":
                        argument, at = rest_of_line(at)
                        _sed_file_command("w", argument.strip(" \t"), form)
                        break
        else:
            raise _Unreadable(f"an unknown command `{command}`")
        at = blanks(at)
        if at < size and text[at] not in ";\n}#":
            raise _Unreadable(f"unexpected `{text[at]}` after `{command}`")
    if depth:
        raise _Unreadable("an unclosed `{`")


def _sed_file_command(command: str, argument: str, form: CommandForm) -> None:
    if command == "e":
        form.hazards.append("sed's `e` command runs a program")
    elif not argument:
        raise _Unreadable(f"`{command}` without a file name")
    elif command in "wW":
        if argument not in _DEVICES:
            form.hazards.append(f"sed's `{command} {argument}` writes a file")
    else:
        form.reads.append(argument)


# ---------------------------------------------------------------- awk

_AWK = _Spec(
    short_values="fFveEilW",
    short_optional="dDLop",
    long_values=frozenset(
        {"file", "field-separator", "assign", "source", "exec", "include", "load"}
    ),
    long_names=frozenset(
        {
            "file",
            "field-separator",
            "assign",
            "source",
            "exec",
            "include",
            "load",
            "dump-variables",
            "debug",
            "pretty-print",
            "profile",
            "sandbox",
            "bignum",
            "characters-as-bytes",
            "traditional",
            "copyright",
            "gen-pot",
            "help",
            "lint",
            "lint-old",
            "non-decimal-data",
            "optimize",
            "no-optimize",
            "posix",
            "re-interval",
            "csv",
            "use-lc-numeric",
            "version",
            "persist",
        }
    ),
)
_AWK_OPTION_HAZARDS = {
    "f": ("file", "runs a program from a file, which is not seen here"),
    "E": ("exec", "runs a program from a file, which is not seen here"),
    "i": ("include", "includes a program file, which is not seen here"),
    "l": ("load", "loads a compiled extension"),
    "d": ("dump-variables", "writes its variables to a file"),
    "o": ("pretty-print", "writes the program to a file"),
    "p": ("profile", "writes a profile to a file"),
    "D": ("debug", "starts the debugger, which runs commands"),
    "W": ("", "passes implementation options that can load programs or write files"),
}


def _awk(args: list[str], form: CommandForm) -> None:
    options, operands = _parse(args, _AWK)
    programs: list[str] = []
    for option in options:
        for letter, (long_name, why) in _AWK_OPTION_HAZARDS.items():
            if (not option.long and option.name == letter) or (
                long_name and _long_is(option, [long_name], _AWK)
            ):
                shown = f"-{letter}" if not option.long else f"--{long_name}"
                form.hazards.append(f"`awk {shown}` {why}")
        if (not option.long and option.name == "e") or _long_is(option, ["source"], _AWK):
            programs.append(option.value or "")
            form.scripts.add(option.index)
    given = programs or any(
        (not o.long and o.name in "fE") or _long_is(o, ["file", "exec"], _AWK) for o in options
    )
    if not given and operands:
        programs.append(operands[0][1])
        form.scripts.add(operands[0][0])
    if len(programs) > 1:
        programs.append("\n".join(programs))  # gawk joins its `-e` texts
    for program in programs:
        try:
            form.hazards.extend(_awk_program(program))
        except _Unreadable as error:
            form.hazards.append(f"the awk program cannot be read with certainty ({error})")


_AWK_TOKEN = re.compile(
    r"""
      (?P<space>[ \t\r]+|\\\n)
    | (?P<newline>\n)
    | (?P<comment>\#[^\n]*)
    | (?P<string>")
    | (?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
    | (?P<name>[A-Za-z_][A-Za-z_0-9]*)
    | (?P<op>\|\||&&|\|&|>>|>=|<=|==|!=|\+\+|--|[-+*/%^!]=|[-+*/%^!<>|=~?:,;{}()\[\]$@])
    """,
    re.VERBOSE,
)
_AWK_DEVICES = frozenset({"/dev/stdout", "/dev/stderr", "/dev/null"})
#: Names after which ``/`` starts a regular expression; after other names, numbers,
#: strings, ``)``, ``]``, ``++`` and ``--`` it divides. Where awk's grammar could read
#: either, division is chosen: the text is then scanned, never skipped as a pattern.
_AWK_KEYWORDS = frozenset(
    {
        "BEGIN",
        "END",
        "BEGINFILE",
        "ENDFILE",
        "function",
        "func",
        "if",
        "else",
        "while",
        "for",
        "do",
        "break",
        "continue",
        "next",
        "nextfile",
        "exit",
        "return",
        "delete",
        "in",
        "print",
        "printf",
        "case",
        "default",
        "switch",
    }
)


def _awk_program(program: str) -> list[str]:
    """Hazards in an awk program (gawk's, mawk's and the one true awk's syntax): programs
    run (``system``, ``|``, ``|&``, gawk's ``@`` calls and directives), files written by
    print redirection, files read by ``getline <``, and the input files changed through
    ``ARGV``/``ARGC`` (or gawk's ``SYMTAB``). Raises :class:`_Unreadable`."""
    hazards: list[str] = []
    if re.search(r"\bsystem\b", program):
        # Also inside strings: gawk can call a function named by a string.
        hazards.append("awk's `system()` runs a program")
    tokens = _awk_tokens(program)
    hazards.extend(_awk_input_changes(tokens))
    printing = False  # inside a print/printf statement
    depth = 0  # parentheses and brackets opened within it
    getline = False  # `getline` seen in the current statement
    for index, (kind, text) in enumerate(tokens):
        if kind == "op" and text in ("|", "|&"):
            hazards.append("an awk pipe (`|`) runs a program")
        elif kind == "op" and text == "@":
            hazards.append("gawk's `@` loads code or calls a function by name")
        elif kind == "name" and text in ("print", "printf"):
            printing, depth = True, 0
        elif kind == "name" and text == "getline":
            getline = True
        elif kind == "op" and text in "([":
            depth += 1
        elif (kind == "op" and text in ")]") or kind == "header_end":
            depth -= 1
        elif kind in ("newline",) or (kind == "op" and text in (";", "{", "}")):
            printing = getline = False
        elif kind == "op" and text in (">", ">>") and printing and depth <= 0:
            following = tokens[index + 1] if index + 1 < len(tokens) else ("", "")
            if not (following[0] == "string" and following[1] in _AWK_DEVICES):
                hazards.append(f"awk's `print {text}` writes a file")
        elif kind == "op" and text == "<" and getline:
            hazards.append("awk's `getline <` reads a file named in the program")
    return hazards


#: Assignments, and the functions that store into their (last or array) argument.
_AWK_ASSIGN = frozenset({"=", "+=", "-=", "*=", "/=", "%=", "^=", "++", "--"})
_AWK_STORING = frozenset({"sub", "gsub", "split", "patsplit", "asort", "asorti", "getline"})


def _awk_input_changes(tokens: Sequence[tuple[str, str]]) -> list[str]:
    """awk reads the files ``ARGV[1]`` … ``ARGV[ARGC-1]`` names when its rules run, so a
    program that stores into them (``ARGV[1] = "/etc/passwd"``, ``ARGV[ARGC++] = f``,
    ``split(s, ARGV)``, ``getline ARGV[2]``, ``for (ARGC in a)``) reads files the line does
    not name. Reading them (``print ARGV[1]``, ``for (i = 1; i < ARGC; i++)``, ``delete``)
    changes nothing. gawk's ``SYMTAB`` reaches any variable by a computed name."""
    hazards: list[str] = []
    calls: list[str] = []  # per open `(`: the name of the function it calls, or ""
    for index, (kind, text) in enumerate(tokens):
        previous = tokens[index - 1][1] if index else ""
        if kind == "op" and text == "(":
            calls.append(previous if index and tokens[index - 1][0] == "name" else "")
        elif kind in ("op", "header_end") and text == ")" and calls:
            calls.pop()
        if kind != "name" or text not in ("ARGV", "ARGC", "SYMTAB"):
            continue
        if text == "SYMTAB":
            hazards.append("gawk's `SYMTAB` can change any variable, `ARGV` among them")
            continue
        after = index + 1
        if text == "ARGV" and after < len(tokens) and tokens[after][1] == "[":
            after = _awk_closing(tokens, after)
        elif text == "ARGV" and previous not in ("in", "delete") and calls[-1:] != ["length"]:
            # The whole array handed on: to `split`, `asort` or a function that fills it.
            hazards.append("the awk program hands `ARGV` on, which may change the files read")
            continue
        following = tokens[after][1] if after < len(tokens) else ""
        stored = (
            following in _AWK_ASSIGN
            or previous in ("++", "--", "getline")
            or (following == "in" and tokens[max(index - 2, 0)][1] == "for")
            or bool(_AWK_STORING & set(calls))
        )
        if stored:
            hazards.append(f"the awk program changes `{text}`, and so the files it reads")
    return hazards


def _awk_closing(tokens: Sequence[tuple[str, str]], at: int) -> int:
    """The index after the `]` matching the `[` at `at`."""
    depth = 0
    for index in range(at, len(tokens)):
        if tokens[index][1] == "[":
            depth += 1
        elif tokens[index][1] == "]":
            depth -= 1
            if depth == 0:
                return index + 1
    return len(tokens)


def _awk_tokens(program: str) -> list[tuple[str, str]]:
    """Tokens without blanks and comments; strings as ``("string", value)``, regular
    expressions as ``("regex", text)``."""
    tokens: list[tuple[str, str]] = []
    conditions: list[bool] = []  # per open `(`: whether it holds an if/while/for header
    at = 0
    while at < len(program):
        previous = tokens[-1] if tokens else ("", "")
        if program[at] == "/" and not _awk_operand_ends(previous):
            end = _awk_regex_end(program, at + 1)
            tokens.append(("regex", program[at + 1 : end - 1]))
            at = end
            continue
        match = _AWK_TOKEN.match(program, at)
        if match is None:
            raise _Unreadable(f"an unexpected `{program[at]}`")
        kind = match.lastgroup or ""
        if kind == "string":
            value, at = _awk_string(program, at + 1)
            tokens.append(("string", value))
            continue
        text = match.group()
        at = match.end()
        if kind == "newline" and previous[1] in (",", "&&", "||", "{", "do", "else"):
            continue  # awk continues the statement after these
        if text == "(":
            conditions.append(previous in (("name", "if"), ("name", "while"), ("name", "for")))
        elif text == ")" and conditions and conditions.pop():
            # After `if (…)` a statement starts: `/` opens a regular expression there.
            kind = "header_end"
        if kind not in ("space", "comment"):
            tokens.append((kind, text))
    return tokens


def _awk_operand_ends(token: tuple[str, str]) -> bool:
    kind, text = token
    if kind == "name":
        return text not in _AWK_KEYWORDS
    if kind == "header_end":
        return False
    return kind in ("number", "string", "regex") or text in (")", "]", "++", "--")


def _awk_string(program: str, at: int) -> tuple[str, int]:
    out: list[str] = []
    while at < len(program):
        char = program[at]
        if char == "\\" and at + 1 < len(program):
            # Kept as written: `"/dev/stdou\t"` is not standard output.
            out.append(program[at : at + 2])
            at += 2
            continue
        if char == '"':
            return "".join(out), at + 1
        if char == "\n":
            break
        out.append(char)
        at += 1
    raise _Unreadable("an unterminated string")


def _awk_regex_end(program: str, at: int) -> int:
    bracket = False
    while at < len(program):
        char = program[at]
        if char == "\\":
            at += 2
            continue
        if char == "\n":
            break
        if bracket:
            if char == "]":
                bracket = False
        elif char == "[":
            bracket = True
            if program[at + 1 : at + 2] == "^":
                at += 1
            if program[at + 1 : at + 2] == "]":
                at += 1  # `[]…]` and `[^]…]`: the first `]` is literal
        elif char == "/":
            return at + 1
        at += 1
    raise _Unreadable("an unterminated regular expression")


# ---------------------------------------------------------------- the others


def _sort(args: list[str], form: CommandForm) -> None:
    spec = _Spec(
        short_values="kotST",
        long_values=frozenset(
            {"output", "key", "field-separator", "buffer-size", "temporary-directory"}
        ),
        long_names=frozenset(
            {
                "output",
                "compress-program",
                "check",
                "key",
                "field-separator",
                "buffer-size",
                "temporary-directory",
                "files0-from",
                "batch-size",
                "parallel",
                "sort",
                "stable",
                "unique",
                "zero-terminated",
                "reverse",
                "numeric-sort",
                "general-numeric-sort",
                "human-numeric-sort",
                "month-sort",
                "version-sort",
                "random-sort",
                "random-source",
                "ignore-case",
                "ignore-leading-blanks",
                "ignore-nonprinting",
                "dictionary-order",
                "merge",
                "debug",
                "help",
                "version",
            }
        ),
    )
    options, _ = _parse(args, spec)
    for option in options:
        if (not option.long and option.name == "o") or _long_is(option, ["output"], spec):
            _write(option.value, "`sort -o` writes a file", form)
        elif _long_is(option, ["compress-program"], spec):
            form.hazards.append("`sort --compress-program` runs a program")
        elif _long_is(option, ["files0-from"], spec):
            form.hazards.append(_FILES0_FROM.format(name="sort"))


def _uniq(args: list[str], form: CommandForm) -> None:
    spec = _Spec(
        short_values="fsw",
        long_values=frozenset({"skip-fields", "skip-chars", "check-chars"}),
        long_names=frozenset(
            {
                "skip-fields",
                "skip-chars",
                "check-chars",
                "all-repeated",
                "group",
                "count",
                "repeated",
                "ignore-case",
                "unique",
                "zero-terminated",
                "help",
                "version",
            }
        ),
    )
    _, operands = _parse(args, spec)
    if len(operands) >= 2:
        _write(operands[1][1], "`uniq IN OUT` writes a file", form)


def _xxd(args: list[str], form: CommandForm) -> None:
    # xxd's own parser: single-dash words, a value glued (`-c8`) or in the next word
    # (`-c 8`, `-cols 8`).
    operands: list[str] = []
    index = 0
    with_value = ("-cols", "-groupsize", "-len", "-seek", "-offset", "-name", "-R")
    while index < len(args):
        arg = args[index]
        if arg.startswith("-") and arg != "-":
            if arg in ("-c", "-g", "-l", "-s", "-o", "-n") or arg.startswith(with_value):
                index += 1
        else:
            operands.append(arg)
        index += 1
    if len(operands) >= 2:
        _write(operands[1], "`xxd IN OUT` writes a file", form, dash=True)


def _tee(args: list[str], form: CommandForm) -> None:
    spec = _Spec(long_names=frozenset({"append", "ignore-interrupts", "output-error"}))
    _, operands = _parse(args, spec)
    for _, path in operands:
        _write(path, "`tee` writes a file", form)


_TAR_WRITING_MODES = ("create", "extract", "get", "append", "update", "concatenate", "catenate")
_TAR_PROGRAMS = {
    "to-command": "runs a program for every member",
    "use-compress-program": "runs a program",
    "checkpoint-action": "can run a program at checkpoints",
    "rsh-command": "runs a program to reach a remote archive",
    "rmt-command": "runs a program to reach a remote archive",
    "info-script": "runs a script at the end of each volume",
    "new-volume-script": "runs a script at the end of each volume",
    "index-file": "writes a file",
    "volno-file": "writes a file",
    "delete": "deletes members from the archive",
}


def _tar(args: list[str], form: CommandForm) -> None:
    spec = _Spec(
        short_values="bCfFgHIKLNTVX",
        long_values=frozenset({"file", "directory", *_TAR_PROGRAMS}),
        long_names=frozenset(
            {
                *_TAR_WRITING_MODES,
                *_TAR_PROGRAMS,
                "list",
                "diff",
                "compare",
                "test-label",
                "to-stdout",
                "file",
                "force-local",
                "directory",
                "no-recursion",
            }
        ),
    )
    origin = list(range(len(args)))  # where each word of `args` was written
    if args and not args[0].startswith("-"):
        # Old style (`tar xvf a.tar`): letters first, then their values in order.
        letters = args[0]
        values = iter(args[1:])
        rewritten = [f"-{letter}" for letter in letters]
        tail_at = 1
        bundled: list[str] = []
        origin = []
        for letter in rewritten:
            bundled.append(letter)
            origin.append(0)
            if letter[1] in spec.short_values:
                bundled.append(next(values, ""))
                origin.append(tail_at)
                tail_at += 1
        args = [*bundled, *args[tail_at:]]
        origin += list(range(tail_at, tail_at + len(args) - len(bundled)))
    options, operands = _parse(args, spec)
    modes = {o.name for o in options if not o.long and o.name in "cxtruAd"}
    modes |= {
        name
        for o in options
        if (name := _long_is(o, [*_TAR_WRITING_MODES, "list", "diff", "compare"], spec))
    }
    to_stdout = any(
        (not o.long and o.name == "O") or _long_is(o, ["to-stdout"], spec) for o in options
    )
    extracting = modes & {"x", "extract", "get"}
    writing = modes & {"c", "r", "u", "A", *_TAR_WRITING_MODES} - extracting
    if writing:
        form.hazards.append("`tar` in this mode writes an archive")
        # It reads through its operands, from `-C DIR` when given (all of DIR, then).
        moved = [o.index for o in options if _named(o, "C", "directory", spec)]
        if not any(_long_is(o, ["no-recursion"], spec) for o in options):
            form.read_trees.extend(origin[i] for i in moved or [i for i, _ in operands])
    if extracting and not to_stdout:
        form.hazards.append("`tar -x` extracts files")
    for option in options:
        if not option.long and option.name in "IF":
            why = "runs a program" if option.name == "I" else "runs a script"
            form.hazards.append(f"`tar -{option.name}` {why}")
        elif (name := _long_is(option, list(_TAR_PROGRAMS), spec)) is not None:
            form.hazards.append(f"`tar --{name}` {_TAR_PROGRAMS[name]}")
    archives = [
        o.value or ""
        for o in options
        if (not o.long and o.name == "f") or _long_is(o, ["file"], spec)
    ]
    local = any(_long_is(o, ["force-local"], spec) for o in options)
    for archive in archives:
        if not local and ":" in archive.split("/", 1)[0]:
            form.hazards.append(f"`tar -f {archive}` runs a remote shell to reach the archive")


def _rg(args: list[str], form: CommandForm) -> None:
    # ripgrep accepts no abbreviations; `-z` runs only fixed decompressors (gzip, xz, …)
    # that read, so it stays allowed.
    spec = _Spec(
        short_values="ABCEMTdefgjmrt",
        long_values=frozenset({"pre", "pre-glob", "hostname-bin", *_RG_VALUES}),
    )
    options, operands = _parse(args, spec)
    _searches(options, operands, form, spec, "ef", ("regexp", "file"))
    if any(o.long and o.name in ("files", "type-list") for o in options):
        form.read_trees, form.reads_here = [], False  # names only
    letters = "".join(o.name for o in options if not o.long)
    hidden = "." in letters or letters.count("u") >= 2
    form.skips_hidden = not hidden and not any(
        o.long and o.name in ("hidden", "unrestricted") for o in options
    )
    for option in options:
        if option.long and option.name in ("pre", "pre-glob"):
            form.hazards.append(f"`rg --{option.name}` runs a preprocessor program on files")
        elif option.long and option.name == "hostname-bin":
            form.hazards.append("`rg --hostname-bin` runs a program")


_RG_VALUES = frozenset(
    {"regexp", "file", "glob", "iglob", "type", "type-not", "type-add", "type-clear"}
    | {"max-count", "context", "after-context", "before-context", "max-depth", "threads"}
    | {"encoding", "replace", "sort", "sortr", "colors", "color", "ignore-file", "engine"}
    | {"max-filesize", "path-separator", "context-separator", "max-columns", "pre"}
)


def _searches(
    options: Sequence[_Option],
    operands: Sequence[tuple[int, str]],
    form: CommandForm,
    spec: _Spec,
    pattern_letters: str,
    pattern_names: Sequence[str],
) -> None:
    """A recursive search (`grep -r`, `rg`): its first operand is the pattern unless an
    option gives one; the others are read through; none means the working folder."""
    given = any(
        (not o.long and o.name in pattern_letters) or _long_is(o, pattern_names, spec)
        for o in options
    )
    paths = list(operands)
    if not given and paths:
        form.scripts.add(paths.pop(0)[0])
    form.read_trees.extend(index for index, _ in paths)
    form.reads_here = not paths


def _grep(args: list[str], form: CommandForm) -> None:
    # GNU grep reads folders only when told to recurse (`-r`, `-R`, `-d recurse`);
    # then, without a file, it reads the working folder, hidden files included.
    spec = _Spec(
        short_values="efmABCdDX",
        long_values=frozenset(
            {"regexp", "file", "max-count", "after-context", "before-context", "context"}
            | {"directories", "devices", "label", "binary-files"}
        ),
        long_names=frozenset(
            {"regexp", "file", "max-count", "after-context", "before-context", "context"}
            | {"directories", "devices", "label", "binary-files", "recursive"}
            | {"dereference-recursive", "include", "exclude", "exclude-dir", "exclude-from"}
        ),
    )
    options, operands = _parse(args, spec)
    recursive = any(
        (not o.long and (o.name in "rR" or (o.name == "d" and o.value == "recurse")))
        or _long_is(o, ["recursive", "dereference-recursive"], spec)
        or (_long_is(o, ["directories"], spec) and o.value == "recurse")
        for o in options
    )
    if recursive:
        _searches(options, operands, form, spec, "ef", ("regexp", "file"))
    elif operands and not any(
        (not o.long and o.name in "ef") or _long_is(o, ["regexp", "file"], spec) for o in options
    ):
        form.scripts.add(operands[0][0])


def _ag(name: str) -> _Check:
    """The silver searcher and ack: always recursive, pattern first; ag skips hidden
    files unless told (`--hidden`, `-u`)."""

    def check(args: list[str], form: CommandForm) -> None:
        spec = _Spec(short_values="ABCGgmp", long_values=frozenset({"ignore", "depth"}))
        options, operands = _parse(args, spec)
        _searches(options, operands, form, spec, "", ())
        if name == "ag":
            form.skips_hidden = not any(
                (not o.long and o.name == "u") or (o.long and o.name in ("hidden", "unrestricted"))
                for o in options
            )

    return check


def _rm(args: list[str], form: CommandForm) -> None:
    # Without -r, rm removes no folder (`-d` only an empty one).
    spec = _Spec(long_names=frozenset({"recursive", "force", "dir", "verbose", "interactive"}))
    options, operands = _parse(args, spec)
    if any((not o.long and o.name in "rR") or _long_is(o, ["recursive"], spec) for o in options):
        form.trees.extend(index for index, _ in operands)


def _recursive_mode(name: str) -> _Check:
    """chmod, chown, chgrp: `-R` changes everything below their operands (the first,
    a mode or an owner, names no file and is harmless to include)."""

    def check(args: list[str], form: CommandForm) -> None:
        spec = _Spec(long_names=frozenset({"recursive", "reference", "verbose", "changes"}))
        options, operands = _parse(args, spec)
        if any((not o.long and o.name == "R") or _long_is(o, ["recursive"], spec) for o in options):
            form.trees.extend(index for index, _ in operands)

    return check


_COPY_LONG = frozenset(
    {"target-directory", "no-target-directory", "suffix", "recursive", "archive", "backup"}
    | {"force", "interactive", "no-clobber", "update", "verbose", "parents", "link"}
    | {"symbolic-link", "reflink", "sparse", "preserve", "no-preserve", "dereference"}
)


def _copy(name: str) -> _Check:
    """cp and mv (also `git mv`): the files under each source land in the target (the
    last operand, or `-t`'s), inside it when it is a folder; mv removes the sources, cp
    -r reads through them."""

    def check(args: list[str], form: CommandForm) -> None:
        spec = _Spec(
            short_values="tS",
            long_values=frozenset({"target-directory", "suffix"}),
            long_names=_COPY_LONG,
        )
        options, operands = _parse(args, spec)
        target: int | None = None
        into: bool | None = None
        for option in options:
            if _named(option, "t", "target-directory", spec):
                target, into = option.index, True
            elif _named(option, "T", "no-target-directory", spec):
                into = False
        sources = [index for index, _ in operands]
        if target is None:
            if len(sources) < 2:
                return
            target = sources.pop()
            into = True if len(sources) > 1 else into
        form.lands.extend((source, target, into) for source in sources)
        recursive = name == "mv" or any(
            (not o.long and o.name in "rRa") or _long_is(o, ["recursive", "archive"], spec)
            for o in options
        )
        if recursive:
            form.read_trees.extend(sources)
        if name == "mv":
            form.trees.extend(sources)

    return check


#: Git subcommands that print the text of the files their pathspecs name (whole
#: folders: `git grep x -- secrets`), and those that do so for every tracked file when
#: they name none.
_GIT_SHOWING = frozenset({"show", "diff", "log", "grep", "blame", "annotate", "whatchanged"})
_GIT_SHOWING |= {"diff-tree", "archive", "cat-file"}
_GIT_EVERYTHING = frozenset({"grep", "archive"})
#: A revision's file (`HEAD:secrets/a`, `:0:secrets/a`, `v1:./a`): the path after it.
_GIT_REVISION_PATH = re.compile(r"[^:\s]*:(?:[0-3]:)?(?P<path>[^:]+)")


def _git(args: list[str], form: CommandForm) -> None:
    # Git's forms that write are hazards (git_forms); `git rm -r` and `git mv` are not,
    # but remove or move whole folders. Global options (`-C dir`, `-c k=v`) come first.
    at = 0
    while at < len(args) and args[at].startswith("-"):
        at += 2 if args[at] in ("-C", "-c", "--git-dir", "--work-tree", "--namespace") else 1
    if at >= len(args):
        return
    if args[at] in _GIT_SHOWING:
        # What they print of the files is read: a folder pathspec reads through, and a
        # revision's file (`git show HEAD:secrets/a`) is that file.
        operands = [i for i in range(at + 1, len(args)) if not args[i].startswith("-")]
        form.read_trees.extend(operands)
        for index in operands:
            named = _GIT_REVISION_PATH.fullmatch(args[index])
            if named is not None and not named["path"].startswith("/"):
                form.reads.append(posixpath.normpath(named["path"]))
        form.reads_here = args[at] in _GIT_EVERYTHING
    if args[at] not in ("rm", "mv"):
        return
    inner = _shifted(command_form(args[at], args[at + 1 :]), at + 1)
    form.trees.extend(inner.trees)
    form.read_trees.extend(inner.read_trees)
    form.lands.extend(inner.lands)


def _diff(args: list[str], form: CommandForm) -> None:
    spec = _Spec(
        short_values="CUIxXSFL",
        long_values=frozenset({"label", "from-file", "to-file", "exclude-from"}),
    )
    options, operands = _parse(args, spec)
    if any((not o.long and o.name == "r") or (o.long and o.name == "recursive") for o in options):
        form.read_trees.extend(index for index, _ in operands)
    for option in options:
        if option.long and option.name in ("from-file", "to-file"):
            form.read_trees.append(option.index)


def _fd(args: list[str], form: CommandForm) -> None:
    # fd takes every word after -x/-X, up to `;`, as the command (clap: no
    # abbreviations). Bundled before it (`-Hx`) is fine; glued to it is not analysed.
    index = 0
    while index < len(args):
        arg = args[index]
        if arg == "--":
            break
        letters = arg[1:] if arg.startswith("-") and not arg.startswith("--") else ""
        if arg in ("--exec", "--exec-batch") or (letters and letters[-1] in "xX"):
            end = index + 1
            while end < len(args) and args[end] != ";":
                end += 1
            if end == index + 1:
                form.hazards.append(f"`fd {arg}` runs a command")
            else:
                form.runs.append((index + 1, end))
            index = end
        elif arg.startswith(("--exec=", "--exec-batch=")) or ("x" in letters or "X" in letters):
            form.hazards.append(f"`fd {arg}` runs a command")
        index += 1


# Two tools answer to `yq`: mikefarah's (Go; `yq [eval|eval-all] EXPR FILES`, jq-like
# expressions with `load(…)`) and kislyuk's (Python, what Debian ships: a jq wrapper that
# passes jq's own options on). Each form is read for both.
_YQ_LOAD = re.compile(r"\b(?:load\w*|\w+load)\s*\(")
_YQ_LOAD_LITERAL = re.compile(r"\b(?:load\w*|\w+load)\s*\(\s*\"((?:[^\"\\]|\\.)*)\"\s*\)")


def _yq(args: list[str], form: CommandForm) -> None:
    spec = _Spec(short_values="Iopsfw", long_values=frozenset({"split-exp", "split-exp-file"}))
    options, operands = _parse(args, spec)
    for option in options:
        if (not option.long and option.name == "i") or (
            option.long and option.name in ("inplace", "in-place")
        ):
            form.hazards.append("`yq -i` edits files in place")
        elif (not option.long and option.name == "s") or (
            option.long and option.name in ("split-exp", "split-exp-file")
        ):
            form.hazards.append("`yq -s` writes a file per document")
        elif (option.long and option.name == "from-file") or (
            # mikefarah's `-f` is --front-matter (extract|process); kislyuk's reads the
            # jq program from a file.
            not option.long and option.name == "f" and option.value not in ("extract", "process")
        ):
            form.hazards.append("`yq --from-file` runs an expression from a file, not seen here")
    # Every word is searched: the expression may also come as `--expression=…`, and a
    # file name holds no `load(`.
    for index, text in enumerate(args):
        if operands and index == operands[0][0] and text in ("eval", "e", "eval-all", "ea"):
            continue
        form.hazards.extend(_yq_loads(text, form))
        form.hazards.extend(_jq_imports(text))


def _yq_loads(expression: str, form: CommandForm) -> list[str]:
    """mikefarah's ``load``, ``load_str``, ``load_xml``, ``strload``, … read the file
    they name: a literal name is a read (checked like a path argument); a computed one
    (``load(.path)``) cannot be checked."""
    loads = len(_YQ_LOAD.findall(expression))
    literal = _YQ_LOAD_LITERAL.findall(expression)
    form.reads.extend(literal)
    if loads > len(literal):
        return ["yq's `load` reads a file whose name the expression computes"]
    return []


def _jq_imports(program: str) -> list[str]:
    """jq's ``import "PATH" as $x;`` and ``include`` read module and JSON files from its
    search path (``~/.jq`` and the program's folder) and, through ``..`` or a ``search``
    directory, from anywhere: ``import "../../.docker/config" as $c`` reads a file the line
    does not name. jq itself writes nothing and runs nothing."""
    if re.search(r"\b(?:import|include)\s*\"", program):
        return ["jq's `import`/`include` reads files that are not named on the line"]
    return []


_JQ_TWO_VALUES = frozenset({"--arg", "--argjson", "--slurpfile", "--rawfile"})
_JQ_ONE_VALUE = frozenset({"-f", "--from-file", "-L", "--library-path", "--indent"})


def _jq(args: list[str], form: CommandForm) -> None:
    # jq's own scanner: `--arg NAME VALUE` and friends take two words (`--rawfile NAME
    # FILE`'s file is an argument, checked like any path); the program is the first
    # operand unless `-f` gave one.
    index = 0
    program: int | None = None
    from_file = False
    while index < len(args):
        arg = args[index]
        if arg == "--":
            program = program if program is not None or index + 1 >= len(args) else index + 1
            break
        if arg in _JQ_TWO_VALUES:
            index += 3
            continue
        if arg in _JQ_ONE_VALUE or arg.startswith("--from-file="):
            from_file = from_file or arg in ("-f", "--from-file") or arg.startswith("--from-")
            index += 1 if "=" in arg else 2
            continue
        if arg.startswith("-") and arg != "-" and not arg.startswith("--"):
            from_file = from_file or "f" in arg[1:].partition("L")[0]
        elif not arg.startswith("-") and program is None:
            program = index
        index += 1
    if from_file:
        form.hazards.append("`jq -f` runs a program from a file, which is not seen here")
    elif program is not None:
        form.hazards.extend(_jq_imports(args[program]))
        form.scripts.add(program)


# less: when its output is not a terminal it copies its input like `cat`, but it may
# have one (`less … > /dev/tty`), and its input may be a pipe: every form is read as if
# interactive. Options are read in every word (less stops at the first file name, so
# this only asks more). `more` (util-linux, busybox) has no option that writes or runs:
# its `!` and `v` are keys typed at its prompt, and its `+/pattern` only searches.
_LESS_VALUES = "bhjkoOpPtTxyz#D"
_LESS_LONG = {
    "log-file": "o",
    "LOG-FILE": "O",
    "lesskey-file": "k",
    "lesskey-src": "k",
    "lesskey-content": "k",
    "pattern": "p",
}
_LESS_LONG_VALUES = frozenset(
    {
        *_LESS_LONG,
        "buffers",
        "max-back-scroll",
        "jump-target",
        "pattern",
        "prompt",
        "tag",
        "tag-file",
        "tabs",
        "max-forw-scroll",
        "window",
        "shift",
        "color",
        "header",
        "rscroll",
        "line-num-width",
        "status-col-width",
        "intr",
        "wheel-lines",
    }
)
#: Start-up commands that only move or search: a line or percentage, `G`, `g`, `F`,
#: `/pattern`, `?pattern`. Everything else (`!cmd`, `|` a pipe, `v` an editor, `s` a
#: file saved, `:e` another file, `-o` an option) is asked about.
#: A control character (a newline) ends a search and starts the next command.
_LESS_MOVES = re.compile(r"\+?(?:\d*[gGpP%F]?|[/?][^\x00-\x1f\x7f]*)")


def _less(args: list[str], form: CommandForm) -> None:
    index = 0
    while index < len(args):
        arg = args[index]
        if arg == "--":
            break
        if arg.startswith("+"):
            if not _LESS_MOVES.fullmatch(arg[1:]):
                form.hazards.append(f"`less {arg}` runs a less command at start")
        elif arg.startswith("--") and not arg.startswith("--+"):
            name, equals, value = arg[2:].partition("=")
            # less accepts unambiguous abbreviations; its option names are case sensitive.
            full = _resolve(name, frozenset(_LESS_LONG_VALUES))
            if not equals and full in _LESS_LONG_VALUES:
                value = args[index + 1] if index + 1 < len(args) else ""
                index += 1
            _less_option(_LESS_LONG.get(full, ""), value, form)
        elif arg.startswith("-") and arg != "-":
            letters = arg[1:].lstrip("+")
            for at, letter in enumerate(letters):
                if letter in _LESS_VALUES:
                    value = letters[at + 1 :]
                    if not value:
                        value = args[index + 1] if index + 1 < len(args) else ""
                        index += 1
                    _less_option(letter, value, form)
                    break
        index += 1


def _less_option(letter: str, value: str, form: CommandForm) -> None:
    if letter in ("o", "O"):
        _write(value, f"`less -{letter}` writes a log file", form)
    elif letter == "k":
        form.hazards.append("`less -k` reads key bindings, which can run programs")
    elif letter == "p" and not _LESS_MOVES.fullmatch("/" + value):
        form.hazards.append("`less -p` with a control character runs less commands at start")


def _tree(args: list[str], form: CommandForm) -> None:
    spec = _Spec(short_values="LPIoHT", permute=True)
    options, _ = _parse(args, spec)
    for option in options:
        if not option.long and option.name == "o":
            _write(option.value, "`tree -o` writes a file", form)
        elif not option.long and option.name == "R":
            form.hazards.append("`tree -R` writes an index file into every folder")


_FILES0_FROM = "`{name} --files0-from` reads the files a list names, which are not seen here"


def _files0_from(name: str) -> _Check:
    """``wc``/``du``: ``--files0-from`` reads files the line does not name."""

    def check(args: list[str], form: CommandForm) -> None:
        spec = _Spec(long_names=frozenset({"files0-from", "max-depth", "threshold"}))
        options, _ = _parse(args, spec)
        if any(_long_is(option, ["files0-from"], spec) for option in options):
            form.hazards.append(_FILES0_FROM.format(name=name))

    return check


_CURL_VALUES = frozenset(
    {
        "output",
        "output-dir",
        "dump-header",
        "cookie-jar",
        "trace",
        "trace-ascii",
        "stderr",
        "libcurl",
        "etag-save",
        "hsts",
        "alt-svc",
        "config",
        "upload-file",
        "data",
        "data-ascii",
        "data-binary",
        "data-urlencode",
        "data-raw",
        "json",
        "form",
        "form-string",
        "cookie",
        "url",
        "header",
        "request",
        "user",
        "proxy",
    }
)
_CURL = _Spec(
    short_values="AbcCdDeEFHKmoPQrTtuUwxXyYz",
    long_values=_CURL_VALUES,
    long_names=_CURL_VALUES
    | frozenset(
        {
            "remote-name",
            "remote-name-all",
            "remote-header-name",
            "silent",
            "show-error",
            "location",
            "fail",
            "include",
            "head",
            "verbose",
        }
    ),
)
_CURL_WRITING_LONG = (
    "output",
    "dump-header",
    "cookie-jar",
    "trace",
    "trace-ascii",
    "stderr",
    "libcurl",
    "etag-save",
    "hsts",
    "alt-svc",
)


def _curl(args: list[str], form: CommandForm) -> None:
    options, _ = _parse(args, _CURL)
    for option in options:
        value = option.value or ""
        short_write = not option.long and option.name in "oDc"
        if short_write or _long_is(option, _CURL_WRITING_LONG, _CURL):
            shown = f"--{option.name}" if option.long else f"-{option.name}"
            _write(option.value, f"`curl {shown}` writes a file", form, dash=True)
        elif _named(option, "O", "remote-name", _CURL) or _named(
            option, "J", "remote-header-name", _CURL
        ):
            form.hazards.append("`curl -O` saves into a file named by the URL or the server")
        elif _long_is(option, ["remote-name-all", "output-dir"], _CURL):
            form.hazards.append(f"`curl --{option.name}` saves into files")
        elif _named(option, "K", "config", _CURL):
            form.hazards.append("`curl -K` reads options from a file, which are not seen here")
        elif _named(option, "T", "upload-file", _CURL):
            form.reads.append(value)
        elif _named(option, "F", "form", _CURL):
            # `name=@file` sends the file, `name=<file` its text; `;type=…` follows.
            sent = value.partition("=")[2]
            if sent[:1] in ("@", "<"):
                form.reads.append(sent[1:].split(";", 1)[0])
        elif _named(option, "d", "data", _CURL) or _long_is(
            option, ["data", "data-ascii", "data-binary", "data-urlencode", "json"], _CURL
        ):
            _, at, path = value.partition("@")
            if at and (value.startswith("@") or _long_is(option, ["data-urlencode"], _CURL)):
                form.reads.append(path)
        elif _named(option, "b", "cookie", _CURL) and value and "=" not in value:
            form.reads.append(value)
    form.reads[:] = [path for path in form.reads if path not in ("", "-")]


def _wget(args: list[str], form: CommandForm) -> None:
    spec = _Spec(
        short_values="OoaPieTtwUQlARDIXB",
        long_values=frozenset(
            {"output-document", "output-file", "append-output", "directory-prefix", "execute"}
        ),
        long_names=frozenset(
            {
                "output-document",
                "output-file",
                "append-output",
                "directory-prefix",
                "execute",
                "config",
                "spider",
                "input-file",
                "post-file",
                "body-file",
                "quiet",
                "server-response",
                "tries",
                "timeout",
                "user-agent",
                "header",
            }
        ),
    )
    options, _ = _parse(args, spec)
    document = [o.value for o in options if _named(o, "O", "output-document", spec)]
    spider = any(_long_is(o, ["spider"], spec) for o in options)
    if document:
        for path in document:
            _write(path, "`wget -O` writes a file", form, dash=True)
    elif not spider:
        form.hazards.append("`wget` saves what it downloads into files")
    for option in options:
        if _named(option, "o", "output-file", spec) or _named(option, "a", "append-output", spec):
            _write(option.value, "`wget -o` writes a log file", form)
        elif _named(option, "e", "execute", spec) or _long_is(option, ["config"], spec):
            form.hazards.append("`wget -e` runs settings that are not seen here")


def _man(args: list[str], form: CommandForm) -> None:
    spec = _Spec(
        short_values="PCMSsLmeprEIRT",
        short_optional="H",
        long_values=frozenset({"pager", "config-file", "manpath"}),
        long_names=frozenset({"pager", "html", "config-file", "manpath", "local-file"}),
    )
    options, _ = _parse(args, spec)
    for option in options:
        if _named(option, "P", "pager", spec):
            form.hazards.append("`man -P` runs a program as the pager")
        elif _named(option, "H", "html", spec):
            form.hazards.append("`man -H` runs a browser")
        elif _named(option, "C", "config-file", spec):
            form.hazards.append("`man -C` reads settings (pagers) from a file")


def _unzip(args: list[str], form: CommandForm) -> None:
    # unzip's own options: letters of `-…` words before the archive; listing, testing,
    # printing to stdout and showing comments only read.
    letters = "".join(arg[1:] for arg in args if arg.startswith("-") and arg != "-")
    if not set(letters) & set("lptvczZ"):
        form.hazards.append("`unzip` extracts files")


def _compressor(name: str) -> _Check:
    """gzip, bzip2, xz, zstd and their un-…: without ``-c``, ``-l`` or ``-t`` they
    replace each file by its (de)compressed form; zstd's ``-o FILE`` is a write."""

    def check(args: list[str], form: CommandForm) -> None:
        spec = _Spec(
            short_values="oSTM",
            long_values=frozenset({"output", "suffix", "threads", "memlimit"}),
            long_names=frozenset(
                {"stdout", "to-stdout", "list", "test", "output", "suffix", "threads"}
            ),
        )
        options, operands = _parse(args, spec)
        outputs = [o.value for o in options if _named(o, "o", "output", spec)]
        for path in outputs:
            _write(path, f"`{name} -o` writes a file", form, dash=True)
        reads_only = any(
            _named(o, "c", "stdout", spec)
            or _named(o, "l", "list", spec)
            or _named(o, "t", "test", spec)
            or _long_is(o, ["to-stdout"], spec)
            for o in options
        )
        if not reads_only and not outputs and any(path != "-" for _, path in operands):
            form.hazards.append(
                f"`{name}` without `-c`, `-l` or `-t` replaces files by their (de)compressed form"
            )

    return check


def _date(args: list[str], form: CommandForm) -> None:
    spec = _Spec(
        short_values="dfrsI",
        long_values=frozenset({"date", "file", "reference", "set"}),
        long_names=frozenset({"date", "file", "reference", "set", "iso-8601", "rfc-3339"}),
    )
    options, _ = _parse(args, spec)
    if any(_named(o, "s", "set", spec) for o in options):
        form.hazards.append("`date -s` sets the system clock")


def _pieces(name: str) -> _Check:
    """``split`` and ``csplit`` exist to write their pieces into new files (``xaa``,
    ``xx00``, or PREFIX…): the names are made up at run time, so no rule naming a path
    can cover them, and ``split --filter`` runs a program on each."""

    def check(args: list[str], form: CommandForm) -> None:
        if any(arg in ("--help", "--version") for arg in args):
            return
        if name == "split" and any(arg.startswith("--filter") for arg in args):
            form.hazards.append("`split --filter` runs a program for every piece")
        form.hazards.append(f"`{name}` writes its pieces into new files")

    return check


def _output_option(
    name: str, short: str, values: str = "", long_values: Iterable[str] = ()
) -> _Check:
    """Tools whose ``-o FILE``/``--output=FILE`` writes a file (``shuf``, ``iconv``,
    ``sdiff``): a write, decided like a redirection."""
    spec = _Spec(
        short_values=short + values,
        long_values=frozenset({"output", *long_values}),
        long_names=frozenset({"output", *long_values}),
    )

    def check(args: list[str], form: CommandForm) -> None:
        options, _ = _parse(args, spec)
        for option in options:
            if _named(option, short, "output", spec):
                _write(option.value, f"`{name} -{short}` writes a file", form)
            elif _long_is(option, ["diff-program"], spec):
                form.hazards.append(f"`{name} --diff-program` runs a program")

    return check


_ENDLESS_DEVICES = ("/dev/zero", "/dev/urandom", "/dev/random")


def _dd(args: list[str], form: CommandForm) -> None:
    # dd's operands are KEY=VALUE words: `of=` is the file it writes, `if=` the one it reads.
    for arg in args:
        key, equals, value = arg.partition("=")
        if equals and key == "of":
            _write(value, "`dd of=` writes a file", form)
        elif equals and key == "if" and value not in ("", "-", *_ENDLESS_DEVICES):
            form.reads.append(value)


def _patch(args: list[str], form: CommandForm) -> None:
    # The files a patch changes are named inside it (or it reads itself from the input),
    # not on the line; `--dry-run` only reports.
    if not any(arg in ("--dry-run", "--help", "--version") for arg in args):
        form.hazards.append("`patch` writes the files its patch names, which are not seen here")


def _perl(args: list[str], form: CommandForm) -> None:
    # perl's switches: `-i[EXT]` edits in place (also bundled: `-pi`, `-i.bak`, `-pie`);
    # `-e`/`-E` take the next word; `-0`, `-l`, `-M`, `-m`, `-I`, `-x`, `-C`, `-d`, `-D`
    # take the rest of their word. The code itself is not read: allowing perl by prefix
    # allows whatever its code does, as for python or node.
    index = 0
    while index < len(args):
        arg = args[index]
        if arg == "--" or not arg.startswith("-") or arg == "-":
            break
        for letter in arg[1:]:
            if letter == "i":
                form.hazards.append("`perl -i` edits files in place")
                break
            if letter in "eE":
                index += 1
                break
            if letter in "0lMmIxCdD":
                break
        index += 1


#: ssh options (`-o Name=value`, `-oName value`) that make the local side run a program
#: or load a library; a config file (`-F`) may hold any of them.
_SSH_PROGRAMS = frozenset(
    {
        "proxycommand",
        "localcommand",
        "permitlocalcommand",
        "knownhostscommand",
        "match",
        "pkcs11provider",
        "securitykeyprovider",
        "include",
    }
)


def _ssh(name: str) -> _Check:
    def check(args: list[str], form: CommandForm) -> None:
        # ssh reads options after the host too; a remote command's `-F` is asked about.
        spec = _Spec(short_values="BbcDEeFIiJLlmOoPpQRSWw")
        options, _ = _parse(args, spec)
        for option in options:
            if option.long:
                continue
            value = option.value or ""
            key = re.split(r"[\s=]", value.strip(), maxsplit=1)[0].lower()
            if option.name == "o" and key in _SSH_PROGRAMS:
                form.hazards.append(f"`{name} -o {key}` runs a local program or loads a library")
            elif option.name == "F":
                form.hazards.append(f"`{name} -F` reads settings that are not seen here")
            elif option.name == "I" and name == "ssh":
                form.hazards.append("`ssh -I` loads a library")
            elif option.name == "S" and name != "ssh":
                form.hazards.append(f"`{name} -S` runs a program to connect")
            elif option.name == "E" and name == "ssh":
                _write(value, "`ssh -E` writes a log file", form)

    return check


def _psql(args: list[str], form: CommandForm) -> None:
    from orchestra_lsp.sql_forms import psql_form

    found = psql_form(args)
    form.hazards.extend(found.hazards)
    form.writes.extend(found.writes)
    form.scripts.update(found.texts)


def _mysql(args: list[str], form: CommandForm) -> None:
    from orchestra_lsp.sql_forms import mysql_form

    found = mysql_form(args)
    form.hazards.extend(found.hazards)
    form.writes.extend(found.writes)
    form.scripts.update(found.texts)


def _editor(name: str) -> _Check:
    """vim, ex, ed, emacs: every command they take (``-c``, ``+cmd``, ``--eval``, a
    script, or their input when it is a pipe) can write files and run programs (``:!``,
    ``:w``); only asking for their version or help is harmless."""

    def check(args: list[str], form: CommandForm) -> None:
        if not args or not all(arg in ("--version", "--help", "-h") for arg in args):
            form.hazards.append(
                f"`{name}` runs editor commands, which write files and run programs"
            )

    return check


def _sqlite3(args: list[str], form: CommandForm) -> None:
    from orchestra_lsp.sql_forms import sqlite_form

    found = sqlite_form(args)
    form.hazards.extend(found.hazards)
    form.writes.extend(found.writes)
    form.scripts.update(found.texts)  # SQL is text, not paths (`select '/'`)


def _bat(args: list[str], form: CommandForm) -> None:
    # bat pages through `--pager` (also with `--paging=always` when not on a terminal);
    # `bat cache --build` writes its cache from a folder of themes.
    if any(arg == "--pager" or arg.startswith("--pager=") for arg in args):
        form.hazards.append("`bat --pager` runs a program as the pager")
    if args[:1] == ["cache"] and any(
        arg.startswith(("--build", "-b", "--clear", "-c")) for arg in args
    ):
        form.hazards.append("`bat cache` writes or deletes its cache")


#: openssl options (any subcommand) whose value is a file it writes, and those that
#: load code. `-in`, `-CAfile`, … are path arguments, checked as any.
_OPENSSL_WRITES = frozenset({"-out", "-keyout", "-writerand", "-sess_out", "-keylogfile"})
_OPENSSL_LOADS = frozenset(
    {"-engine", "-provider", "-provider-path", "-keyform", "-CAcreateserial"}
)


def _openssl(args: list[str], form: CommandForm) -> None:
    for index, arg in enumerate(args):
        value = args[index + 1] if index + 1 < len(args) else ""
        if arg in _OPENSSL_WRITES:
            _write(value, f"`openssl {arg}` writes a file", form, dash=True)
        elif arg in _OPENSSL_LOADS and not (arg == "-keyform" and value.upper() != "ENGINE"):
            form.hazards.append(f"`openssl {arg}` loads code or writes a file next to the CA")
        elif arg in ("-passin", "-passout", "-pass") and value.startswith("file:"):
            form.reads.append(value[5:])


def _xmllint(args: list[str], form: CommandForm) -> None:
    spec = _Spec(
        short_values="o",
        long_values=frozenset({"output", "path", "schema", "relaxng", "dtdvalid", "xpath"}),
        long_names=frozenset(
            {"output", "shell", "path", "schema", "relaxng", "dtdvalid", "xpath", "noout"}
        ),
    )
    options, _ = _parse(args, spec)
    for option in options:
        if _named(option, "o", "output", spec):
            _write(option.value, "`xmllint --output` writes a file", form, dash=True)
        elif _long_is(option, ["shell"], spec):
            form.hazards.append("`xmllint --shell` runs commands from its input, which can write")


def _diff_program(name: str) -> _Check:
    def check(args: list[str], form: CommandForm) -> None:
        if any(arg.startswith("--diff-prog") for arg in args):
            form.hazards.append(f"`{name} --diff-program` runs a program")

    return check


def _zip(args: list[str], form: CommandForm) -> None:
    # zip writes its archive like `tar -c` (and `-TT`/`--unzip-command` runs a program to
    # test it); only help and version print.
    if not any(arg in ("-h", "--help", "-v", "--version", "-L") for arg in args):
        form.hazards.append("`zip` writes an archive")
    if any(arg[:1] == "-" and arg[1:2] != "-" and "r" in arg for arg in args) or (
        "--recurse-paths" in args
    ):
        # `zip -r out.zip dir …` reads through the folders after the archive, up to the
        # lists of `-x`/`-i`.
        words = [(i, arg) for i, arg in enumerate(args)]
        for at, (_, arg) in enumerate(words):
            if arg in ("-x", "-i", "--exclude", "--include"):
                words = words[:at]
                break
        operands = [i for i, arg in words if not arg.startswith("-")]
        form.read_trees.extend(operands[1:])


def _rsync(args: list[str], form: CommandForm) -> None:
    # rsync copies into its last operand (a path argument, checked as any); its remote
    # shell and remote rsync are programs it runs, batch and log files are writes.
    spec = _Spec(
        short_values="e",
        long_values=frozenset(
            {"rsh", "rsync-path", "log-file", "write-batch", "only-write-batch", "read-batch"}
            | {"exclude-from", "include-from", "files-from", "filter"}
        ),
        long_names=frozenset(
            {"rsh", "rsync-path", "log-file", "write-batch", "only-write-batch", "read-batch"}
            | {"exclude-from", "include-from", "files-from", "filter", "recursive", "archive"}
        ),
    )
    options, operands = _parse(args, spec)
    local = [(index, arg) for index, arg in operands if ":" not in arg.split("/", 1)[0]]
    if len(operands) >= 2 and local and local[-1] == operands[-1]:
        target = operands[-1][0]
        sources = [(index, arg) for index, arg in local if index != target]
        # `src/` copies the folder's contents, `src` the folder itself.
        form.lands.extend((index, target, not arg.endswith("/")) for index, arg in sources)
        if any(
            (not o.long and o.name in "ra") or _long_is(o, ["recursive", "archive"], spec)
            for o in options
        ):
            form.read_trees.extend(index for index, _ in sources)
        if any(o.long and o.name.startswith("del") for o in options):
            form.trees.append(target)  # `--delete*` removes what the sources lack
    for option in options:
        if _named(option, "e", "rsh", spec) or _long_is(option, ["rsync-path"], spec):
            form.hazards.append("`rsync -e`/`--rsync-path` runs a program")
        elif _long_is(option, ["log-file", "write-batch", "only-write-batch"], spec):
            _write(option.value, f"`rsync --{option.name}` writes a file", form)


# Linters and formatters people allow by prefix to check code (`Bash(ruff check:*)`,
# `run_shell(npx prettier --check*)`) also fix it in place; the files they rewrite are
# every file under their operands, not nameable by a rule, so a fixing form is a hazard
# like `sed -i`. Each entry: the words that make a run write; for formatters that write
# by default, the words that keep them to checking instead.
_FIXING: dict[str, tuple[frozenset[str], frozenset[str] | None]] = {
    "ruff check": (frozenset({"--fix", "--fix-only", "--add-noqa"}), None),
    "ruff format": (frozenset(), frozenset({"--check", "--diff", "-"})),
    "ruff": (frozenset({"--fix", "--fix-only", "--add-noqa"}), None),  # `ruff .` (old)
    "eslint": (frozenset({"--fix", "--init"}), None),
    "prettier": (frozenset({"--write", "-w"}), None),
    "black": (frozenset(), frozenset({"--check", "--diff", "-", "--version", "--help"})),
    "isort": (frozenset(), frozenset({"--check-only", "--check", "-c", "--diff", "--stdout", "-"})),
    "autopep8": (frozenset({"--in-place", "-i"}), None),
    "gofmt": (frozenset({"-w"}), None),
    "goimports": (frozenset({"-w"}), None),
    "clang-format": (frozenset({"-i"}), None),
    "shfmt": (frozenset({"-w", "--write"}), None),
    "rustfmt": (frozenset(), frozenset({"--check", "--version", "--help", "-V", "-h"})),
    "stylua": (frozenset(), frozenset({"--check", "-c", "--version", "--help", "-"})),
    "cargo fmt": (frozenset(), frozenset({"--check", "--help", "-h"})),
    "cargo clippy": (frozenset({"--fix"}), None),
    "go fmt": (frozenset(), frozenset({"-n", "--help", "-h"})),
    "terraform fmt": (frozenset(), frozenset({"-check", "--check", "-help"})),
    "dotnet format": (frozenset(), frozenset({"--verify-no-changes", "--help", "-h"})),
    "mix format": (frozenset(), frozenset({"--check-formatted", "--dry-run"})),
    "golangci-lint run": (frozenset({"--fix"}), None),
    "biome check": (frozenset({"--write", "--apply", "--apply-unsafe", "--fix"}), None),
    "biome lint": (frozenset({"--write", "--apply", "--apply-unsafe", "--fix"}), None),
    "biome format": (frozenset({"--write", "--fix"}), None),
    "stylelint": (frozenset({"--fix"}), None),
    "rubocop": (
        frozenset({"-a", "-A", "--autocorrect", "--auto-correct", "--autocorrect-all"})
        | {"--auto-correct-all", "-x", "--fix-layout"},
        None,
    ),
    "standardrb": (frozenset({"--fix"}), None),
    "ktlint": (frozenset({"-F", "--format"}), None),
    "swift-format": (frozenset({"-i", "--in-place"}), None),
    "clang-tidy": (frozenset({"--fix", "-fix", "--fix-errors", "-fix-errors"}), None),
    "autoflake": (frozenset({"-i", "--in-place"}), None),
    "markdownlint": (frozenset({"--fix", "-f"}), None),
    "sqlfluff fix": (frozenset(), frozenset({"--help"})),
    "taplo fmt": (frozenset(), frozenset({"--check", "--help"})),
    "php-cs-fixer fix": (frozenset(), frozenset({"--dry-run", "--help"})),
}


def _fixer(name: str) -> _Check:
    def check(args: list[str], form: CommandForm) -> None:
        key = f"{name} {args[0]}" if args and f"{name} {args[0]}" in _FIXING else name
        if key not in _FIXING:
            return  # `cargo build`, `go vet`, … (a tool's other subcommands)
        subcommand = args[0] if args and not args[0].startswith("-") else ""
        if key == "ruff" and subcommand and "." not in subcommand and "/" not in subcommand:
            return  # `ruff rule`, `ruff clean`, … (ruff's other subcommands)
        writing, checking = _FIXING[key]
        # Options as written, also `--fix=true` and bundled letters (`-wl`).
        words = {arg.partition("=")[0] for arg in args}
        letters = {f"-{c}" for arg in args if arg[:1] == "-" and arg[1:2] != "-" for c in arg[1:]}
        given = words | letters
        if checking is not None and not given & checking and "--no-fix" not in given:
            form.hazards.append(f"`{key}` rewrites files in place unless told to check")
        elif given & writing and not (key.startswith("ruff") and "--no-fix" in words):
            shown = sorted(given & writing)[0]
            form.hazards.append(f"`{key} {shown}` rewrites files in place")
        if key in ("ruff check", "ruff", "eslint") and any(
            arg.startswith(("--output-file", "-o")) for arg in args
        ):
            for index, arg in enumerate(args):
                if arg in ("-o", "--output-file") and index + 1 < len(args):
                    _write(args[index + 1], f"`{key} -o` writes a file", form)
                elif arg.startswith("--output-file="):
                    _write(arg.partition("=")[2], f"`{key} -o` writes a file", form)

    return check


#: Runners that fetch or find a tool and run it (`npx prettier …`, `uvx ruff …`,
#: `python -m black …`): the tool's own forms are read, the line keeps its text (rules
#: such as `run_shell(npx prettier --check*)` name the runner).
_RUNNERS: dict[str, frozenset[str]] = {
    "npx": frozenset({"-p", "--package", "-c", "--call"}),
    "pnpx": frozenset({"-p", "--package"}),
    "bunx": frozenset({"-p", "--package"}),
    "uvx": frozenset({"--from", "--with", "-p", "--python"}),
    "pipx": frozenset({"--spec", "--python"}),
}


def _runner(name: str) -> _Check:
    def check(args: list[str], form: CommandForm) -> None:
        index = 0
        if name == "pipx" and args[:1] == ["run"]:
            index = 1
        while index < len(args) and args[index].startswith("-"):
            if args[index] in ("-c", "--call"):
                form.hazards.append(f"`{name} -c` runs a command line, which is not read here")
                return
            index += 2 if args[index] in _RUNNERS[name] else 1
        if index < len(args):
            _inner(args[index], args, index, form)

    return check


_FIX_FLAGS = frozenset({"--fix", "--fix-only", "--write"})


def _package_manager(name: str) -> _Check:
    """npm, pnpm, yarn, bun: `exec`/`dlx`/`x` run a tool (read like `npx`); a script run
    with `--fix` or `--write` (`npm run lint -- --fix`, `yarn lint --fix`) hands it on
    to the linter or formatter the script runs."""

    def check(args: list[str], form: CommandForm) -> None:
        words = [arg for arg in args if arg != "--"]
        if words[:1] and words[0] in ("exec", "dlx", "x"):
            at = 1
            while at < len(words) and words[at].startswith("-"):
                at += 1
            if at < len(words):
                _inner(words[at], words, at, form)
            return
        fixing = sorted(_FIX_FLAGS & {arg.partition("=")[0] for arg in words})
        if fixing:
            form.hazards.append(
                f"`{name} … {fixing[0]}` hands `{fixing[0]}` on to the script's tool, "
                "which rewrites files in place"
            )

    return check


def _python_module(args: list[str], form: CommandForm) -> None:
    """`python -m black …`: the module's own forms; the rest of python is code."""
    for index, arg in enumerate(args):
        if arg == "-m" and index + 1 < len(args):
            _inner(args[index + 1], args, index + 1, form)
            return
        if not arg.startswith("-") or arg in ("-c", "-"):
            return


def _inner(tool: str, args: list[str], at: int, form: CommandForm) -> None:
    """Merge the form of the tool `args[at]` runs with `args[at + 1:]`."""
    inner = _shifted(command_form(tool.split("@", 1)[0], args[at + 1 :]), at + 1)
    form.hazards.extend(inner.hazards)
    form.writes.extend(inner.writes)
    form.reads.extend(inner.reads)
    form.runs.extend(inner.runs)
    form.scripts.update(inner.scripts)
    form.trees.extend(inner.trees)
    form.read_trees.extend(inner.read_trees)
    form.lands.extend(inner.lands)
    form.skips_hidden |= inner.skips_hidden
    form.reads_here |= inner.reads_here


def _shifted(form: CommandForm, by: int) -> CommandForm:
    """`form` with its argument indices moved `by` words (a tool run by another)."""
    form.runs = [(start + by, end + by) for start, end in form.runs]
    form.scripts = {index + by for index in form.scripts}
    form.trees = [index + by for index in form.trees]
    form.read_trees = [index + by for index in form.read_trees]
    form.lands = [(source + by, target + by, into) for source, target, into in form.lands]
    return form


def _write(path: str | None, why: str, form: CommandForm, *, dash: bool = False) -> None:
    """`path` as a written file; `dash`: the tool writes ``-`` to standard output."""
    if path is None or path == "":
        form.hazards.append(why)
    elif path not in _DEVICES and not (dash and path == "-"):
        form.writes.append(path)


_Check = Callable[[list[str], CommandForm], None]
_COMPRESSORS = ("gzip", "gunzip", "bzip2", "bunzip2", "xz", "unxz", "zstd", "unzstd")
_CHECKS: dict[str, _Check] = {
    **dict.fromkeys(("sed", "gsed"), _sed),
    **dict.fromkeys(("awk", "gawk", "mawk", "nawk", "original-awk", "busybox-awk"), _awk),
    **dict.fromkeys(("sort", "gsort"), _sort),
    **dict.fromkeys(("uniq", "guniq"), _uniq),
    **dict.fromkeys(("tee", "gtee"), _tee),
    **dict.fromkeys(("tar", "gtar", "bsdtar"), _tar),
    **dict.fromkeys(("fd", "fdfind"), _fd),
    **dict.fromkeys(("yq", "xq", "tomlq"), _yq),
    **dict.fromkeys(("jq", "gojq", "jaq"), _jq),
    "xxd": _xxd,
    "less": _less,
    "rg": _rg,
    "tree": _tree,
    "wc": _files0_from("wc"),
    "du": _files0_from("du"),
    **{name: _compressor(name) for name in _COMPRESSORS},
    "date": _date,
    "curl": _curl,
    "wget": _wget,
    "man": _man,
    "unzip": _unzip,
    "split": _pieces("split"),
    "csplit": _pieces("csplit"),
    "shuf": _output_option("shuf", "o", "n"),
    "iconv": _output_option("iconv", "o", "ft"),
    "sdiff": _output_option("sdiff", "o", "w", ["diff-program"]),
    "dd": _dd,
    "patch": _patch,
    "sqlite3": _sqlite3,
    "psql": _psql,
    **{name: _fixer(name) for name in {n.split()[0] for n in _FIXING}},
    **{name: _runner(name) for name in _RUNNERS},
    **{name: _package_manager(name) for name in ("npm", "pnpm", "yarn", "bun")},
    **dict.fromkeys(("python", "python3"), _python_module),
    "mysql": _mysql,
    "mariadb": _mysql,
    **{
        name: _editor(name)
        for name in ("vi", "vim", "nvim", "view", "vimdiff", "ex", "ed", "red", "emacs")
    },
    "bat": _bat,
    "batcat": _bat,
    "openssl": _openssl,
    "xmllint": _xmllint,
    "diff3": _diff_program("diff3"),
    "zip": _zip,
    "rsync": _rsync,
    **dict.fromkeys(("grep", "egrep", "fgrep", "zgrep", "ggrep"), _grep),
    "ag": _ag("ag"),
    "ack": _ag("ack"),
    "rm": _rm,
    **{name: _recursive_mode(name) for name in ("chmod", "chown", "chgrp")},
    "cp": _copy("cp"),
    "mv": _copy("mv"),
    "git": _git,
    "diff": _diff,
    "perl": _perl,
    **{name: _ssh(name) for name in ("ssh", "scp", "sftp")},
}
