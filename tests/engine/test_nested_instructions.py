"""A sub-folder's AGENTS.md or CLAUDE.md as the run sees it: on disk, proposed by the run,
in an editor buffer, deleted by the run; reached by any spelling of a path inside the
workspace, never by one that leaves it."""

from __future__ import annotations

from pathlib import Path

from orchestra_lsp.changes import Changeset
from orchestra_lsp.engine.nested_context import NestedInstructions
from orchestra_lsp.tools import WorkspaceView


def _view(root: Path, files: dict[str, str]) -> WorkspaceView:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return WorkspaceView(root, Changeset(), {})


def test_instructions_on_disk_come_once_for_any_spelling_of_the_path(tmp_path: Path) -> None:
    view = _view(tmp_path, {"a/b/AGENTS.md": "B-RULES\n", "a/b/x.py": "", "c/y.py": ""})
    nested = NestedInstructions(view)
    assert nested.for_path("c/y.py") is None
    found = nested.for_path("./a/b/../b/x.py")
    assert found is not None and "B-RULES" in found and "a/b/AGENTS.md" in found
    assert nested.for_path(str(tmp_path / "a/b/x.py")) is None  # sent already
    assert NestedInstructions(view).for_path(str(tmp_path / "a/b/x.py")) is not None
    assert NestedInstructions(view).for_path("../outside/a/b/x.py") is None


def test_instructions_the_run_proposed_or_deleted_or_a_buffer_holds(tmp_path: Path) -> None:
    view = _view(tmp_path, {"d/CLAUDE.md": "ON-DISK\n", "d/z.py": "", "e/w.py": ""})
    view.changeset.record_base("e/AGENTS.md", None)
    view.changeset.propose("e/AGENTS.md", "PROPOSED\n")
    view.changeset.record_base("d/CLAUDE.md", "ON-DISK\n")
    view.changeset.delete("d/CLAUDE.md")
    proposed = NestedInstructions(view).for_path("e/w.py")
    assert proposed is not None and "PROPOSED" in proposed
    assert NestedInstructions(view).for_path("d/z.py") is None  # deleted in the run
    view.buffers["f/AGENTS.md"] = ("IN-BUFFER\n", 3)
    buffered = NestedInstructions(view).for_path("f/new.py")
    assert buffered is not None and "IN-BUFFER" in buffered
