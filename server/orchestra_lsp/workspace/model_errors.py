"""Turn pydantic validation errors into diagnostics a person can act on."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from orchestra_lsp.workspace.commands import ID_PATTERN
from orchestra_lsp.workspace.diagnostics import DiagnosticSink, Severity, Span
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


#: Numbers past this are mistakes (`timeout = 9999…`); Python would also refuse to print
#: an integer of more than 4300 digits, so they are reported before pydantic sees them.
MAX_INTEGER = 2**63 - 1
#: Problems listed per validated part; past it one line says how many more there are.
MAX_REPORTED = 100


def _shown(value: Any) -> str:
    """A value as the file wrote it: `null`, `true`, `'text'`, `1` (not Python's None)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, dict | list):
        return type(value).__name__
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_INTEGER:
        return "a number too large to use"
    shown = repr(value)
    return shown if len(shown) <= 80 else shown[:79] + "…"


def _step_of(path: FieldPath, data: Any) -> tuple[str, FieldPath] | None:
    """The innermost step (an item of a `steps` or `parallel` list) `path` is in, named
    as a person reads it (`step 'triage'`; without a usable id, by its place: `steps[2]`
    or `step 'build' › steps[2]`, 1-based as lines are counted), and the rest of the
    path inside it."""
    found: tuple[str, FieldPath] | None = None
    written = data
    for at, part in enumerate(path):
        parent = written
        if isinstance(part, int):
            written = written[part] if isinstance(written, list) and part < len(written) else None
            if at and path[at - 1] in ("steps", "parallel") and isinstance(parent, list):
                step_id = written.get("id") if isinstance(written, dict) else None
                if isinstance(step_id, str) and re.match(ID_PATTERN, step_id):
                    name = f"step '{step_id}'"
                else:
                    place = f"{path[at - 1]}[{part + 1}]"
                    name = f"{found[0]} › {place}" if found is not None else place
                found = (name, path[at + 1 :])
        else:
            written = written.get(part) if isinstance(written, dict) else None
    return found


def _keys(path: FieldPath) -> str:
    """A path inside a step as its YAML reads: `repeat: max`, `parallel[2]`."""
    shown = ""
    for part in path:
        if isinstance(part, int):
            shown += f"[{part + 1}]"
        else:
            shown += (": " if shown else "") + str(part)
    return f"`{shown}`"


#: What a value must be, in a person's words, by pydantic's error type.
_NEEDS = {
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "float_type": "a number",
    "float_parsing": "a number",
    "string_type": "text",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "list_type": "a list",
    "dict_type": "a mapping (`key: value` lines)",
    "model_type": "a mapping (`key: value` lines)",
}


def _in_step(name: str, inner: FieldPath, error: ErrorDetails, step: Any) -> str:
    """An error inside a step, said with the step's name and the key as written."""
    kind = error["type"]
    got = error.get("input")
    keys = _keys(inner)
    if kind == "missing":
        container, key = inner[:-1], inner[-1]
        if inner == ("repeat", "steps") and isinstance(step, dict) and "steps" in step:
            return (
                f"{name}: the steps of a `repeat` go inside it: indent `steps:` under "
                "`repeat:` (next to `until` and `max`)"
            )
        where = f"{_keys(container)} needs" if container else "needs"
        why = " (every step has an `id`, its name in `steps.ID.output`)" if key == "id" else ""
        return f"{name}: {where} the key `{key}`{why}"
    if kind in ("greater_than_equal", "greater_than"):
        bound = (error.get("ctx") or {}).get("ge", (error.get("ctx") or {}).get("gt"))
        more = "or more" if kind == "greater_than_equal" else "at least"
        wording = f"{bound} {more}" if kind == "greater_than_equal" else f"more than {bound}"
        return f"{name}: {keys} must be {wording} (got {_shown(got)})"
    if kind == "too_short":
        return f"{name}: {keys} needs at least one entry"
    if kind == "string_pattern_mismatch" and (error.get("ctx") or {}).get("pattern") == ID_PATTERN:
        return (
            f"{name}: {keys} must be a name of letters, digits, `_` and `-`, not starting "
            f"with a digit or `-` (got {_shown(got)})"
        )
    if inner == ("output",) and kind == "dict_type":
        return f"{name}: `output` must be a JSON Schema, written as a mapping (got {_shown(got)})"
    if kind in _NEEDS:
        return f"{name}: {keys} must be {_NEEDS[kind]}, not {_shown(got)}"
    return f"{name}: {keys}: {error['msg'][0].lower()}{error['msg'][1:]} (got {_shown(got)})"


def _written_at(data: Any, path: FieldPath) -> Any:
    for part in path:
        if isinstance(part, int):
            data = data[part] if isinstance(data, list) and part < len(data) else None
        else:
            data = data.get(part) if isinstance(data, dict) else None
    return data


def _message(model: type[BaseModel], error: ErrorDetails, what: str, data: Any = None) -> str:
    path = tuple(error["loc"])
    field = _dotted(path)
    kind = error["type"]
    step = _step_of(path, data)
    if step is None and kind != "extra_forbidden" and any(isinstance(p, int) for p in path):
        # An item of a list outside the steps (`arguments`, `code_action: kinds`): its
        # place said as the file writes it, `arguments[2]: name`, never `arguments.1.name`.
        step = ("", path)
    if step is not None and step[1]:
        name, inner = step
        if kind == "extra_forbidden" and len(inner) == 1:
            known = _known_fields(model, path)
            hint = difflib.get_close_matches(str(inner[0]), known, n=1)
            suggestion = f"; did you mean '{hint[0]}'?" if hint else ""
            return f"{name}: unknown key '{inner[0]}'{suggestion} (known: {', '.join(known)})"
        if kind == "literal_error":
            choices = re.findall(r"'([^']*)'", str((error.get("ctx") or {}).get("expected", "")))
            got = error.get("input")
            close = difflib.get_close_matches(got, choices, n=1) if isinstance(got, str) else []
            guess = f"; did you mean '{close[0]}'?" if close else ""
            return (
                f"{name}: {_keys(inner)} must be one of {', '.join(choices)} "
                f"(got {_shown(got)}){guess}"
            ).removeprefix(": ")
        written = _written_at(data, path[: len(path) - len(inner)])
        return _in_step(name, inner, error, written).removeprefix(": ")
    if step is not None and kind == "value_error":
        # A step's own rule (`_one_kind`) already names the step: say it as written.
        return str(error.get("ctx", {}).get("error") or error["msg"].removeprefix("Value error, "))
    if kind == "extra_forbidden":
        known = _known_fields(model, path)
        name = str(path[-1])
        hint = difflib.get_close_matches(name, known, n=1)
        suggestion = f"; did you mean '{hint[0]}'?" if hint else ""
        return f"unknown field '{name}' in {what}{suggestion} (known: {', '.join(known)})"
    if kind == "missing":
        return f"{what} needs the field '{field}'"
    if kind in ("int_type", "float_type") and isinstance(error.get("input"), bool):
        return f"'{field}': a number is needed, not {_shown(error.get('input'))}"
    if kind in _NEEDS:
        return f"'{field}' must be {_NEEDS[kind]}, not {_shown(error.get('input'))}"
    return (
        f"'{field}': {error['msg'][0].lower()}{error['msg'][1:]} (got {_shown(error.get('input'))})"
    )


@dataclass
class Validated(Generic[M]):
    value: M | None
    """The model, when the data had no error (unknown fields aside, if lenient)."""
    partial: M | None
    """Without the fields in error, when that validates: for checks of the rest of the
    file, so that one mistake does not hide the others. Never to be put in force."""


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
    return validate_all(model, data, positions, sink, what, lenient=lenient).value


def validate_all(
    model: type[M],
    data: Any,
    positions: PositionMap,
    sink: DiagnosticSink,
    what: str,
    *,
    lenient: bool = False,
) -> Validated[M]:
    """As `validate`, and also the partial model (see `Validated`).

    Strict: a YAML `true` is not the number 1, nor `"yes"` a boolean. Linear in the
    number of fields and errors.
    """
    try:
        valid, errors = _validated(model, data)
    except ValueError:  # pydantic cannot even print a number of thousands of digits
        data = _drop_huge_numbers(data, positions, sink, ())
        valid, errors = _validated(model, data)
    if valid is not None:
        return Validated(valid, None)
    failed = False
    for shown, error in enumerate(errors):
        strict = not (lenient and error["type"] == "extra_forbidden")
        failed = failed or strict
        if shown == MAX_REPORTED:
            sink.add(
                f"{len(errors) - shown} more problems in {what} are not listed",
                positions.key(tuple(error["loc"])),
                Severity.ERROR if strict else Severity.WARNING,
            )
        if shown >= MAX_REPORTED:
            continue
        message = _message(model, error, what, data)
        if error["type"] == "string_type" and sink.path.suffix not in (".json", ".toml"):
            # YAML reads `yes`, `1.0`, `2024-01-01` as other types: JSON and TOML do not.
            message += " (quote it if YAML reads it as something else)"
        if not strict:
            message += "; ignored"
        severity = Severity.ERROR if strict else Severity.WARNING
        sink.add(message, _where(error, positions), severity)
    partial = _partial(model, data, errors)
    return Validated(None if failed else partial, partial)


#: Errors about a key, not its value: one missing (there is no value to point at), one
#: not known (the key is what is wrong).
_ABOUT_THE_KEY = frozenset({"missing", "extra_forbidden"})


def _where(error: ErrorDetails, positions: PositionMap) -> Span:
    """Where a person looks to fix `error`: the value that is wrong (`timeout: "ten"`
    underlines `"ten"`, `gate: [approve]` the list) when it is written on one line; else
    its key (a missing or unknown key, or a value of many lines, which would underline
    them all), else the nearest parent, as `PositionMap.key` finds it."""
    path = tuple(error["loc"])
    value = positions.values.get(path) if error["type"] not in _ABOUT_THE_KEY else None
    if value is not None and value[0] == value[2]:
        return positions.value(path)
    return positions.key(path)


def _validated(model: type[M], data: Any) -> tuple[M | None, list[ErrorDetails]]:
    """(the model, no errors) or (None, its errors): one validation, not two."""
    try:
        return model.model_validate(data, strict=True), []
    except ValidationError as failure:
        return None, failure.errors()


def _partial(model: type[M], data: Any, errors: list[ErrorDetails]) -> M | None:
    """The model without the fields in error; a few rounds, as dropping a field can
    leave its container missing a required one."""
    for _ in range(3):
        data = _without(data, [_droppable(tuple(e["loc"]), e["type"]) for e in errors])
        valid, errors = _validated(model, data)
        if valid is not None:
            return valid
    return None


def _droppable(path: FieldPath, kind: str) -> FieldPath:
    """A missing field cannot be dropped: its container is."""
    return path[:-1] if kind == "missing" and path else path


def _drop_huge_numbers(
    data: Any, positions: PositionMap, sink: DiagnosticSink, at: FieldPath
) -> Any:
    """`data` with integers beyond `MAX_INTEGER` removed, each reported at its value."""
    if isinstance(data, dict):
        kept = {}
        for key, value in data.items():
            checked = _drop_huge_numbers(value, positions, sink, (*at, key))
            if checked is not _HUGE:
                kept[key] = checked
        return kept
    if isinstance(data, list):
        items = [_drop_huge_numbers(v, positions, sink, (*at, i)) for i, v in enumerate(data)]
        return [item for item in items if item is not _HUGE]
    if isinstance(data, int) and not isinstance(data, bool) and abs(data) > MAX_INTEGER:
        sink.add(
            f"'{_dotted(at)}': the number is too large (over {MAX_INTEGER})", positions.value(at)
        )
        return _HUGE
    return data


_HUGE = object()


def _without(data: Any, paths: list[FieldPath]) -> Any:
    """A copy of `data` with the given paths removed (for dropping fields in error)."""
    if not paths:
        return data
    tree: dict[Any, Any] = {}
    for path in paths:
        if not path:
            return None
        node = tree
        for part in path[:-1]:
            child = node.setdefault(part, {})
            if child is _DROP:
                break
            node = child
        else:
            node[path[-1]] = _DROP
    return _pruned(data, tree)


_DROP = object()


def _pruned(data: Any, tree: dict[Any, Any]) -> Any:
    if isinstance(data, dict):
        return {
            key: _pruned(value, tree[key]) if key in tree else value
            for key, value in data.items()
            if tree.get(key) is not _DROP and tree.get(str(key)) is not _DROP
        }
    if isinstance(data, list):
        return [
            _pruned(item, tree[index]) if index in tree else item
            for index, item in enumerate(data)
            if tree.get(index) is not _DROP
        ]
    return data
