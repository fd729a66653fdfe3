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
  ``run_shell(npm test*)`` the star must cover ``npm test -- src/a.test.ts``. A
  command pattern ending in a space and ``*`` is a prefix match at a word boundary,
  as Claude Code's ``Bash(git diff:*)`` and ``Bash(git diff *)`` are:
  ``run_shell(git diff *)`` covers ``git diff`` and ``git diff --cached``, never
  ``git diff-index`` (which ``run_shell(git diff*)`` covers).

Command lines are read by a real shell parser (:mod:`orchestra_lsp.shell_syntax`) and
analysed by :mod:`orchestra_lsp.shell_effects`: every command the line runs — after
``;``/``&&``/``||``/``|``/``&``, in subshells and groups, in ``$(…)``, backticks,
``<(…)``, here-documents, behind wrappers such as ``env``, ``timeout``, ``nice``,
``sudo``, ``xargs``, ``sh -c``/``bash -c``, ``eval`` and ``find -exec`` — is matched
against the rules with quotes removed and wrappers and ``VAR=value`` prefixes set aside.
Every command must be allowed for the line to be allowed; any command (or the whole
line) matching a deny rule denies it. On top of that:

- a redirection to a file (``>``, ``>>``, ``>|``, ``&>``, ``2>``, ``>&file``, …) is a
  write, decided like ``edit`` of that path — except that the bare ``edit`` rule (which
  lets an agent *propose* changes, all reviewed) does not cover it: a shell writes
  without review, so only a rule naming paths (``edit(build/**)``) allows it. A
  redirection from a file is a read, decided like ``read_file``. ``/dev/null`` is free;
- hazards (see :mod:`orchestra_lsp.shell_effects`, :mod:`orchestra_lsp.git_forms` and
  :mod:`orchestra_lsp.command_forms`: git options that write or run programs, ``sed -i``
  and sed's or awk's scripts that write or run, ``tar -x``, ``rg --pre``…, paths outside
  the workspace or protected paths as arguments, computed words, dangerous variables,
  ``sudo``, ``xargs``…) and lines the parser cannot read are never allowed by a rule,
  only asked about or denied. A command's own output files (``sort -o``, ``tee``) are
  writes, decided like redirections;
- a command that removes, moves or rewrites a whole folder (``rm -r``, ``mv``, ``git rm
  -r``, ``rsync --delete``, ``chmod -R``, ``find … -delete`` or ``-exec rm {}``), or
  copies one where its protected names would land (``cp -r x/. .``), touches every
  protected path below it on disk: asked (``.git``: denied) whatever rule allows it;
- the files a command names are reads (``cat secrets/*``, as the shell expands it), and
  the folders it reads through (``grep -r``, ``rg``, ``find -exec cat {}``, ``tar -c``,
  ``cp -r``) read every file below them on disk: the read rules decide them as they
  decide ``read_file``, and the reason names the withheld file.

Protected paths (:data:`DEFAULT_PROTECTED`, extended by ``[permissions] protected`` in
config.toml) need a person for every write — an ``edit`` or a redirection — whatever the
allow rules say; in automation mode (``--yes``) nobody can approve, so they are refused:
a run cannot widen its own permissions or plant hooks. ``.git/`` is never written by an
agent (:data:`NEVER_WRITTEN`). Matching is case-insensitive and follows symbolic links.

The engine's automation mode (``--yes``) turns ``ask`` into "allowed by policy"; this
module only states the verdict and why.
"""

from __future__ import annotations

import json
import os
import posixpath
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from orchestra_lsp.shell_effects import Invocation, shell_effects

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
#: Built-in tools that write the path they are given.
WRITE_TOOLS = frozenset({"edit"})
#: Built-in tools that read the files under the path they are given (`search`'s rules
#: name its pattern; its `path` is decided by the read rules too, as Claude Code's Read
#: rules cover Grep, Glob and LS).
READ_TOOLS = frozenset({"read_file", "list_files", "search"})
#: Argument names under which an MCP tool takes a path (or a list of paths), as
#: file-system, git and editor servers name them; a `uri` counts when it is `file:`.
PATH_KEYS = frozenset(
    {
        "path", "paths", "file", "files", "filename", "filenames", "filepath", "file_path",
        "file_paths", "source", "destination", "src", "dest", "target", "uri", "uris",
        "root", "directory", "dir", "folder", "cwd", "repo_path",
    }
)  # fmt: skip
#: How many entries a folder named by an MCP call is walked for files a read rule keeps
#: back; a larger folder is asked about (it might hold one).
FOLDER_WALK_LIMIT = 20_000

#: Paths an agent never writes, whatever a person or a rule says.
NEVER_WRITTEN: tuple[str, ...] = (".git", ".git/**", "**/.git", "**/.git/**")
#: Paths whose every write needs a person (also in automation mode), relative to the
#: workspace: Orchestra's and Claude Code's own configuration, also a sub-folder's (a run
#: must not widen its permissions), the persistent context every later run reads (its
#: `@~/` imports pull the person's files into the prompt), secrets, CI definitions,
#: hooks, and the files a person's tools run code from when the folder is opened or a
#: package manager runs (code that runs elsewhere, later).
DEFAULT_PROTECTED: tuple[str, ...] = (
    "**/.orchestra/**",
    "**/.claude/**",
    "**/.mcp.json",
    "**/mcp.json",
    "**/CLAUDE.md",
    "**/CLAUDE.local.md",
    "**/AGENTS.md",
    ".github/copilot-instructions.md",
    "**/.env*",
    ".github/workflows/**",
    ".github/actions/**",
    ".gitlab-ci.yml",
    ".gitlab-ci.yaml",
    ".gitlab/**",
    ".circleci/**",
    ".travis.yml",
    "azure-pipelines.yml",
    ".azure-pipelines/**",
    "bitbucket-pipelines.yml",
    ".buildkite/**",
    "Jenkinsfile",
    ".drone.yml",
    ".woodpecker.yml",
    ".woodpecker/**",
    ".githooks/**",
    ".husky/**",
    ".pre-commit-config.*",
    # lefthook reads any of .yml/.yaml/.json/.jsonc/.toml, hidden or not, and a local file
    "lefthook.*",
    ".lefthook.*",
    "lefthook-local.*",
    ".lefthook-local.*",
    ".lefthook/**",
    ".config/lefthook.*",
    ".gitmodules",
    ".gitattributes",
    ".vscode/**",
    ".devcontainer/**",
    ".idea/**",
    ".zed/**",
    ".helix/**",
    ".nvim.lua",
    ".nvimrc",
    ".exrc",
    "**/.dir-locals.el",
    "**/.dir-locals-2.el",
    "**/.npmrc",
    "**/.yarnrc",
    "**/.yarnrc.yml",
    ".yarn/plugins/**",
    ".yarn/releases/**",
    "**/.pnpmfile.cjs",
    "**/bunfig.toml",
)
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
    protected: tuple[str, ...] = DEFAULT_PROTECTED
    """Path globs whose writes need a person (see the module docstring)."""
    hints: Mapping[str, tuple[Verdict, str]] = field(default_factory=dict)
    """Verdict and reason for a tool no rule names, from what the tool says of itself
    (an MCP server's `readOnlyHint`); any rule that matches wins over a hint."""
    read_only: frozenset[str] = frozenset()
    """MCP tools their server marks read-only: the paths their arguments name are only
    read; any other MCP tool's are read and written."""

    def with_hints(
        self, hints: Mapping[str, tuple[Verdict, str]], read_only: Iterable[str] = ()
    ) -> Policy:
        """This policy, also knowing `hints` (see `hints`) and `read_only` tools."""
        return replace(
            self, hints={**self.hints, **hints}, read_only=self.read_only | frozenset(read_only)
        )

    @classmethod
    def from_strings(
        cls,
        allow: Iterable[str] = (),
        ask: Iterable[str] = (),
        deny: Iterable[str] = (),
        workspace: str | None = None,
        protected: Iterable[str] = (),
    ) -> Policy:
        """Build a policy from configuration strings; raise :class:`PolicyError` listing
        every malformed rule rather than silently dropping one (a lost deny rule would be
        a silent loosening). `protected` adds to :data:`DEFAULT_PROTECTED`."""
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

        extra = tuple(p.strip() for p in protected if p.strip())
        policy = cls(
            parse_all(allow),
            parse_all(ask),
            parse_all(deny),
            workspace,
            tuple(dict.fromkeys((*DEFAULT_PROTECTED, *extra))),
        )
        if errors:
            raise PolicyError(errors)
        return policy

    def decide(self, tool_name: str, args: Mapping[str, Any]) -> Decision:
        """The verdict for calling `tool_name` with `args`. Never raises."""
        text = argument_text(tool_name, args, self.workspace)
        if tool_name == _COMMAND_TOOL:
            return self._decide_command(text)
        decision = self._decide_one(tool_name, text)
        if tool_name in _PATH_TOOLS and _escapes(text):
            decision = _at_most_ask(decision, "the path is outside the workspace")
        if tool_name in WRITE_TOOLS:
            decision = self._guard_write(text, decision)
        if tool_name in READ_TOOLS or tool_name in WRITE_TOOLS:
            # `edit` reads too: `view`, and the snippet every change shows back.
            path = args.get("path")
            if isinstance(path, str) and path:
                decision = self._guard_read(_normalise_path(path, self.workspace), decision)
        elif tool_name.startswith("mcp__"):
            decision = self._guard_named_paths(tool_name, args, decision)
        return decision

    def withholds(self, path: str, *, real: bool = True) -> Decision | None:
        """Why reading `path` (workspace-relative) is refused or needs a person: a deny
        rule of `read_file` (Claude Code's `Read`), or an ask rule naming paths; None
        when the read rules let it be read. `search` and `list_files` leave such files
        out of what they show, and a call naming one is decided by this too. `real`
        False: the caller knows `path` is where it leads (no link on the way)."""
        for form in self._real_forms(path) if real else [path]:
            decision = self._decide_one("read_file", form)
            if decision.rule is None or decision.verdict == "allow":
                continue
            if decision.verdict == "ask" and "(" not in decision.rule:
                continue  # a bare `read_file` ask is about `read_file` calls, not every read
            return decision
        return None

    def _real_forms(self, path: str) -> list[str]:
        """`path` and, when a symbolic link leads elsewhere in the workspace, where it
        leads: a link to `.env` is read as `.env`."""
        forms = [path]
        if self.workspace and not _escapes(path):
            real = os.path.realpath(os.path.join(self.workspace, path))
            root = os.path.realpath(self.workspace)
            if real.startswith(root.rstrip("/") + "/"):
                target = posixpath.normpath(os.path.relpath(real, root))
                if target != path:
                    forms.append(target)
        return forms

    def withholds_any(self) -> bool:
        """Whether any rule could keep a path from being read (cheap: no path needed)."""
        return any(
            rule.matches_tool("read_file") and (verdict == "deny" or rule.argument is not None)
            for verdict, rules in (("deny", self.deny), ("ask", self.ask))
            for rule in rules
        )

    def _guard_read(self, path: str, decision: Decision, *, what: str = "") -> Decision:
        """`decision`, made at least as strict as the read rules' verdict on `path`."""
        held = self.withholds(path)
        if held is None or _SEVERITY[held.verdict] <= _SEVERITY[decision.verdict]:
            return decision
        reason = f"{what or 'it'} reads `{path}`: {held.reason}"
        return Decision(verdict=held.verdict, rule=held.rule, reason=reason)

    def _guard_named_paths(
        self, tool_name: str, args: Mapping[str, Any], decision: Decision
    ) -> Decision:
        """An MCP call's arguments that name workspace paths are reads of them (and, for
        a tool its server does not mark read-only, writes), decided by the same rules as
        `read_file` and `edit`: a file-system server's tool cannot read `.env` past a
        `Read(.env)` deny rule because the server calls itself read-only."""
        writes = tool_name not in self.read_only
        for path in named_paths(args, self.workspace):
            what = f"argument `{path}`"
            decision = self._guard_read(path, decision, what=what)
            if self.workspace and decision.verdict != "deny":
                hidden = _withheld_below(self, path)
                if hidden is not None:
                    decision = _at_most_ask(
                        decision,
                        f"folder `{path}` holds {hidden}, which the read rules keep back, and "
                        "the MCP server would not leave it out",
                    )
            if writes and decision.verdict != "deny":
                written = self._decide_one("edit", path)
                if (
                    written.rule is not None
                    and _SEVERITY[written.verdict] > _SEVERITY[decision.verdict]
                ):
                    reason = f"{what} may be written: {written.reason}"
                    decision = Decision(verdict=written.verdict, rule=written.rule, reason=reason)
                guarded = self._guard_write(path, Decision(verdict="allow", rule=None, reason=""))
                if _SEVERITY[guarded.verdict] > _SEVERITY[decision.verdict]:
                    reason = f"{what} may be written by a tool not marked read-only: " + (
                        guarded.reason
                    )
                    decision = Decision(verdict=guarded.verdict, rule=guarded.rule, reason=reason)
        return decision

    def protection(self, path: str, *, real: bool = True) -> tuple[Verdict, str] | None:
        """Whether writing `path` (relative to the workspace, or absolute inside it) is
        refused (``"deny"``: ``.git/``) or needs a person (``"ask"``), with the glob that
        says so; None for an ordinary path. Landing code calls this too, so that an
        automatic review never lands a protected file. `real` False: the caller knows
        `path` is where it leads (no link on the way)."""
        forms = {_normalise_path(path, self.workspace)}
        if self.workspace and real:
            # Asked through the workspace's inputs: `orchestra check` decides with this.
            from orchestra_lsp.workspace.inputs import realpath

            leads = realpath(os.path.join(self.workspace, next(iter(forms))))
            root = realpath(self.workspace)
            if leads.startswith(root.rstrip("/") + "/"):
                forms.add(posixpath.normpath(os.path.relpath(leads, root)))
        forms |= {_as_windows_reads(form) for form in forms}
        for verdict, globs in (("deny", NEVER_WRITTEN), ("ask", self.protected)):
            for glob in globs:
                pattern = _compile_protected(glob)
                if any(pattern.fullmatch(form) for form in forms):
                    return ("deny" if verdict == "deny" else "ask"), glob
        return None

    def _guard_write(self, path: str, decision: Decision, *, real: bool = True) -> Decision:
        protection = self.protection(path, real=real)
        if protection is None or decision.verdict == "deny":
            return decision
        verdict, glob = protection
        if verdict == "deny":
            why = f"an agent never writes `{path}` (git's own files)"
            return Decision(verdict="deny", rule=glob, reason=why)
        return Decision(
            verdict="ask",
            rule=glob,
            reason=f"`{path}` is protected (`{glob}`): a person must approve every write to it, "
            "also in automation mode",
        )

    def _decide_command(self, text: str) -> Decision:
        """A command line: the strictest verdict among what it runs, writes and reads."""
        text = text.replace("\\\n", "")  # a line continuation joins the lines
        effects = shell_effects(
            text, self.workspace, lambda path: self.protection(path) is not None
        )
        decided: list[tuple[str, Decision]] = []
        for invocation in effects.invocations:
            decision = (
                self._decide_one(_COMMAND_TOOL, invocation.text)
                if invocation.text
                else Decision(verdict="ask", rule=None, reason="no command")
            )
            if invocation.hazards:
                decision = _at_most_ask(decision, invocation.hazards[0], force=True)
            decision = self._guard_invocation(invocation, decision)
            decided.append((invocation.text or "the command", decision))
        for path in effects.writes:
            decided.append((f"> {path}", self._decide_redirect_write(path)))
        for path in effects.reads:
            decided.append((f"< {path}", self.decide("read_file", {"path": path})))
        whole = self._decide_one(_COMMAND_TOOL, text)
        if not decided:
            decided.append((text, whole))
        decision = self._combine(decided)
        if whole.rule is not None and _SEVERITY[whole.verdict] > _SEVERITY[decision.verdict]:
            decision = whole  # e.g. deny `run_shell(*sudo*)` spans several parts
        if effects.problems:
            decision = _at_most_ask(decision, effects.problems[0], force=True)
        return decision

    def _guard_invocation(self, invocation: Invocation, decision: Decision) -> Decision:
        """`decision`, made at least as strict as what the command reads says by the read
        rules (the files it names, the folders it reads through) and what it changes
        below the paths it names says by the protected paths (``rm -r pkg`` with a
        `pkg/.claude/`; ``cp -r x pkg`` that would make one)."""
        for path in invocation.reads:
            decision = self._guard_read(path, decision)
        if self.workspace is None:
            return decision
        for folder in invocation.read_trees:
            found = _withheld_under(self, folder, hidden=not invocation.skips_hidden)
            if found is not None:
                path, held = found
                reason = f"it reads through `{folder}`, which holds {path}: {held.reason}"
                decision = _stricter(decision, held.model_copy(update={"reason": reason}))
        changed = [(path, path) for path in invocation.trees] + list(invocation.lands)
        first: Decision | None = None  # the first protected path found (a `.git` one first)
        for source, target in changed:
            hit = self._protected_under(source, target)
            if hit is not None and (first is None or hit[1].verdict == "deny" != first.verdict):
                what = (
                    f"everything under `{source}`"
                    if source == target
                    else f"the files under `{source}` into `{target}`"
                )
                reason = f"it removes, moves or writes {what}, and {hit[1].reason}"
                first = hit[1].model_copy(update={"reason": reason})
        return decision if first is None else _stricter(decision, first, forced=True)

    def _protected_under(self, source: str, target: str) -> tuple[str, Decision] | None:
        """The first path that a command writing what is under the workspace path
        `source` to `target` (the same path: it removes or rewrites it) makes, changes or
        removes and that is protected, with `_guard_write`'s verdict (a `.git` path,
        refused, before any other); None when there is none."""
        assert self.workspace is not None
        allow = Decision(verdict="allow", rule=None, reason="")
        root = os.path.join(self.workspace, source)
        found: tuple[str, Decision] | None = None
        # Below a target reached through no link, a path is decided as written (a
        # realpath each would make a walk slow); once one asks, only `.git` matters more.
        workspace_root = os.path.realpath(self.workspace)
        landing = os.path.join(workspace_root, target)
        real = os.path.realpath(landing) != os.path.normpath(landing)

        def check(relative: str, *, first: bool = False) -> bool:
            nonlocal found
            if found is not None and posixpath.basename(relative).lower() != ".git":
                return False  # walked on by name only
            written = posixpath.normpath(posixpath.join(target, relative))
            guarded = self._guard_write(written, allow, real=real or first)
            if guarded.verdict != "allow" and (found is None or guarded.verdict == "deny"):
                found = (f"`{written}`", guarded)
            return guarded.verdict != "allow"

        if check(".", first=True) or not os.path.isdir(root) or os.path.islink(root):
            return found
        seen = 0
        for current, dirs, files in os.walk(root):
            below = os.path.relpath(current, root)
            for name in files:
                check(posixpath.join(below, name))
            dirs[:] = [d for d in dirs if not check(posixpath.join(below, d))]
            if found is not None and found[1].verdict == "deny":
                return found
            seen += len(dirs) + len(files)
            if seen > FOLDER_WALK_LIMIT:
                why = f"`{source}` holds more than {FOLDER_WALK_LIMIT} entries (too many to check)"
                return found or (f"`{source}`", Decision(verdict="ask", rule=None, reason=why))
        return found

    def _decide_redirect_write(self, path: str) -> Decision:
        decision = self.decide("edit", {"path": path})
        if decision.verdict == "allow" and (decision.rule is None or "(" not in decision.rule):
            target = _normalise_path(path, self.workspace)
            for rule in self.allow:
                if rule.argument is not None and rule.matches("edit", target):
                    return Decision(
                        verdict="allow", rule=rule.text, reason=f"allowed by rule `{rule.text}`"
                    )
            return Decision(
                verdict="ask",
                rule=decision.rule,
                reason=f"the redirection writes `{path}` directly, without review; only a "
                "rule naming the path (such as `edit(build/**)`) allows that",
            )
        return decision

    @staticmethod
    def _combine(decided: Sequence[tuple[str, Decision]]) -> Decision:
        worst_part, worst = max(decided, key=lambda item: _SEVERITY[item[1].verdict])
        if worst.verdict != "allow":
            if len(decided) == 1:
                return worst
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
        hint = self.hints.get(tool_name)
        if hint is not None:
            return Decision(verdict=hint[0], rule=None, reason=hint[1])
        return Decision(verdict="ask", rule=None, reason=f"no rule matches `{tool_name}`")


_PAST: Mapping[Verdict, str] = {"deny": "denied", "ask": "asked", "allow": "allowed"}


def _stricter(decision: Decision, other: Decision, *, forced: bool = False) -> Decision:
    """The stricter of two decisions; with `forced`, `other` also replaces an ask (its
    reason is then the one a person needs: no rule can allow it)."""
    if _SEVERITY[other.verdict] > _SEVERITY[decision.verdict]:
        return other
    if forced and other.verdict == decision.verdict == "ask":
        return other
    return decision


def _at_most_ask(decision: Decision, why_not: str, *, force: bool = False) -> Decision:
    """An allow becomes an ask (with `why_not` first in the reason); with `force`, the
    reason of an ask without a rule says why too."""
    if decision.verdict == "deny" or (decision.verdict == "ask" and not force):
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


def unreviewed_writes(rule_text: str) -> str | None:
    """The warning for an allow rule that lets every tool of an MCP server run
    (`mcp__fs__*`, Claude Code's `mcp__fs`): its tools not marked read-only write files on
    disk without review. None for any other rule (a tool named exactly is a choice)."""
    rule = parse_rule(rule_text)
    if isinstance(rule, RuleError) or rule.argument is not None:
        return None
    server, _, tool = rule.tool.removeprefix("mcp__").partition("__")
    if not rule.tool.startswith("mcp__") or tool.strip("*"):
        return None  # `mcp__fs__read_*` chooses tools by name
    which = f"MCP server '{server}'" if "*" not in server else "every MCP server"
    return (
        f"allows every tool of {which}: a tool its server does not mark read-only changes "
        "files on disk without review (Orchestra journals such changes as applied outside "
        "review, and `orchestra undo` takes back what it can); allow its read-only tools by "
        "name to have the others asked"
    )


def named_paths(args: Mapping[str, Any], workspace: str | None) -> list[str]:
    """Workspace-relative paths an MCP call's arguments name, in order, once each: the
    values of :data:`PATH_KEYS` (strings, lists of strings, `file:` URIs) at any depth,
    and any other string that is the path of something that exists in the workspace.
    Paths outside the workspace are left out (the server's own roots confine those)."""
    found: dict[str, None] = {}

    def add(text: str, *, keyed: bool) -> None:
        if not text or len(text) > 4096 or "\n" in text or "\0" in text:
            return
        if text.startswith("file:"):
            from urllib.parse import unquote, urlparse

            text = unquote(urlparse(text).path)
        elif "://" in text:
            return
        path = _normalise_path(os.path.expanduser(text), workspace)
        if _escapes(path):
            return
        if not keyed and (
            workspace is None or path == "." or not os.path.lexists(os.path.join(workspace, path))
        ):
            return
        found[path] = None

    def visit(value: Any, keyed: bool) -> None:
        if isinstance(value, str):
            add(value, keyed=keyed)
        elif isinstance(value, Mapping):
            for key, item in value.items():
                visit(item, str(key).lower() in PATH_KEYS)
        elif isinstance(value, list | tuple):
            for item in value:
                visit(item, keyed)

    visit(args, False)
    return list(found)


def _withheld_below(policy: Policy, folder: str) -> str | None:
    """A file under the workspace folder `folder` (ignored files included) that the read
    rules keep back, as `path`, or a phrase when the folder is too large to walk; None
    when it holds none or is no folder."""
    found = _withheld_under(policy, folder)
    return None if found is None else found[0]


def _withheld_under(
    policy: Policy, folder: str, *, hidden: bool = True
) -> tuple[str, Decision] | None:
    """The first file or folder under the workspace folder `folder` (ignored files
    included; hidden ones only when `hidden`) that the read rules keep back, as
    ``(`path`, their decision)``, or a phrase and an ask when the folder is too large to
    walk; None when it holds none or is no folder."""
    assert policy.workspace is not None
    root = os.path.join(policy.workspace, folder)
    if not policy.withholds_any() or not os.path.isdir(root) or os.path.islink(root):
        return None
    # Below a folder reached through no link, only a link leads elsewhere: the others
    # are decided by their own path (a realpath each would make a walk slow).
    workspace_root = os.path.realpath(policy.workspace)
    lexical = os.path.realpath(root) == os.path.normpath(os.path.join(workspace_root, folder))
    seen = 0
    # A deny is named before an ask, and a link only when no file is.
    link: tuple[str, Decision] | None = None
    asked: tuple[str, Decision] | None = None
    for current, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d != ".git" and (hidden or not d.startswith("."))]
        here = posixpath.normpath(posixpath.join(folder, os.path.relpath(current, root)))
        prefix = "" if here == "." else here + "/"
        for name in (*dirs, *files):
            if not hidden and name.startswith("."):
                continue
            seen += 1
            relative = prefix + name
            is_link = os.path.islink(os.path.join(current, name))
            held = policy.withholds(relative, real=is_link or not lexical)
            if held is None:
                continue
            if is_link:
                link = link or (f"`{relative}`", held)
            elif held.verdict == "deny":
                return f"`{relative}`", held
            else:
                asked = asked or (f"`{relative}`", held)
        if seen > FOLDER_WALK_LIMIT:
            why = f"more than {FOLDER_WALK_LIMIT} entries (too many to check)"
            too_many = Decision(verdict="ask", rule=None, reason="a read rule might keep one back")
            return asked or link or (why, too_many)
    if link is not None and (asked is None or link[1].verdict == "deny"):
        return link
    return asked


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


