"""How many output tokens a model may be asked for (the ceiling of ``max_tokens``).

From Anthropic's model overview pages, per family and version, read from the model id
the way :mod:`.pricing` reads it. The SDK's own table (``MODEL_NONSTREAMING_TOKENS``)
only bounds non-streaming calls of a few old models, and the Models API's
``max_tokens`` costs a request per model (and a gateway or the scripted server may not
serve it), so the table lives here. An unknown model has no known ceiling: None.
"""

from __future__ import annotations

import functools

from .pricing import family_version

_CEILINGS: dict[str, list[tuple[tuple[int, int], int]]] = {
    # Each family's rows, newest version first: a row applies from its version on.
    "fable": [((5, 0), 128_000)],
    "mythos": [((5, 0), 128_000)],
    "opus": [
        ((4, 6), 128_000),
        ((4, 5), 64_000),
        ((4, 0), 32_000),
        ((0, 0), 4_096),
    ],
    "sonnet": [((5, 0), 128_000), ((3, 7), 64_000), ((3, 5), 8_192), ((0, 0), 4_096)],
    "haiku": [((5, 0), 128_000), ((4, 5), 64_000), ((3, 5), 8_192), ((0, 0), 4_096)],
}


@functools.lru_cache(maxsize=64)
def max_output_tokens(model: str) -> int | None:
    """The largest ``max_tokens`` ``model`` accepts, or None when the model is unknown."""
    found = family_version(model.lower())
    if found is None:
        return None
    family, version = found
    return next((ceiling for since, ceiling in _CEILINGS[family] if version >= since), None)
