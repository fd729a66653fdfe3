"""The shop's HTTP server: routes, sessions by cookie, and form posts.

Plain `http.server`, one thread per request. Every page but the login page needs a
signed-in session; a form post answers with a redirect (303) so that reloading a page
never repeats an action.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from http import HTTPStatus
from http.cookies import CookieError, SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, quote, urlsplit

from shop import pages
from shop.catalog import Product, find
from shop.state import Session, Shop

COOKIE = "shop_session"
MAX_FORM_BYTES = 10_000
_ORDER = re.compile(r"^/orders/(?P<number>[0-9]{1,9})$")


class ShopServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], shop: Shop, *, quiet: bool = False) -> None:
        super().__init__(address, Handler)
        self.shop = shop
        self.quiet = quiet

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"


Form = dict[str, str]
Page = Callable[["Handler", Session, Form], None]


class Handler(BaseHTTPRequestHandler):
    server: ShopServer
    server_version = "CornerCoffee/1.0"

    # --- plumbing -------------------------------------------------------------

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def log_message(self, format: str, *args: object) -> None:
        if not self.server.quiet:
            super().log_message(format, *args)

    def _dispatch(self, method: str) -> None:
        url = urlsplit(self.path)
        query = {name: values[-1] for name, values in parse_qs(url.query).items()}
        if method == "POST":
            form = self._form()
            if form is None:
                return
        else:
            form = query
        public = _PUBLIC.get((method, url.path))
        if public is not None:
            public(self, form)
            return
        session = self.server.shop.session(self._token())
        page = _PAGES.get((method, url.path))
        order = _ORDER.match(url.path) if method == "GET" else None
        if session is None and (page is not None or order is not None):
            self._redirect(f"/login?next={quote(url.path)}")
        elif session is not None and page is not None:
            page(self, session, form)
        elif session is not None and order is not None:
            self._order(session, int(order.group("number")))
        else:
            self._html(HTTPStatus.NOT_FOUND, pages.not_found_page(session))

    def _form(self) -> Form | None:
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if not 0 <= length <= MAX_FORM_BYTES:
            self._html(HTTPStatus.BAD_REQUEST, pages.layout("Bad request", "", None))
            return None
        body = self.rfile.read(length).decode("utf-8", "replace")
        return {name: values[-1] for name, values in parse_qs(body).items()}

    def _token(self) -> str | None:
        try:
            cookie = SimpleCookie(self.headers.get("Cookie") or "")
        except CookieError:
            return None
        morsel = cookie.get(COOKIE)
        return morsel.value if morsel is not None else None

    def _html(self, status: HTTPStatus, body: str, headers: dict[str, str] | None = None) -> None:
        data = body.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _redirect(self, location: str, cookie: str | None = None) -> None:
        self.send_response(HTTPStatus.SEE_OTHER)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        if cookie is not None:
            self.send_header("Set-Cookie", cookie)
        self.end_headers()

    def _product(self, session: Session, form: Form) -> Product | None:
        product = find(form.get("product_id", ""))
        if product is None:
            self._html(HTTPStatus.NOT_FOUND, pages.not_found_page(session))
        return product

    # --- public pages ---------------------------------------------------------

    def _home(self, form: Form) -> None:
        self._redirect("/products")

    def _health(self, form: Form) -> None:
        data = b"shop ok\n"
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _login_form(self, form: Form) -> None:
        if self.server.shop.session(self._token()) is not None:
            self._redirect("/products")
            return
        self._html(HTTPStatus.OK, pages.login_page(next_path=_local(form.get("next", ""))))

    def _log_in(self, form: Form) -> None:
        email, next_path = form.get("email", ""), _local(form.get("next", ""))
        token = self.server.shop.log_in(email, form.get("password", ""))
        if token is None:
            page = pages.login_page(email, next_path, error="Invalid email or password.")
            self._html(HTTPStatus.UNAUTHORIZED, page)
            return
        cookie = f"{COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax"
        self._redirect(next_path or "/products", cookie)

    # --- signed-in pages ------------------------------------------------------

    def _log_out(self, session: Session, form: Form) -> None:
        self.server.shop.log_out(self._token() or "")
        self._redirect("/login", f"{COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax")

    def _products(self, session: Session, form: Form) -> None:
        added = find(form.get("added", ""))
        message = f"Added {added.name} to your cart." if added else ""
        self._html(HTTPStatus.OK, pages.products_page(session, message))

    def _cart(self, session: Session, form: Form) -> None:
        removed = find(form.get("removed", ""))
        message = f"Removed {removed.name} from your cart." if removed else ""
        self._html(HTTPStatus.OK, pages.cart_page(session, message))

    def _add(self, session: Session, form: Form) -> None:
        product = self._product(session, form)
        if product is None:
            return
        with self.server.shop.lock:
            session.cart.add(product)
        self._redirect(f"/products?added={product.id}")

    def _update(self, session: Session, form: Form) -> None:
        product = self._product(session, form)
        if product is None:
            return
        try:
            with self.server.shop.lock:
                session.cart.set_quantity(product.id, int(form.get("quantity", "")))
        except ValueError:
            error = f"Enter a whole number of {product.name} between 0 and 99."
            self._html(HTTPStatus.BAD_REQUEST, pages.cart_page(session, error=error))
            return
        self._redirect("/cart")

    def _remove(self, session: Session, form: Form) -> None:
        product = self._product(session, form)
        if product is None:
            return
        with self.server.shop.lock:
            session.cart.clear()
        self._redirect(f"/cart?removed={product.id}")

    def _checkout(self, session: Session, form: Form) -> None:
        if not session.cart.lines:
            self._redirect("/cart")
            return
        self._html(HTTPStatus.OK, pages.checkout_page(session))

    def _place_order(self, session: Session, form: Form) -> None:
        if not session.cart.lines:
            self._redirect("/cart")
            return
        order = self.server.shop.place_order(session)
        self._redirect(f"/orders/{order.number}")

    def _order(self, session: Session, number: int) -> None:
        order = self.server.shop.order(number, session.email)
        if order is None:
            self._html(HTTPStatus.NOT_FOUND, pages.not_found_page(session))
            return
        self._html(HTTPStatus.OK, pages.order_page(session, order))


def _local(path: str) -> str:
    """Only a path on this site may be a redirect target after login (no open redirect)."""
    return path if path.startswith("/") and not path.startswith(("//", "/\\")) else ""


_PUBLIC: dict[tuple[str, str], Callable[[Handler, Form], None]] = {
    ("GET", "/"): Handler._home,
    ("GET", "/health"): Handler._health,
    ("GET", "/login"): Handler._login_form,
    ("POST", "/login"): Handler._log_in,
}

_PAGES: dict[tuple[str, str], Page] = {
    ("POST", "/logout"): Handler._log_out,
    ("GET", "/products"): Handler._products,
    ("GET", "/cart"): Handler._cart,
    ("POST", "/cart/add"): Handler._add,
    ("POST", "/cart/update"): Handler._update,
    ("POST", "/cart/remove"): Handler._remove,
    ("GET", "/checkout"): Handler._checkout,
    ("POST", "/checkout"): Handler._place_order,
}
