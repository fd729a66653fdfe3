"""What the connected editor can do, read once from its `initialize` capabilities.

Every choice between two ways of doing something (annotated edits or Orchestra's own
review requests, `orchestra/ask` or a plain message) is made here, in one place.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from lsprotocol import types

if TYPE_CHECKING:
    from orchestra_lsp.changes import Encoding

ReviewMode = Literal["applyEdit", "proposal", "message"]
"""How a review reaches the person (ARCHITECTURE.md §lsp):

- `applyEdit`: one annotated `workspace/applyEdit` with `needsConfirmation`; only for
  clients known to confirm annotated edits (the VS Code extension declares it), since
  other clients apply annotated edits silently and no person would have decided.
- `proposal`: a plugin shows the proposal itself (`orchestra/proposal`) and answers
  with `orchestra/decide`.
- `message`: every other client: `window/showMessageRequest` per file (Accept all /
  Reject all / Show diff); `orchestra/decide` works too, the first answer wins.
"""


@dataclass(frozen=True)
class ClientFeatures:
    encoding: Encoding
    document_changes: bool
    """Versioned `documentChanges` in a WorkspaceEdit."""
    annotations: bool
    """Change annotations with `needsConfirmation` (VS Code's Refactor Preview)."""
    resource_operations: frozenset[str]
    """`create`, `rename`, `delete`: file operations inside a WorkspaceEdit."""
    show_document: bool
    apply_edit: bool
    """The client takes `workspace/applyEdit`; else accepted changes land on disk."""
    progress: bool
    ask: bool
    """The client answers `orchestra/ask` with free text."""
    edit: bool
    """The client answers `orchestra/edit`: an approve gate's output edited there."""
    review: ReviewMode
    warning: str | None = None
    """What was wrong with the client's `initializationOptions` (shown once; defaults used)."""
    completion_registration: bool = False
    """The client registers completion dynamically (`textDocument.completion.
    dynamicRegistration`): it is then registered for configuration files only, instead
    of announced for every file (where a space typed would ask for completion)."""
    events: bool = False
    """The client asked for `orchestra/event` notifications (`experimental.orchestra.events`
    in its capabilities or `orchestra.events` in its initialization options); stock
    clients are not sent them (lsp-mode warns once per unknown notification)."""

    @classmethod
    def read(
        cls, capabilities: types.ClientCapabilities, encoding: str, options: Any = None
    ) -> ClientFeatures:
        """From `initialize`: the client's capabilities, the negotiated position encoding
        and its `initializationOptions`."""
        workspace = capabilities.workspace
        edit = workspace.workspace_edit if workspace else None
        window = capabilities.window
        orchestra = _orchestra_options(capabilities.experimental)
        chosen, warning = _initialization_options(options)
        document_changes = bool(edit and edit.document_changes)
        annotations = bool(edit and edit.change_annotation_support is not None)
        operations = (
            frozenset(str(op.value) for op in (edit.resource_operations or []))
            if edit
            else frozenset()
        )
        apply_edit = bool(workspace and workspace.apply_edit)
        preferred = orchestra.get("review") or chosen.get("review")
        review: ReviewMode = "message"
        can_confirm = apply_edit and document_changes and annotations
        if preferred == "proposal" or (preferred == "applyEdit" and can_confirm):
            review = preferred
        return cls(
            encoding=_encoding(encoding),
            document_changes=document_changes,
            annotations=annotations,
            resource_operations=operations,
            show_document=bool(window and window.show_document and window.show_document.support),
            apply_edit=apply_edit,
            progress=bool(window and window.work_done_progress),
            ask=bool(orchestra.get("ask") or chosen.get("ask")),
            edit=bool(orchestra.get("edit") or chosen.get("edit")),
            review=review,
            completion_registration=bool(
                capabilities.text_document
                and capabilities.text_document.completion
                and capabilities.text_document.completion.dynamic_registration
            ),
            events=orchestra.get("events") is True or chosen.get("events") is True,
            warning=warning,
        )


DEFAULT = ClientFeatures(
    encoding="utf-16",
    document_changes=False,
    annotations=False,
    resource_operations=frozenset(),
    show_document=False,
    apply_edit=False,
    progress=False,
    ask=False,
    edit=False,
    review="message",
    events=False,
)
"""Until `initialize` says otherwise: the least a client can do."""


def _orchestra_options(experimental: Any) -> Mapping[str, Any]:
    """`orchestra` of the client's `experimental` capabilities or initialization options,
    `{}` when absent or malformed."""
    if isinstance(experimental, Mapping):
        options = experimental.get("orchestra")
        if isinstance(options, Mapping):
            return options
    return {}


def _initialization_options(options: Any) -> tuple[Mapping[str, Any], str | None]:
    """The `orchestra` section of `initializationOptions`, checked against its model
    (`protocol.InitializationOptions`): on a bad value, the defaults and why."""
    from pydantic import ValidationError

    from orchestra_lsp.lsp.protocol import InitializationOptions

    section = options.get("orchestra") if isinstance(options, Mapping) else None
    if section is None:
        return {}, None
    try:
        parsed = InitializationOptions.model_validate(section)
    except ValidationError as error:
        problems = "; ".join(
            f"initializationOptions.orchestra.{'.'.join(map(str, e['loc'])) or '(root)'}: "
            f"{e['msg']}"
            for e in error.errors()
        )
        return {}, f"Orchestra: {problems}; using the defaults"
    return parsed.model_dump(exclude_none=True), None


def _encoding(value: str) -> Encoding:
    if value == "utf-8":
        return "utf-8"
    if value == "utf-32":
        return "utf-32"
    return "utf-16"
