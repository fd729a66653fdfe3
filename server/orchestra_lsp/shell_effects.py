"""What a command line does, for the permission policy: the commands it really runs (seen
through wrappers such as ``env``, ``timeout``, ``sh -c``, ``xargs``, ``find -exec``,
``watch``, ``flock``, ``chrt``), the
files it writes and reads by redirection, and the hazards that only a person may accept.

A hazard makes a command impossible to allow by rule (the policy asks instead):

- assignments of variables that change what programs do (``LD_PRELOAD=…``, ``GIT_DIR=…``,
  ``PAGER=…``, ``PATH=…``; only :data:`HARMLESS_VARIABLES` pass), standalone or through
  ``env``/``export``;
- words the shell computes (``$X``, ``$(…)``) where a command's name or arguments should be;
- a path outside the workspace, or a protected path, named as an argument;
- a glob that would expand to an option (``--output=…`` file names) or to such a path;
- ``sudo`` and friends (``setpriv``, ``unshare``), ``xargs`` (arguments come from
  input), a shell reading commands from its input, ``find -delete``/``-fprint``,
  ``script`` (it writes a typescript); ``time -o`` and ``flock``'s lock file are writes;
- git options that write files, run programs or read outside the workspace
  (:mod:`orchestra_lsp.git_forms`);
- the forms of common read-only-looking commands that write files or run programs
  (``sed -i``, sed's ``w``/``e``, awk's ``system()`` and pipes, ``tar -x``, ``rg --pre``,
  …: :mod:`orchestra_lsp.command_forms`), whose plain output files (``sort -o``,
  ``tee``) count as writes and whose inner commands (``fd -x``) are analysed too;
- ``cd`` or ``pushd`` without a folder (home) or to ``-`` (a folder not known here).

Each command also says which workspace paths it reads (the files it names), reads
through (``grep -r``), and removes, moves or copies over whole (``rm -r``, ``cp -r``),
for the policy to look below them on disk. After a literal ``cd DIR`` a relative path
is taken both where the line starts and in DIR: more than the shell does, never less.
"""

from __future__ import annotations

import os
import posixpath
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from orchestra_lsp.command_forms import CommandForm, command_form
from orchestra_lsp.git_forms import git_hazard, is_read_only_git
from orchestra_lsp.shell_syntax import Assignment, SimpleCommand, Word, parse_shell

#: Variables a command may set without asking: they change formatting, not behaviour.
HARMLESS_VARIABLES = frozenset(
    {
        "CI",
        "COLUMNS",
        "DEBUG",
        "FORCE_COLOR",
        "LANG",
        "LANGUAGE",
        "LINES",
        "NO_COLOR",
        "NODE_ENV",
        "PYTHONDONTWRITEBYTECODE",
        "PYTHONUNBUFFERED",
        "RUST_BACKTRACE",
        "TERM",
        "TZ",
        "VERBOSE",
    }
)
#: Files a command may redirect to or name without it counting as a write or a read.
DEVICE_FILES = frozenset({"/dev/null", "/dev/stdout", "/dev/stderr", "/dev/stdin", "/dev/tty"})

_SHELLS = frozenset({"sh", "bash", "dash", "zsh", "ksh", "mksh", "ash", "busybox"})
_ELEVATE = frozenset(
    {"sudo", "doas", "su", "pkexec", "runuser", "chroot", "nsenter", "setpriv", "unshare", "sg"}
)
_MAX_DEPTH = 4

