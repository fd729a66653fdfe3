"""The cart's arithmetic and bookkeeping, without the web layer."""

import unittest

from shop.cart import MAX_QUANTITY, Cart
from shop.catalog import Product, find, money


def product(product_id: str) -> Product:
    found = find(product_id)
    assert found is not None, product_id
    return found


CUP = product("espresso-cup")  # $4.50
BEANS = product("coffee-beans")  # $12.00


class CartTest(unittest.TestCase):
    def test_adding_the_same_product_again_raises_its_quantity(self) -> None:
        cart = Cart()
        cart.add(CUP)
        cart.add(CUP)
        self.assertEqual(len(cart.lines), 1)
        self.assertEqual(cart.lines[0].quantity, 2)
        self.assertEqual(cart.item_count, 2)

    def test_quantity_is_capped(self) -> None:
        cart = Cart()
        cart.add(CUP, MAX_QUANTITY)
        cart.add(CUP)
        self.assertEqual(cart.lines[0].quantity, MAX_QUANTITY)

    def test_line_subtotal_is_price_times_quantity(self) -> None:
        cart = Cart()
        cart.add(CUP, 3)
        self.assertEqual(cart.lines[0].subtotal_cents, 1350)

    def test_total_of_single_items(self) -> None:
        cart = Cart()
        cart.add(CUP)
        cart.add(BEANS)
        self.assertEqual(cart.total_cents, 1650)

    def test_total_multiplies_price_by_quantity(self) -> None:
        # SHOP-12: two cups ($4.50 each) and one bag of beans ($12.00) cost $21.00.
        cart = Cart()
        cart.add(CUP, 2)
        cart.add(BEANS)
        self.assertEqual(money(cart.total_cents), "$21.00")

    def test_empty_cart_totals_zero(self) -> None:
        self.assertEqual(Cart().total_cents, 0)

    def test_remove_keeps_the_other_lines(self) -> None:
        cart = Cart()
        cart.add(CUP)
        cart.add(BEANS)
        cart.remove(CUP.id)
        self.assertEqual([line.product for line in cart.lines], [BEANS])

    def test_quantity_zero_removes_the_line(self) -> None:
        cart = Cart()
        cart.add(CUP)
        cart.set_quantity(CUP.id, 0)
        self.assertEqual(cart.lines, [])

    def test_quantity_out_of_range_is_refused(self) -> None:
        cart = Cart()
        cart.add(CUP)
        with self.assertRaises(ValueError):
            cart.set_quantity(CUP.id, MAX_QUANTITY + 1)
        with self.assertRaises(ValueError):
            cart.set_quantity(CUP.id, -1)


class MoneyTest(unittest.TestCase):
    def test_cents_are_shown_with_two_digits(self) -> None:
        self.assertEqual(money(450), "$4.50")
        self.assertEqual(money(1200), "$12.00")
        self.assertEqual(money(5), "$0.05")


if __name__ == "__main__":
    unittest.main()
