"""Claude Code's `settings.json`: permissions, `env` and hooks, mapped onto Orchestra.

Files, lowest precedence first, as Claude Code orders them: the person's
`~/.claude/settings.json`, the repository's `.claude/settings.json`, the personal
`.claude/settings.local.json`, then the managed `/etc/claude-code/managed-settings.json`.
Permission rules of every file are merged (Claude Code does the same) and decided
deny first, then ask, then allow; `env` and `hooks` of a higher file win key by key
(hooks: all files' hooks run, as in Claude Code).

Permission rules, mapped (the README's table lists every form): `Bash(npm run test:*)`
is `run_shell(npm run test *)` (a prefix at a word boundary); `Read(path)` is `read_file(path)` and
`list_files(path)`; `Edit`/`Write`/`MultiEdit(path)` are `edit(path)`; `Grep`, `Glob`,
`LS` are `search` and `list_files`; `mcp__server` is `mcp__server__*`. Paths outside
the workspace (`~/…`, `//abs/…`) and tools Orchestra lacks (`WebFetch(domain:…)`,
`WebSearch`, `NotebookEdit`) are warnings, never dropped silently.

`permissions.defaultMode: bypassPermissions` in the person's own files (user or
local settings, never the repository's) lets agents that ask for
`permissionMode: bypassPermissions` have it; `disableBypassPermissionsMode: disable`
anywhere refuses it. `defaultMode: acceptEdits` is what hooks are told
(`permission_mode`); Orchestra's review of every change stays.

Which servers of `.mcp.json` are used, as Claude Code approves them:
`disabledMcpjsonServers` never; with `enabledMcpjsonServers` (and no
`enableAllProjectMcpServers: true`) only those listed; with neither, all (Orchestra
has no approval prompt). `disableAllHooks: true` runs no hooks.

Claude Code's other documented settings (its settings reference: `model`,
`statusLine`, `apiKeyHelper`, …) are valid: those about its own terminal and session
are accepted silently, those a person could expect to act here get an information
that Orchestra does not use them. Only a key Claude Code does not document is
"unknown".
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from orchestra_lsp.permissions import unreviewed_writes
from orchestra_lsp.workspace.agents import PERMISSION_MODES
from orchestra_lsp.workspace.diagnostics import Diagnostic, DiagnosticSink, Severity
from orchestra_lsp.workspace.model_errors import validate_all
from orchestra_lsp.workspace.structured_files import parse_json
from orchestra_lsp.workspace.tool_names import did_you_mean, from_claude, split_pattern
from orchestra_lsp.workspace.yaml_positions import PositionMap

MANAGED_SETTINGS = Path("/etc/claude-code/managed-settings.json")

#: The hook events that have an Orchestra meaning (see `engine.hooks`).
HOOK_EVENTS = (
    "PreToolUse",
    "PostToolUse",
    "UserPromptSubmit",
    "Stop",
    "SubagentStop",
    "SessionStart",
)

#: Claude Code's other hook events (its hooks reference), so a misspelt event is told
#: apart from one that is real but has no Orchestra meaning.
CLAUDE_ONLY_HOOK_EVENTS = (
    "Notification",
    "PermissionRequest",
    "PermissionDenied",
    "PostToolUseFailure",
    "PostToolBatch",
    "PreCompact",
    "PostCompact",
    "SessionEnd",
    "Setup",
    "StopFailure",
    "SubagentStart",
    "TaskCreated",
    "TaskCompleted",
    "TeammateIdle",
    "UserPromptExpansion",
    "InstructionsLoaded",
    "ConfigChange",
    "CwdChanged",
    "FileChanged",
    "WorktreeCreate",
    "WorktreeRemove",
    "Elicitation",
    "ElicitationResult",
)


#: Claude Code settings about its own terminal, session and account: nothing to say.
CLAUDE_SESSION_SETTINGS = (
    "alwaysThinkingEnabled",
    "autoUpdates",
    "autoUpdatesChannel",
    "cleanupPeriodDays",
    "companyAnnouncements",
    "editorMode",
    "effortLevel",
    "enabledPlugins",
    "extraKnownMarketplaces",
    "feedbackSurveyRate",
    "fileSuggestion",
    "language",
    "outputStyle",
    "plansDirectory",
    "preferredNotifChannel",
    "prefersReducedMotion",
    "respectGitignore",
    "showTurnDuration",
    "spinnerTipsEnabled",
    "spinnerTipsOverride",
    "spinnerVerbs",
    "statusLine",
    "strictKnownMarketplaces",
    "subagentStatusLine",
    "terminalProgressBarEnabled",
    "theme",
    "verbose",
)

#: Claude Code settings a person could expect to act in Orchestra, which they do not:
#: an information says so.
CLAUDE_UNUSED_SETTINGS = (
    "allowManagedHooksOnly",
    "allowManagedPermissionRulesOnly",
    "allowedMcpServers",
    "apiKeyHelper",
    "attribution",
    "availableModels",
    "awsAuthRefresh",
    "awsCredentialExport",
    "deniedMcpServers",
    "forceLoginMethod",
    "forceLoginOrgUUID",
    "includeCoAuthoredBy",
    "includeGitInstructions",
    "model",
    "otelHeadersHelper",
    "sandbox",
)

#: The same under `permissions`.
CLAUDE_UNUSED_PERMISSIONS = ("additionalDirectories", "disableAutoMode")


class HookCommand(BaseModel):
    model_config = ConfigDict(extra="allow")

    type: str = "command"
    command: str = ""
    timeout: float | None = Field(default=None, gt=0)
    """Seconds; Claude Code's default is 60."""