#: Wrappers that run their operand as a command: name → options that take a value.
_WRAPPERS: dict[str, frozenset[str]] = {
    "nice": frozenset({"-n", "--adjustment"}),
    "nohup": frozenset(),
    "time": frozenset({"-f", "--format", "-o", "--output"}),
    "command": frozenset(),
    "builtin": frozenset(),
    "exec": frozenset({"-a"}),
    "stdbuf": frozenset({"-i", "-o", "-e", "--input", "--output", "--error"}),
    "ionice": frozenset({"-c", "-n", "-p", "-P", "-u", "--class", "--classdata"}),
    "setsid": frozenset(),
    "unbuffer": frozenset(),
    "timeout": frozenset({"-s", "--signal", "-k", "--kill-after"}),
    "chrt": frozenset({"-T", "-P", "-D", "--sched-runtime", "--sched-period", "--sched-deadline"}),
    "taskset": frozenset(),
    "prlimit": frozenset({"-p", "--pid", "-o", "--output"}),
    "numactl": frozenset(
        {"-N", "-m", "-C", "-p", "-i", "--cpunodebind", "--membind", "--physcpubind"}
        | {"--preferred", "--interleave"}
    ),
    "nocache": frozenset(),
    "chronic": frozenset(),
    "ifne": frozenset(),
}
#: Wrappers whose first operand is not the command: a duration, a priority, a CPU mask.
_WRAPPER_OPERANDS = {"timeout": 1, "chrt": 1, "taskset": 1}


@dataclass(frozen=True)
class Invocation:
    """One command a line runs, its text for rule matching and why no rule may allow it;
    the paths are workspace-relative (see :class:`orchestra_lsp.command_forms.CommandForm`
    for what trees and lands are)."""

    text: str
    hazards: tuple[str, ...] = ()
    reads: tuple[str, ...] = ()
    """Paths it names and reads (``cat secrets/a``, ``cat secrets/*`` expanded)."""
    trees: tuple[str, ...] = ()
    """Paths whose every file below it removes, moves or rewrites (``rm -r pkg``)."""
    read_trees: tuple[str, ...] = ()
    """Folders whose files below it reads (``grep -r TOKEN .``)."""
    skips_hidden: bool = False
    """Its `read_trees` leave hidden files and folders out (``rg`` without ``--hidden``)."""
    lands: tuple[tuple[str, str], ...] = ()
    """``(source, target)``: the files under `source` land under `target` (``cp -r x
    pkg`` with `pkg` a folder: ``("x", "pkg/x")``)."""


@dataclass
class ShellEffects:
    """A command line's commands, writes, reads and the problems that make it unreadable."""

    invocations: list[Invocation] = field(default_factory=list)
    writes: list[str] = field(default_factory=list)
    reads: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


IsProtected = Callable[[str], bool]


def shell_effects(
    command: str, workspace: str | None, is_protected: IsProtected = lambda _path: False
) -> ShellEffects:
    """Analyse `command`; `workspace` is the folder it runs in (None: paths are not
    checked against it); `is_protected` tells whether a workspace-relative path is
    protected. Never raises."""
    effects = ShellEffects()
    _analyse(command, _Context(workspace, is_protected), effects, depth=0)
    return effects


@dataclass(frozen=True)
class _Context:
    workspace: str | None
    is_protected: IsProtected
    folders: list[str] = field(default_factory=lambda: ["."])
    """Where in the workspace the line's commands may run: its folder and every folder a
    literal ``cd``/``pushd`` of the line names (``cd pkg && rm -rf sub`` removes
    `pkg/sub`). A relative path is taken in each of them, which may say more than the
    shell would do, never less."""


def _analyse(command: str, ctx: _Context, effects: ShellEffects, depth: int) -> None:
    if depth > _MAX_DEPTH:
        effects.problems.append("shells nested too deeply")
        return
    script = parse_shell(command)
    effects.problems.extend(script.problems)
    for simple in script.commands:
        _note_folder(simple, ctx)
    for assignment in script.assignments:
        hazard = _assignment_hazard(assignment)
        if hazard:
            effects.invocations.append(Invocation(f"{assignment.name}=…", (hazard,)))
    for redirect in script.redirects:
        target = redirect.target
        if not target.literal or target.glob or target.tilde:
            why = f"the target of `{redirect.operator}` is computed by the shell"
            effects.invocations.append(Invocation(f"{redirect.operator} {target.value}", (why,)))
        elif target.value not in DEVICE_FILES:
            paths = _in_folders(target.value, ctx)
            (effects.writes if redirect.writes else effects.reads).extend(paths)
    for simple in script.commands:
        _command(simple, ctx, effects, depth)


