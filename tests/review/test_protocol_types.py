"""One description of the protocol: the VS Code extension's TypeScript types for the
review payloads are generated from the server's pydantic models, and the checked-in
file is what the generator gives today (else: `npm run generate` in editors/vscode)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from orchestra_lsp.changes.landing import LABELS
from orchestra_lsp.lsp.schema import schema

EXTENSION = Path(__file__).resolve().parents[2] / "editors" / "vscode"


def test_generated_typescript_is_up_to_date() -> None:
    produced = subprocess.run(
        [sys.executable, "-m", "orchestra_lsp.lsp.schema"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    checked = subprocess.run(
        ["node", "scripts/generate-protocol.mjs", "--check"],
        cwd=EXTENSION,
        input=produced,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert checked.returncode == 0, checked.stderr


def test_the_schema_carries_the_review_payloads_and_every_outcome() -> None:
    definitions = schema()["$defs"]
    assert set(definitions["Outcome"]["enum"]) == set(LABELS)
    decided = definitions["FileDecided"]["properties"]
    assert set(decided) == {"path", "accepted"}
    assert "runId" in definitions["DecideParams"]["properties"]  # camelCase, as on the wire
    json.dumps(definitions)  # plain JSON


def test_the_extension_labels_every_outcome_as_the_server_does() -> None:
    source = (EXTENSION / "src" / "format.ts").read_text(encoding="utf-8")
    for outcome, label in LABELS.items():
        assert f"{outcome}: '{label}'" in source, outcome
