"""The shop's own unittest suite: it fails on exactly the test SHOP-12 names, and the
one-line fix the ticket asks for makes all of it pass (what `implement-ticket SHOP-12`
must end with)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BUGGY_TOTAL = "        return sum(line.product.price_cents for line in self.lines)\n"
FIXED_TOTAL = "        return sum(line.subtotal_cents for line in self.lines)\n"


def run_suite(shop: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "unittest", "discover", "-s", "tests"],
        cwd=shop,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )


def test_the_suite_fails_only_on_the_shop12_test(shop_copy: Path) -> None:
    done = run_suite(shop_copy)
    assert done.returncode == 1
    failed = [line for line in done.stderr.splitlines() if line.startswith(("FAIL:", "ERROR:"))]
    assert failed == [
        "FAIL: test_total_multiplies_price_by_quantity "
        "(test_cart.CartTest.test_total_multiplies_price_by_quantity)"
    ]
    assert "AssertionError: '$16.50' != '$21.00'" in done.stderr
    assert done.stderr.rstrip().endswith("FAILED (failures=1)")
    ticket = (shop_copy / "tickets" / "SHOP-12.md").read_text()
    assert "test_cart.CartTest.test_total_multiplies_price_by_quantity" in ticket


def test_the_fix_shop12_asks_for_makes_the_suite_pass(shop_copy: Path) -> None:
    cart = shop_copy / "shop" / "cart.py"
    text = cart.read_text()
    assert text.count(BUGGY_TOTAL) == 1
    cart.write_text(text.replace(BUGGY_TOTAL, FIXED_TOTAL))
    done = run_suite(shop_copy)
    assert done.returncode == 0, done.stderr
    assert done.stderr.rstrip().endswith("OK")
