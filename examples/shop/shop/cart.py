"""A shopper's cart: lines of product and quantity, and what they cost."""

from __future__ import annotations

from dataclasses import dataclass, field

from shop.catalog import Product

MAX_QUANTITY = 99


@dataclass
class CartLine:
    product: Product
    quantity: int

    @property
    def subtotal_cents(self) -> int:
        return self.product.price_cents * self.quantity


@dataclass
class Cart:
    lines: list[CartLine] = field(default_factory=list)

    def add(self, product: Product, quantity: int = 1) -> None:
        """Add to the product's line (one line per product), up to MAX_QUANTITY."""
        if quantity < 1:
            raise ValueError("quantity must be at least 1")
        line = self.line_for(product.id)
        if line is None:
            self.lines.append(CartLine(product, min(quantity, MAX_QUANTITY)))
        else:
            line.quantity = min(line.quantity + quantity, MAX_QUANTITY)

    def set_quantity(self, product_id: str, quantity: int) -> None:
        """Set a line's quantity; 0 takes the product off the cart."""
        if not 0 <= quantity <= MAX_QUANTITY:
            raise ValueError(f"quantity must be between 0 and {MAX_QUANTITY}")
        if quantity == 0:
            self.remove(product_id)
            return
        line = self.line_for(product_id)
        if line is not None:
            line.quantity = quantity

    def remove(self, product_id: str) -> None:
        """Take one product off the cart; the other lines stay."""
        self.lines = [line for line in self.lines if line.product.id != product_id]

    def clear(self) -> None:
        self.lines = []

    def line_for(self, product_id: str) -> CartLine | None:
        return next((line for line in self.lines if line.product.id == product_id), None)

    @property
    def item_count(self) -> int:
        """Items in the cart, counting quantities (two cups and a kettle: 3)."""
        return sum(line.quantity for line in self.lines)

    @property
    def total_cents(self) -> int:
        """What the shopper pays for the whole cart."""
        return sum(line.product.price_cents for line in self.lines)
