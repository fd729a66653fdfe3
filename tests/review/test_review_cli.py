"""`orchestra run` and `orchestra review` as real subprocesses: headless review (issue
11 case 7) with and without a terminal, and ten concurrent runs landing on one file
(case 6): every `applied` in a journal is on disk, every change on disk is journaled."""

from __future__ import annotations

import concurrent.futures
import sys
from pathlib import Path
from typing import Any

from engine_helpers import (
    cli_env,
    command_file,
    events_of,
    in_a_terminal,
    orchestra,
    str_replace,
    workspace,
)

from orchestra_lsp.journal import list_runs, load_run
from orchestra_lsp.testing import ScriptedServer

LINES = [f"value_{n} = {n}\n" for n in range(10)]
BASE = "".join(LINES)
REVIEWED = command_file(
    [{"id": "implement", "agent": "worker", "prompt": "Change line 3.", "gate": "review"}]
)
ONE_STEP = command_file([{"id": "implement", "agent": "worker", "prompt": "Change a line."}])


def _stopped_for_want_of_a_person(root: Path, config_home: Path) -> str:
    """`orchestra run` with a review gate, no terminal, no --yes: exit 3, nothing lost."""
    workspace(root, {"change": REVIEWED}, extra={"values.py": BASE})
    script: list[dict[str, Any]] = [
        {"reply": {"tool_use": [str_replace("values.py", LINES[3], "value_3 = 'three'\n")]}},
        {"reply": {"text": "Line 3 changed."}},
    ]
    with ScriptedServer(script) as server:
        done = orchestra(root, server, config_home, "run", "change")
    server.assert_no_failures()
    out = done.stdout + done.stderr
    assert done.returncode == 3, out
    assert "needs a person" in out and "Traceback" not in out, out
    assert (root / "values.py").read_text() == BASE
    [summary] = list_runs(root)
    assert summary.pending_proposal, summary
    assert events_of(root, summary.run_id, "proposal_decided") == []  # nothing recorded as rejected
    return summary.run_id


def test_headless_review_without_a_terminal_stops_and_keeps_the_proposal(
    root: Path, config_home: Path
) -> None:
    run_id = _stopped_for_want_of_a_person(root, config_home)
    with ScriptedServer([]) as server:
        done = orchestra(root, server, config_home, "review", run_id)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "needs a person" in done.stderr and "Traceback" not in done.stderr
    assert server.requests == []
    runs = {s.run_id: s for s in list_runs(root)}
    assert list(runs) == [run_id]  # no review run was started
    assert runs[run_id].pending_proposal
    assert load_run(root, run_id).changeset is not None
    assert (root / "values.py").read_text() == BASE


def test_headless_review_in_a_terminal_lands_what_the_person_accepts(
    root: Path, config_home: Path
) -> None:
    run_id = _stopped_for_want_of_a_person(root, config_home)
    with ScriptedServer([]) as server:
        transcript, code = in_a_terminal(
            [sys.executable, "-m", "orchestra_lsp", "review", run_id],
            root,
            cli_env(server.base_url, config_home),
            answers={"Accept the changes to values.py?": "yes\n"},
        )
    assert code == 0, transcript
    assert "applied" in transcript, transcript
    assert (root / "values.py").read_text() == BASE.replace(LINES[3], "value_3 = 'three'\n")
    runs = {s.run_id: s for s in list_runs(root)}
    assert not runs[run_id].pending_proposal
    [review] = [s for s in runs.values() if s.run_id != run_id]
    [decided] = events_of(root, review.run_id, "proposal_decided")
    assert (decided["outcome"], decided["accepted"], decided["landed"]) == (
        "applied",
        ["h1"],
        ["h1"],
    )


def test_input_ended_at_a_review_leaves_one_pending_copy_that_lands_once(
    root: Path, config_home: Path
) -> None:
    """Ctrl-D at the review prompt decides nothing and stops cleanly; the proposal stays
    pending in the run that made it alone, so it can be reviewed and land once, never
    again through the review that ended without an answer."""
    run_id = _stopped_for_want_of_a_person(root, config_home)
    landed = BASE.replace(LINES[3], "value_3 = 'three'\n")
    review = [sys.executable, "-m", "orchestra_lsp", "review", run_id]
    with ScriptedServer([]) as server:
        env = cli_env(server.base_url, config_home)
        transcript, code = in_a_terminal(
            review, root, env, answers={"Accept the changes to values.py?": "\x04"}
        )
        assert code == 3, transcript  # stopped, not failed
        assert "input ended" in transcript and "internal error" not in transcript, transcript
        assert "Traceback" not in transcript, transcript
        assert (root / "values.py").read_text() == BASE
        runs = {s.run_id: s for s in list_runs(root)}
        [ended] = [s for s in runs.values() if s.run_id != run_id]
        assert runs[run_id].pending_proposal and not ended.pending_proposal, runs

        transcript, code = in_a_terminal(
            review, root, env, answers={"Accept the changes to values.py?": "yes\n"}
        )
        assert code == 0, transcript
        assert (root / "values.py").read_text() == landed
        assert not any(s.pending_proposal for s in list_runs(root)), list_runs(root)

        (root / "values.py").write_text(BASE)  # the person takes the change back by hand
        for again in (run_id, ended.run_id):
            done = orchestra(root, server, config_home, "review", again)
            assert done.returncode != 0, done.stdout + done.stderr
            assert "no proposal waiting" in done.stdout + done.stderr
        assert (root / "values.py").read_text() == BASE  # nothing landed a second time
    assert server.requests == []


def test_ten_concurrent_runs_on_one_file_journal_equals_disk(root: Path, config_home: Path) -> None:
    workspace(root, {"change": ONE_STEP}, extra={"values.py": BASE})
    new = {n: f"value_{n} = 'changed by run {n}'\n" for n in range(10)}
    servers = [
        ScriptedServer(
            [
                {"reply": {"tool_use": [str_replace("values.py", LINES[n], new[n])]}},
                {"reply": {"text": "Done."}},
            ]
        )
        for n in range(10)
    ]
    for server in servers:
        server.__enter__()
    try:
        with concurrent.futures.ThreadPoolExecutor(10) as pool:
            done = list(
                pool.map(
                    lambda s: orchestra(
                        root, s, config_home, "run", "change", "--yes", "--apply", timeout=300
                    ),
                    servers,
                )
            )
    finally:
        for server in servers:
            server.__exit__(None, None, None)
    for result in done:
        assert result.returncode == 0, result.stdout + result.stderr
    text = (root / "values.py").read_text()
    journaled: dict[int, str] = {}
    for summary in list_runs(root):
        decided_list = events_of(root, summary.run_id, "proposal_decided")
        if not decided_list:  # its edit saw the file change under it, and proposed nothing
            continue
        [decided] = decided_list
        [edit] = [
            e
            for e in load_run(root, summary.run_id).events
            if e["type"] == "tool_call_started" and e["tool"] == "edit"
        ]
        n = next(i for i in range(10) if edit["arguments"]["new_str"] == new[i])
        journaled[n] = decided["outcome"] + ": " + decided["detail"]
    on_disk = {n for n in range(10) if new[n] in text}
    applied = {n for n, outcome in journaled.items() if outcome.startswith("applied:")}
    assert applied == on_disk, "\n".join([*map(str, sorted(journaled.items())), text])
    # Different lines, even adjacent ones, land side by side: nothing is a conflict.
    assert all(outcome.startswith("applied:") for outcome in journaled.values()), journaled
    assert len(applied) >= 8, journaled
    assert not [p for p in root.iterdir() if p.name.endswith(".tmp")]
