"""Evaluate the fleche CLI's literal syntax into real Python objects.

The syntax is Python's literal syntax (as ``ast.literal_eval`` reads it) plus
the CLI's extensions: ``inf``/``nan``/``infinity`` in any case, ``float('..')``,
``Digest('..')``/``D('..')``, records ``Name(field=value, ...)`` and top-level
bare words. The spec is ``literal-syntax`` in the project brief; this module
is the Python side of the conformance tests, so every rule here mirrors what
CPython would build for the same text (no ``eval``: only a walker over
``ast.parse(mode="eval")``). ``@PREFIX`` references are not supported: they
need a cache.
"""

import ast
import dataclasses
import io
import tokenize
import warnings

from fleche.digest import Digest

__all__ = ["LiteralError", "evaluate", "is_bare_word"]


class LiteralError(ValueError):
    """The text is not a literal of the CLI syntax."""


_FLOAT_NAMES = {"inf": float("inf"), "infinity": float("inf"), "nan": None}
_RESERVED_CALLS = {"set", "frozenset", "float", "Digest", "D"}
_BARE_TAIL = set("0123456789_.-+/:")

# One dataclass per (qualified name, field names), so equal records are
# instances of one class, as they would be in a Python program.
_RECORD_CLASSES = {}


def is_bare_word(text):
    """``[letter or _][letters, digits, _ . - + / :]*`` (Unicode letters)."""
    if not text or not (text[0].isalpha() or text[0] == "_"):
        return False
    return all(c.isalpha() or c in _BARE_TAIL for c in text[1:])


def evaluate(text):
    """The Python object the CLI literal ``text`` stands for."""
    stripped = text.strip()
    try:
        return _evaluate_literal(stripped)
    except (LiteralError, SyntaxError, ValueError, TypeError, OverflowError, RecursionError) as e:
        if is_bare_word(stripped):
            return stripped
        if isinstance(e, LiteralError):
            raise
        raise LiteralError(f"{type(e).__name__}: {e}") from None


def _evaluate_literal(text):
    if not text:
        raise LiteralError("empty input")
    _reject_comments(text)
    with warnings.catch_warnings():
        # Unknown escapes (`\q`) warn but keep their text, as Python does.
        warnings.simplefilter("ignore")
        try:
            tree = ast.parse(text, mode="eval")
        except SyntaxError:
            if "\n" not in text:
                raise
            # Newlines between tokens are allowed anywhere in the CLI syntax;
            # Python allows them only inside brackets.
            tree = ast.parse("(" + text + "\n)", mode="eval")
    return _value(tree.body)


def _reject_comments(text):
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.type == tokenize.COMMENT:
                raise LiteralError("comments are not allowed")
    except tokenize.TokenError:
        pass  # ast.parse reports it


def _value(node):
    if isinstance(node, ast.Constant):
        v = node.value
        if type(v) in (int, float, complex, str, bytes, bool) or v is None:
            return v
        raise LiteralError(f"unsupported constant {v!r}")
    if isinstance(node, ast.Name):
        return _named_float(node)
    if isinstance(node, ast.UnaryOp):
        return _signed_number(node)
    if isinstance(node, ast.BinOp):
        return _complex_sum(node)
    if isinstance(node, ast.Tuple):
        return tuple(_value(e) for e in node.elts)
    if isinstance(node, ast.List):
        return [_value(e) for e in node.elts]
    if isinstance(node, ast.Set):
        # A set display adds its elements in the order typed.
        return set([_value(e) for e in node.elts])
    if isinstance(node, ast.Dict):
        out = {}
        for k, v in zip(node.keys, node.values):
            if k is None:
                raise LiteralError("'**' is not allowed in a dict literal")
            # First key object, last value: `{1: 'a', True: 'b'}` is `{1: 'b'}`.
            out[_value(k)] = _value(v)
        return out
    if isinstance(node, ast.Call):
        return _call(node)
    raise LiteralError(f"not a literal: {type(node).__name__}")


def _named_float(node):
    key = node.id.lower()
    if key not in _FLOAT_NAMES:
        raise LiteralError(f"unknown name {node.id!r}")
    # A fresh nan object each time: nan keys and elements never collapse
    # through identity, matching a value model that compares by `==`.
    return float("nan") if key == "nan" else _FLOAT_NAMES[key]


def _is_number(v):
    return type(v) in (int, float, complex)


def _number_operand(node):
    if isinstance(node, ast.Constant):
        if not _is_number(node.value):
            raise LiteralError("unary sign on a non-number")
        return node.value
    if isinstance(node, ast.Name):
        return _named_float(node)
    if isinstance(node, ast.UnaryOp):
        return _signed_number(node)
    raise LiteralError("unary sign on a non-number")


def _signed_number(node):
    if not isinstance(node.op, (ast.UAdd, ast.USub)):
        raise LiteralError("only unary + and - are allowed")
    v = _number_operand(node.operand)
    return -v if isinstance(node.op, ast.USub) else +v


def _complex_sum(node):
    """``REAL + IMAG`` / ``REAL - IMAG``, computed with Python's arithmetic so
    signed zeros and nan signs come out as CPython makes them."""
    if not isinstance(node.op, (ast.Add, ast.Sub)):
        raise LiteralError("only + and - build complex numbers")
    left = _number_operand(node.left)
    if type(left) not in (int, float):
        raise LiteralError("the left operand of a complex literal must be a real number")
    right = node.right
    if not (isinstance(right, ast.Constant) and type(right.value) is complex):
        raise LiteralError("the right operand of a complex literal must be imaginary")
    return left + right.value if isinstance(node.op, ast.Add) else left - right.value


def _dotted(node):
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


def _call(node):
    name = _dotted(node.func)
    if name is None:
        raise LiteralError("only named calls are allowed")
    if name in _RESERVED_CALLS:
        return _builtin_call(name, node)
    return _record(name, node)


def _builtin_call(name, node):
    if node.keywords:
        raise LiteralError(f"{name}() takes no keyword arguments")
    args = node.args
    if name in ("set", "frozenset"):
        if not args:
            return set() if name == "set" else frozenset()
        if len(args) != 1 or not isinstance(args[0], (ast.List, ast.Tuple, ast.Set)):
            raise LiteralError(f"{name}() takes one list, tuple or set literal")
        # As Python evaluates it: a list or tuple is added element by
        # element; an inner set display is built first and then merged
        # (CPython's set_merge copies or rebuilds its hash table).
        if isinstance(args[0], ast.Set):
            source = _value(args[0])
        else:
            source = [_value(e) for e in args[0].elts]
        return set(source) if name == "set" else frozenset(source)
    if len(args) != 1 or not (isinstance(args[0], ast.Constant) and type(args[0].value) is str):
        raise LiteralError(f"{name}() takes one string literal")
    text = args[0].value
    if name == "float":
        return float(text)
    return Digest(text)


def _record(name, node):
    if node.args:
        raise LiteralError("records need field names: Name(field=value, ...)")
    fields = []
    values = {}
    for kw in node.keywords:
        if kw.arg is None:
            raise LiteralError("'**' is not allowed in a record")
        if kw.arg in values:
            raise LiteralError(f"duplicate field {kw.arg!r}")
        fields.append(kw.arg)
        values[kw.arg] = _value(kw.value)
    key = (name, tuple(fields))
    cls = _RECORD_CLASSES.get(key)
    if cls is None:
        module, _, short = name.rpartition(".")
        cls = dataclasses.make_dataclass(short, fields)
        if module:
            cls.__module__ = module
        _RECORD_CLASSES[key] = cls
    return cls(**values)
