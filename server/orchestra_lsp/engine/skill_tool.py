"""`skill`: how an agent loads a skill on demand (Claude Code's `Skill` tool).

The declaration lists every skill an agent may load, by name and description, and
nothing more; a call returns the skill's instructions and the list of its supporting
files, or, with `file`, one of those files. Skills whose author wrote
`disable-model-invocation: true` are left out: only a person may run them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import Field

from orchestra_lsp.tools.base import ToolArgs, ToolSpec, parse_args, schema_for
from orchestra_lsp.tools.errors import ToolError
from orchestra_lsp.workspace.skills import Skill

NAME = "skill"


class SkillArgs(ToolArgs):
    """Arguments of `skill`."""

    tool_name = NAME

    name: str = Field(min_length=1, description="The skill's name, as listed.")
    file: str | None = Field(
        default=None,
        description="One of the skill's supporting files (a path the skill lists); "
        "leave out to load the skill's instructions.",
    )


def loadable(skills: Mapping[str, Skill]) -> list[Skill]:
    return sorted((s for s in skills.values() if s.model_invocable), key=lambda s: s.name)


def skill_spec(skills: Mapping[str, Skill]) -> ToolSpec | None:
    """The declaration, listing the skills; None when there is none to load."""
    listed = loadable(skills)
    if not listed:
        return None
    lines = "\n".join(f"- {s.name}: {s.description or '(no description)'}" for s in listed)
    return ToolSpec(
        name=NAME,
        description=(
            "Load a skill: instructions for a kind of task, written by this repository's "
            "team. When a task matches a skill's description, load it first and follow it. "
            "Its supporting files are listed when it loads; read one with `file`.\n\n"
            f"Available skills:\n{lines}"
        ),
        input_schema=schema_for(SkillArgs),
    )


def load_skill(skills: Mapping[str, Skill], arguments: dict[str, Any]) -> tuple[Skill, str]:
    """The skill called for and the text to return; ToolError for the model to fix."""
    args = parse_args(SkillArgs, arguments)
    skill = skills.get(args.name)
    if skill is None or not skill.model_invocable:
        names = ", ".join(s.name for s in loadable(skills)) or "none"
        raise ToolError(f"no skill '{args.name}' (skills: {names})")
    if args.file is not None:
        try:
            return skill, skill.read_file(args.file)
        except ValueError as error:
            raise ToolError(str(error)) from None
    files = "".join(f"\n- {name}" for name in skill.files)
    listing = f"\n\nSupporting files (load with `file`):{files}" if files else ""
    return skill, f"# Skill: {skill.name}\n\n{skill.body}{listing}"
