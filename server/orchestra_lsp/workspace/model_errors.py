"""Turn pydantic validation errors into diagnostics a person can act on."""

from __future__ import annotations

import difflib
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from orchestra_lsp.workspace.diagnostics import DiagnosticSink, Severity
from orchestra_lsp.workspace.yaml_positions import FieldPath, PositionMap

M = TypeVar("M", bound=BaseModel)


def _dotted(path: FieldPath) -> str:
    return ".".join(str(p) for p in path) or "(top level)"


def _known_fields(model: type[BaseModel], path: FieldPath) -> list[str]:
    """Field names (aliases where set) of the model that owns `path`'s last key."""
    current: type[BaseModel] | None = model
    for part in path[:-1]:
        if current is None or isinstance(part, int):
            continue
        field = current.model_fields.get(str(part))
        if field is None:
            field = next(
                (f for f in current.model_fields.values() if f.alias == str(part)),
                None,
            )
        current = _model_in(field.annotation) if field is not None else None
    if current is None:
        return []
    return [f.alias or name for name, f in current.model_fields.items()]


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def _message(model: type[BaseModel], error: ErrorDetails, what: str) -> str:
    path = tuple(error["loc"])
    field = _dotted(path)
    kind = error["type"]
    if kind == "extra_forbidden":
        known = _known_fields(model, path)
        name = str(path[-1])
        hint = difflib.get_close_matches(name, known, n=1)
        suggestion = f"; did you mean '{hint[0]}'?" if hint else ""
        return f"unknown field '{name}' in {what}{suggestion} (known: {', '.join(known)})"
    if kind == "missing":
        return f"{what} needs the field '{field}'"
    got = error.get("input")
    shown = repr(got) if not isinstance(got, dict | list) else type(got).__name__
    return f"'{field}': {error['msg'][0].lower()}{error['msg'][1:]} (got {shown})"


def validate(
    model: type[M],
    data: Any,
    positions: PositionMap,
    sink: DiagnosticSink,
    what: str,
    *,
    lenient: bool = False,
) -> M | None:
    """Validate `data` as `model`, reporting each problem at its field.

    `lenient` is for other tools' files (`.claude/`, `.mcp.json`): fields we do not
    know are theirs, so they become warnings and are dropped instead of failing.
    """
    try:
        return model.model_validate(data)
    except ValidationError as failure:
        errors = failure.errors()
    strict_errors = [e for e in errors if not (lenient and e["type"] == "extra_forbidden")]
    for error in errors:
        severity = Severity.ERROR if error in strict_errors else Severity.WARNING
        message = _message(model, error, what)
        if severity is Severity.WARNING:
            message += "; ignored"
        sink.add(message, positions.key(tuple(error["loc"])), severity)
    if strict_errors:
        return None
    return model.model_validate(_without(data, [tuple(e["loc"]) for e in errors]))


def _without(data: Any, paths: list[FieldPath]) -> Any:
    """A copy of `data` with the given paths removed (for dropping unknown fields)."""
    if not paths:
        return data
    if isinstance(data, dict):
        result = {}
        for key, value in data.items():
            if (key,) in paths:
                continue
            deeper = [p[1:] for p in paths if p and p[0] == key and len(p) > 1]
            result[key] = _without(value, deeper)
        return result
    if isinstance(data, list):
        return [
            _without(item, [p[1:] for p in paths if p and p[0] == i and len(p) > 1])
            for i, item in enumerate(data)
        ]
    return data
