"""`orchestra serve` against generated bad input, through a real LSP client (pytest-lsp):
each kind of broken file is a positioned diagnostic, every `orchestra/*` request keeps
answering within 5 s, the last good definitions stay in force while a file is broken,
and the next load after the fix (watched-file change, `orchestra.reload`) recovers."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from lsprotocol import types

sys.path.insert(0, str(Path(__file__).parent.parent / "workspace"))
from bad_files import KINDS, STRUCTURE, Kind, good_workspace

#: The budget for any answer once the server is up: past it, the server counts as hung.
ANSWER_SECONDS = 5


async def answered(editor: Any, method: str, seconds: float = ANSWER_SECONDS) -> Any:
    """The result of an `orchestra/*` request; an error answer fails the test."""
    return await asyncio.wait_for(editor.client.protocol.send_request_async(method, {}), seconds)


async def names(editor: Any, seconds: float = ANSWER_SECONDS) -> tuple[set[str], set[str]]:
    """The first request waits for the engine to be built (imports and all): that is
    start-up, not an answer, so it gets longer."""
    agents = await answered(editor, "orchestra/agents", seconds)
    commands = await answered(editor, "orchestra/commands")
    return {a.name for a in agents.agents}, {c.name for c in commands.commands}


async def diagnostics_at(editor: Any, uri: str, present: bool = True) -> list[types.Diagnostic]:
    async def wait() -> list[types.Diagnostic]:
        while bool(editor.client.diagnostics.get(uri)) != present:
            await editor.client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        return list(editor.client.diagnostics.get(uri, []))

    return await asyncio.wait_for(wait(), 20)


async def reload(editor: Any, changed: str, how: str) -> None:
    """Tell the server a file changed, as an editor does: a watched-file change, or the
    `orchestra.reload` command a person runs."""
    if how == "watched":
        editor.client.workspace_did_change_watched_files(
            types.DidChangeWatchedFilesParams(
                changes=[
                    types.FileEvent(uri=editor.uri(changed), type=types.FileChangeType.Changed)
                ]
            )
        )
    else:
        await asyncio.wait_for(
            editor.client.workspace_execute_command_async(
                types.ExecuteCommandParams(command="orchestra.reload")
            ),
            ANSWER_SECONDS,
        )


async def until(condition: Any, what: str) -> None:
    for _ in range(100):
        if await condition():
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"never happened: {what}")


def _groups() -> list[list[Kind]]:
    """The kinds, dealt into groups that break different files, so one server takes
    several at once (a server start costs seconds on a busy machine)."""
    by_place: dict[str, list[Kind]] = {}
    for kind in KINDS:
        place = ".orchestra/agents" if kind.path.startswith(".orchestra/agents") else kind.path
        by_place.setdefault(place, []).append(kind)
    groups: list[list[Kind]] = []
    for kinds in by_place.values():
        for index, kind in enumerate(kinds):
            if index == len(groups):
                groups.append([])
            groups[index].append(kind)
    return groups


@pytest.mark.parametrize("kinds", _groups(), ids=lambda kinds: "+".join(k.name for k in kinds))
async def test_bad_files_then_fixed(kinds: list[Kind], tmp_path: Path, start: Any) -> None:
    root = good_workspace(tmp_path / "repo")
    for kind in kinds:
        kind.break_(root)  # broken before the server starts: the engine is built from it
    editor = await start(root, "vscode", env={"XDG_CONFIG_HOME": str(tmp_path / "home")})
    for kind in kinds:
        found = await diagnostics_at(editor, editor.uri(kind.path))
        assert all(d.message and d.range.start.line >= 0 for d in found)
        expected = (
            types.DiagnosticSeverity.Warning
            if kind.name == "fan-out-imports"
            else types.DiagnosticSeverity.Error
        )
        assert any(d.severity == expected for d in found), (kind.name, found)
        assert not any("internal error" in d.message for d in found), kind.name
    agents, commands = await names(editor, seconds=30)
    assert "review" in commands

    for kind in kinds:
        kind.fix(root)
    await reload(editor, kinds[0].path, "watched")
    for kind in kinds:
        await diagnostics_at(editor, editor.uri(kind.path), present=False)
    await until(lambda: _has_checker(editor), "the fixed agent is in force")

    # Broken while running: every request answers, the last good definitions stay.
    for kind in kinds:
        kind.break_(root)
    await reload(editor, kinds[0].path, "command")
    for kind in kinds:
        await diagnostics_at(editor, editor.uri(kind.path))
    agents, commands = await names(editor)
    assert "checker" in agents and "review" in commands

    for kind in kinds:
        kind.fix(root)
    await reload(editor, kinds[0].path, "command")
    for kind in kinds:
        await diagnostics_at(editor, editor.uri(kind.path), present=False)


async def _has_checker(editor: Any) -> bool:
    agents, _ = await names(editor)
    return "checker" in agents


def _collected(count: int) -> list[dict[str, str]]:
    """Examples of generated structure, drawn (derandomized) by hypothesis up front: the
    server under test is started once and fed them all."""
    examples: list[dict[str, str]] = []

    @settings(
        max_examples=count,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(STRUCTURE)
    def collect(files: dict[str, str]) -> None:
        examples.append(files)

    collect()
    return examples


async def test_generated_structure_as_typed_and_on_disk(tmp_path: Path, start: Any) -> None:
    root = good_workspace(tmp_path / "repo")
    editor = await start(root, "vscode", env={"XDG_CONFIG_HOME": str(tmp_path / "home")})
    await names(editor, seconds=30)
    originals: dict[str, str] = {}
    for files in _collected(15):
        for relative, text in files.items():
            path = root / relative
            if relative not in editor.buffers:
                originals[relative] = path.read_text() if path.exists() else ""
                editor.open(relative, originals[relative])
            editor.type_text(relative, text)  # as typed: diagnostics from the buffer
        for relative, text in files.items():
            (root / relative).parent.mkdir(parents=True, exist_ok=True)
            (root / relative).write_text(text, encoding="utf-8")
        await reload(editor, next(iter(files)), "command")  # on disk: put in force
        agents, commands = await names(editor)
        assert "review" in commands or ".orchestra/commands/review.md" in files
        for relative in files:
            for diagnostic in editor.client.diagnostics.get(editor.uri(relative), []):
                assert "internal error" not in diagnostic.message

    for relative, text in originals.items():
        editor.type_text(relative, text)
        path = root / relative
        if text:
            path.write_text(text, encoding="utf-8")
        else:
            path.unlink()
    await reload(editor, ".orchestra/config.toml", "command")
    for relative in originals:
        await diagnostics_at(editor, editor.uri(relative), present=False)
    agents, commands = await names(editor)
    assert "checker" in agents and "review" in commands


async def test_every_error_of_a_file_shows_at_once_in_the_editor(
    tmp_path: Path, start: Any
) -> None:
    """A mistyped field does not hide the unknown tool beside it, as typed and unsaved."""
    root = good_workspace(tmp_path / "repo")
    editor = await start(root, "neovim", env={"XDG_CONFIG_HOME": str(tmp_path / "home")})
    relative = ".orchestra/agents/checker.md"
    editor.open(relative, language="markdown")
    editor.type_text(
        relative, "---\ndescripton: x\nmax_turns: true\ntools: [read_file, nosuch]\n---\nx\n"
    )
    found = await diagnostics_at(editor, editor.uri(relative))
    starts = sorted((d.range.start.line, d.range.start.character) for d in found)
    assert starts == [(1, 0), (2, 11), (3, 19)], found  # `true`, the wrong value
    messages = " | ".join(sorted(d.message for d in found))
    assert "descripton" in messages and "max_turns" in messages and "'nosuch'" in messages
    # The engine is built in the background; the process exits only once it is (the
    # import of the model SDK can take seconds on a busy machine), so wait for it here.
    agents, _ = await names(editor, seconds=30)
    assert "checker" in agents  # typed, not saved: the file on disk stays in force


async def test_a_broken_step_leaves_the_later_steps_diagnostics_in_place(
    tmp_path: Path, start: Any
) -> None:
    """A typo'd key in step 1 used to move step 2's diagnostic onto step 1's line."""
    root = good_workspace(tmp_path / "repo")
    editor = await start(root, "neovim", env={"XDG_CONFIG_HOME": str(tmp_path / "home")})
    relative = ".orchestra/commands/steps.md"
    (root / relative).write_text("---\ndescription: x\n---\nx\n", encoding="utf-8")
    editor.open(relative, language="markdown")
    editor.type_text(
        relative,
        "---\ndescription: x\nsteps:\n  - id: one\n    agent: checker\n    promt: hi\n"
        "  - id: two\n    agent: helpr\n    prompt: hi\n  - id: three\n    agent: checker\n"
        "    gate: aprove\n    prompt: hi\n---\n",
    )
    found = await diagnostics_at(editor, editor.uri(relative))
    placed = sorted((d.range.start.line, d.range.start.character, d.message) for d in found)
    assert [(line, column) for line, column, _ in placed] == [(5, 4), (7, 11), (11, 10)], found
    assert placed[0][2].startswith("step 'one': unknown key 'promt'; did you mean 'prompt'?")
    assert placed[1][2].startswith("step 'two' uses agent 'helpr'")
    assert placed[2][2].startswith("step 'three': `gate` must be one of approve, review")
