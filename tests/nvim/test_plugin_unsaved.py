"""A change accepted into a buffer that holds unsaved edits of the person's own: the
plugin does not save it, says so, and the journal says the same (applied in the editor,
unsaved) while the disk keeps the old text."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from plugin_helpers import drive, make_workspace
from test_plugin import CALC, THIRD_RUN, proposals

from orchestra_lsp.testing import ScriptedServer


def test_unsaved_edits_are_not_saved_for_the_person(tmp_path: Path) -> None:
    root = make_workspace(tmp_path / "ws")
    approve = [{"prompt": "Step 'plan' (architect) is done", "pick": "Approve"}]
    with ScriptedServer(THIRD_RUN) as model:
        seen = drive("dirty_buffer.lua", root, tmp_path, model.base_url, approve)
    assert seen["errors"] == [], seen
    assert (root / "calc.py").read_text() == CALC  # nothing written behind the person
    buffer = "\n".join(seen["calc_buffer"]) + "\n"
    assert buffer.startswith(
        '"""A tiny calculator: the demo\'s workspace.""" # edited, not saved\n'
    )
    assert "def average(values" in buffer
    assert seen["calc_modified"] is True
    warned = [n["message"] for n in seen["notified"] if n["level"] == 3]
    assert any("calc.py held unsaved edits" in m for m in warned), seen["notified"]
    assert any("calc.py: applied in the editor (unsaved)" in n["message"] for n in seen["notified"])
    assert proposals(root, seen["run"]) == [("calc.py", ["h1"], [], "applied_in_editor")]
