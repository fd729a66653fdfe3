"""What the running shop remembers, in memory: sessions (each with a cart) and
orders. A restart forgets everything, which is what a test shop wants."""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass, field

from shop.accounts import Account
from shop.cart import Cart, CartLine

FIRST_ORDER_NUMBER = 1001


@dataclass
class Session:
    email: str
    cart: Cart = field(default_factory=Cart)


@dataclass(frozen=True)
class Order:
    number: int
    email: str
    lines: tuple[CartLine, ...]
    total_cents: int


class Shop:
    """Shared by the server's request threads; one lock keeps it consistent."""

    def __init__(self, account: Account) -> None:
        self.account = account
        self.lock = threading.RLock()
        self._sessions: dict[str, Session] = {}
        self._orders: dict[int, Order] = {}

    def log_in(self, email: str, password: str) -> str | None:
        """A new session token for the right credentials, else None."""
        if not self.account.accepts(email, password):
            return None
        token = secrets.token_urlsafe(24)
        with self.lock:
            self._sessions[token] = Session(email=self.account.email)
        return token

    def log_out(self, token: str) -> None:
        with self.lock:
            self._sessions.pop(token, None)

    def session(self, token: str | None) -> Session | None:
        with self.lock:
            return self._sessions.get(token) if token else None

    def place_order(self, session: Session) -> Order:
        """Turn the cart into an order and empty the cart."""
        with self.lock:
            number = FIRST_ORDER_NUMBER + len(self._orders)
            lines = tuple(CartLine(line.product, line.quantity) for line in session.cart.lines)
            order = Order(number, session.email, lines, session.cart.total_cents)
            self._orders[number] = order
            session.cart.clear()
            return order

    def order(self, number: int, email: str) -> Order | None:
        """An order, only for the account that placed it."""
        with self.lock:
            order = self._orders.get(number)
        return order if order is not None and order.email == email else None
