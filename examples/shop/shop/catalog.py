"""The products on sale. Prices are integer cents so that totals are exact."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Product:
    id: str
    name: str
    price_cents: int


PRODUCTS: tuple[Product, ...] = (
    Product("espresso-cup", "Espresso Cup", 450),
    Product("coffee-beans", "Coffee Beans 1 kg", 1200),
    Product("milk-frother", "Milk Frother", 2490),
    Product("pour-over-kettle", "Pour-Over Kettle", 3900),
)

_BY_ID = {product.id: product for product in PRODUCTS}


def find(product_id: str) -> Product | None:
    return _BY_ID.get(product_id)


def money(cents: int) -> str:
    """Cents as the shop shows prices everywhere: `$21.00`."""
    return f"${cents // 100}.{cents % 100:02d}"
