"""Which forms of a git command only read the repository.

The default policy lets an agent run ``git status``, ``git diff``, ``git log`` and
``git show`` without asking. Those commands can still write files (``--output=…``),
run programs (``--ext-diff``, ``-c diff.external=…``, ``--upload-pack=…``) or read
outside the workspace (``--no-index ~/.ssh/id_rsa``, ``-C /elsewhere``); such a form is
a hazard, which a person must accept whatever the rules say. The check applies to every
git command line, not only the default ones: a rule such as ``run_shell(git fetch*)``
does not mean ``git fetch --upload-pack='sh -c …'``.

Git accepts any unambiguous prefix of a long option (``--ext-d`` is ``--ext-diff``), so
long options are compared by prefix. Paths outside the workspace in arguments are caught
by :mod:`orchestra_lsp.shell_effects`, which calls this module.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

#: Subcommands that only read (in their forms without a hazard).
READ_ONLY_SUBCOMMANDS = frozenset(
    {
        "status",
        "diff",
        "log",
        "show",
        "blame",
        "annotate",
        "grep",
        "ls-files",
        "ls-tree",
        "cat-file",
        "rev-parse",
        "rev-list",
        "describe",
        "shortlog",
        "show-ref",
        "for-each-ref",
        "whatchanged",
        "diff-tree",
        "diff-files",
        "diff-index",
        "name-rev",
        "merge-base",
        "version",
        "help",
    }
)

#: Long options that write a file, run a program or name another repository's programs,
#: whatever the subcommand.
_LONG_HAZARDS = {
    "output": "writes its output to a file",
    "output-directory": "writes files",
    "ext-diff": "runs an external diff program",
    "exec": "runs a program",
    "upload-pack": "runs a program on the other side (or here)",
    "receive-pack": "runs a program on the other side (or here)",
    "open-files-in-pager": "runs a program",
    "extcmd": "runs a program",
    "tool": "runs a program",
    "template": "installs hooks from a template folder",
    "config": "sets git configuration, which can run programs",
    "separate-git-dir": "moves the repository",
    "git-dir": "uses another repository",
    "work-tree": "uses another working tree",
}
#: Long options whose name merely starts like a hazard (git would not expand them to one).
_LONG_SAFE = frozenset(
    {
        "output-indicator-new",
        "output-indicator-old",
        "output-indicator-context",
        "no-ext-diff",
        "exclude",
        "exclude-standard",
        "exclude-per-directory",
        "exclude-from",
        "exclude-hidden",
        "exit-code",
        "expand-tabs",
        "no-expand-tabs",
        "config-env",  # handled as a global option
    }
)
#: Short options that are hazards only for some subcommands.
_SHORT_HAZARDS: dict[str, dict[str, str]] = {
    "grep": {"O": "opens the files in a program"},
    "format-patch": {"o": "writes files"},
    "archive": {"o": "writes a file"},
    "difftool": {"x": "runs a program", "t": "runs a program"},
    "mergetool": {"t": "runs a program"},
    "rebase": {"x": "runs a program"},
    "clone": {"u": "runs a program", "c": "sets git configuration"},
    "fetch": {"u": "runs a program"},
    "ls-remote": {"u": "runs a program"},
    "bundle": {},
}
#: Subcommands that run programs or rewrite settings whatever their options.
_RUNNERS = {
    "submodule": "can run a command in every submodule",
    "bisect": "can run a command at every step",
    "filter-branch": "runs commands over history",
    "filter-repo": "runs commands over history",
    "hook": "runs a hook",
    "daemon": "serves the repository",
    "instaweb": "starts a web server",
    "credential": "reads stored credentials",
    "credential-store": "reads stored credentials",
    "credential-cache": "reads stored credentials",
}
_GLOBAL_WITH_VALUE = frozenset(
    {"-C", "-c", "--git-dir", "--work-tree", "--namespace", "--config-env", "--super-prefix"}
)


def _split_global(args: Sequence[str]) -> tuple[list[tuple[str, str | None]], list[str]]:
    """Git's global options (with their values) and the rest (subcommand first)."""
    options: list[tuple[str, str | None]] = []
    index = 0
    while index < len(args) and args[index].startswith("-"):
        arg = args[index]
        if "=" in arg and arg.startswith("--"):
            name, _, value = arg.partition("=")
            options.append((name, value))
            index += 1
        elif arg in _GLOBAL_WITH_VALUE:
            options.append((arg, args[index + 1] if index + 1 < len(args) else ""))
            index += 2
        elif arg.startswith("-c") and len(arg) > 2:
            options.append(("-c", arg[2:]))
            index += 1
        elif arg.startswith("-C") and len(arg) > 2:
            options.append(("-C", arg[2:]))
            index += 1
        else:
            options.append((arg, None))
            index += 1
    return options, list(args[index:])


