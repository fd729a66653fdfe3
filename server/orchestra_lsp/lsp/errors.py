"""Turning bad requests into JSON-RPC errors a person can act on."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from pygls.exceptions import JsonRpcException, JsonRpcInvalidParams

if TYPE_CHECKING:
    from pydantic import BaseModel

M = TypeVar("M", bound="BaseModel")


class RequestFailed(JsonRpcException):
    """LSP's RequestFailed: the request was valid, but it could not be done."""

    CODE = -32803
    MESSAGE = "Request failed"


def parse(model: type[M], params: Any) -> M:
    """Validate a client's params, answering InvalidParams with pydantic's reasons."""
    from pydantic import ValidationError

    try:
        return model.model_validate(params or {})
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'params'}: {e['msg']}" for e in error.errors()
        )
        raise JsonRpcInvalidParams(f"{model.__name__}: {problems}") from None
