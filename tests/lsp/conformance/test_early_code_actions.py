"""Code actions answered before pygls is imported (`lsp/early_code_actions.py`, read by
`bootstrap.EarlyAnswers`): the answer must be the one pygls sends, for every client
input it answers, and every input it cannot tell is left to pygls.

pygls' answers come from real servers (one per position encoding), asked once their
engine is built; the early ones from `early_code_actions.answer` and, through a pipe,
from the early reader itself, with the prefetched listing of the same workspace.
"""

from __future__ import annotations

import io
import json
import os
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from conftest import StartRaw
from raw_client import frame
from test_first_code_action import BARE, EXPLAIN, GOAL, LINT

from orchestra_lsp.lsp import early_code_actions
from orchestra_lsp.lsp.bootstrap import EarlyAnswers, FdReader
from orchestra_lsp.lsp.prefetch import CommandsPrefetch

DOCUMENTS = {
    "ascii.py": "x = 1\ny = undefined\n    z = [\n  1,\n]",
    "wide.py": "a = '😀é中'\nb = '𝄞x' + 1\n\nlast 😀 line",
    "empty.py": "",
    "crlf.py": "x = 1\r\ny = 2\r\n",
    "feed.py": "x = 1\fy = 2\n",
    "sub/deep.txt": "one\ntwo\nthree\n",
    ".orchestra/commands/explain.md": EXPLAIN,
    "CLAUDE.md": "Be brief.\n",
}
ENCODINGS = ("utf-8", "utf-16", "utf-32")


def _range(a: int, b: int, c: int, d: int) -> dict[str, Any]:
    return {"start": {"line": a, "character": b}, "end": {"line": c, "character": d}}


FULL = {
    "range": _range(1, 4, 1, 13),
    "message": "undefined name",
    "severity": 1,
    "code": "F821",
    "source": "pyflakes",
    "tags": [1],
}
BARE_DIAGNOSTIC = {"range": _range(0, 0, 0, 1), "message": "look"}
NUMBERED = {"range": _range(2, 0, 9, 99), "message": "m", "severity": 4, "code": 0, "source": ""}
ELSEWHERE = {"uri": "file:///elsewhere.py", "range": _range(3, 0, 3, 2)}
RELATED = {**NUMBERED, "relatedInformation": [{"location": ELSEWHERE, "message": "here"}]}
DESCRIBED = {
    **FULL,
    "codeDescription": {"href": "https://example.com/F821"},
    "relatedInformation": [],
    "data": {"fix": 1, "none": None, "list": [1.5, "a", None, True, {"n": -2}]},
}

#: (document, range, context): what clients ask, the odd included.
CASES: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
    ("ascii.py", _range(0, 0, 0, 0), {"diagnostics": []}),
    ("ascii.py", _range(1, 0, 1, 5), {"diagnostics": [FULL]}),
    ("ascii.py", _range(1, 4, 3, 2), {"diagnostics": [], "only": ["refactor"]}),
    ("ascii.py", _range(1, 4, 1, 4), {"diagnostics": [FULL, NUMBERED], "only": ["quickfix"]}),
    ("ascii.py", _range(0, 0, 2, 0), {"diagnostics": [BARE_DIAGNOSTIC], "only": ["source"]}),
    ("ascii.py", _range(0, 1, 1, 3), {"diagnostics": [], "only": ["refactor.extract"]}),
    ("ascii.py", _range(0, 0, 1, 0), {"diagnostics": [], "only": []}),
    ("ascii.py", _range(0, 0, 1, 0), {"diagnostics": [], "only": ["re", "quick"]}),
    ("ascii.py", _range(0, 0, 1, 0), {"diagnostics": [FULL], "triggerKind": 1}),
    ("ascii.py", _range(0, 3, 0, 3), {"diagnostics": [], "triggerKind": 2}),
    ("ascii.py", _range(3, 2, 1, 0), {"diagnostics": []}),  # reversed
    ("ascii.py", _range(1, 50, 9, 9), {"diagnostics": []}),  # past the line, the text
    ("ascii.py", _range(4, 0, 4, 1), {"diagnostics": [NUMBERED]}),  # the last line, unended
    ("wide.py", _range(0, 5, 0, 8), {"diagnostics": []}),
    ("wide.py", _range(0, 6, 1, 7), {"diagnostics": [FULL]}),
    ("wide.py", _range(1, 5, 1, 6), {"diagnostics": []}),  # inside a surrogate pair
    ("wide.py", _range(3, 0, 3, 40), {"diagnostics": [BARE_DIAGNOSTIC]}),
    ("wide.py", _range(2, 0, 3, 7), {"diagnostics": [], "only": ["refactor", "source"]}),
    ("empty.py", _range(0, 0, 0, 0), {"diagnostics": [FULL]}),
    ("empty.py", _range(0, 0, 3, 1), {"diagnostics": []}),
    ("sub/deep.txt", _range(0, 1, 2, 2), {"diagnostics": [BARE_DIAGNOSTIC]}),
    ("ascii.py", _range(0, 0, 0, 1), {"diagnostics": [RELATED, DESCRIBED]}),
    ("wide.py", _range(0, 0, 0, 0), {"diagnostics": [{**BARE_DIAGNOSTIC, "data": "text"}]}),
    # Left to pygls:
    ("crlf.py", _range(0, 0, 1, 1), {"diagnostics": []}),
    ("feed.py", _range(0, 0, 0, 8), {"diagnostics": []}),
    (".orchestra/commands/explain.md", _range(1, 0, 1, 4), {"diagnostics": [FULL]}),
    ("CLAUDE.md", _range(0, 0, 0, 2), {"diagnostics": []}),
    ("never-opened.py", _range(0, 0, 0, 2), {"diagnostics": []}),
    ("ascii.py", _range(0, 0, 0, 1), {"diagnostics": [{**BARE_DIAGNOSTIC, "extra": 1}]}),
    (
        "ascii.py",
        _range(0, 0, 0, 1),
        {"diagnostics": [{**BARE_DIAGNOSTIC, "relatedInformation": [{"message": "x"}]}]},
    ),
    ("ascii.py", _range(0, 0, 0, 1), {"diagnostics": [{**FULL, "codeDescription": {}}]}),
    ("ascii.py", _range(0, 0, 0, 1), {"diagnostics": [], "workDoneToken": "w"}),
    ("ascii.py", _range(0, 0, 0, 1), {"diagnostics": [{**FULL, "severity": 5}]}),
]
ANSWERED = 23
"""The cases before the first left to pygls."""


