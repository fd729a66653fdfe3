"""A tiny calculator: the demo's workspace."""


def add(a: float, b: float) -> float:
    return a - b


def mean(values: list[float]) -> float:
    if not values:
        raise ValueError("mean of no values")
    return sum(values) / len(values)