class HookMatcher(BaseModel):
    model_config = ConfigDict(extra="allow")

    matcher: str = ""
    """A regular expression on the tool name (Claude Code's names: `Bash`, `Edit|Write`);
    empty or `*` matches every tool. Unused by events without a tool."""
    hooks: list[HookCommand] = Field(default_factory=list)


class _Permissions(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    allow: list[str] = Field(default_factory=list)
    ask: list[str] = Field(default_factory=list)
    deny: list[str] = Field(default_factory=list)
    default_mode: str | None = Field(default=None, alias="defaultMode")
    disable_bypass: str | None = Field(default=None, alias="disableBypassPermissionsMode")


class _SettingsFile(BaseModel):
    """Fields Orchestra gives a meaning; Claude Code's others are taken out before
    (`_without_claude_only`); any other is a warning (`validate(lenient)`)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    schema_: str | None = Field(default=None, alias="$schema")
    permissions: _Permissions = Field(default_factory=_Permissions)
    env: dict[str, str] = Field(default_factory=dict)
    hooks: dict[str, list[HookMatcher]] = Field(default_factory=dict)
    disable_all_hooks: bool = Field(default=False, alias="disableAllHooks")
    enable_all_project_mcp: bool | None = Field(default=None, alias="enableAllProjectMcpServers")
    enabled_mcpjson: list[str] = Field(default_factory=list, alias="enabledMcpjsonServers")
    disabled_mcpjson: list[str] = Field(default_factory=list, alias="disabledMcpjsonServers")


class ClaudeSettings(BaseModel):
    """What Claude Code's settings files mean here, merged."""

    allow: list[str] = Field(default_factory=list)
    ask: list[str] = Field(default_factory=list)
    deny: list[str] = Field(default_factory=list)
    """Our permission rules, mapped from Claude Code's."""
    env: dict[str, str] = Field(default_factory=dict)
    """Environment for the tools' processes (`run_shell`, hooks)."""
    hooks: dict[str, list[HookMatcher]] = Field(default_factory=dict)
    bypass_allowed: bool = False
    default_mode: Literal["default", "acceptEdits"] = "default"
    """`permissions.defaultMode` as hooks are told it (`permission_mode`)."""
    enable_all_project_mcp: bool = False
    enabled_mcpjson: list[str] | None = None
    """`enabledMcpjsonServers` of all files; None when none lists it."""
    disabled_mcpjson: list[str] = Field(default_factory=list)
    files: list[Path] = Field(default_factory=list)

    def uses_mcpjson_server(self, name: str) -> str | None:
        """None when `.mcp.json`'s server `name` is used; else why not."""
        if name in self.disabled_mcpjson:
            return "disabledMcpjsonServers names it"
        if (
            not self.enable_all_project_mcp
            and self.enabled_mcpjson is not None
            and name not in self.enabled_mcpjson
        ):
            return "enabledMcpjsonServers does not name it"
        return None


def settings_files(root: Path, claude_home: Path) -> list[tuple[Path, bool]]:
    """(path, the person's own) lowest precedence first."""
    return [
        (claude_home / "settings.json", True),
        (root / ".claude" / "settings.json", False),
        (root / ".claude" / "settings.local.json", True),
        (MANAGED_SETTINGS, False),
    ]


def load_settings(
    root: Path,
    claude_home: Path,
    read: Callable[[Path], str | None],
    diagnostics: list[Diagnostic],
) -> ClaudeSettings:
    merged = ClaudeSettings()
    disabled = False
    no_hooks = False
    for path, personal in settings_files(root, claude_home):
        text = read(path)
        if text is None:
            continue
        sink = DiagnosticSink(path)
        try:
            data, positions = parse_json(text, sink)
            if isinstance(data, dict):
                data = _without_claude_only(data, positions, sink)
            validated = (
                validate_all(
                    _SettingsFile, data, positions, sink, "Claude Code settings", lenient=True
                )
                if isinstance(data, dict)
                else None
            )
            parsed = validated.value if validated is not None else None
            if validated is not None and parsed is None and validated.partial is not None:
                # Not in force (the file has errors): merged into nothing, for what the
                # merge says about the rest, so that one mistake does not hide the next.
                _merge(ClaudeSettings(), validated.partial, positions, sink, personal)
            if data is not None and not isinstance(data, dict):
                sink.add("Claude Code settings must be a JSON object")
            if parsed is not None:
                merged.files.append(path)
                _merge(merged, parsed, positions, sink, personal)
                disabled = disabled or parsed.permissions.disable_bypass == "disable"
                no_hooks = no_hooks or parsed.disable_all_hooks
        except Exception as error:  # one file must not stop the workspace from loading
            sink.add(f"internal error while reading this file ({type(error).__name__}: {error})")
        diagnostics.extend(sink.items)
    if disabled:
        merged.bypass_allowed = False
    if no_hooks:
        merged.hooks = {}
    return merged


def _without_claude_only(
    data: dict[str, Any], positions: PositionMap, sink: DiagnosticSink
) -> dict[str, Any]:
    """`data` without Claude Code's settings that Orchestra does not use, each told
    (or not) as `CLAUDE_SESSION_SETTINGS` / `CLAUDE_UNUSED_SETTINGS` say."""
    kept = {key: value for key, value in data.items() if key not in CLAUDE_SESSION_SETTINGS}
    unused: list[tuple[str, ...]] = [(key,) for key in CLAUDE_UNUSED_SETTINGS if key in kept]
    permissions = kept.get("permissions")
    if isinstance(permissions, dict):
        unused += [("permissions", key) for key in CLAUDE_UNUSED_PERMISSIONS if key in permissions]
        kept["permissions"] = {
            k: v for k, v in permissions.items() if k not in CLAUDE_UNUSED_PERMISSIONS
        }
    for path in unused:
        sink.add(
            f"Claude Code's '{'.'.join(path)}' has no effect in Orchestra; ignored",
            positions.key(path),
            Severity.INFO,
        )
        if len(path) == 1:
            del kept[path[0]]
    # A key Claude Code does not document either: unknown, with the closest of all the
    # documented ones (`statusline`: `statusLine`), not only of those Orchestra uses.
    documented = (*_aliases(_SettingsFile), *CLAUDE_SESSION_SETTINGS, *CLAUDE_UNUSED_SETTINGS)
    for key in [key for key in kept if key not in documented]:
        sink.add(
            f"unknown field '{key}' in Claude Code settings{did_you_mean(key, documented)}; "
            "ignored",
            positions.key((key,)),
            Severity.WARNING,
        )
        del kept[key]
    permissions = kept.get("permissions")
    if isinstance(permissions, dict):
        documented = (*_aliases(_Permissions), *CLAUDE_UNUSED_PERMISSIONS)
        for key in [key for key in permissions if key not in documented]:
            sink.add(
                f"unknown field 'permissions.{key}' in Claude Code settings"
                f"{did_you_mean(key, documented)}; ignored",
                positions.key(("permissions", key)),
                Severity.WARNING,
            )
            del permissions[key]
    return kept


def _aliases(model: type[BaseModel]) -> list[str]:
    """The keys of `model` as a settings file writes them."""
    return [field.alias or name for name, field in model.model_fields.items()]


def _merge(
    merged: ClaudeSettings,
    parsed: _SettingsFile,
    positions: PositionMap,
    sink: DiagnosticSink,
    personal: bool,
) -> None:
    for kind in ("allow", "ask", "deny"):
        for index, rule in enumerate(getattr(parsed.permissions, kind)):
            where = positions.value(("permissions", kind, index))
            ours, why = map_rule(rule)
            if not ours:
                sink.add(f"permission rule '{rule}' {why}; ignored", where, Severity.WARNING)
            for warning in (unreviewed_writes(r) for r in ours if kind == "allow"):
                if warning is not None:
                    sink.add(f"permission rule '{rule}' {warning}", where, Severity.WARNING)
            getattr(merged, kind).extend(ours)
    mode = parsed.permissions.default_mode
    if mode in ("default", "acceptEdits"):
        merged.default_mode = "acceptEdits" if mode == "acceptEdits" else "default"
    if mode == "bypassPermissions" and personal:
        merged.bypass_allowed = True
    elif mode is not None and mode not in ("default", "acceptEdits"):
        if mode == "bypassPermissions":
            problem = (
                f"defaultMode '{mode}': only the person's own settings "
                "(~/.claude/settings.json, settings.local.json) may allow it"
            )
        elif mode in PERMISSION_MODES:
            problem = f"defaultMode '{mode}': it has no meaning in Orchestra"
        else:
            problem = (
                f"defaultMode '{mode}' is not a valid permission mode"
                f"{did_you_mean(mode, PERMISSION_MODES)}; valid: {', '.join(PERMISSION_MODES)}"
            )
        sink.add(
            f"{problem}; ignored",
            positions.value(("permissions", "defaultMode")),
            Severity.WARNING,
        )
    merged.env.update(parsed.env)
    if parsed.enable_all_project_mcp is not None:
        merged.enable_all_project_mcp = parsed.enable_all_project_mcp
    if "enabled_mcpjson" in parsed.model_fields_set:
        merged.enabled_mcpjson = [*(merged.enabled_mcpjson or []), *parsed.enabled_mcpjson]
    merged.disabled_mcpjson += parsed.disabled_mcpjson
    for event, matchers in parsed.hooks.items():
        if event not in HOOK_EVENTS:
            runs = f"it runs {', '.join(HOOK_EVENTS)}"
            meant = did_you_mean(event, [*HOOK_EVENTS, *CLAUDE_ONLY_HOOK_EVENTS])
            sink.add(
                f"hook event '{event}' is not a Claude Code hook event{meant}; ignored"
                if meant and event not in CLAUDE_ONLY_HOOK_EVENTS
                else f"hook event '{event}' has no meaning in Orchestra ({runs}); ignored",
                positions.key(("hooks", event)),
                Severity.WARNING,
            )
            continue
        for m_index, matcher in enumerate(matchers):
            kept = []
            for h_index, hook in enumerate(matcher.hooks):
                where = positions.value(("hooks", event, m_index, "hooks", h_index))
                if hook.type != "command" or not hook.command.strip():
                    sink.add(
                        f"hook of type '{hook.type}' is not supported (only 'command'); ignored",
                        where,
                        Severity.WARNING,
                    )
                    continue
                kept.append(hook)
            if kept:
                kept_matcher = matcher.model_copy(update={"hooks": kept})
                merged.hooks.setdefault(event, []).append(kept_matcher)


_PATH_TOOLS = {"Read": ("read_file", "list_files"), "Edit": ("edit",), "Write": ("edit",)}


def map_rule(rule: str) -> tuple[list[str], str]:
    """Claude Code's rule as ours (possibly several), or ([], why not)."""
    text = rule.strip()
    base, argument = split_pattern(text)
    if base.startswith("mcp__"):
        return ([f"{text}__*"] if "__" not in text[5:] else [text]), ""
    if base in ("Read", "Edit", "Write", "MultiEdit") and argument is not None:
        path = _workspace_path(argument)
        if path is None:
            return [], "names a path outside the workspace, which Orchestra never touches"
        tools = _PATH_TOOLS.get(base, ("edit",))
        return [f"{tool}({path})" for tool in tools], ""
    if base == "Read" and argument is None:
        return ["read_file", "list_files"], ""
    ours, known = from_claude(text)
    if ours is None:
        if known:
            return [], "names a tool Orchestra does not have"
        return [], f"names an unknown tool{did_you_mean(text)}"
    return [ours], ""


def _workspace_path(pattern: str) -> str | None:
    """Claude Code's path pattern as a workspace-relative one; None outside it."""
    if pattern.startswith(("~", "//")):
        return None
    return pattern.removeprefix("./").lstrip("/") or "**"
