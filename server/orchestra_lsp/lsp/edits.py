"""Planned file changes -> one LSP `WorkspaceEdit` (DESIGN §6).

`documentChanges` with versioned `TextDocumentEdit`s, one minimal edit per hunk
(never a whole-file replace), `CreateFile` / `DeleteFile` for whole-file changes,
and, for review, one `needsConfirmation` change annotation per hunk labelled with
the agent and step, so VS Code's Refactor Preview lets the person tick hunks.
Pure and synchronous: the 10,000-line / 200-hunk bench times exactly this.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from lsprotocol import types

from orchestra_lsp.changes import Encoding, Hunk, TextEnd

FileKind = Literal["create", "modify", "delete"]


@dataclass(frozen=True)
class FilePlan:
    """One file's edits, ready to send: hunks relative to `base`, the text the editor
    holds now (after a rebase, not necessarily what the agent read)."""

    path: str
    uri: str
    kind: FileKind
    base: str
    hunks: list[Hunk]
    version: int | None
    """The open document's version whose text is `base`; None when not open."""
    proposed: str | None = None
    """The whole new text (creations), for reading back."""
    original_ids: dict[str, list[str]] = field(default_factory=dict)
    """Plan hunk id -> the agent's hunk ids it carries (differs after a coarse rebase)."""
    all_or_nothing: bool = False
    """True when the hunks only make sense together (a coarse rebase)."""


@dataclass(frozen=True)
class EditOptions:
    encoding: Encoding = "utf-16"
    document_changes: bool = True
    annotate: bool = False
    """Add `needsConfirmation` annotations (review) or not (applying decided hunks)."""
    label: str = "Orchestra"
    """Who proposes: "agent · step"."""


def annotation_id(plan: FilePlan, hunk_id: str) -> str:
    """One annotation per hunk, or per file when its hunks go together."""
    return f"{plan.path}#{'all' if plan.all_or_nothing else hunk_id}"


def build_workspace_edit(plans: list[FilePlan], options: EditOptions) -> types.WorkspaceEdit:
    if not options.document_changes:
        return types.WorkspaceEdit(
            changes={
                plan.uri: [
                    types.TextEdit(range=span, new_text=hunk.new_text)
                    for hunk, span in _ranges(plan, options)
                ]
                for plan in plans
                if plan.kind == "modify"
            }
        )
    changes: list[
        types.TextDocumentEdit | types.CreateFile | types.RenameFile | types.DeleteFile
    ] = []
    annotations: dict[str, types.ChangeAnnotation] = {}
    for plan in plans:
        annotation = _annotation(plan, options, annotations)
        if plan.kind == "delete":
            changes.append(
                types.DeleteFile(
                    uri=plan.uri,
                    options=types.DeleteFileOptions(ignore_if_not_exists=True),
                    annotation_id=annotation(plan.hunks[0]),
                )
            )
            continue
        if plan.kind == "create":
            changes.append(
                types.CreateFile(
                    uri=plan.uri,
                    options=types.CreateFileOptions(overwrite=False, ignore_if_exists=False),
                    annotation_id=annotation(plan.hunks[0]),
                )
            )
        changes.append(
            types.TextDocumentEdit(
                text_document=types.OptionalVersionedTextDocumentIdentifier(
                    uri=plan.uri, version=plan.version
                ),
                edits=[
                    _edit(hunk, span, annotation(hunk)) for hunk, span in _ranges(plan, options)
                ],
            )
        )
    return types.WorkspaceEdit(document_changes=changes, change_annotations=annotations or None)


def _ranges(plan: FilePlan, options: EditOptions) -> list[tuple[Hunk, types.Range]]:
    """Each hunk with the range it replaces in `plan.base`, built straight as LSP types
    (no intermediate edit objects: a dense review has thousands)."""
    ends = TextEnd.of_text(plan.base, options.encoding)

    def position(line: int) -> types.Position:
        at = ends.line_start(line)
        return types.Position(line=at[0], character=at[1])

    return [
        (hunk, types.Range(start=position(hunk.base_start), end=position(hunk.base_end)))
        for hunk in plan.hunks
    ]


def _edit(
    hunk: Hunk, span: types.Range, annotation: str | None
) -> types.TextEdit | types.AnnotatedTextEdit:
    if annotation is None:
        return types.TextEdit(range=span, new_text=hunk.new_text)
    return types.AnnotatedTextEdit(range=span, new_text=hunk.new_text, annotation_id=annotation)


def _annotation(
    plan: FilePlan, options: EditOptions, annotations: dict[str, types.ChangeAnnotation]
) -> Callable[[Hunk], str | None]:
    """A function giving each hunk its annotation id, registering the annotation."""
    if not options.annotate:
        return lambda hunk: None

    def annotate(hunk: Hunk) -> str:
        key = annotation_id(plan, hunk.id)
        if key not in annotations:
            annotations[key] = types.ChangeAnnotation(
                label=f"{options.label}: {plan.path}",
                needs_confirmation=True,
                description=_describe(plan, hunk),
            )
        return key

    return annotate


def _describe(plan: FilePlan, hunk: Hunk) -> str:
    if plan.kind != "modify":
        return f"{plan.kind} {plan.path}"
    if plan.all_or_nothing:
        return "the whole change, rebased over your edits"
    return f"{hunk.id}: lines {hunk.base_start + 1}-{max(hunk.base_end, hunk.base_start + 1)}"
