"""The JSON Schema of Orchestra's own protocol: the payloads of `protocol.py` (camelCase,
as on the wire) and the review outcome vocabulary (`changes.landing.Outcome`).

It is the one description clients' types come from: the VS Code extension's
`src/generated/protocol.ts` is compiled from it by json-schema-to-typescript
(`editors/vscode/scripts/generate-protocol.mjs`), and a test fails when the checked-in
file differs from what this schema gives. `python -m orchestra_lsp.lsp.schema` prints it.
"""

from __future__ import annotations

import json
from typing import Any, get_args

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from orchestra_lsp.changes.landing import LABELS, Outcome
from orchestra_lsp.lsp import protocol

MODELS: tuple[type[BaseModel], ...] = (
    protocol.InitializationOptions,
    protocol.CommandsResult,
    protocol.AgentsResult,
    protocol.RunParams,
    protocol.RunStarted,
    protocol.RunRef,
    protocol.UndoParams,
    protocol.BatchParams,
    protocol.BatchProgress,
    protocol.BatchRef,
    protocol.ResumeParams,
    protocol.RunPageResult,
    protocol.McpLoginParams,
    protocol.McpLoginResult,
    protocol.CancelResult,
    protocol.RunsParams,
    protocol.RunsResult,
    protocol.ProposalResult,
    protocol.DecideParams,
    protocol.DecideResult,
    protocol.ContextParams,
    protocol.ContextResult,
    protocol.AskParams,
    protocol.AskResult,
    protocol.GateInfo,
    protocol.EditParams,
    protocol.EditResult,
)
"""The request and result payloads; the shapes they hold come along as definitions."""


def schema() -> dict[str, Any]:
    """One JSON Schema document whose `$defs` hold every payload and `Outcome`."""
    _, document = models_json_schema(
        [(model, "serialization") for model in MODELS],
        by_alias=True,
        title="OrchestraProtocol",
    )
    definitions: dict[str, Any] = document["$defs"]
    for definition in definitions.values():
        for field in definition.get("properties", {}).values():
            field.pop("title", None)  # a title would become a type of its own in TypeScript
    definitions["Outcome"] = {
        "title": "Outcome",
        "description": "What became of one file of a proposal: "
        + "; ".join(f"`{name}`: {LABELS[name]}" for name in get_args(Outcome)),
        "type": "string",
        "enum": list(get_args(Outcome)),
    }
    return {"title": "OrchestraProtocol", "type": "object", "$defs": definitions}


def main() -> None:
    print(json.dumps(schema(), indent=2, sort_keys=True))


if __name__ == "__main__":
    main()
