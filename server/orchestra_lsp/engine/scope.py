"""What a step sees: earlier steps' outputs, the item of its `for_each`, where it runs.

A run's steps share one scope; each branch of a `parallel` or `for_each` group gets a
child scope (a copy of the outputs so far, and its own changeset — see `Branch`), so
branches run concurrently without seeing each other. Step ids in events are placed
(`qa[1]/check`: item 1 of group `qa`); outputs are kept under the step's own id.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from orchestra_lsp.changes import Changeset, FileChange
from orchestra_lsp.engine.structured_output import as_text
from orchestra_lsp.tools import ToolContext, WorkspaceView
from orchestra_lsp.workspace.templates import find_names


@dataclass
class Branch:
    """A branch's own changeset (forked from its parent's), and tools that edit it."""

    changeset: Changeset
    tool_context: ToolContext
    fork: dict[str, FileChange]
    """The parent's files when the branch started: what its edits are joined against."""
    review: str | None = None
    """The id of the branch's first step with `gate: review`: the joined changeset is
    reviewed as `GROUP/ID` (so `--gate ID=review:…` answers it too)."""

    @classmethod
    def fork_from(cls, changeset: Changeset, context: ToolContext) -> Branch:
        files = dict(changeset.files)
        own = Changeset(files=dict(files))
        view = WorkspaceView(context.view.root, own, dict(context.view.buffers))
        # Same shell markers: what a branch's commands leave running ends with the run.
        tool_context = replace(context, view=view, edit_history={}, edit_lock=asyncio.Lock())
        return cls(changeset=own, tool_context=tool_context, fork=files)


@dataclass
class Scope:
    outputs: dict[str, str]
    """Each step's output as text, by the step's own id."""
    data: dict[str, Any]
    """Each step's output as JSON where it has one (structured, or a group's)."""
    names: dict[str, Any] = field(default_factory=dict)
    """The `as` names of the enclosing `for_each` groups, bound to their items."""
    prefix: str = ""
    """Put before step ids in events: `qa[1]/`, `build#2/`."""
    branch: Branch | None = None

    def place(self, step_id: str) -> str:
        return self.prefix + step_id

    def value(self, step_id: str) -> Any:
        """A step's output for expressions: its JSON when it has one, else its text."""
        if step_id in self.data:
            return self.data[step_id]
        return self.outputs.get(step_id)

    def keep(self, step_id: str, text: str, data: Any = None) -> None:
        self.outputs[step_id] = text
        if data is None:
            self.data.pop(step_id, None)
        else:
            self.data[step_id] = data

    def forget(self, step_id: str) -> None:
        """A skipped step has no output, also none left from an earlier round."""
        self.outputs.pop(step_id, None)
        self.data.pop(step_id, None)

    def within(self, prefix: str) -> Scope:
        """The same outputs, step ids placed under `prefix` (a round of a loop)."""
        return replace(self, prefix=prefix)

    def child(self, prefix: str, branch: Branch, names: Mapping[str, Any] | None = None) -> Scope:
        """A branch's scope: a copy of the outputs so far, its own changeset."""
        return Scope(
            outputs=dict(self.outputs),
            data=dict(self.data),
            names={**self.names, **(names or {})},
            prefix=prefix,
            branch=branch,
        )

    def expression_names(self, values: Mapping[str, str]) -> dict[str, Any]:
        """What `when`, `until` and `for_each` read: arguments, `as` names, `steps`."""
        steps = {step_id: {"output": self.value(step_id)} for step_id in self.outputs}
        return {**values, **self.names, "steps": steps}

    def template_values(self, values: Mapping[str, str], text: str) -> dict[str, str]:
        """What `{{…}}` in `text` becomes: arguments, `steps.ID.output` and its fields,
        the `as` names and their fields. A step not run yet (a later step of a loop in
        its first round, a skipped one) gives empty text."""
        rendered = dict(values)
        for step_id, output in self.outputs.items():
            rendered[f"steps.{step_id}.output"] = output
            if step_id in self.data:
                rendered.update(_fields(f"steps.{step_id}.output", self.data[step_id]))
        for name, item in self.names.items():
            rendered[name] = as_text(item, inline=True)
            rendered.update(_fields(name, item))
        for ref in find_names(text):
            if ref.name.startswith("steps.") and ref.name not in rendered:
                rendered[ref.name] = ""
        return rendered


def _fields(prefix: str, value: Any) -> Iterator[tuple[str, str]]:
    if isinstance(value, Mapping):
        for key, inner in value.items():
            name = f"{prefix}.{key}"
            yield name, as_text(inner, inline=True)
            yield from _fields(name, inner)
