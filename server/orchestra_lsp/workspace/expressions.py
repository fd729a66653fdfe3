"""`when`, `until` and `for_each` expressions of command steps: parsed, checked, evaluated.

The language is a small part of Python's expression syntax, as the command files
write it: field access (`steps.triage.output.kind`), indexing with a constant
(`steps.qa.output[0]`), literals (strings, numbers, `true`/`false`/`null` and the
Python spellings, lists), `==`, `!=`, `<`, `<=`, `>`, `>=`, `in`, `not in`, `and`,
`or`, `not`, and `len(...)`.

Evaluation is simpleeval's (a well-kept evaluator that walks the syntax tree and never
calls `eval`); its attribute access is narrowed here to the keys of JSON objects, so
no Python attribute of any value is reachable. CEL (cel-python) and JMESPath were
considered: both spell `and`/`or`/`not` as `&&`/`||`/`!`, which is not what the
command files write.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from simpleeval import EvalWithCompoundTypes, InvalidExpression

#: Names every expression may use besides arguments and `steps`.
CONSTANTS: dict[str, Any] = {
    "true": True,
    "false": False,
    "null": None,
    "True": True,
    "False": False,
    "None": None,
}
FUNCTIONS: dict[str, Any] = {"len": len}

_COMPARISONS = (ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.In, ast.NotIn)


class ExpressionError(ValueError):
    """An expression that cannot be parsed or evaluated; `column` is 0-based within it."""

    def __init__(self, message: str, column: int = 0, end_column: int | None = None) -> None:
        super().__init__(message)
        self.column = column
        self.end_column = end_column


@dataclass(frozen=True)
class Reference:
    """A name and the fields read from it: `steps.triage.output.kind` is
    ("steps", ("triage", "output", "kind")). Columns are 0-based within the expression."""

    name: str
    fields: tuple[str, ...]
    column: int
    end_column: int


def parse(text: str) -> ast.expr:
    """The expression's syntax tree; `ExpressionError` for a syntax error or a construct
    outside the language (assignment, arithmetic, a call other than `len`, …)."""
    source = text.strip()
    if not source:
        raise ExpressionError("the expression is empty")
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError as error:
        column = max((error.offset or 1) - 1, 0)
        raise ExpressionError(f"not a valid expression: {error.msg}", column) from None
    _check_nodes(tree.body)
    return tree.body


def _check_nodes(node: ast.AST) -> None:
    def refuse(what: str) -> None:
        column = getattr(node, "col_offset", 0)
        raise ExpressionError(
            f"{what} is not allowed in a step expression (use field access, ==, !=, <, "
            "<=, >, >=, in, not in, and, or, not, len)",
            column,
            getattr(node, "end_col_offset", None),
        )

    match node:
        case ast.BoolOp() | ast.Name() | ast.Constant() | ast.List() | ast.Tuple():
            pass
        case ast.UnaryOp(op=ast.Not()) | ast.UnaryOp(op=ast.USub()):
            pass
        case ast.Compare(ops=ops) if all(isinstance(op, _COMPARISONS) for op in ops):
            pass
        case ast.Attribute(attr=attr) if not attr.startswith("_"):
            pass
        case ast.Subscript(slice=ast.Constant() | ast.UnaryOp()):
            pass
        case ast.Call(func=ast.Name(id=name), args=[_], keywords=[]) if name in FUNCTIONS:
            pass
        case ast.Load() | ast.And() | ast.Or() | ast.Not() | ast.USub():
            pass
        case _ if isinstance(node, ast.cmpop):
            pass
        case _:
            refuse(f"`{ast.unparse(node)}`" if isinstance(node, ast.expr) else "this")
    for child in ast.iter_child_nodes(node):
        _check_nodes(child)


def references(tree: ast.expr) -> list[Reference]:
    """Each name the expression reads, with the fields read from it, in source order."""
    found: list[Reference] = []

    def visit(node: ast.AST) -> None:
        chain: list[str] = []
        inner = node
        while isinstance(inner, ast.Attribute):
            chain.append(inner.attr)
            inner = inner.value
        if isinstance(inner, ast.Name) and (chain or isinstance(node, ast.Name)):
            if not (isinstance(node, ast.Name) and node.id in FUNCTIONS):
                found.append(
                    Reference(
                        inner.id,
                        tuple(reversed(chain)),
                        inner.col_offset,
                        getattr(node, "end_col_offset", None) or inner.end_col_offset or 0,
                    )
                )
            return
        for child in ast.iter_child_nodes(inner if chain else node):
            if isinstance(node, ast.Call) and child is node.func:
                continue
            visit(child)

    visit(tree)
    found.sort(key=lambda ref: ref.column)
    return found


class _FieldsOnly(EvalWithCompoundTypes):  # type: ignore[misc]
    """simpleeval with `a.b` meaning the key `b` of the JSON object `a` (no Python
    attributes); a field of nothing (a skipped step, an absent key) is `null`."""

    def _eval_attribute(self, node: ast.Attribute) -> Any:
        value = self._eval(node.value)
        if value is None:
            return None
        if isinstance(value, Mapping):
            return value.get(node.attr)
        raise ExpressionError(
            f"`{ast.unparse(node.value)}` is {_kind(value)}, which has no field '{node.attr}'",
            node.col_offset,
            node.end_col_offset,
        )

    def _eval_subscript(self, node: ast.Subscript) -> Any:
        container = self._eval(node.value)
        key = self._eval(node.slice)
        try:
            return container[key]
        except (IndexError, KeyError, TypeError):
            return None


def evaluate(text: str, names: Mapping[str, Any]) -> Any:
    """The value of `text` with `names` (JSON values) in scope.

    Raises `ExpressionError` for a bad expression, an unknown name, or an operation on
    values that do not support it (`1 < "a"`).
    """
    tree = parse(text)
    evaluator = _FieldsOnly(names={**CONSTANTS, **names}, functions=dict(FUNCTIONS))
    try:
        return evaluator.eval(text.strip(), previously_parsed=tree)
    except ExpressionError:
        raise
    except InvalidExpression as error:
        raise ExpressionError(str(error)) from None
    except (TypeError, ValueError) as error:
        raise ExpressionError(f"cannot evaluate `{text.strip()}`: {error}") from None


def _kind(value: Any) -> str:
    if isinstance(value, str):
        return "text"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__


def kind_of(value: Any) -> str:
    """How an error names a value's JSON type: `text`, `a number`, `a list`, …"""
    return "null" if value is None else "an object" if isinstance(value, Mapping) else _kind(value)
