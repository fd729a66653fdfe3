"""`ask_user`: the spec only. The engine answers it through the front end (an LSP
request or the terminal), so there is no implementation among the built-in tools."""

from __future__ import annotations

from pydantic import Field

from orchestra_lsp.tools.base import ToolArgs, ToolSpec, schema_for


class AskUserArgs(ToolArgs):
    """Arguments of `ask_user`, for the engine to validate what the model sent."""

    tool_name = "ask_user"

    question: str = Field(min_length=1, description="The question, complete and self-contained.")
    choices: list[str] | None = Field(
        default=None,
        description="Possible answers to pick from. Leave out for a free-text answer.",
    )


ASK_USER_SPEC = ToolSpec(
    name="ask_user",
    description=(
        "Ask the user a question and wait for the answer. Use it when you need a decision "
        "or a fact only they have; do not use it for things you can find in the workspace. "
        "Offer `choices` when the answer is one of a few options."
    ),
    input_schema=schema_for(AskUserArgs),
)
