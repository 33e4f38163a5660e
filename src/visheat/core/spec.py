"""The text form of pipelines: ``"SumReduction() | CenteredColormap('bwr')"``.

The text is parsed with Python's own parser (:mod:`ast`) and then *read*, never
evaluated: the only names allowed are transform classes from an allow-list, and
the only arguments are literals. Anything else is a `ValueError` that says where.
"""

from __future__ import annotations

import ast
import functools
import inspect
from collections.abc import Mapping
from typing import Any

from .errors import type_error, value_error

MAX_TEXT = 20_000  # characters; a pipeline spec is a line, not a document
MAX_DEPTH = 20  # nesting of literal tuples/lists
MAX_STEP_DEPTH = 3 * MAX_DEPTH  # syntax-tree depth of one step: messages unparse it recursively
#: Integer literals have at most this many digits: every one is then a finite float, and it
#: prints (Python refuses to print integers past 4300 digits, so a longer literal would
#: break ``str(pipe)`` and every message that shows it).
MAX_INT_DIGITS = 308


def _parse_pipeline(text: Any, allowed: Mapping[str, type]) -> list[Any]:
    """The steps of a pipeline's text form; see :meth:`visheat.Pipeline.parse`.

    ``allowed`` maps the names a step may use to their classes (the allow-list).
    """
    if not isinstance(text, str):
        raise type_error("text", "a pipeline spec as a string", text)
    if len(text) > MAX_TEXT:
        raise value_error("text", f"at most {MAX_TEXT} characters", f"{len(text)} characters",
                          described=True)
    tree = _syntax_tree(text)
    nodes = _split_bars(tree)
    for node in nodes:
        _check_depth(node)
    return [_build_step(node, allowed) for node in nodes]


def _syntax_tree(text: str) -> ast.expr:
    if not text.strip():
        raise value_error("text", "at least one step such as NormReduction()", text)
    try:
        return ast.parse(text.strip(), mode="eval").body
    except (SyntaxError, ValueError, RecursionError, MemoryError) as err:
        offset = getattr(err, "offset", None)
        where = f" at column {offset}" if offset else ""
        if "integer string conversion" in str(err):  # a decimal literal Python will not read
            raise _long_integer(where) from None
        raise value_error("text", "steps like Name(args) joined by '|'",
                          f"text that does not parse{where}", described=True) from None


def _split_bars(node: ast.expr) -> list[ast.expr]:
    """The operands of ``a | b | c`` in order (iteratively: long pipelines cannot recurse deep)."""
    found, todo = [], [node]
    while todo:
        current = todo.pop()
        if isinstance(current, ast.BinOp) and isinstance(current.op, ast.BitOr):
            todo.extend((current.right, current.left))
        else:
            found.append(current)
    return found


def _check_depth(step: ast.expr) -> None:
    """Refuse a step whose syntax tree is deeper than any real one (``1+1+...+1``).

    Python's parser accepts a chain of a thousand ``+`` as one deep tree; reading or quoting
    it (``ast.unparse``) recurses once per level, so it is measured here without recursion.
    """
    todo: list[tuple[ast.AST, int]] = [(step, 1)]
    while todo:
        node, depth = todo.pop()
        if depth > MAX_STEP_DEPTH:
            raise value_error("text", f"steps nested at most {MAX_STEP_DEPTH} deep",
                              f"deeper nesting at column {step.col_offset + 1}", described=True)
        todo.extend((child, depth + 1) for child in ast.iter_child_nodes(node))


@functools.lru_cache(maxsize=512)
def _signature(cls: type) -> inspect.Signature:
    """A class's call signature, read once: a pipeline text may repeat a step many times."""
    return inspect.signature(cls)


def _build_step(node: ast.expr, allowed: Mapping[str, type]) -> Any:
    if isinstance(node, ast.Name) and node.id in allowed:
        raise value_error("text", f"a call such as {node.id}()", node.id,
                          f"Write {node.id}() with parentheses.", described=False)
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
        raise value_error("text", "a step such as NormReduction()",
                          f"{ast.unparse(node)!r} at column {node.col_offset + 1}", described=True)
    name = node.func.id
    if name not in allowed:
        raise value_error("text", "a known transform such as NormReduction()",
                          f"{name!r} at column {node.col_offset + 1}", described=True)
    args = [_literal(a, 0) for a in node.args]
    kwargs = {}
    for kw in node.keywords:
        if kw.arg is None:
            raise value_error("text", "name=value arguments", "'**' unpacking", described=True)
        kwargs[kw.arg] = _literal(kw.value, 0)
    cls = allowed[name]
    try:
        _signature(cls).bind(*args, **kwargs)
    except TypeError as err:  # wrong argument count or names
        reason = str(err).removeprefix("got ")
        raise type_error("text", f"arguments that {name} accepts", reason, described=True) from None
    return cls(*args, **kwargs)  # the transform validates its values, naming its arguments


def _literal(node: ast.expr, depth: int) -> Any:
    if depth > MAX_DEPTH:
        raise value_error("text", f"literals nested at most {MAX_DEPTH} deep", "deeper nesting",
                          described=True)
    plain = (int, float, str, bool, type(None))
    if isinstance(node, ast.Constant) and isinstance(node.value, plain):
        if isinstance(node.value, int) and abs(node.value) >= 10**MAX_INT_DIGITS:
            raise _long_integer(f" at column {node.col_offset + 1}")  # hex, octal or binary
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        inner = _literal(node.operand, depth + 1)
        if isinstance(inner, (int, float)) and not isinstance(inner, bool):
            return -inner if isinstance(node.op, ast.USub) else inner
    if isinstance(node, (ast.Tuple, ast.List)):
        items = [_literal(item, depth + 1) for item in node.elts]
        return tuple(items) if isinstance(node, ast.Tuple) else items
    raise value_error("text", "a literal argument (number, string, True/False/None, tuple, list)",
                      f"{ast.unparse(node)!r} at column {node.col_offset + 1}", described=True)


def _long_integer(where: str) -> ValueError:
    return value_error("text", f"integers of at most {MAX_INT_DIGITS} digits",
                       f"a longer integer{where}", described=True)
