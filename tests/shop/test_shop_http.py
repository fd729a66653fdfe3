"""The shop over HTTP, as a browser uses it: the test account from `.env.example`, the
pages the QA ticket names, and the two planted bugs showing."""

from __future__ import annotations

import http.cookiejar
import re
import urllib.error
import urllib.parse
import urllib.request

from shop_example import PASSWORD


class Browser:
    """urllib with a cookie jar: follows redirects and keeps the session."""

    def __init__(self, base: str) -> None:
        self.base = base
        jar = urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        self.opener = urllib.request.build_opener(jar)

    def get(self, path: str) -> tuple[int, str, str]:
        return self._open(urllib.request.Request(self.base + path))

    def post(self, path: str, **form: str) -> tuple[int, str, str]:
        data = urllib.parse.urlencode(form).encode()
        return self._open(urllib.request.Request(self.base + path, data=data))

    def _open(self, request: urllib.request.Request) -> tuple[int, str, str]:
        try:
            with self.opener.open(request, timeout=5) as response:
                return response.status, response.geturl(), response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.geturl(), error.read().decode()

    def log_in(self, next_path: str = "") -> str:
        status, _, page = self.post(
            "/login", email="qa@example.com", password=PASSWORD, next=next_path
        )
        assert status == 200, page
        return page


def test_the_test_account_from_env_example_logs_in(shop_url: str) -> None:
    browser = Browser(shop_url)
    _, url, page = browser.get("/cart")
    assert url == f"{shop_url}/login?next=/cart"
    assert "<h1>Log in</h1>" in page
    assert '<input type="hidden" name="next" value="/cart">' in page
    page = browser.log_in(next_path="/cart")
    assert "Signed in as qa@example.com" in page
    assert "<h1>Your cart</h1>" in page  # back where the login interrupted


def test_a_wrong_password_is_refused(shop_url: str) -> None:
    status, _, page = Browser(shop_url).post("/login", email="qa@example.com", password="x")
    assert status == 401
    assert '<p role="alert">Invalid email or password.</p>' in page


def test_shop14_ac2_two_products_total(shop_url: str) -> None:
    browser = Browser(shop_url)
    browser.log_in()
    _, url, page = browser.post("/cart/add", product_id="espresso-cup")
    assert url.endswith("/products?added=espresso-cup")
    assert '<p role="status">Added Espresso Cup to your cart.</p>' in page
    browser.post("/cart/add", product_id="coffee-beans")
    _, _, page = browser.get("/cart")
    assert '<th scope="row">Espresso Cup</th>' in page
    assert '<th scope="row">Coffee Beans 1 kg</th>' in page
    assert '<p id="cart-total">Total: $16.50</p>' in page


def test_planted_bug_shop14_ac3_remove_empties_the_whole_cart(shop_url: str) -> None:
    browser = Browser(shop_url)
    browser.log_in()
    browser.post("/cart/add", product_id="espresso-cup")
    browser.post("/cart/add", product_id="coffee-beans")
    _, url, page = browser.post("/cart/remove", product_id="espresso-cup")
    assert url.endswith("/cart?removed=espresso-cup")
    assert '<p role="status">Removed Espresso Cup from your cart.</p>' in page
    # SHOP-14 AC3 expects Coffee Beans 1 kg to stay and "Total: $12.00".
    assert "Your cart is empty." in page
    assert "Coffee Beans 1 kg" not in page
    assert "Cart (0)" in page


def test_planted_bug_shop12_total_ignores_quantity(shop_url: str) -> None:
    browser = Browser(shop_url)
    browser.log_in()
    for product in ("espresso-cup", "espresso-cup", "coffee-beans"):
        browser.post("/cart/add", product_id=product)
    _, _, page = browser.get("/cart")
    assert 'value="2">' in page  # two cups on one line
    assert "<td>$9.00</td>" in page  # the line's subtotal is right
    assert '<p id="cart-total">Total: $16.50</p>' in page  # SHOP-12 expects $21.00
    _, _, page = browser.get("/checkout")
    assert '<p id="order-total">Order total: $16.50</p>' in page


def test_shop14_ac4_checkout_confirms_and_empties_the_cart(shop_url: str) -> None:
    browser = Browser(shop_url)
    browser.log_in()
    browser.post("/cart/add", product_id="coffee-beans")
    _, _, page = browser.get("/checkout")
    assert "<li>1 × Coffee Beans 1 kg: $12.00</li>" in page
    _, url, page = browser.post("/checkout")
    assert re.search(r"/orders/\d+$", url)
    assert re.search(r"<h1>Order \d+ confirmed</h1>", page)
    assert '<p id="order-total">Order total: $12.00</p>' in page
    assert "Cart (0)" in page
    status, _, _ = browser.get("/orders/999999")
    assert status == 404