def _note_folder(simple: SimpleCommand, ctx: _Context) -> None:
    """Add the workspace folder a literal ``cd DIR``/``pushd DIR`` moves to (taken from
    each folder already known) to `ctx.folders`."""
    words = [w for w in simple.words if not (w.literal and w.value.startswith("-"))]
    if len(words) < 2 or not words[0].literal or words[0].value not in ("cd", "pushd"):
        return
    if not words[1].literal or words[1].tilde or ctx.workspace is None:
        return  # a hazard of its own (a computed word, a path outside)
    for folder in list(ctx.folders):
        where = _place(posixpath.join(folder, words[1].value), False, ctx.workspace)
        if where is None or where == "outside" or where in ctx.folders:
            continue
        if os.path.isdir(os.path.join(ctx.workspace, where)):
            ctx.folders.append(where)


def _in_folders(path: str, ctx: _Context) -> list[str]:
    """`path` as the commands may take it: itself, and under each folder a ``cd`` of the
    line moved to."""
    if path.startswith(("/", "~")):
        return [path]
    return [path] + [posixpath.normpath(posixpath.join(f, path)) for f in ctx.folders[1:]]


def _candidates(word: Word, ctx: _Context) -> list[str]:
    """The words the shell makes of `word` in each folder the line may run in: a glob
    expanded there, an ``--opt=PATH``'s path taken there."""
    found: list[str] = []
    for folder in ctx.folders:
        if word.glob and ctx.workspace is not None and not word.value.startswith(("/", "~")):
            names = _expand_glob(word.value, os.path.join(ctx.workspace, folder))
        else:
            names = [word.value]
        for name in names:
            option, equals, path = name.partition("=") if name.startswith("-") else ("", "", name)
            if folder != "." and path and not path.startswith(("/", "~", "-")):
                path = posixpath.normpath(posixpath.join(folder, path))
            found.append(f"{option}{equals}{path}")
    return list(dict.fromkeys(found))


def _command(simple: SimpleCommand, ctx: _Context, effects: ShellEffects, depth: int) -> None:
    hazards = [h for a in simple.assignments if (h := _assignment_hazard(a))]
    words = list(simple.words)
    if not words:
        if hazards:
            effects.invocations.append(Invocation(simple.source, tuple(hazards)))
        return
    _words(words, hazards, ctx, effects, depth)