@pytest.fixture
def workspace(workspace: Path) -> Path:
    commands = workspace / ".orchestra" / "commands"
    for name, text in {"explain": EXPLAIN, "lint": LINT, "goal": GOAL, "bare": BARE}.items():
        (commands / f"{name}.md").write_text(text, encoding="utf-8")
    for relative, text in DOCUMENTS.items():
        if not (workspace / relative).exists():
            (workspace / relative).parent.mkdir(parents=True, exist_ok=True)
            (workspace / relative).write_bytes(text.encode())
    return workspace


def _params(root: Path, case: int) -> dict[str, Any]:
    document, selected, context = CASES[case]
    return {
        "textDocument": {"uri": (root / document).as_uri()},
        "range": selected,
        "context": context,
    }


def _opened(root: Path) -> list[dict[str, Any]]:
    return [
        {
            "method": "textDocument/didOpen",
            "params": {
                "textDocument": {
                    "uri": (root / relative).as_uri(),
                    "languageId": "plaintext",
                    "version": 1,
                    "text": text,
                }
            },
        }
        for relative, text in DOCUMENTS.items()
    ]


async def _pygls_answers(raw: StartRaw, root: Path, encoding: str) -> list[Any]:
    client = await raw(root)
    capabilities = {"general": {"positionEncodings": [encoding]}}
    answer = await client.initialize(root, capabilities)
    assert answer["capabilities"]["positionEncoding"] == encoding
    for message in _opened(root):
        client.notify(message["method"], message["params"])
    await client.request("orchestra/agents", {}, 120)  # pygls runs: it answers from here
    answers = []
    for case in range(ANSWERED):  # (pygls never answers the severity 5: an invalid one)
        answers.append(await client.request("textDocument/codeAction", _params(root, case), 60))
    assert await client.close() == 0
    return answers


@pytest.mark.parametrize("encoding", ENCODINGS)
async def test_the_early_answers_are_pyglss(raw: StartRaw, workspace: Path, encoding: str) -> None:
    prefetch = CommandsPrefetch(workspace)
    listing = prefetch.result(60)
    assert listing is not None
    pygls = await _pygls_answers(raw, workspace, encoding)
    answered = []
    for case in range(len(CASES)):
        documents = early_code_actions.Documents()
        for message in _opened(workspace):
            documents.note(message)
        early = early_code_actions.answer(
            _params(workspace, case), listing, documents, prefetch.root, encoding
        )
        if early is early_code_actions.DECLINED:
            continue
        answered.append(case)
        assert "result" in pygls[case], (case, pygls[case])
        assert early == pygls[case]["result"], CASES[case]
        assert json.dumps(early) == json.dumps(pygls[case]["result"]), CASES[case]  # key order
    assert answered == list(range(ANSWERED))
    prefetch.close()


