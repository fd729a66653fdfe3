"""The run index: listing from index.jsonl, concurrent writers, a broken index, pruning."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from orchestra_lsp.journal import RunJournal, list_runs
from orchestra_lsp.journal.index import INDEX_FILE, read_entries


def runs_folder(workspace: Path) -> Path:
    return workspace / ".orchestra" / "runs"


def orchestra(workspace: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "orchestra_lsp", *args],
        cwd=workspace,
        env={**os.environ, "HOME": str(workspace), "ANTHROPIC_API_KEY": "sk-ant-test-not-used"},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def finished_run(workspace: Path, ticket: str, end: str = "run_finished") -> str:
    with RunJournal.start(workspace, "implement-ticket", {"ticket": ticket}) as journal:
        journal.append({"type": "usage", "cost_usd": 0.5})
        journal.append({"type": end})
        return journal.run_id


def dead_run(workspace: Path) -> str:
    """A run whose process is killed mid-way: run.json still says `running`."""
    script = textwrap.dedent(
        """
        import os, sys
        from pathlib import Path
        from orchestra_lsp.journal import RunJournal
        journal = RunJournal.start(Path(sys.argv[1]), "implement-ticket", {"ticket": "dead"})
        journal.append({"type": "usage", "cost_usd": 0.25})
        journal.flush(sync=True)
        print(journal.run_id, flush=True)
        os._exit(9)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(workspace)], capture_output=True, text=True, check=False
    )
    return done.stdout.strip()


def listed(workspace: Path) -> list[dict[str, object]]:
    """Every run, as `orchestra runs --all` lists them (through the index)."""
    result = orchestra(workspace, "runs", "--all", "--json")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    rows: list[dict[str, object]] = json.loads(result.stdout)
    return rows


def test_the_index_follows_every_run_json_write(tmp_path: Path) -> None:
    first = finished_run(tmp_path, "A-1")
    second = finished_run(tmp_path, "A-2", end="run_failed")
    entries = read_entries(runs_folder(tmp_path))
    assert {run_id: entry["state"] for run_id, entry in entries.items()} == {
        first: "finished",
        second: "failed",
    }
    rows = listed(tmp_path)
    assert [(row["run_id"], row["state"], row["cost_usd"]) for row in rows] == [
        (second, "failed", 0.5),
        (first, "finished", 0.5),
    ]
    assert [s.run_id for s in list_runs(tmp_path, limit=1)] == [second]
    limited = orchestra(tmp_path, "runs", "--json", "--limit", "1")
    assert [row["run_id"] for row in json.loads(limited.stdout)] == [second]


def test_a_missing_or_corrupt_index_is_rebuilt_from_the_folders(tmp_path: Path) -> None:
    ids = [finished_run(tmp_path, f"B-{n}") for n in range(4)]
    dead = dead_run(tmp_path)
    expected = listed(tmp_path)
    assert {row["run_id"] for row in expected} == {*ids, dead}
    assert next(row for row in expected if row["run_id"] == dead)["state"] == "interrupted"
    index = runs_folder(tmp_path) / INDEX_FILE

    index.unlink()
    assert listed(tmp_path) == expected
    assert set(read_entries(runs_folder(tmp_path))) == {*ids, dead}  # written back

    # Garbage, a line cut short, a line for a run that is not there, an entry that is not
    # a run: all skipped; the folders the index lost come back from run.json.
    index.write_bytes(
        b"\x00\xff garbage\n"
        + b'{"run_id": "'
        + ids[0].encode()
        + b'", "state": "fini\n'
        + b'{"run_id": "20200101-000000-abcdef", "state": "finished"}\n'
        + b"[1, 2, 3]\n"
    )
    assert listed(tmp_path) == expected


def test_a_folder_removed_by_hand_leaves_the_listing(tmp_path: Path) -> None:
    keep, gone = finished_run(tmp_path, "C-1"), finished_run(tmp_path, "C-2")
    import shutil

    shutil.rmtree(runs_folder(tmp_path) / gone)
    assert [row["run_id"] for row in listed(tmp_path)] == [keep]


def test_several_processes_append_at_once(tmp_path: Path) -> None:
    script = textwrap.dedent(
        """
        import sys
        from pathlib import Path
        from orchestra_lsp.journal import RunJournal
        for n in range(25):
            with RunJournal.start(Path(sys.argv[1]), "fix", {"n": f"{sys.argv[2]}-{n}"}) as j:
                j.append({"type": "usage", "cost_usd": 0.01})
                j.append({"type": "run_finished"})
        """
    )
    writers = [
        subprocess.Popen([sys.executable, "-c", script, str(tmp_path), str(w)]) for w in range(4)
    ]
    assert [writer.wait(timeout=120) for writer in writers] == [0, 0, 0, 0]
    lines = (runs_folder(tmp_path) / INDEX_FILE).read_bytes().splitlines()
    records = [json.loads(line) for line in lines]  # every line whole
    assert len(records) == 100 * 2  # run.json written at start and at the end
    entries = read_entries(runs_folder(tmp_path))
    assert len(entries) == 100
    assert {entry["state"] for entry in entries.values()} == {"finished"}
    assert len(listed(tmp_path)) == 100


