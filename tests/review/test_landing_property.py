"""Property: whatever a person decides and however the file changed meanwhile, after
landing the journal (the `Landing`) and the disk agree hunk by hunk.

The oracle does not use the landing code: every line the agent writes and every line
the person writes is unique text, so whether a hunk is on disk is whether its new lines
are there."""

from __future__ import annotations

import tempfile
import threading
from pathlib import Path

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from orchestra_lsp.changes import FileChange, land

N = 12
BASE = [f"line {n}\n" for n in range(N)]


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[str, str, set[int], str]:
    """(base, proposal, accepted hunk numbers, the person's text on disk)."""
    agent = draw(st.sets(st.integers(0, N - 1), max_size=6))
    inserted = draw(st.sets(st.integers(0, N), max_size=2))
    removed = draw(st.sets(st.integers(0, N - 1), max_size=2)) - agent
    proposal: list[str] = []
    for n in range(N + 1):
        if n in inserted:
            proposal.append(f"agent inserts {n}\n")
        if n < N and n not in removed:
            proposal.append(f"agent {n}\n" if n in agent else BASE[n])
    person = list(BASE)
    for _ in range(draw(st.integers(0, 3))):
        at = draw(st.integers(0, len(person)))
        action = draw(st.sampled_from(["replace", "insert", "delete"]))
        if action == "insert":
            person.insert(at, f"person {at} {len(person)}\n")
        elif at < len(person):
            if action == "delete":
                del person[at]
            else:
                person[at] = f"person {at}\n"
    # A line the agent deletes and the person rewrote is neither side's: leave it out.
    assume(all(BASE[n] in person for n in removed))
    chosen = draw(st.sets(st.integers(1, 12)))
    return "".join(BASE), "".join(proposal), chosen, "".join(person)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_journal_and_disk_agree_hunk_by_hunk(scenario: tuple[str, str, set[int], str]) -> None:
    base, proposal, chosen, person = scenario
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "f.txt").write_text(person, encoding="utf-8")
        change = FileChange(path="f.txt", base_text=base, proposed_text=proposal)
        hunks = change.hunks()
        accepted = {h.id for n, h in enumerate(hunks, start=1) if n in chosen}

        landing = land(root, change, accepted)

        disk = (root / "f.txt").read_text(encoding="utf-8")
        lines = disk.splitlines(keepends=True)
        on_disk = [h.id for h in hunks if _holds(h.new_lines, h.old_lines, lines)]
        assert landing.landed == on_disk, (landing, disk)
        assert set(landing.accepted) == accepted
        if landing.outcome == "applied":
            assert set(on_disk) >= accepted
        if landing.outcome in ("conflict", "rejected"):
            assert disk == person  # nothing written
        if accepted and landing.outcome != "conflict":
            assert landing.outcome == "applied", landing
        # Rejected hunks never land (the person's lines are never the agent's).
        assert not (set(on_disk) - accepted)
        # The person's own lines survive every landing.
        for line in person.splitlines(keepends=True):
            if line.startswith("person"):
                assert line in lines


def _holds(new: list[str], old: list[str], lines: list[str]) -> bool:
    """Agent lines are unique: a hunk is there when its new lines are (and, for a pure
    deletion, when its old lines are gone)."""
    if new:
        return all(line in lines for line in new if line.startswith("agent"))
    return not any(line in lines for line in old)


def test_concurrent_landings_in_threads_lose_nothing(tmp_path: Path) -> None:
    """Twelve landers at once, each one line: the lock serialises them and every one is
    on disk (edits on adjacent lines are moved hunk by hunk, not merged as a block)."""
    base = "".join(BASE)
    (tmp_path / "f.txt").write_text(base, encoding="utf-8")
    results = {}

    def one(n: int) -> None:
        proposal = base.replace(BASE[n], f"agent {n}\n")
        change = FileChange(path="f.txt", base_text=base, proposed_text=proposal)
        results[n] = land(tmp_path, change, {"h1"})

    threads = [threading.Thread(target=one, args=(n,)) for n in range(N)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    disk = (tmp_path / "f.txt").read_text(encoding="utf-8")
    assert {n for n, r in results.items() if r.outcome == "applied"} == set(range(N)), results
    assert disk == "".join(f"agent {n}\n" for n in range(N))
