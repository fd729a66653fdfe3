"""One error type for everything that can go wrong talking to Claude.

Front ends show ``str(error)`` as is - a single line that says what happened and what
to do - and may branch on ``kind``; ``retryable`` says whether trying the same turn
again later could succeed. SDK exception types never leave this package: they are
translated here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from anthropic import APIStatusError

ErrorKind = Literal[
    "auth",
    "permission",
    "not_found",
    "bad_request",
    "rate_limit",
    "overloaded",
    "server",
    "api",
    "timeout",
    "connection",
    "incomplete",
    "unexpected",
]


class ModelError(Exception):
    """A model call failed; the message is one line fit to show a user."""

    def __init__(self, message: str, kind: ErrorKind, retryable: bool) -> None:
        super().__init__(message)
        self.message = message
        self.kind: ErrorKind = kind
        self.retryable = retryable

    def __str__(self) -> str:
        return self.message


def _one_line(text: object) -> str:
    return " ".join(str(text).split())


def missing_key() -> ModelError:
    """The error for calling the real API with no key at all."""
    return ModelError(
        "ANTHROPIC_API_KEY is not set: export ANTHROPIC_API_KEY=<your key> "
        "(from console.anthropic.com), or set ANTHROPIC_BASE_URL to a gateway that needs none",
        "auth",
        retryable=False,
    )


def incomplete(attempts: int, reason: str) -> ModelError:
    """The error for a response stream that kept breaking off."""
    return ModelError(
        f"the model's response was cut off mid-stream {attempts} time(s) ({reason}); "
        "the answer is incomplete, try again",
        "incomplete",
        retryable=True,
    )


def translate(exc: Exception, *, model: str, base_url: str, max_retries: int) -> ModelError:
    """The ModelError for an exception the SDK (or its HTTP layer) raised."""
    import anthropic
    import httpx2

    retried = f" after {max_retries} retries" if max_retries else ""
    if isinstance(exc, anthropic.APIStatusError):
        return _status_error(exc, model=model, retried=retried)
    if isinstance(exc, anthropic.APITimeoutError | httpx2.TimeoutException):
        return ModelError(
            f"Claude did not answer in time at {base_url}{retried} (timeout)",
            "timeout",
            retryable=True,
        )
    if isinstance(exc, anthropic.APIConnectionError | httpx2.TransportError):
        cause = _one_line(exc.__cause__ or exc)
        return ModelError(
            f"cannot connect to the Anthropic API at {base_url}{retried}: {cause}",
            "connection",
            retryable=True,
        )
    return ModelError(
        f"unexpected error from the model client: {type(exc).__name__}: {_one_line(exc)}",
        "unexpected",
        retryable=False,
    )


def _status_error(exc: APIStatusError, *, model: str, retried: str) -> ModelError:
    status = exc.status_code
    detail = _one_line(exc.api_message or exc.message)
    if status == 401:
        return ModelError(
            f"Claude rejected the API key (401: {detail}): set a valid ANTHROPIC_API_KEY "
            "(export ANTHROPIC_API_KEY=<your key>)",
            "auth",
            retryable=False,
        )
    if status == 403:
        return ModelError(
            f"the API key may not use this (403 permission denied: {detail})", "permission", False
        )
    if status == 404:
        return ModelError(
            f"model {model!r} not found (404: {detail}): check the model name in the agent file",
            "not_found",
            retryable=False,
        )
    if status == 429:
        return ModelError(
            f"rate limited by the Anthropic API (429){retried}: {detail}; wait and try again",
            "rate_limit",
            retryable=True,
        )
    if status == 529 or exc.type == "overloaded_error":
        return ModelError(
            f"the Anthropic API is overloaded (529){retried}; try again in a moment",
            "overloaded",
            retryable=True,
        )
    if status >= 500:
        return ModelError(
            f"the Anthropic API failed ({status}){retried}: {detail}", "server", retryable=True
        )
    if status == 400:
        return ModelError(f"Claude rejected the request (400): {detail}", "bad_request", False)
    return ModelError(f"the Anthropic API answered {status}: {detail}", "api", retryable=False)