def _words(
    words: list[Word], hazards: list[str], ctx: _Context, effects: ShellEffects, depth: int
) -> None:
    """Unwrap wrappers, then record the command that finally runs."""
    while words:
        name = words[0].value if words[0].literal else ""
        program = posixpath.basename(name)
        if program in _WRAPPERS:
            if program == "command" and any(w.value in ("-v", "-V") for w in words[1:2]):
                break  # `command -v x` only looks `x` up
            if program == "time":
                _time_output(words[1:], effects)
            words = _skip_options(words[1:], _WRAPPERS[program])
            words = words[_WRAPPER_OPERANDS.get(program, 0) :]
            continue
        if program in ("watch", "flock", "script"):
            runs = _runner(program, words[1:], effects, hazards)
            if isinstance(runs, str):
                _analyse(runs, ctx, effects, depth + 1)
                _record(Invocation(f"{program} …", tuple(hazards)), effects, hazards)
                return
            words = runs or []
            continue
        if program == "env":
            words = _unwrap_env(words[1:], hazards)
            continue
        if program in _ELEVATE:
            hazards.append(f"`{program}` runs a command as another user or root")
            words = _skip_options(words[1:], frozenset({"-u", "-g", "-C", "-D", "-h", "-p"}))
            continue
        if program in _SHELLS or program == "eval":
            script = _inline_script(program, words[1:])
            if script is None:
                break
            if script == "":
                hazards.append(f"`{program}` reads the commands it runs from its input")
                break
            _analyse(script, ctx, effects, depth + 1)
            _record(Invocation(f"{program} -c …", tuple(hazards)), effects, hazards)
            return
        if program in ("cd", "pushd") and not [
            w for w in words[1:] if w.value[:1] != "-" or w.value == "-"
        ]:
            hazards.append(f"`{program}` without a folder goes to the home folder")
        if program in ("cd", "pushd") and words[1:] and words[-1].value == "-":
            hazards.append(f"`{program} -` goes back to a folder this check does not know")
        if program == "xargs":
            hazards.append("`xargs` adds arguments read from its input")
            words = _skip_options(words[1:], _XARGS_VALUES) or [Word("echo")]
            continue
        break
    if not words:
        _record(Invocation("", tuple(hazards)), effects, hazards)
        return
    form = command_form(words[0].value, [w.value for w in words[1:]])
    hazards.extend(_word_hazards(words, ctx, form.scripts))
    program = posixpath.basename(words[0].value)
    if program == "git":
        hazard = git_hazard([w.value for w in words[1:]], ctx.workspace)
        if hazard:
            hazards.append(hazard)
    places = _places(words, ctx, form.scripts)
    if program == "find":
        _find(words, ctx, effects, depth, hazards, form, places)
    _forms(form, words, ctx, effects, depth, hazards)
    text = " ".join(word.value for word in words)
    trees = [path for index in form.trees for path in places.get(index, [])]
    read_trees = [path for index in form.read_trees for path in places.get(index, [])]
    if form.reads_here and not any(
        ctx.workspace and os.path.lexists(os.path.join(ctx.workspace, p)) for p in read_trees
    ):
        read_trees.append(".")
    reads = [] if form.not_reading else [p for paths in places.values() for p in paths]
    for named in form.reads:  # files named inside a value or a script (`HEAD:a`, sed's `r a`)
        for path in _in_folders(named, ctx):
            where = _place(path, path.startswith("~"), ctx.workspace)
            if where is not None and where != "outside":
                reads.append(where)
    lands = [
        (source, _landing(source, words[1 + source_at].value, target, into, ctx.workspace))
        for source_at, target_at, into in form.lands
        for source in places.get(source_at, [])
        for target in places.get(target_at, [])
    ]
    effects.invocations.append(
        Invocation(
            text,
            tuple(dict.fromkeys(hazards)),
            reads=tuple(dict.fromkeys(reads)),
            trees=tuple(dict.fromkeys(trees)),
            read_trees=tuple(dict.fromkeys(read_trees)),
            skips_hidden=form.skips_hidden,
            lands=tuple(dict.fromkeys(lands)),
        )
    )


def _places(words: Sequence[Word], ctx: _Context, scripts: Collection[int]) -> dict[int, list[str]]:
    """The workspace-relative paths each argument names (by index after the command's
    name; a glob as the shell expands it, ``--opt=PATH`` as PATH); arguments that name
    nothing inside the workspace are left out."""
    places: dict[int, list[str]] = {}
    if ctx.workspace is None:
        return places
    for index, word in enumerate(words[1:]):
        if not word.literal or word.tilde or index in scripts:
            continue
        for candidate in _candidates(word, ctx):
            path = candidate.partition("=")[2] if candidate.startswith("-") else candidate
            if not path or path.startswith("-"):
                continue
            where = _place(path, False, ctx.workspace)
            if where is not None and where != "outside":
                places.setdefault(index, []).append(where)
    return places


