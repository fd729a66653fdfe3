"""MCP prompts as Orchestra commands named `mcp__<server>__<prompt>`, as Claude Code
names them (its slash commands are `/mcp__<server>__<prompt>`)."""

from __future__ import annotations

import mcp_types as types

from orchestra_lsp.mcp.content import as_text, content_blocks
from orchestra_lsp.mcp.models import McpPrompt, McpPromptArgument


def command_name(server: str, prompt: str) -> str:
    return f"mcp__{server}__{prompt}"


def to_command(server: str, prompt: types.Prompt) -> McpPrompt:
    return McpPrompt(
        name=command_name(server, prompt.name),
        server=server,
        prompt=prompt.name,
        description=prompt.description or prompt.title or "",
        arguments=[
            McpPromptArgument(
                name=argument.name,
                description=argument.description or "",
                required=bool(argument.required),
            )
            for argument in prompt.arguments or []
        ],
    )


def render(result: types.GetPromptResult) -> str:
    """The prompt's messages as one instruction text.

    A prompt of user messages reads as their text; when the assistant speaks too,
    each message is labelled with its role so the exchange stays legible.
    """
    labelled = any(message.role != "user" for message in result.messages)
    parts = []
    for message in result.messages:
        text = as_text(content_blocks(message.content))
        parts.append(f"[{message.role}]\n{text}" if labelled else text)
    return "\n\n".join(parts)
