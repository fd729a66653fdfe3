"""Both workflows through the CLI (`orchestra run ... --yes --apply`), the model played by
the shipped transcripts, everything else real: the ticket MCP server, @playwright/mcp
driving Chromium against the shop the QA agent starts, the review gate writing the fix."""

from __future__ import annotations

import time

from workflow_helpers import (
    BUG,
    FIX,
    IMPLEMENT_TRANSCRIPT,
    QA_TRANSCRIPT,
    Shop,
    check_qa_report,
    seen_by_model,
    step_outputs,
    tool_results,
    transcript,
)

from orchestra_lsp.testing import ScriptedServer


def test_qa_ticket_reports_each_criterion(shop: Shop) -> None:
    started = time.monotonic()
    with ScriptedServer(transcript(QA_TRANSCRIPT, shop.port)) as model:
        done = shop.run_cli(model.base_url, "qa-ticket", "SHOP-14")
    model.assert_no_failures()
    model.assert_all_consumed()
    assert done.returncode == 0, done.stdout + done.stderr
    assert time.monotonic() - started < 90

    run_id = shop.last_run("qa-ticket")
    report_file = shop.run_dir(run_id) / "report.md"
    assert f"report: {report_file}" in done.stdout.replace("\n", "")
    report = report_file.read_text(encoding="utf-8")
    check_qa_report(report, report_file.parent)

    # The verdicts rest on what the real browser showed the model.
    assert "Signed in as qa@example.com" in seen_by_model(model, "test-ac1-evidence-and-add-cup")
    assert '"Total: $16.50"' in seen_by_model(model, "test-ac2-evidence-and-remove-cup")
    after_removal = seen_by_model(model, "test-ac3-evidence")
    assert "Your cart is empty." in after_removal and "Coffee Beans 1 kg" not in after_removal
    assert 'heading "Order 1001 confirmed"' in seen_by_model(model, "test-ac4-evidence")

    events = shop.events(run_id)
    outputs = step_outputs(events)
    assert list(outputs) == ["criteria", "test", "report"]
    # The report is the last step's answer, its evidence cited from the run's folder.
    answer = outputs["report"].strip().splitlines()
    assert [line for line in answer if "screenshots/" not in line] == [
        line for line in report.strip().splitlines() if "artifacts/" not in line
    ][: len([line for line in answer if "screenshots/" not in line])]
    assert "AC3. Given the cart of AC2" in outputs["criteria"]
    # The agent started the shop itself, with the command the context gives.
    [started_shop] = tool_results(events, "run_shell")
    assert f"Shop running at {shop.url}" in started_shop["summary"]
    # Posting the report on the ticket is behind a person's permission: unattended
    # (--yes), the call is not made and the ticket is unchanged.
    [decided] = [
        e
        for e in events
        if e.get("type") == "permission_decided" and e["tool"] == "mcp__tickets__add_comment"
    ]
    assert (decided["verdict"], decided["by"]) == ("deny", "automation")
    assert "Orchestra QA" not in (shop.root / "tickets" / "SHOP-14.md").read_text()


def test_implement_ticket_fixes_the_bug_and_the_shop_tests_pass(shop: Shop) -> None:
    assert shop.tests().returncode != 0  # SHOP-12's test fails before
    patch = shop.root.parent / "changes.patch"
    with ScriptedServer(transcript(IMPLEMENT_TRANSCRIPT, shop.port)) as model:
        done = shop.run_cli(model.base_url, "implement-ticket", "SHOP-12", "--patch", str(patch))
    model.assert_no_failures()
    model.assert_all_consumed()
    assert done.returncode == 0, done.stdout + done.stderr

    # The developer saw the ticket's test fail on disk; the reviewer saw the suite pass
    # once the review gate had written the fix.
    baseline = seen_by_model(model, "implement-edit")
    assert "FAIL: test_total_multiplies_price_by_quantity" in baseline
    assert "AssertionError: '$16.50' != '$21.00'" in baseline
    assert f"-{BUG}\n+{FIX}" in seen_by_model(model, "review-tests")
    assert "\nOK\n" in seen_by_model(model, "review-verdict")

    cart = (shop.root / "shop" / "cart.py").read_text()
    assert FIX in cart and BUG not in cart
    tests = shop.tests()
    assert tests.returncode == 0, tests.stderr
    assert f"-{BUG}\n+{FIX}\n" in patch.read_text()

    run_id = shop.last_run("implement-ticket")
    events = shop.events(run_id)
    gates = [
        (e["step_id"], e["gate"], e["decision"], e["by"])
        for e in events
        if e["type"] == "gate_decided"
    ]
    assert gates == [
        ("design", "approve", "approve", "automation"),
        ("implement", "review", "approve", "automation"),
    ]
    [decided] = [e for e in events if e["type"] == "proposal_decided"]
    assert (decided["path"], decided["outcome"], decided["accepted"]) == (
        "shop/cart.py",
        "applied",
        ["h1"],
    )
    review = (shop.run_dir(run_id) / "report.md").read_text()
    assert review.startswith("VERDICT: approve")
    assert "AC3: met" in review