def _landing(
    source: str, written: str, target: str, into: bool | None, workspace: str | None
) -> str:
    """Where the files under `source` (`written` so on the command line) land when
    copied or moved to `target`: ``cp -r x/. pkg`` copies what is in `x`, not `x`."""
    if written == "." or written.endswith("/."):
        into = False
    elif into is None:
        into = workspace is not None and os.path.isdir(os.path.join(workspace, target))
    if not into:
        return target
    return posixpath.normpath(posixpath.join(target, posixpath.basename(source)))


def _record(invocation: Invocation, effects: ShellEffects, hazards: list[str]) -> None:
    if hazards:
        effects.invocations.append(invocation)


_XARGS_VALUES = frozenset(
    {"-a", "-d", "-E", "-e", "-I", "-L", "-l", "-n", "-P", "-s", "--arg-file", "--delimiter"}
    | {"--max-args", "--max-lines", "--max-procs", "--max-chars", "--process-slot-var"}
)


def _time_output(words: list[Word], effects: ShellEffects) -> None:
    """GNU time's ``-o FILE`` (``--output``) writes its report into FILE."""
    for index, word in enumerate(words):
        value = word.value
        if value == "--" or not value.startswith("-"):
            return
        if value in ("-o", "--output") and index + 1 < len(words):
            effects.writes.append(words[index + 1].value)
        elif value.startswith("--output="):
            effects.writes.append(value.partition("=")[2])


def _runner(
    program: str, words: list[Word], effects: ShellEffects, hazards: list[str]
) -> str | list[Word] | None:
    """What ``watch``, ``flock`` and ``script`` run: a script for ``sh -c`` (``watch``
    joins its words with spaces and hands them to ``sh -c``; ``flock -c``, ``script -c``),
    the words of a command (``watch -x``, ``flock FILE CMD …``), or None when nothing
    runs. ``flock`` creates its lock file and ``script`` writes a typescript."""
    options: dict[str, str] = {}
    operands: list[Word] = []
    with_value = {
        "watch": {"-n", "--interval", "-q", "--equexit"},
        "flock": {"-w", "--wait", "--timeout", "-E", "--conflict-exit-code", "-c", "--command"},
        "script": {"-c", "--command", "-E", "--echo", "-I", "--log-in", "-O", "--log-out"}
        | {"-B", "--log-io", "-T", "--log-timing", "-m", "--logging-format"},
    }[program]
    index = 0
    while index < len(words):
        value = words[index].value
        if program != "script" and operands:
            operands.extend(words[index:])  # the command and its own options
            break
        if value == "--":
            operands.extend(words[index + 1 :])
            break
        if value.startswith("-") and value != "-":
            name, equals, glued = value.partition("=")
            if not equals and name in with_value and index + 1 < len(words):
                index += 1
                glued = words[index].value if words[index].literal else "$dynamic"
            options[name] = glued
        else:
            operands.append(words[index])
        index += 1
    if program == "watch":
        if "-x" in options or "--exec" in options:
            return operands
        if not all(word.literal for word in operands):
            hazards.append("`watch` runs a command the shell computes")
            return None
        return " ".join(word.value for word in operands)
    if program == "flock":
        if len(operands) == 1 and operands[0].value.isdigit():
            return None  # `flock 9`: a descriptor the shell opened, nothing run
        if operands:
            effects.writes.append(operands[0].value)
        command = operands[1:]
        if command[:1] and command[0].value in ("-c", "--command") and len(command) > 1:
            options["-c"] = command[1].value if command[1].literal else "$dynamic"
        script = options.get("-c", options.get("--command"))
        return script if script is not None else command
    hazards.append("`script` writes a typescript of what it runs into a file")
    return options.get("-c", options.get("--command"))


def _skip_options(words: list[Word], with_value: frozenset[str]) -> list[Word]:
    """Drop a wrapper's options (and the values of those in `with_value`)."""
    index = 0
    while index < len(words):
        value = words[index].value
        if value == "--":
            return words[index + 1 :]
        if not value.startswith("-") or value == "-":
            break
        takes_value = value in with_value  # `-n 5`, `--signal KILL`; not `--signal=KILL`
        index += 2 if takes_value else 1
    return words[index:]