def test_prune_removes_only_old_ended_runs(tmp_path: Path) -> None:
    old = [finished_run(tmp_path, f"D-{n}") for n in range(3)]
    failed = finished_run(tmp_path, "D-failed", end="run_failed")
    cancelled = finished_run(tmp_path, "D-cancelled", end="run_cancelled")
    with RunJournal.start(tmp_path, "implement-ticket", {"ticket": "D-pending"}) as journal:
        journal.write_changeset({"files": {"a.py": {"base": "a", "proposed": "b"}}})
        journal.append({"type": "run_finished"})
        pending = journal.run_id
    interrupted = dead_run(tmp_path)
    running = RunJournal.start(tmp_path, "implement-ticket", {"ticket": "D-running"})
    newest = finished_run(tmp_path, "D-newest")
    try:
        kept_by_age = orchestra(tmp_path, "runs", "--prune", "--keep", "0")
        assert kept_by_age.returncode == 0, kept_by_age.stderr
        assert "nothing to prune" in kept_by_age.stdout  # all younger than 30 days

        result = orchestra(tmp_path, "runs", "--prune", "--keep", "1", "--older-than", "0")
        assert result.returncode == 0, result.stderr
        removed = {*old, failed, cancelled}
        for run_id in removed:
            assert f"removed {run_id}" in result.stdout
        assert "removed 5 run(s)" in result.stdout
        left = {pending, interrupted, running.run_id, newest}
        assert {row["run_id"] for row in listed(tmp_path)} == left
        assert {p.name for p in runs_folder(tmp_path).iterdir() if p.is_dir()} == left
        assert set(read_entries(runs_folder(tmp_path))) == left
    finally:
        running.close()


def test_prune_refuses_bad_numbers_in_one_line(tmp_path: Path) -> None:
    finished_run(tmp_path, "E-1")
    for args in (["--keep", "-1"], ["--older-than", "soon"], ["--keep", "many"]):
        result = orchestra(tmp_path, "runs", "--prune", *args)
        assert result.returncode != 0
        assert "Traceback" not in result.stderr
        assert "must" in result.stderr or "not a" in result.stderr
    assert len(listed(tmp_path)) == 1


def test_a_limited_listing_reads_past_a_broken_run_and_sees_a_dead_one(tmp_path: Path) -> None:
    older = finished_run(tmp_path, "F-1")
    dead = dead_run(tmp_path)
    broken = finished_run(tmp_path, "F-broken")
    (runs_folder(tmp_path) / broken / "run.json").write_text("{not json", encoding="utf-8")
    result = orchestra(tmp_path, "runs", "--json", "--limit", "2")
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert [(row["run_id"], row["state"]) for row in rows] == [
        (dead, "interrupted"),
        (older, "finished"),
    ]
    assert rows[0]["cost_usd"] == 0.25  # summed from the dead run's events


def test_orchestra_runs_lists_the_newest_by_default_and_every_run_on_request(
    tmp_path: Path,
) -> None:
    from orchestra_lsp.cli.journal_cmd import DEFAULT_LIMIT

    for n in range(DEFAULT_LIMIT + 3):
        finished_run(tmp_path, f"SHOP-{n}")
    newest_first = [s.run_id for s in list_runs(tmp_path)]
    assert len(newest_first) == DEFAULT_LIMIT + 3

    shown = json.loads(orchestra(tmp_path, "runs", "--json").stdout)
    assert [r["run_id"] for r in shown] == newest_first[:DEFAULT_LIMIT]
    table = orchestra(tmp_path, "runs")
    assert f"the newest {DEFAULT_LIMIT} runs; older ones: orchestra runs --all" in table.stdout
    assert newest_first[-1] not in table.stdout and newest_first[0] in table.stdout

    every = json.loads(orchestra(tmp_path, "runs", "--all", "--json").stdout)
    assert [r["run_id"] for r in every] == newest_first
    assert "older ones" not in orchestra(tmp_path, "runs", "--all").stdout
    three = json.loads(orchestra(tmp_path, "runs", "--limit", "3", "--json").stdout)
    assert [r["run_id"] for r in three] == newest_first[:3]
    both = orchestra(tmp_path, "runs", "--all", "--limit", "3")
    assert both.returncode == 2 and "not allowed with" in both.stderr
