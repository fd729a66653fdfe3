"""What a ``sqlite3`` command line does beyond reading a database, for the permission
policy (:mod:`orchestra_lsp.command_forms` registers it).

People allow ``sqlite3`` by prefix (``Bash(sqlite3:*)``) to query a database. Its other
forms, as the sqlite3 3.40 shell reads them:

- dot-commands (an argument that starts with ``.``, matched by abbreviation: ``.sh`` is
  ``.shell``) that run programs, write or read files, or open other databases
  (``.shell``, ``.system``, ``.output``, ``.once``, ``.read``, ``.import``, ``.open``,
  ``.save``, ``.load``, ``.log``, ``.testcase``, ``.archive``, …). Only the commands in
  :data:`_READING_DOT_COMMANDS`, spelled whole, pass; the rest are hazards;
- SQL functions and tables of the shell that reach the file system or run programs
  (``readfile``, ``writefile``, ``edit``, ``fsdir``, ``zipfile``, ``load_extension``;
  ``sha3_query`` runs SQL hidden in a string), ``ATTACH`` and ``VACUUM INTO`` (other
  files): hazards;
- SQL that changes the database (``INSERT``, ``CREATE``, a ``PRAGMA`` that sets, …): a
  write of the database file, decided like a redirection to it (unless ``-readonly``);
- commands it reads from a file (``-init``) or from its input (no SQL on the line: a
  pipe or a here-document may hold ``.shell``), and archive mode (``-A``, which
  extracts): hazards.

GNU-style ``-safe`` is not relied on: it still lets ``.testcase`` write a file and
``fsdir()`` list any folder (checked against the real sqlite3). No SQL library is used:
sqlglot and sqlparse know no dot-commands and classify statements less exactly than
this scan of keywords, which only needs sqlite's tokens (strings, quoted names,
comments).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

#: Dot-commands that only print or change how output looks.
_READING_DOT_COMMANDS = frozenset(
    {
        "bail",
        "binary",
        "changes",
        "databases",
        "dbinfo",
        "dump",
        "echo",
        "eqp",
        "exit",
        "explain",
        "fullschema",
        "header",
        "headers",
        "help",
        "indexes",
        "indices",
        "lint",
        "mode",
        "nullvalue",
        "print",
        "prompt",
        "quit",
        "scanstats",
        "schema",
        "separator",
        "sha3sum",
        "show",
        "stats",
        "tables",
        "timeout",
        "timer",
        "vfsinfo",
        "vfslist",
        "vfsname",
        "width",
    }
)
#: Functions and tables of the sqlite3 shell that read or write files, list folders,
#: run an editor, load code, or run SQL given as a string.
_REACHING_NAMES = frozenset(
    {
        "readfile",
        "writefile",
        "edit",
        "fsdir",
        "zipfile",
        "load_extension",
        "sha3_query",
        "fts3_tokenizer",
        "sqlite_dbpage",
    }
)
_WRITING_KEYWORDS = frozenset(
    {"INSERT", "UPDATE", "DELETE", "CREATE", "DROP", "ALTER", "VACUUM", "REINDEX", "ANALYZE"}
)
#: Pragmas that only report, also when given an argument (``table_info(t)``).
_REPORTING_PRAGMAS = frozenset(
    {
        "table_info",
        "table_xinfo",
        "table_list",
        "index_info",
        "index_xinfo",
        "index_list",
        "foreign_key_list",
        "foreign_key_check",
        "integrity_check",
        "quick_check",
        "function_list",
        "module_list",
        "pragma_list",
        "collation_list",
        "database_list",
        "compile_options",
    }
)
#: Pragmas that change the database even without an argument.
_ACTING_PRAGMAS = frozenset({"optimize", "wal_checkpoint", "incremental_vacuum"})
#: Options that take one value (two for the memory settings); ``-A`` takes the rest.
_ONE_VALUE = frozenset(
    {"cmd", "init", "separator", "newline", "nullvalue", "mmap", "maxsize", "vfs", "nonce"}
    | {"escape", "sorterref"}
)
_TWO_VALUES = frozenset({"heap", "lookaside", "pagecache", "limit"})
_MEMORY_DATABASES = frozenset({"", ":memory:"})

_TOKEN = re.compile(
    r"""
      (?P<space>\s+)
    | (?P<comment>--[^\n]*|/\*(?:.|\n)*?(?:\*/|\Z))
    | (?P<string>[xX]?'(?:[^']|'')*'?)
    | (?P<quoted>"(?:[^"]|"")*"?|\[[^\]]*\]?|`(?:[^`]|``)*`?)
    | (?P<word>[A-Za-z_\x80-\U0010ffff][\w$\x80-\U0010ffff]*)
    | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)


