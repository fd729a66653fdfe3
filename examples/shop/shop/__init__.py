"""A small web shop to run Orchestra's workflows on: login, products, cart, checkout.

Standard library only (`http.server`), server-rendered HTML with labelled inputs and
named buttons so that a browser agent can drive it from the accessibility tree.
Start it with `python3 -m shop` from the example's folder (see `shop.__main__`).
"""