def _as_windows_reads(path: str) -> str:
    """`path` as Windows opens it: NTFS drops a name's trailing dots and spaces
    (`settings.json.`) and reads `name::$DATA` (a stream) as `name`."""
    parts = []
    for part in path.split("/"):
        if part not in (".", ".."):
            part = part.split(":", 1)[0] or part
            part = part.rstrip(". ") or part
        parts.append(part)
    return "/".join(parts)


def _escapes(path: str) -> bool:
    return path.startswith("/") or path == ".." or path.startswith("../")


@lru_cache(maxsize=256)
def _compile_protected(glob: str) -> re.Pattern[str]:
    """Protected globs match case-insensitively: `.ENV` is `.env` on macOS and Windows.
    A folder's glob (`.claude/**`) matches the folder itself too: moving or deleting it
    (`mv .claude old`) takes the person's rules away as surely as editing them."""
    pattern = _compile_glob(glob, path=True).pattern
    if glob.endswith("/**"):
        pattern = f"(?:{pattern})|(?:{_compile_glob(glob[:-3], path=True).pattern})"
    return re.compile(pattern, re.DOTALL | re.IGNORECASE)


@lru_cache(maxsize=1024)
def _compile_glob(glob: str, *, path: bool) -> re.Pattern[str]:
    """Translate a glob to a regular expression (see the module docstring)."""
    star, one = ("[^/]*", "[^/]") if path else (".*", ".")
    if path:
        glob = glob.removeprefix("./")
    out: list[str] = []
    index = 0
    boundary = not path and glob.endswith(" *")
    if boundary:  # a prefix at a word boundary: nothing more, or a space and anything
        glob = glob[:-2]
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
    if boundary:
        out.append("(?:[ \t].*)?")
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