def is_read_only_git(args: Sequence[str]) -> bool:
    """Whether `git ARGS` names a subcommand of :data:`READ_ONLY_SUBCOMMANDS`."""
    _, rest = _split_global(args)
    return bool(rest) and rest[0] in READ_ONLY_SUBCOMMANDS


def git_hazard(args: Sequence[str], workspace: str | None) -> str | None:
    """Why `git ARGS` (arguments after `git`, quotes removed) needs a person, or None."""
    options, rest = _split_global(args)
    for name, value in options:
        if name in ("-c", "--config-env"):
            return f"`git {name}` sets configuration, which can run programs"
        if name == "--exec-path" and value is not None:
            return "`git --exec-path=…` runs git's programs from another folder"
        if name in ("-C", "--git-dir", "--work-tree") and not _inside(value or "", workspace):
            return f"`git {name} {value}` works on a folder outside the workspace"
    if not rest:
        return None
    subcommand, sub_args = rest[0], rest[1:]
    if subcommand in _RUNNERS:
        return f"`git {subcommand}` {_RUNNERS[subcommand]}"
    if subcommand == "config" and not _config_reads(sub_args):
        return "`git config` changes configuration, which can run programs"
    if subcommand == "clean" and not _dry_run(sub_args):
        # Untracked files have no history to take them back from, and -x reaches the
        # ignored ones too: .orchestra/runs (the journal), CLAUDE.local.md, .env.
        return "`git clean` deletes untracked files, which nothing can give back"
    short = _SHORT_HAZARDS.get(subcommand, {})
    for arg in sub_args:
        if arg == "--":
            break
        if arg.startswith("--"):
            hazard = _long_hazard(arg[2:].split("=", 1)[0])
            if hazard:
                return f"`git {subcommand} {arg}` {hazard}"
        elif arg.startswith("-") and len(arg) > 1:
            for letter in arg[1:]:
                if letter in short:
                    return f"`git {subcommand} {arg}` {short[letter]}"
    return None


def _long_hazard(name: str) -> str | None:
    if not name or name in _LONG_SAFE:
        return None
    for hazard, why in _LONG_HAZARDS.items():
        # An exact name, or an abbreviation git would expand (three letters at least).
        if name == hazard or (len(name) >= 3 and hazard.startswith(name)):
            return why
    return None


def _dry_run(args: Sequence[str]) -> bool:
    """Whether `git clean ARGS` only says what it would delete (-n, --dry-run)."""
    for arg in args:
        if arg == "--":
            break
        if arg == "--dry-run" or (arg.startswith("-") and not arg.startswith("--") and "n" in arg):
            return True
    return False


def _config_reads(args: Sequence[str]) -> bool:
    readers = {"--get", "--get-all", "--get-regexp", "--list", "-l", "get", "list"}
    writers = {"--file", "-f", "--global", "--system", "--blob"}
    return any(a in readers for a in args) and not any(a in writers for a in args)


def _inside(path: str, workspace: str | None) -> bool:
    if workspace is None:
        return False
    root = os.path.realpath(workspace)
    real = os.path.realpath(os.path.join(root, os.path.expanduser(path)))
    return real == root or real.startswith(root.rstrip("/") + "/")
