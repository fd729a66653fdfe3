"""The first code actions are answered from the prefetched listing while the engine is
still being built (`lsp/code_actions.py`, `lsp/command_actions.py`; before pygls runs,
`lsp/early_code_actions.py`): the same answer, byte for byte, as the engine's once it is
built, and without waiting for it. (With `orchestra/agents` asked first, pygls answers
them all, from the listing; asked first, the cases up to the document never opened are
answered before pygls runs, and that one and every later one by pygls.)

Real servers, driven by a raw client (the answers are compared as the JSON sent). The
workspace's commands carry long bodies: the engine parses them (seconds), while the
listing the previous server stored is verified by hashing them (milliseconds), so a
server on it is observably still building its engine when its first code actions come.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from conftest import StartRaw
from raw_client import RawClient
from test_bootstrap import CLIENTS

from orchestra_lsp.lsp import command_actions, protocol
from orchestra_lsp.workspace import result_cache

EXPLAIN = """---
description: Explain the selection
arguments:
  - {name: depth, description: "How deep", required: true, default: short}
code_action:
  kinds: [refactor, source]
  when: selection
steps:
  - {id: explain, agent: planner, prompt: "Explain {{selection}}, {{depth}}."}
---
"""
LINT = """---
description: Fix the reported problems
code_action:
  kinds: [quickfix]
  when: diagnostics
steps:
  - {id: fix, agent: coder, prompt: "Fix {{diagnostics}}.", gate: review}
---
"""
# A code action cannot ask for an argument: a required one without default is never offered.
GOAL = """---
description: Reach a goal
arguments:
  - {name: goal, required: true}
code_action:
  kinds: [quickfix, refactor, source]
steps:
  - {id: reach, agent: coder, prompt: "Reach {{goal}}.", gate: review}
---
"""
# No description: the title is the command's name.
BARE = """---
code_action:
  kinds: [source]
steps:
  - {id: tidy, agent: coder, prompt: "Tidy {{file}}.", gate: review}
---
"""
#: Long bodies, which the engine parses and the stored listing's check only hashes.
SLOW_COMMANDS = 60
SLOW_BODY = "\n".join(f"Line {n} about {{{{goal}}}} in {{{{file}}}}." for n in range(2000))
SLOW = """---
description: Slow {n}
arguments:
  - {{name: goal, required: true}}
steps:
  - {{id: plan, agent: planner, prompt: "Plan {{{{goal}}}}."}}
