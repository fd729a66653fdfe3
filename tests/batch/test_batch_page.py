"""The batch's page (issue 21): `orchestra batch … --html FILE` writes one page with a
row per item (state, verdicts, cost) that Chromium opens with no network, each row
linking the item's own run page; `batch-report --html` does the same for shards merged
from CI artifacts, whose run pages are written beside the copied journals."""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path
from typing import Any

from batch_helpers import check_turns, orchestra, queue

from orchestra_lsp.testing import Script, ScriptedServer, Turn

sys.path.insert(0, str(Path(__file__).parents[1] / "reports"))
from chromium import seen_in_chromium


def _seen_in_chromium(page: Path, shot: Path) -> dict[str, Any]:
    return seen_in_chromium(Path(__file__).parent / "check_batch_page.mjs", page, shot)


def test_the_batch_page_shows_each_item_and_links_its_run_page(
    root: Path, config_home: Path, tmp_path: Path
) -> None:
    queue(root)
    turns = [*check_turns("SHOP-21", "pass"), *check_turns("SHOP-22", "fail")]
    script = Script(concurrent=True, turns=[Turn.model_validate(t) for t in turns])
    page = tmp_path / "out" / "batch.html"
    with ScriptedServer(script) as server:
        done = orchestra(
            root, server, config_home, "batch", "check", "--each", "ticket=SHOP-21,SHOP-22",
            "--yes", "--html", str(page),
        )  # fmt: skip
    server.assert_no_failures()
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"page: {page}" in done.stderr.replace("\n", "") + done.stdout.replace("\n", "")
    [folder] = (root / ".orchestra" / "runs" / "batches").iterdir()
    manifest = json.loads((folder / "batch.json").read_text())

    seen = _seen_in_chromium(page, tmp_path / "batch-page.png")

    assert seen["requests"] == [], seen["requests"]  # nothing fetched: it opens anywhere
    assert (tmp_path / "batch-page.png").stat().st_size > 0
    assert seen["items"] == 2 and seen["finished"] == 2
    rows = {row["item"]: row for row in seen["rows"]}
    assert list(rows) == ["SHOP-21", "SHOP-22"]
    assert "check: pass" in rows["SHOP-21"]["text"] and "check: fail" in rows["SHOP-22"]["text"]
    assert all(row["state"] == "finished" for row in rows.values())
    total = sum(i["cost_usd"] for i in manifest["items"])
    assert total > 0 and abs(seen["costUsd"] - total) < 1e-6
    assert abs(sum(float(row["usd"]) for row in rows.values()) - total) < 1e-6
    # Each link opens the item's own run page (relative links: the folder can move).
    run_ids = [i["run_id"] for i in manifest["items"]]
    assert [row["link"] for row in seen["rows"]] == [
        os.path.relpath(root / ".orchestra" / "runs" / r / "report.html", page.parent)
        for r in run_ids
    ]
    assert [(o["runId"], o["state"]) for o in seen["opened"]] == [(r, "finished") for r in run_ids]


def test_batch_report_html_links_the_pages_of_journals_brought_from_ci(
    root: Path, config_home: Path, tmp_path: Path
) -> None:
    queue(root)
    turns = [*check_turns("SHOP-21", "pass")]
    script = Script(concurrent=True, turns=[Turn.model_validate(t) for t in turns])
    with ScriptedServer(script) as server:
        ran = orchestra(
            root, server, config_home, "batch", "check", "--each", "ticket=SHOP-21,SHOP-99",
            "--shard", "1/2", "--yes",
        )  # fmt: skip
        assert ran.returncode == 0, ran.stdout + ran.stderr
        artifacts = tmp_path / "artifacts"
        shutil.copytree(root / ".orchestra" / "runs", artifacts / "journals-1")
        page = tmp_path / "merged.html"
        merged = orchestra(
            root, server, config_home, "batch-report", str(artifacts), "--html", str(page)
        )
    assert merged.returncode == 1, merged.stdout + merged.stderr  # SHOP-99: no shard ran it
    html = page.read_text(encoding="utf-8")
    [manifest] = (artifacts / "journals-1" / "batches").glob("*/batch.json")
    [run_id] = [i["run_id"] for i in json.loads(manifest.read_text())["items"]]
    item_page = artifacts / "journals-1" / run_id / "report.html"
    assert item_page.is_file() and f'id="run-id">{run_id}<' in item_page.read_text()
    assert f'href="artifacts/journals-1/{run_id}/report.html"' in html
    assert 'data-item="SHOP-99" data-state="not run"' in html and "no shard ran it" in html
