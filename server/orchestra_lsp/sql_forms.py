"""What a ``sqlite3``, ``psql`` or ``mysql`` command line does beyond reading a
database, for the permission policy (:mod:`orchestra_lsp.command_forms` registers them;
``psql``: :func:`psql_form`, ``mysql``/``mariadb``: :func:`mysql_form`).

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

sqlite3's own ``-safe`` is not relied on: it still lets ``.testcase`` write a file and
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
class SqlForm:
    """Hazards of a ``sqlite3`` or ``psql`` line, and the files it writes."""

    hazards: list[str] = field(default_factory=list)
    writes: list[str] = field(default_factory=list)
    texts: set[int] = field(default_factory=set)
    """Indices of the arguments that are SQL or dot-commands, not paths."""


def sqlite_form(args: list[str]) -> SqlForm:
    """The hazards and written files of ``sqlite3 ARGS`` (arguments with quotes
    removed). Never raises."""
    form = SqlForm()
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


# ---------------------------------------------------------------- psql

#: psql meta-commands that only describe or format (every `\d…` describes).
_PSQL_READING = frozenset(
    {"l", "l+", "list", "list+", "conninfo", "x", "timing", "a", "t", "H", "pset", "echo"}
    | {"qecho", "encoding", "q", "quit", "?", "h", "help", "sf", "sf+", "sv", "sv+", "z"}
    | {"copyright", "errverbose"}
)
#: Server functions and statements that reach the server's files or run programs there
#: (for a local database, this machine). Changing the data is not asked about: psql
#: talks to a server, not a file here, as `curl -X POST` talks to a service.
_PSQL_REACHING = re.compile(
    r"\b(?:pg_read_file|pg_read_binary_file|pg_ls_dir|pg_ls_\w+|pg_stat_file|lo_import"
    r"|lo_export|pg_file_write|dblink\w*|load(?=\s+(?:[eE]?'|\$))|alter\s+system"
    r"|create\s+(?:or\s+replace\s+)?(?:trusted\s+)?(?:function|procedure|extension|language))\b",
    re.IGNORECASE,
)
_PSQL_VALUES = "cdfhLopPRTUvF"
_PSQL_LONG = {
    "command": "c",
    "file": "f",
    "output": "o",
    "log-file": "L",
    "dbname": "d",
    "host": "h",
    "port": "p",
    "username": "U",
    "set": "v",
    "variable": "v",
    "pset": "P",
    "field-separator": "F",
    "record-separator": "R",
    "table-attr": "T",
}
_PSQL_FLAGS = frozenset(
    {"list", "version", "help", "echo-all", "echo-errors", "echo-queries", "echo-hidden"}
    | {"no-psqlrc", "no-password", "password", "quiet", "csv", "html", "tuples-only"}
    | {"expanded", "no-align", "single-transaction", "single-step", "single-line"}
    | {"no-readline", "field-separator-zero", "record-separator-zero"}
)


def psql_form(args: list[str]) -> SqlForm:
    """The hazards and written files of ``psql ARGS``: ``-c`` texts are read (a
    meta-command that is not a description, ``COPY`` to or from a file or a program,
    server functions that read files or load code, ``DO`` blocks); ``-f`` and commands
    from the input are not seen; ``-o``/``-L`` files are writes (``-o '|cmd'`` runs a
    program). Never raises."""
    form = SqlForm()
    commands: list[str] = []
    reads_input = True
    index = 0
    while index < len(args):
        arg = args[index]
        letter, value, at = "", "", index
        if arg.startswith("--") and len(arg) > 2:
            name, equals, value = arg[2:].partition("=")
            known = [n for n in (*_PSQL_LONG, *_PSQL_FLAGS) if n.startswith(name)]
            full = (
                name
                if name in _PSQL_LONG or name in _PSQL_FLAGS
                else (known[0] if len(known) == 1 else name)
            )
            if full in _PSQL_FLAGS:
                reads_input = reads_input and full not in ("list", "version", "help")
                index += 1
                continue
            letter = _PSQL_LONG.get(full, "?")
            if not equals and letter != "?":
                index += 1
                at = index
                value = args[index] if index < len(args) else ""
        elif arg.startswith("-") and len(arg) > 1:
            for offset, char in enumerate(arg[1:], start=1):
                if char in _PSQL_VALUES:
                    letter, value = char, arg[offset + 1 :]
                    if not value:
                        index += 1
                        at = index
                        value = args[index] if index < len(args) else ""
                    break
                if char in "lV?":
                    reads_input = False
        if letter == "c":
            commands.append(value)
            form.texts.add(at)
            reads_input = False
        elif letter == "v":
            # A variable's value is put into the SQL where `:name` stands.
            commands.append(value.partition("=")[2])
        elif letter == "f":
            form.hazards.append("`psql -f` runs commands from a file, which are not seen here")
            reads_input = False
        elif letter in ("o", "L"):
            if value.startswith("|"):
                form.hazards.append(f"`psql -{letter} |…` runs a program")
            elif value not in ("", "-"):
                form.writes.append(value)
        elif letter == "?":
            form.hazards.append(f"`psql {arg}` is an option this check does not know")
        index += 1
    if reads_input:
        form.hazards.append(
            "`psql` without `-c` reads commands from its input, which are not seen here"
        )
    for command in commands:
        form.hazards.extend(_psql_command(command))
    return form


def _psql_command(text: str) -> list[str]:
    if text.lstrip().startswith("\\"):
        hazards = []
        for match in re.finditer(r"\\([A-Za-z_]+\+?|[!?])", text):
            name = match.group(1)
            if not (name.startswith("d") or name in _PSQL_READING):
                hazards.append(f"psql's `\\{name}` can run programs, write or read files")
        return hazards
    # The raw text is searched, strings included: PostgreSQL's quoting (E'\'', $$…$$)
    # could otherwise hide a statement from a tokenizer; a word inside a string asks.
    hazards = [
        f"SQL `{match.group().lower()}` reads files or loads code on the server"
        for match in _PSQL_REACHING.finditer(text)
    ]
    for match in re.finditer(r"\bcopy\b", text, re.IGNORECASE):
        statement = text[match.end() :].split(";", 1)[0]
        if re.search(r"\bprogram\b", statement, re.IGNORECASE) or not re.search(
            r"\b(?:to|from)\s+(?:stdout|stdin)\b", statement, re.IGNORECASE
        ):
            hazards.append("SQL `COPY` to or from a file or program runs on the server")
    # `DO [LANGUAGE name] 'code'` or `$$code$$`: "to do" in a string is no block.
    do = r"\bdo\s+(?:language\s+\w+\s+)?(?:[eE]?'|\$)"
    for match in re.finditer(do, text, re.IGNORECASE):
        if not re.search(r"\bconflict\s+$", text[: match.start()], re.IGNORECASE):
            hazards.append("SQL `DO` runs a block of code that can build any statement")
    return hazards


# ---------------------------------------------------------------- mysql, mariadb

#: Client commands (``system``/``\!`` runs a shell, ``source`` reads a file, ``tee``
#: writes one, ``pager`` and ``edit`` run programs) and server statements that write or
#: read the server's files (``INTO OUTFILE``, ``LOAD DATA``, ``LOAD_FILE``) or load code.
_MYSQL_CLIENT = re.compile(
    r"(?:^|;|\n)\s*(?:system|source|tee|pager|edit|nopager|notee)\b|\\[!.TPe]", re.IGNORECASE
)
_MYSQL_REACHING = re.compile(
    r"\b(?:into\s+(?:outfile|dumpfile)|load\s+(?:data|xml)|load_file|install\s+(?:plugin|soname)"
    r"|soname)\b",
    re.IGNORECASE,
)
_MYSQL_VALUES = "eDhuPSpOT"  # -T is --debug-info in newer clients; its value is harmless
_MYSQL_LONG_VALUES = frozenset(
    {"execute", "database", "host", "user", "port", "socket", "init-command", "tee", "pager"}
    | {"defaults-file", "defaults-extra-file", "defaults-group-suffix", "login-path"}
)


def mysql_form(args: list[str]) -> SqlForm:
    """The hazards and written files of ``mysql``/``mariadb ARGS``: ``-e`` and
    ``--init-command`` texts are read (client commands that run programs or touch files,
    server statements that write or read its files or load code); ``--tee`` is a write,
    ``--pager`` and option files (``--defaults-file``) are hazards; without ``-e`` the
    commands come from its input, not seen. Changing the data is not asked about (the
    server is not a file here). Never raises."""
    form = SqlForm()
    texts: list[str] = []
    reads_input = True
    index = 0
    while index < len(args):
        arg = args[index]
        name, value, at = "", "", index
        if arg.startswith("--") and len(arg) > 2:
            key, equals, value = arg[2:].partition("=")
            # The client accepts unambiguous prefixes of its long options.
            known = [n for n in _MYSQL_LONG_VALUES if n.startswith(key)]
            name = key if key in _MYSQL_LONG_VALUES else (known[0] if len(known) == 1 else key)
            if not equals and name in _MYSQL_LONG_VALUES:
                index += 1
                at = index
                value = args[index] if index < len(args) else ""
            if name in ("version", "help"):
                reads_input = False
        elif arg.startswith("-") and len(arg) > 1:
            for offset, char in enumerate(arg[1:], start=1):
                if char in _MYSQL_VALUES:
                    # -p's password is glued or absent (it never takes the next word).
                    value = arg[offset + 1 :]
                    if not value and char != "p":
                        index += 1
                        at = index
                        value = args[index] if index < len(args) else ""
                    name = {"e": "execute", "P": "port", "p": "password"}.get(char, char)
                    break
                if char in "V?":
                    reads_input = False
        if name in ("execute", "init-command"):
            texts.append(value)
            form.texts.add(at)
            reads_input = reads_input and name != "execute"
        elif name == "tee":
            form.writes.append(value)
        elif name == "pager":
            form.hazards.append("`mysql --pager` runs a program")
        elif name in ("defaults-file", "defaults-extra-file", "login-path"):
            form.hazards.append(f"`mysql --{name}` reads options that are not seen here")
        index += 1
    if reads_input:
        form.hazards.append(
            "`mysql` without `-e` reads commands from its input, which are not seen here"
        )
    for text in texts:
        if _MYSQL_CLIENT.search(text):
            form.hazards.append("a mysql client command runs programs, reads or writes files")
        form.hazards.extend(
            f"SQL `{match.group().lower()}` writes or reads files or loads code"
            for match in _MYSQL_REACHING.finditer(text)
        )
    return form
