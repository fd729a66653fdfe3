"""The shop over real HTTP: a server on a free port, a cookie-keeping client."""

import http.cookiejar
import threading
import unittest
import urllib.error
import urllib.parse
import urllib.request

from shop.accounts import Account
from shop.app import ShopServer
from shop.state import Shop

ACCOUNT = Account("qa@example.com", "test-password")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[no-untyped-def]
        return None


class ShopTestCase(unittest.TestCase):
    def setUp(self) -> None:
        self.server = ShopServer(("127.0.0.1", 0), Shop(ACCOUNT), quiet=True)
        thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        thread.start()
        self.addCleanup(self.server.server_close)
        self.addCleanup(self.server.shutdown)
        self.browser = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def get(self, path: str) -> tuple[int, str]:
        return self._open(urllib.request.Request(self.server.url + path))

    def post(self, path: str, **form: str) -> tuple[int, str]:
        data = urllib.parse.urlencode(form).encode()
        return self._open(urllib.request.Request(self.server.url + path, data=data))

    def _open(self, request: urllib.request.Request) -> tuple[int, str]:
        try:
            with self.browser.open(request, timeout=5) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def log_in(self) -> None:
        status, page = self.post("/login", email=ACCOUNT.email, password=ACCOUNT.password)
        self.assertEqual(status, 200)
        self.assertIn("Signed in as qa@example.com", page)


class LoginTest(ShopTestCase):
    def test_pages_need_a_login(self) -> None:
        opener = urllib.request.build_opener(NoRedirect)
        with self.assertRaises(urllib.error.HTTPError) as caught:
            opener.open(self.server.url + "/cart", timeout=5)
        self.assertEqual(caught.exception.code, 303)
        self.assertEqual(caught.exception.headers["Location"], "/login?next=/cart")

    def test_login_page_has_labelled_fields(self) -> None:
        status, page = self.get("/login")
        self.assertEqual(status, 200)
        self.assertIn('<label for="email">Email</label>', page)
        self.assertIn('<label for="password">Password</label>', page)
        self.assertIn('<button type="submit">Log in</button>', page)

    def test_the_test_account_logs_in_and_lands_on_the_products(self) -> None:
        self.log_in()
        status, page = self.get("/products")
        self.assertEqual(status, 200)
        self.assertIn("<h1>Products</h1>", page)

    def test_email_case_does_not_matter(self) -> None:
        status, page = self.post("/login", email="QA@Example.com", password=ACCOUNT.password)
        self.assertEqual(status, 200)
        self.assertIn("Signed in as qa@example.com", page)

    def test_wrong_password_is_refused(self) -> None:
        status, page = self.post("/login", email=ACCOUNT.email, password="nope")
        self.assertEqual(status, 401)
        self.assertIn('<p role="alert">Invalid email or password.</p>', page)

    def test_log_out(self) -> None:
        self.log_in()
        status, page = self.post("/logout")
        self.assertEqual(status, 200)
        self.assertIn("<h1>Log in</h1>", page)
        status, page = self.get("/cart")
        self.assertEqual(status, 200)
        self.assertIn("<h1>Log in</h1>", page)


class CartPagesTest(ShopTestCase):
    def test_add_two_products_and_see_the_total(self) -> None:
        self.log_in()
        status, page = self.post("/cart/add", product_id="espresso-cup")
        self.assertEqual(status, 200)
        self.assertIn('<p role="status">Added Espresso Cup to your cart.</p>', page)
        self.post("/cart/add", product_id="coffee-beans")
        status, page = self.get("/cart")
        self.assertEqual(status, 200)
        self.assertIn('<th scope="row">Espresso Cup</th>', page)
        self.assertIn('<th scope="row">Coffee Beans 1 kg</th>', page)
        self.assertIn('<p id="cart-total">Total: $16.50</p>', page)
        self.assertIn("Cart (2)", page)

    def test_unknown_product_is_not_found(self) -> None:
        self.log_in()
        status, _ = self.post("/cart/add", product_id="nothing")
        self.assertEqual(status, 404)

    def test_invalid_quantity_is_refused(self) -> None:
        self.log_in()
        self.post("/cart/add", product_id="espresso-cup")
        status, page = self.post("/cart/update", product_id="espresso-cup", quantity="lots")
        self.assertEqual(status, 400)
        self.assertIn("Enter a whole number of Espresso Cup between 0 and 99.", page)

    def test_checkout_places_an_order_and_empties_the_cart(self) -> None:
        self.log_in()
        self.post("/cart/add", product_id="espresso-cup")
        self.post("/cart/add", product_id="coffee-beans")
        status, page = self.get("/checkout")
        self.assertEqual(status, 200)
        self.assertIn('<p id="order-total">Order total: $16.50</p>', page)
        status, page = self.post("/checkout")
        self.assertEqual(status, 200)
        self.assertIn("<h1>Order 1001 confirmed</h1>", page)
        self.assertIn('<p id="order-total">Order total: $16.50</p>', page)
        self.assertIn("Cart (0)", page)

    def test_checkout_of_an_empty_cart_goes_back_to_the_cart(self) -> None:
        self.log_in()
        status, page = self.get("/checkout")
        self.assertEqual(status, 200)
        self.assertIn("Your cart is empty.", page)


if __name__ == "__main__":
    unittest.main()