def _unwrap_env(words: list[Word], hazards: list[str]) -> list[Word]:
    index = 0
    while index < len(words):
        value = words[index].value
        if value in ("-u", "--unset", "-C", "--chdir", "-S", "--split-string"):
            if value in ("-C", "--chdir", "-S", "--split-string"):
                hazards.append(f"`env {value}` changes how the command is run")
            index += 2
        elif value.startswith("-") and value != "-":
            if value.startswith(("--chdir", "--split-string", "-S", "-C")):
                hazards.append(f"`env {value}` changes how the command is run")
            index += 1
        elif "=" in value and not value.startswith("="):
            name, _, rest = value.partition("=")
            hazard = _assignment_hazard(Assignment(name, Word(rest, words[index].literal)))
            if hazard:
                hazards.append(hazard)
            index += 1
        else:
            break
    return words[index:]


def _inline_script(program: str, args: list[Word]) -> str | None:
    """The script a shell (or `eval`) runs: the `-c` operand; "" when it reads its input;
    None when it runs a script file (then rules decide about the command as written)."""
    if program == "eval":
        if not all(w.literal for w in args):
            return "$dynamic"  # unparseable on purpose: a computed eval is asked about
        return " ".join(w.value for w in args)
    for index, word in enumerate(args):
        value = word.value
        if value.startswith("-") and not value.startswith("--") and "c" in value[1:]:
            if index + 1 >= len(args):
                return ""
            script = args[index + 1]
            return script.value if script.literal else "$dynamic"
        if value in ("-o", "+o"):
            continue
        if not value.startswith(("-", "+")):
            return None  # `sh script.sh`
        if "s" in value[1:] and not value.startswith("--"):
            return ""
    return ""


#: Commands that change the files `find -exec CMD {}` hands them.
_CHANGING = frozenset({"rm", "unlink", "shred", "mv", "chmod", "chown", "chgrp", "truncate"})


def _find(
    words: list[Word],
    ctx: _Context,
    effects: ShellEffects,
    depth: int,
    hazards: list[str],
    form: CommandForm,
    places: dict[int, list[str]],
) -> None:
    """`find` runs commands (`-exec`, `-ok`) and writes files (`-delete`, `-fprint`).
    What it hands a command (``{}``) or deletes is everything below its start points
    (the folder names before the expression; the working folder when none): those are
    `form`'s trees (changed) or read trees (read) as the command does."""
    starts: list[int] = []
    index = 1
    while index < len(words) and words[index].value in ("-H", "-L", "-P", "-D", "-O"):
        index += 2 if words[index].value == "-D" else 1
    while index < len(words) and not words[index].value.startswith(("-", "(", "!", ",")):
        starts.append(index - 1)
        index += 1
    if not starts:
        starts, places[-1] = [-1], ["."]  # -1: the working folder, named by no word
    while index < len(words):
        value = words[index].value
        if value in ("-delete", "-fprint", "-fprint0", "-fprintf", "-fls"):
            hazards.append(f"`find {value}` deletes or writes files")
            if value == "-delete":
                form.trees.extend(starts)
        if value in ("-exec", "-execdir", "-ok", "-okdir"):
            end = index + 1
            while end < len(words) and words[end].value not in (";", "+"):
                end += 1
            inner = words[index + 1 : end]
            if inner:
                _words(list(inner), [], ctx, effects, depth + 1)
                if any("{}" in word.value for word in inner[1:]):
                    name = posixpath.basename(inner[0].value)
                    handed = command_form(name, [w.value for w in inner[1:]])
                    if name in _CHANGING or handed.hazards or handed.trees:
                        form.trees.extend(starts)
                    if not handed.not_reading:
                        form.read_trees.extend(starts)
            index = end
        index += 1


