"""The shop's `ticket-flow` command through the CLI (`orchestra run ... --yes --apply`):
triage answers in a structured output that picks the bug branch, the implement/review
loop goes round twice (the first fix lands, the reviewer sends it back, the second
lands), QA checks each criterion in its own conversation at the same time, the tests
and a look over the diff run side by side, and the report reads all of it. The model is
the shipped concurrent transcript; the ticket server, the edits, git and the shop's
test suite are real."""

from __future__ import annotations

import html
import json
import subprocess
import sys

from workflow_helpers import FIX, Shop, transcript

from orchestra_lsp.testing import ScriptedServer

FLOW_TRANSCRIPT = "ticket-flow-SHOP-12.yaml"


def test_ticket_flow_branches_loops_and_fans_out(shop: Shop) -> None:
    with ScriptedServer(transcript(FLOW_TRANSCRIPT, shop.port)) as model:
        done = shop.run_cli(model.base_url, "ticket-flow", "SHOP-12")
    model.assert_no_failures()
    model.assert_all_consumed()
    assert done.returncode == 0, done.stdout + done.stderr

    # The fix of the second round is on disk, the debug print of the first is not, and
    # the shop's suite passes.
    cart = (shop.root / "shop" / "cart.py").read_text(encoding="utf-8")
    assert FIX in cart and "print(" not in cart
    assert shop.tests().returncode == 0

    events = shop.events(shop.last_run("ticket-flow"))
    finished = {e["step_id"]: e for e in events if e["type"] == "step_finished"}
    assert finished["triage"]["data"]["kind"] == "bug"
    assert [e["step_id"] for e in events if e["type"] == "step_skipped"] == ["plan"]
    # Two rounds, each with its review gate landing the developer's edit.
    rounds = [s for s in finished if s.startswith("build#")]
    assert rounds == [
        "build#1/implement",
        "build#1/review",
        "build#2/implement",
        "build#2/review",
    ]
    assert finished["build#1/review"]["data"]["verdict"] == "revise"
    assert finished["build"]["data"]["review"]["verdict"] == "approve"
    landed = [(e["step_id"], e["outcome"]) for e in events if e["type"] == "proposal_decided"]
    assert landed == [("build#1/implement", "applied"), ("build#2/implement", "applied")]
    # QA: a list, one verdict per criterion, in the criteria's order.
    criteria = finished["triage"]["data"]["criteria"]
    verdicts = finished["qa"]["data"]
    assert len(verdicts) == len(criteria) == 3
    assert [v["verdict"] for v in verdicts] == ["pass", "pass", "pass"]
    assert "Ran 1 test" in verdicts[0]["evidence"]
    assert {f"qa[{i}]/check" for i in range(3)} <= set(finished)
    assert finished["checks"]["data"] == {
        "unit": "UNIT-OK: the whole suite passes.",
        "leftovers": "LEFTOVERS-NONE: one line changed in shop/cart.py, nothing else.",
    }
    # The QA branches and the two checks each had a conversation of their own.
    qa_firsts = [
        r.body
        for r in model.requests
        if r.body is not None
        and len(r.body.get("messages", [])) == 1
        and "Verify one acceptance criterion" in json.dumps(r.body["messages"])
    ]
    assert len(qa_firsts) == 3
    assert all(
        sum(
            tag in json.dumps(body["messages"]) for tag in ("CRIT-TOTAL", "CRIT-SAME", "CRIT-SUITE")
        )
        == 1
        for body in qa_firsts
    )
    # What the terminal showed: the skip and the structured answers.
    assert "○ step plan skipped" in done.stdout
    assert "qa: cost per branch:" in done.stdout
    assert (
        "SHOP-12 (bug) is fixed"
        in (shop.run_dir(shop.last_run("ticket-flow")) / "report.md").read_text()
    )

    # The run page shows each structured answer, the for_each list and the skipped plan,
    # and a cost per branch in its steps table.
    run_id = shop.last_run("ticket-flow")
    page = subprocess.run(
        [sys.executable, "-m", "orchestra_lsp", "show", run_id, "--html"],
        cwd=shop.root,
        env=shop.env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert page.returncode == 0, page.stdout + page.stderr
    text = html.unescape((shop.run_dir(run_id) / "report.html").read_text(encoding="utf-8"))
    assert '<details class="output" data-step="qa">' in text
    assert '"verdict": "revise"' in text and "skipped: when steps.triage.output.kind" in text
    assert '<tr data-step="qa[2]/check"' in text
