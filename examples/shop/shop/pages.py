"""The shop's HTML, rendered on the server.

Every input has a label and every button an accessible name that says what it does
to which product ("Add Espresso Cup to cart", "Remove Espresso Cup"), so a browser
agent (or a screen reader) can find each control from the accessibility tree
without guessing at CSS selectors. Status messages use `role="status"`, errors
`role="alert"`.
"""

from __future__ import annotations

from html import escape

from shop.cart import MAX_QUANTITY, Cart, CartLine
from shop.catalog import PRODUCTS, money
from shop.state import Order, Session

SHOP_NAME = "Corner Coffee"

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 0 auto; max-width: 52rem; padding: 1rem; }
header { display: flex; gap: 1rem; align-items: center; border-bottom: 1px solid #ccc; }
header nav { display: flex; gap: 1rem; flex: 1; }
.products { list-style: none; padding: 0; display: grid; gap: 1rem;
  grid-template-columns: repeat(auto-fill, minmax(12rem, 1fr)); }
.products article { border: 1px solid #ddd; border-radius: .5rem; padding: .5rem 1rem; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .4rem; border-bottom: 1px solid #eee; }
input[type=number] { width: 4rem; }
[role=alert] { color: #a00; } [role=status] { color: #060; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden;
  clip: rect(0 0 0 0); white-space: nowrap; }
"""


def layout(title: str, content: str, session: Session | None, message: str = "") -> str:
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{escape(title)} · {SHOP_NAME}</title>
<link rel="icon" href="data:,">
<style>{_STYLE}</style>
</head>
<body>
{_header(session)}
<main>
<h1>{escape(title)}</h1>
{message}
{content}
</main>
</body>
</html>
"""


def _header(session: Session | None) -> str:
    if session is None:
        return f"<header><p><strong>{SHOP_NAME}</strong></p></header>"
    count = session.cart.item_count
    return f"""<header>
<p><strong>{SHOP_NAME}</strong></p>
<nav aria-label="Main">
<a href="/products">Products</a>
<a href="/cart">Cart ({count})</a>
</nav>
<p>Signed in as {escape(session.email)}</p>
<form method="post" action="/logout"><button type="submit">Log out</button></form>
</header>"""


def status(text: str) -> str:
    return f'<p role="status">{escape(text)}</p>'


def alert(text: str) -> str:
    return f'<p role="alert">{escape(text)}</p>'


def login_page(email: str = "", next_path: str = "", error: str = "") -> str:
    content = f"""<form method="post" action="/login" aria-label="Log in">
<p><label for="email">Email</label><br>
<input id="email" name="email" type="email" autocomplete="username" required
  value="{escape(email)}"></p>
<p><label for="password">Password</label><br>
<input id="password" name="password" type="password" autocomplete="current-password"
  required></p>
<input type="hidden" name="next" value="{escape(next_path)}">
<p><button type="submit">Log in</button></p>
</form>"""
    return layout("Log in", content, None, alert(error) if error else "")


def products_page(session: Session, message: str = "") -> str:
    items = "\n".join(
        f"""<li><article aria-labelledby="product-{p.id}">
<h2 id="product-{p.id}">{escape(p.name)}</h2>
<p>{money(p.price_cents)}</p>
<form method="post" action="/cart/add">
<input type="hidden" name="product_id" value="{p.id}">
<button type="submit" aria-label="Add {escape(p.name)} to cart">Add to cart</button>
</form>
</article></li>"""
        for p in PRODUCTS
    )
    content = f'<ul class="products" aria-label="Products">\n{items}\n</ul>'
    return layout("Products", content, session, status(message) if message else "")


def cart_page(session: Session, message: str = "", error: str = "") -> str:
    cart = session.cart
    notice = (alert(error) if error else "") + (status(message) if message else "")
    if not cart.lines:
        content = '<p>Your cart is empty.</p>\n<p><a href="/products">Browse products</a></p>'
        return layout("Your cart", content, session, notice)
    rows = "\n".join(_cart_row(line) for line in cart.lines)
    content = f"""<table>
<caption>Items in your cart</caption>
<thead><tr>
<th scope="col">Product</th><th scope="col">Price</th><th scope="col">Quantity</th>
<th scope="col">Subtotal</th><th scope="col"><span class="visually-hidden">Actions</span></th>
</tr></thead>
<tbody>
{rows}
</tbody>
</table>
<p id="cart-total">Total: {money(cart.total_cents)}</p>
<p><a href="/checkout">Proceed to checkout</a></p>"""
    return layout("Your cart", content, session, notice)


def _cart_row(line: CartLine) -> str:
    p = line.product
    name = escape(p.name)
    return f"""<tr>
<th scope="row">{name}</th>
<td>{money(p.price_cents)}</td>
<td><form method="post" action="/cart/update">
<input type="hidden" name="product_id" value="{p.id}">
<label for="quantity-{p.id}" class="visually-hidden">Quantity of {name}</label>
<input id="quantity-{p.id}" name="quantity" type="number" min="0" max="{MAX_QUANTITY}"
  value="{line.quantity}">
<button type="submit" aria-label="Update quantity of {name}">Update</button>
</form></td>
<td>{money(line.subtotal_cents)}</td>
<td><form method="post" action="/cart/remove">
<input type="hidden" name="product_id" value="{p.id}">
<button type="submit" aria-label="Remove {name}">Remove</button>
</form></td>
</tr>"""


def _order_lines(lines: tuple[CartLine, ...] | list[CartLine]) -> str:
    items = "\n".join(
        f"<li>{line.quantity} × {escape(line.product.name)}: {money(line.subtotal_cents)}</li>"
        for line in lines
    )
    return f"<ul>\n{items}\n</ul>"


def checkout_page(session: Session) -> str:
    cart: Cart = session.cart
    content = f"""{_order_lines(cart.lines)}
<p id="order-total">Order total: {money(cart.total_cents)}</p>
<form method="post" action="/checkout"><button type="submit">Place order</button></form>
<p><a href="/cart">Back to cart</a></p>"""
    return layout("Checkout", content, session)


def order_page(session: Session, order: Order) -> str:
    content = f"""<p role="status">Thank you! Your order has been placed.</p>
{_order_lines(order.lines)}
<p id="order-total">Order total: {money(order.total_cents)}</p>
<p><a href="/products">Continue shopping</a></p>"""
    return layout(f"Order {order.number} confirmed", content, session)


def not_found_page(session: Session | None) -> str:
    content = '<p>There is no such page.</p>\n<p><a href="/products">Go to the products</a></p>'
    return layout("Page not found", content, session)
