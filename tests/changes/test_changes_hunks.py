"""Hunks: computing, applying any subset, and reading back what was applied."""

from __future__ import annotations

from itertools import pairwise

import pytest
from change_strategies import edited, texts
from hypothesis import given
from hypothesis import strategies as st

from orchestra_lsp.changes import apply_hunks, compute_hunks, which_hunks_applied
from orchestra_lsp.changes.lines import split_lines


@given(texts())
def test_split_lines_round_trips_and_breaks_only_where_lsp_does(text: str) -> None:
    lines = split_lines(text)
    assert "".join(lines) == text
    for line in lines[:-1]:
        assert line.endswith(("\n", "\r"))
        assert "\n" not in line.rstrip("\r\n") and "\r" not in line.rstrip("\r\n")


def test_split_lines_ignores_non_lsp_breaks() -> None:
    assert split_lines("a\x0cb\u2028c\x85d\n") == ["a\x0cb\u2028c\x85d\n"]


@given(edited())
def test_all_hunks_give_the_proposal_and_none_give_the_base(pair: tuple[str, str]) -> None:
    base, proposed = pair
    hunks = compute_hunks(base, proposed)
    assert apply_hunks(base, hunks, {h.id for h in hunks}) == proposed
    assert apply_hunks(base, hunks, set()) == base
    assert [h.id for h in hunks] == [f"h{n}" for n in range(1, len(hunks) + 1)]


@given(edited(), st.data())
def test_any_subset_is_consistent_and_can_be_read_back(
    pair: tuple[str, str], data: st.DataObject
) -> None:
    base, proposed = pair
    hunks = compute_hunks(base, proposed)
    chosen = data.draw(st.sets(st.sampled_from([h.id for h in hunks]))) if hunks else set()
    partial = apply_hunks(base, hunks, chosen)
    # The remaining hunks, computed from the partial result, finish the job.
    rest = compute_hunks(partial, proposed)
    assert apply_hunks(partial, rest, {h.id for h in rest}) == proposed
    read_back = which_hunks_applied(base, hunks, partial)
    # Two subsets can give the same text; what is read back must give it too.
    assert apply_hunks(base, hunks, read_back) == partial
    if chosen == {h.id for h in hunks}:
        assert read_back == chosen


@given(edited())
def test_hunks_are_separated_by_unchanged_lines(pair: tuple[str, str]) -> None:
    base, proposed = pair
    hunks = compute_hunks(base, proposed)
    lines = split_lines(base)
    for earlier, later in pairwise(hunks):
        assert earlier.base_end < later.base_start
    for hunk in hunks:
        assert lines[hunk.base_start : hunk.base_end] == hunk.old_lines
        assert hunk.old_lines != hunk.new_lines


def test_hunks_are_line_ranges_with_both_sides() -> None:
    base = "one\ntwo\nthree\nfour\nfive\nsix\n"
    proposed = "one\nTWO\nthree\nfour\nfive\nsix\nseven\n"
    first, second = compute_hunks(base, proposed)
    assert (first.id, first.base_start, first.base_end) == ("h1", 1, 2)
    assert (first.old_lines, first.new_lines) == (["two\n"], ["TWO\n"])
    assert (second.id, second.base_start, second.base_end) == ("h2", 6, 6)
    assert second.new_text == "seven\n"
    assert apply_hunks(base, [first, second], {"h2"}) == base + "seven\n"


def test_which_hunks_applied_reads_back_a_partial_application() -> None:
    base = "".join(f"line {n}\n" for n in range(20))
    proposed = base.replace("line 3\n", "LINE 3\n").replace("line 15\n", "")
    hunks = compute_hunks(base, proposed)
    assert which_hunks_applied(base, hunks, base) == set()
    assert which_hunks_applied(base, hunks, proposed) == {"h1", "h2"}
    only_second = apply_hunks(base, hunks, {"h2"})
    assert which_hunks_applied(base, hunks, only_second) == {"h2"}


def test_which_hunks_applied_refuses_text_that_is_no_subset() -> None:
    base = "a\nb\nc\n"
    hunks = compute_hunks(base, "a\nB\nc\n")
    with pytest.raises(ValueError):
        which_hunks_applied(base, hunks, "a\nsomething else\nc\n")


def test_apply_refuses_hunks_from_another_base() -> None:
    hunks = compute_hunks("a\nb\n", "a\nc\n")
    with pytest.raises(ValueError):
        apply_hunks("x\ny\n", hunks, {"h1"})


def test_scattered_changes_in_a_large_file_stay_separate_hunks() -> None:
    base_lines = [f"value_{n} = compute({n})\n" for n in range(2000)]
    proposed_lines = list(base_lines)
    for k in range(40):
        at = k * 50 + 7
        proposed_lines[at] = "" if k % 2 else f"value_{at} = changed({k})\n"
    base, proposed = "".join(base_lines), "".join(proposed_lines)
    hunks = compute_hunks(base, proposed)
    assert [h.base_start for h in hunks] == [k * 50 + 7 for k in range(40)]
    assert all(h.base_end == h.base_start + 1 for h in hunks)