@dataclass
class SqliteForm:
    """Hazards of a ``sqlite3`` line, and the database file it writes (if it does)."""

    hazards: list[str] = field(default_factory=list)
    writes: list[str] = field(default_factory=list)
    texts: set[int] = field(default_factory=set)
    """Indices of the arguments that are SQL or dot-commands, not paths."""


def sqlite_form(args: list[str]) -> SqliteForm:
    """The hazards and written files of ``sqlite3 ARGS`` (arguments with quotes
    removed). Never raises."""
    form = SqliteForm()
    operands: list[tuple[int, str]] = []
    commands: list[tuple[int, str]] = []  # `-cmd` values, then the operands after the database
    flags: set[str] = set()
    index = 0
    while index < len(args):
        arg = args[index]
        if arg.startswith("-") and len(arg) > 1:  # options may follow the operands
            name = arg.lstrip("-")
            flags.add(name)
            if name.startswith("A") or name == "archive":  # `-Axf` is `-A xf`
                form.hazards.append("`sqlite3 -A` works on archives, extracting files")
                return form
            if name in _ONE_VALUE:
                value = args[index + 1] if index + 1 < len(args) else ""
                if name == "cmd":
                    commands.append((index + 1, value))
                index += 2
                continue
            if name in _TWO_VALUES:
                index += 3
                continue
        else:
            operands.append((index, arg))
        index += 1
    if flags & {"version", "help"}:
        return form
    if "init" in flags:
        form.hazards.append("`sqlite3 -init` runs commands from a file, which are not seen here")
    if "unsafe-testing" in flags:
        form.hazards.append("`sqlite3 -unsafe-testing` allows what the shell otherwise refuses")
    commands.extend(operands[1:])
    writes = False
    for at, command in commands:
        form.texts.add(at)
        if command.lstrip().startswith("."):
            form.hazards.extend(_dot_command(command.lstrip()))
        else:
            hazards, changes = _sql(command)
            form.hazards.extend(hazards)
            writes = writes or changes
    if len(operands) < 2:
        form.hazards.append(
            "`sqlite3` without SQL on the line reads commands from its input, which are not "
            "seen here"
        )
    database = operands[0][1] if operands else ""
    if writes and database not in _MEMORY_DATABASES and not flags & {"readonly", "deserialize"}:
        form.writes.append(database)
    return form


def _dot_command(command: str) -> list[str]:
    name = command[1:].split(None, 1)[0] if command[1:].strip() else ""
    if name in _READING_DOT_COMMANDS:
        return []
    return [f"sqlite3's `.{name}` can run programs, write or read files, or open databases"]


def _sql(text: str) -> tuple[list[str], bool]:
    """Hazards of SQL text, and whether it changes the database."""
    tokens = [
        (match.lastgroup or "", match.group())
        for match in _TOKEN.finditer(text)
        if match.lastgroup not in ("space", "comment")
    ]
    hazards: list[str] = []
    writes = False
    statement_start = True
    first = ""
    for index, (kind, value) in enumerate(tokens):
        following = tokens[index + 1][1] if index + 1 < len(tokens) else ""
        if kind == "other" and value == ";":
            statement_start, first = True, ""
            continue
        if kind != "word":
            statement_start = False
            continue
        upper = value.upper()
        if statement_start:
            first = upper
        statement_start = False
        if value.lower() in _REACHING_NAMES:
            hazards.append(f"sqlite3's `{value.lower()}` reaches files or runs programs")
        elif upper == "ATTACH":
            hazards.append("SQL `ATTACH` opens another database file, which is not seen here")
        elif upper == "INTO" and first == "VACUUM":
            hazards.append("SQL `VACUUM INTO` writes another database file")
        elif upper in _WRITING_KEYWORDS or (upper == "REPLACE" and following != "("):
            writes = True
        elif upper == "PRAGMA":
            writes = writes or _pragma_sets(tokens[index + 1 :])
    return hazards, writes


def _pragma_sets(tokens: list[tuple[str, str]]) -> bool:
    """Whether ``PRAGMA [schema.]name [= value | (value)]`` changes anything."""
    if len(tokens) >= 2 and tokens[1][1] == ".":
        tokens = tokens[2:]
    name = tokens[0][1].lower() if tokens else ""
    following = tokens[1][1] if len(tokens) > 1 else ""
    if following == "=":
        return True
    if following == "(":
        return name not in _REPORTING_PRAGMAS
    return name in _ACTING_PRAGMAS
