"""The model layer: Claude through the ``anthropic`` SDK, for the engine.

It knows nothing of LSP or terminals. :class:`ModelClient` streams one turn at a time
(``stream_turn``), with the prompt laid out for caching (system blocks with a cache
breakpoint, tools sorted), the SDK's retries plus restarts of streams cut mid-way,
and every failure turned into one :class:`ModelError` with a one-line message.
Each :class:`ModelTurn` carries its :class:`Usage` and its cost in USD.

Importing this package does not import ``anthropic``: the SDK is loaded when the
first turn is requested.
"""

from .client import ModelClient, build_request
from .errors import ErrorKind, ModelError
from .limits import max_output_tokens
from .models import ModelTurn, Usage
from .pricing import Prices, cost_usd, price_for

__all__ = [
    "ErrorKind",
    "ModelClient",
    "ModelError",
    "ModelTurn",
    "Prices",
    "Usage",
    "build_request",
    "cost_usd",
    "max_output_tokens",
    "price_for",
]