---
{body}
"""
APP = "x = 1\ny = 😀 + undefined\nz = [\n  1,\n]\n"
TYPO = EXPLAIN.replace("description: Explain", "descripton: Explain")


@pytest.fixture
def workspace(workspace: Path) -> Path:
    commands = workspace / ".orchestra" / "commands"
    for name, text in {"explain": EXPLAIN, "lint": LINT, "goal": GOAL, "bare": BARE}.items():
        (commands / f"{name}.md").write_text(text, encoding="utf-8")
    for n in range(SLOW_COMMANDS):
        slow = SLOW.format(n=n, body=SLOW_BODY)
        (commands / f"slow-{n:02}.md").write_text(slow, encoding="utf-8")
    (workspace / "app.py").write_text(APP, encoding="utf-8")
    return workspace


def _range(start: tuple[int, int], end: tuple[int, int]) -> dict[str, Any]:
    return {
        "start": {"line": start[0], "character": start[1]},
        "end": {"line": end[0], "character": end[1]},
    }


UNDEFINED = {
    "range": _range((1, 9), (1, 18)),
    "message": "undefined name 'undefined'",
    "severity": 1,
    "source": "pyflakes",
    "code": "F821",
}
UNUSED = {"range": _range((0, 0), (0, 1)), "message": "unused", "severity": 4, "code": 7}
MISSPELT = {
    "range": _range((1, 0), (1, 10)),
    "message": "unknown field 'descripton': did you mean 'description'?",
    "severity": 1,
}
CONFIG = ".orchestra/commands/explain.md"

#: (document, range, diagnostics, only): the places an editor asks about.
CASES: list[tuple[str, dict[str, Any], list[dict[str, Any]], list[str] | None]] = [
    ("app.py", _range((0, 0), (0, 0)), [], None),
    ("app.py", _range((1, 0), (1, 9)), [UNDEFINED], None),
    ("app.py", _range((1, 4), (3, 2)), [], ["refactor"]),
    ("app.py", _range((1, 9), (1, 9)), [UNDEFINED, UNUSED], ["quickfix"]),
    ("app.py", _range((0, 0), (2, 0)), [UNDEFINED], ["source", "quickfix"]),
    ("app.py", _range((0, 0), (1, 3)), [UNUSED], ["refactor.extract"]),
    ("unopened.py", _range((0, 0), (0, 4)), [UNDEFINED], None),
    (CONFIG, _range((1, 0), (1, 10)), [MISSPELT], None),
    (CONFIG, _range((1, 0), (1, 0)), [MISSPELT], ["quickfix"]),
]


def _code_action(root: Path, case: int) -> dict[str, Any]:
    document, selected, diagnostics, only = CASES[case]
    context: dict[str, Any] = {"diagnostics": diagnostics}
    if only is not None:
        context["only"] = only
    return {
        "textDocument": {"uri": (root / document).as_uri()},
        "range": selected,
        "context": context,
    }


async def _server(raw: StartRaw, root: Path) -> RawClient:
    """A server on `root` as VS Code starts it, its documents open (the `.orchestra`
    one as typed, with a misspelt key; on disk it is sound)."""
    client = await raw(root)
    await client.initialize(root, CLIENTS["vscode"]["capabilities"])
    for document, text, language in (("app.py", APP, "python"), (CONFIG, TYPO, "markdown")):
        item = {"uri": (root / document).as_uri(), "languageId": language, "version": 1}
        client.notify("textDocument/didOpen", {"textDocument": {**item, "text": text}})
    return client


async def _answers(client: RawClient, root: Path) -> list[dict[str, Any]]:
    asked = [
        client.request("textDocument/codeAction", _code_action(root, n), 60)
        for n in range(len(CASES))
    ]
    return list(await asyncio.gather(*asked))


async def _stored_listing(raw: StartRaw, root: Path) -> None:
    """A first server on `root`, until its prefetch child has stored the listing."""
    client = await raw(root)
    await client.initialize(root)
    assert (await client.request("orchestra/commands", {}, 60))["result"]["commands"]
    stored = result_cache.cache_file("listing", root.resolve())
    for _ in range(600):
        if stored.exists():
            break
        await asyncio.sleep(0.1)
    assert stored.exists(), "the prefetch child stored no listing"
    # Its engine built first: exiting waits for the thread building it (seconds here).
    await client.request("orchestra/agents", {}, 120)
    assert await client.close() == 0


async def test_code_actions_before_the_engine_is_built_are_its_own(
    raw: StartRaw, workspace: Path
) -> None:
    await _stored_listing(raw, workspace)
    client = await _server(raw, workspace)
    built = asyncio.ensure_future(client.request("orchestra/agents", {}, 120))
    early = await _answers(client, workspace)
    # `orchestra/agents` waits for the engine; it was asked first, and answered last.
    agents = (await built)["id"]
    order = [m.get("id") for m in client.received if "method" not in m]
    assert all(order.index(a["id"]) < order.index(agents) for a in early), order
    later = await _answers(client, workspace)
    assert [a["result"] for a in early] == [a["result"] for a in later]
    assert await client.close() == 0
    _what_was_offered(workspace, [a["result"] for a in later])


async def test_code_actions_of_a_first_start_are_the_engines(
    raw: StartRaw, workspace: Path
) -> None:
    """No stored listing: the prefetch child computes it, the first answers come from
    it or from the engine, whichever is first; the same either way."""
    client = await _server(raw, workspace)
    early = await _answers(client, workspace)
    await client.request("orchestra/agents", {}, 120)
    later = await _answers(client, workspace)
    assert [a["result"] for a in early] == [a["result"] for a in later]
    assert await client.close() == 0
    _what_was_offered(workspace, [a["result"] for a in later])


def _what_was_offered(root: Path, answers: list[Any]) -> None:
    """The answers are the ones the commands call for, not merely equal."""
    fix_here, explain = "Orchestra: Fix what is wrong here", "Orchestra: Explain the selection"
    lint, bare = "Orchestra: Fix the reported problems", "Orchestra: bare"
    goal = "Orchestra: Reach a goal"
    ours = {fix_here, explain, lint, bare, goal}  # beside the built-in commands' actions
    titles = [
        [(a["title"], a.get("kind")) for a in answer or [] if a["title"] in ours]
        for answer in answers
    ]
    assert titles[0] == [(bare, "source"), (fix_here, "source")]
    assert titles[1] == [
        (bare, "source"),
        (explain, "refactor"),
        (explain, "source"),
        (fix_here, "quickfix"),
        (fix_here, "refactor"),
        (fix_here, "source"),
        (lint, "quickfix"),
    ]
    assert titles[2] == [(explain, "refactor"), (fix_here, "refactor")]
    assert titles[3] == [(fix_here, "quickfix"), (lint, "quickfix")]
    assert [t for _, t in titles[4]] == ["source", "source", "quickfix", "source", "quickfix"]
    assert answers[5] is None
    assert all(goal not in (t for t, _ in answer) for answer in titles)
    [run] = [
        a["command"]["arguments"][0]
        for a in answers[1]
        if a["title"] == fix_here and a["kind"] == "quickfix"
    ]
    assert run["selection"] == "y = 😀 + " and run["diagnostics"][0]["code"] == "F821"
    assert {a["command"]["arguments"][0]["selection"] for a in answers[6]} == {None}  # not open
    config = answers[7]
    assert config[0]["title"] == "Change to 'description'"
    assert config[0]["edit"]["changes"][(root / CONFIG).as_uri()][0]["newText"] == "description"
    assert {a["kind"] for a in config[1:]} == {"refactor", "source"}  # no quick fix run
    assert [a["title"] for a in answers[8]] == ["Change to 'description'"]


@pytest.mark.parametrize("case", range(len(CASES)))
def test_run_params_are_protocols_run_params(case: int) -> None:
    """`command_actions.run_params` writes `protocol.RunParams` on the wire by hand."""
    _, selected, diagnostics, _ = CASES[case]
    infos = [
        command_actions.diagnostic_info(
            d["range"], d["message"], d.get("severity"), d.get("source"), d.get("code")
        )
        for d in diagnostics
    ]
    for selection in (None, "", "y = 😀"):
        by_hand = command_actions.run_params("fix-here", "file:///a.py", selected, selection, infos)
        assert by_hand == protocol.RunParams.model_validate(by_hand).wire()
        assert by_hand["diagnostics"] == [
            protocol.DiagnosticInfo.model_validate(d).wire() for d in diagnostics
        ]