def test_a_change_or_a_second_open_leaves_code_actions_to_pygls(workspace: Path) -> None:
    listing = CommandsPrefetch(workspace).result(60)
    assert listing is not None
    params = _params(workspace, 1)
    for spoiler in (
        {"method": "textDocument/didChange", "params": {}},
        {"method": "textDocument/didClose", "params": {}},
        _opened(workspace)[0],  # the same document again
        {"method": "textDocument/didOpen", "params": {"textDocument": {"uri": 1}}},
    ):
        documents = early_code_actions.Documents()
        for message in _opened(workspace):
            documents.note(message)
        assert early_code_actions.answer(params, listing, documents, workspace, "utf-16") != (
            early_code_actions.DECLINED
        )
        documents.note(spoiler)
        declined = early_code_actions.answer(params, listing, documents, workspace, "utf-16")
        assert declined is early_code_actions.DECLINED, spoiler


class _Stdout(io.BytesIO):
    def answers(self) -> list[dict[str, Any]]:
        data, found = self.getvalue(), []
        while data:
            header, rest = data.split(b"\r\n\r\n", 1)
            length = int(header.split(b"Content-Length: ")[1].split(b"\r\n")[0])
            found.append(json.loads(rest[:length]))
            data = rest[length:]
        return found


def _wait(condition: Any, what: str) -> None:
    deadline = time.monotonic() + 60
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.01)


def test_the_early_reader_answers_code_actions_until_one_it_cannot(workspace: Path) -> None:
    """Through stdin, before pygls: answered in order, until one is left to pygls;
    from then on every code action is held (none overtakes it), the listing still
    answered; the held ones reach pygls in order."""
    read_end, write_end = os.pipe()
    source = FdReader(read_end)
    stdout = _Stdout()
    prefetch = CommandsPrefetch(workspace)
    early = EarlyAnswers(source, stdout, prefetch, "utf-16")
    opened = b"".join(frame(m) for m in _opened(workspace))
    ask = [
        frame({"id": n, "method": "textDocument/codeAction", "params": _params(workspace, n)})
        for n in (0, 1, 25, 2)
    ]
    commands = frame({"id": "commands", "method": "orchestra/commands", "params": {}})
    os.write(
        write_end,
        frame({"method": "initialized", "params": {}}) + opened + b"".join(ask) + commands,
    )
    _wait(lambda: len(stdout.answers()) == 3, "the early reader did not answer")
    answers = stdout.answers()
    assert [a["id"] for a in answers] == [0, 1, "commands"]
    listing = prefetch.result(0)
    assert listing is not None
    expected = [
        early_code_actions.answer(
            _params(workspace, n), listing, _documents(workspace), workspace, "utf-16"
        )
        for n in (0, 1)
    ]
    assert [a["result"] for a in answers[:2]] == expected
    assert answers[2]["result"] == prefetch.result(0)
    reader = early.hand_over()
    os.close(write_end)
    assert (
        reader.read() == frame({"method": "initialized", "params": {}}) + opened + ask[2] + ask[3]
    )
    assert not [t for t in threading.enumerate() if t.name == "orchestra-early"]
    os.close(read_end)


def _documents(root: Path) -> early_code_actions.Documents:
    documents = early_code_actions.Documents()
    for message in _opened(root):
        documents.note(message)
    return documents


_EARLY_ONLY = """
import json, os, sys
from pathlib import Path
from orchestra_lsp.cli import serve  # what `orchestra serve` has imported by then
from orchestra_lsp.lsp import early_code_actions

listing, params, messages = json.loads(sys.stdin.read())
documents = early_code_actions.Documents()
for message in messages:
    documents.note(message)
answer = early_code_actions.answer(params, listing, documents, Path(sys.argv[1]), "utf-16")
heavy = ("lsprotocol", "attrs", "attr", "cattrs", "pydantic", "orchestra_lsp.engine")
loaded = [m for m in sys.modules if m.startswith(heavy) or m.startswith("pygls.")]
print(json.dumps({"answer": answer, "loaded": loaded}))
"""


def test_the_early_answer_imports_neither_pygls_nor_lsprotocol_nor_pydantic(
    workspace: Path,
) -> None:
    """What makes it fast: it runs while pygls is being imported, beside it."""
    import subprocess
    import sys

    listing = CommandsPrefetch(workspace).result(60)
    assert listing is not None
    done = subprocess.run(
        [sys.executable, "-c", _EARLY_ONLY, str(workspace.resolve())],
        input=json.dumps([listing, _params(workspace, 1), _opened(workspace)]),
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    report = json.loads(done.stdout)
    assert report["answer"] == early_code_actions.answer(
        _params(workspace, 1), listing, _documents(workspace), workspace.resolve(), "utf-16"
    )
    assert set(report["loaded"]) <= {"pygls.uris"}, report["loaded"]