def _forms(
    form: CommandForm,
    words: list[Word],
    ctx: _Context,
    effects: ShellEffects,
    depth: int,
    hazards: list[str],
) -> None:
    """What the command's options and scripts write, read and run (``sed -i``, …)."""
    hazards.extend(form.hazards)
    effects.writes.extend(p for written in form.writes for p in _in_folders(written, ctx))
    for path in (p for read in form.reads for p in _in_folders(read, ctx)):
        where = _place(path, path.startswith("~"), ctx.workspace)
        if where == "outside":
            hazards.append(f"`{path}`, which the command reads, is outside the workspace")
        elif where is not None and ctx.is_protected(where):
            hazards.append(f"`{path}`, which the command reads, is the protected `{where}`")
    for start, end in form.runs:
        _words(list(words[1 + start : 1 + end]), [], ctx, effects, depth + 1)


def _assignment_hazard(assignment: Assignment) -> str | None:
    name = assignment.name
    if name in HARMLESS_VARIABLES or name.startswith("LC_"):
        return None
    return f"setting `{name}` can change what the command does"


def _word_hazards(words: Sequence[Word], ctx: _Context, scripts: Collection[int] = ()) -> list[str]:
    """Hazards of the arguments; those at `scripts` (indices after the name) are script
    text, whose slashes name no path."""
    hazards: list[str] = []
    if not words[0].literal:
        return ["the command's name is computed by the shell"]
    read_only_git = posixpath.basename(words[0].value) == "git" and is_read_only_git(
        [w.value for w in words[1:]]
    )
    for index, word in enumerate(words[1:]):
        if not word.literal:
            hazards.append(
                f"the argument `{word.value}` is computed by the shell (an expansion or "
                "a command substitution)"
            )
            continue
        if index in scripts:
            continue
        candidates = _candidates(word, ctx)
        if word.glob and any(match.startswith("-") for match in candidates):
            hazards.append(f"`{word.value}` expands to a file name that reads as an option")
        for candidate in candidates:
            path = candidate.partition("=")[2] if candidate.startswith("-") else candidate
            if not path or path.startswith("-"):
                continue
            where = _place(path, word.tilde, ctx.workspace)
            if where == "outside":
                hazards.append(f"`{candidate}` names a path outside the workspace")
            elif where is not None and not read_only_git and ctx.is_protected(where):
                hazards.append(f"`{candidate}` names the protected path `{where}`")
    return hazards


def _expand_glob(pattern: str, workspace: str | None) -> list[str]:
    if workspace is None or pattern.startswith(("/", "~")):
        return [pattern]
    # Asked through the workspace's inputs: `orchestra check` decides with this.
    from orchestra_lsp.workspace.inputs import shell_glob

    return shell_glob(pattern, workspace) or [pattern]


def _place(path: str, tilde: bool, workspace: str | None) -> str | None:
    """`"outside"` for a path that leaves the workspace, its workspace-relative form for
    a path inside it, None for a word that is not recognisably a path."""
    if tilde:
        return "outside"
    if path in DEVICE_FILES or workspace is None:
        return None
    # Asked through the workspace's inputs: `orchestra check` decides with this.
    from orchestra_lsp.workspace.inputs import lexists, realpath

    root = realpath(workspace)
    joined = os.path.join(root, path)
    if not (path.startswith("/") or ".." in path.split("/") or lexists(Path(joined))):
        # Only words that point somewhere (absolute, climbing, or an existing file) are
        # treated as paths: a commit message or a pattern is not.
        return "." if path in (".", "./") else _relative(joined, root) if "/" in path else path
    real = realpath(joined)
    if real != root and not real.startswith(root.rstrip("/") + "/"):
        return "outside"
    return _relative(real, root)


def _relative(path: str, root: str) -> str:
    return posixpath.normpath(os.path.relpath(path, root))
