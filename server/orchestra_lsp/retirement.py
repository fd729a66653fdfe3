"""Which Claude models are deprecated, and the day each stops being served.

The dates are the `anthropic` SDK's own table (`anthropic/_data/deprecated_models.py`),
read as data, without importing the SDK (about a second): the workspace loader checks
every configured model with it, so `orchestra check` and the editor's diagnostics can
point at the line to change before calls to the model start failing. Without the SDK,
or if the table moves, nothing is known and nothing is said.
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Mapping
from pathlib import Path

TABLE = Path("_data") / "deprecated_models.py"
"""Where the SDK keeps the table, inside its package."""


def end_of_life(model: str) -> str | None:
    """The day `model` stops being served (as the SDK words it), or None when it is not
    deprecated, or nothing is known."""
    return deprecated_models().get(model)


def retiring(model: str, day: str) -> str:
    """What to tell a person about a deprecated model."""
    return f"model {model} is deprecated and reaches end of life on {day}"


@functools.cache
def deprecated_models() -> Mapping[str, str]:
    """The SDK's table of deprecated model ids and their end-of-life days."""
    # Both asked through the workspace's inputs: `orchestra check` reports with this.
    from orchestra_lsp.workspace import inputs
    from orchestra_lsp.workspace.files import FileProblem, read_regular

    try:
        folder = inputs.package_folder("anthropic")
        data = read_regular(folder / TABLE) if folder is not None else None
        tree = ast.parse(data.decode("utf-8") if data is not None else "")
    except (FileProblem, SyntaxError, ValueError):
        return {}
    for node in tree.body:
        targets: list[ast.expr] = []
        if isinstance(node, ast.AnnAssign):
            targets, value = [node.target], node.value
        elif isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        if any(isinstance(t, ast.Name) and t.id == "DEPRECATED_MODELS" for t in targets):
            return _string_table(value)
    return {}


def _string_table(node: ast.expr | None) -> dict[str, str]:
    try:
        value = ast.literal_eval(node) if node is not None else None
    except ValueError:
        return {}
    if not isinstance(value, dict):
        return {}
    return {str(k): str(v) for k, v in value.items() if isinstance(k, str) and isinstance(v, str)}
