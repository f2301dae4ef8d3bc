#!/usr/bin/env python3
"""Write ``vectors.json``: what real fleche 0.22.2 says about CLI literals.

Run with a Python that has ``fleche==0.22.2`` (see ``requirements.txt``):

    python tests/conformance/gen_vectors.py

Every value is given as CLI literal text (``literal-syntax``), evaluated by
``flit.py`` into the Python object it stands for, and recorded with
``type(v).__name__``, ``repr(v)`` and ``fleche.digest.digest(v)``. Call keys
are ``fleche.call.Call(...).to_lookup_key()``. The Rust test
``crates/fleche-core/tests/conformance.rs`` asserts every vector offline.

Sets whose iteration order depends on the process (strings, bytes and None
are hashed per process; nan by address) cannot be recorded; their literals go
to ``unstable``, which the Rust digest must refuse. Before writing, the
generator checks that every recorded digest and repr is the same in two
further Python processes with different ``PYTHONHASHSEED``s, and that
``flit`` agrees with ``ast.literal_eval`` wherever the latter applies.

When fleche changes its digest, bump the pin in ``requirements.txt`` and
re-run this script.
"""

import ast
import importlib.metadata
import json
import math
import os
import platform
import random
import struct
import subprocess
import sys
import unicodedata
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import flit  # noqa: E402
from fleche.call import Call  # noqa: E402
from fleche.digest import Digest, digest  # noqa: E402

FLECHE_VERSION = "0.22.2"
SEED = 20260522
RANDOM_VALUES = 420
OUT = HERE / "vectors.json"


# --------------------------------------------------------------------------
# Hand-picked values


def int_edges():
    out = ["0", "1", "-1", "2", "-2", "127", "128", "255", "256", "-128", "-129"]
    for k in range(1, 10):
        b = 1 << (8 * k - 1)
        for n in (b - 1, b, b + 1, -b + 1, -b, -b - 1):
            out.append(str(n))
    for b in (1 << 63, 1 << 64, (1 << 61) - 1, 1 << 61, 1 << 62):
        for n in (b - 1, b, b + 1, -b, -b - 1):
            out.append(str(n))
    random.seed(7)
    huge = "".join(random.choice("0123456789") for _ in range(299))
    out += ["9" + huge, "-9" + huge, "1" + "0" * 299, "-" + "1" * 300]
    out += ["1024", "0x7f", "0XFF", "-0x80", "0o777", "0O17", "0b1010", "0B_1",
            "0x_dead_BEEF", "1_000_000", "00", "0_0", "+5", "--5", "-+-5", "(7)", "-(7)",
            "0xffffffffffffffffffffffffffffffff", "-0b" + "1" * 70]
    return out


def float_edges():
    return [
        "0.0", "-0.0", "+0.0", "1.0", "2.0", "-1.0", "-2.0", "1.5", "0.5", "0.1", "0.25", "1e22",
        "1e23", "1e300", "-1e300", "1e-300", "5e-324", "-5e-324", "2.2250738585072014e-308",
        "2.225073858507201e-308", "1.7976931348623157e308", "-1.7976931348623157e+308",
        "9007199254740992.0", "9007199254740993.0", "9007199254740991.0", "4503599627370496.5",
        "2305843009213693951.0", "2305843009213693952.0", "-2305843009213693952.0",
        "1152921504606846977.0", "18446744073709551616.0", "3.141592653589793", "1e16", "1e-7",
        "1.", ".5", "1e-3", "1E+3", "1_0.5", "1e400", "-1e400", "1e-400", "-1e-400",
        "inf", "-inf", "+inf", "Inf", "INF", "-Infinity", "infinity", "iNfInItY", "nan", "-nan",
        "NaN", "-NAN", "+nan", "--nan", "float('nan')", 'float("-nan")', "float('inf')",
        'float("-inf")', "float('1.5')", "float(' 2 ')", "float('-0')", "float('1e500')",
        "float('1_000.5')", "float('+Infinity')", "float('.5')", "float('5.')", "float('1E5')",
        "float('-NaN')", "123456789012345678901234567890.0", "0.30000000000000004",
    ]


def complex_edges():
    return [
        "0j", "-0j", "+0j", "-(0j)", "1j", "-1j", "1.5J", "1e3j", "2j", "1e400j", "-1e400j",
        "1+2j", "1-2j", "-1+2j", "-1-2j", "1.5-2.5j", "0.0+0j", "0.0-0j", "-0.0+0j", "-0.0-0j",
        "0-0j", "-1+0j", "-1.0+0j", "2000005-1j", "1e300+1e300j", "5e-324+5e-324j",
        "inf+1j", "-inf-1j", "inf+1e400j", "nan+1j", "-nan+1j", "nan+0j", "nan-1e400j",
        "-nan-0j", "--1+1j", "1_0+2_0j", "0.1+0.2j", "-(1j)", "+(-1j)",
    ]


STRINGS = [
    "''", '""', "'a'", "'hello world'", "'café'", "'cafe\\u0301'", "'naïve'", "'Ångström'",
    "'日本語'", "'中文字符'", "'한국어'", "'🚀'", "'👨\\u200d👩\\u200d👧'", "'🇫🇷'", "'😀😃😄'",
    "'שלום'", "'مرحبا'", "'\\u200b'", "'a\\u200bb'", "'\\u200e\\u200f'", "'\\ufeff'", "'\\u00ad'",
    "'\\u2028\\u2029'", "'\\x00'", "'\\x07\\x08\\x0c\\x0b'", "'\\x1b[0m'", "'\\x7f'", "'\\x80'",
    "'\\x9f'", "'\\xa0'", "'\\xff'", "'\\ue000'", "'\\u0378'", "'\\u0301'", "'\\U0001F600'",
    "'\\U0001FAE8'", "'\\U00031350'", "'\\U0010FFFF'", "'\\U000E0001'", "'\\N{GREEK SMALL LETTER ALPHA}'",
    "'\\N{EM DASH}'", "'\\N{SNOWMAN}'", "'\\n'", "'\\t'", "'\\r\\n'", "'\\\\'", "'\\''", '"\\""',
    "\"it's\"", "'say \"hi\"'", "'both \\' and \"'", "'\\a\\b\\f\\v\\0'", "'\\101\\102'", "'\\7'",
    "'\\777'", "'\\q'", "'\\d+'", "r'\\d+'", "R'\\n'", "r\"a\\\"b\"", "u'unicode'", "U'x'",
    "'a' 'b'", "'a' \"b\" '''c'''", "'''tri\nple'''", '"""doc\n  string"""', "'line\\\ncont'",
    "'\\x41\\u0042\\U00000043'", "'tab\there'", "'\\uD7FF'", "'\\uE000\\uFFFD'", "'\\uFFFF'",
    "'\u0130'", "'ß'", "'ǅ'", "'\U0001D400'", "'ﬁ'", "'Ⅻ'", "'٣'", "'\\u0600'", "'\\u061c'",
    "'\\u180e'", "'\\U0001F3FB'", "'" + "x" * 50 + "'",
    repr("mixed ascii ä 中 🚀 \t\n end"), repr("".join(chr(c) for c in range(32, 127))),
    repr("".join(chr(c) for c in range(0, 0x250))),
]


BYTES = [
    "b''", "b'abc'", "B'ABC'", "b'\\x00'", "b'\\xff'", "b'\\x00\\xff'", "b'\\n\\t\\r'", "b'\\''",
    'b"\\""', "b'\\x7f\\x80'", "b'\\101'", "b'\\q'", "rb'\\x'", "Br'\\d'", "bR\"raw\"", "b'a' b'b'",
    "b'''x\ny'''", repr(bytes(range(256))), repr(bytes(range(255, -1, -1))), "b'\\0'",
    "b'line\\\ncont'", "b'\\u0041\\N{X}'", repr(bytes([0x80] * 40)),
]


CONTAINERS = [
    "()", "(1,)", "(1, 2)", "(1, 2,)", "((),)", "((1,), (2, (3, (4,))))", "[]", "[1]", "[1, 2,]",
    "[[]]", "[[], [[]], [[], [[]]]]", "{}", "{1: 2}", "{'a': 1, 'b': [1, 2], 'c': {'d': None}}",
    "1, 2", "1,", "'a', b'b', None", "[1, 'a', 2.5, None, True, b'x', (1,), [2], {3: 4}]",
    "[1,\n 2,\n 3]", "{\n  'a': 1,\n  'b': 2,\n}", "(\t1\t,\t2\t)", "[ ( 1 , ) , { } ]",
    "{(1, 2): [3, 4], (): 'empty', (('nested',),): None}",
    "[[[[[[[[[[0]]]]]]]]]]", "((((((((((0,),),),),),),),),),)",
    "{'k': {'k': {'k': {'k': {'k': {}}}}}}",
    "[" + ", ".join(str(i) for i in range(100)) + "]",
    "{" + ", ".join(f"'k{i}': {i}" for i in range(60)) + "}",
    "[True, False, None, True]", "(None,)", "[-0.0, 0.0, nan, -nan, inf]",
    "[1j, -0j, 1+2j]", "(1, 1.0, True, 1+0j)", "[Digest('10'), D('20')]",
]


DICTS = [
    "{1: 'a', 'b': 2, (1, 2): 3, 1.5: 4, None: 5, b'x': 6, 2.0: 7, frozenset({1, 2}): 8, (): 9,"
    " 1j: 10, True: 11, -1: 12, 'None': 13, Digest('abc'): 14, 0: 15, 0.0: 16}",
    "{1: 'a', 1.0: 'b', True: 'c'}", "{True: 1, 1: 2}", "{1.0: 'x', 1: 'y'}",
    "{0: 'a', False: 'b', 0.0: 'c', -0.0: 'd', 0j: 'e', -0j: 'f'}",
    "{-1: 'a', -2: 'b', -1.0: 'c', -2.0: 'd'}", "{'a': 1, 'a': 2}", "{'a': 1, 'b': 2, 'a': 3}",
    "{nan: 1, nan: 2}", "{inf: 1, -inf: 2, 1e400: 3}", "{None: None}", "{(): ()}",
    "{(1, 'a'): 1, (1, b'a'): 2, (1, None): 3}", "{'x': {1, 2}, 'y': frozenset({3})}",
    "{frozenset(): 0, frozenset({0}): 1, frozenset({False}): 2}",
    "{Digest('10'): 1, '10': 2}", "{'10': 1, Digest('10'): 2}", "{b'a': 1, 'a': 2, 97: 3}",
    "{1: {2: {3: {4: 'deep'}}}}", "{(1, (2, (3,))): [1, [2, [3]]]}",
    "{1j: 1, 1: 2, 0j: 3, 1+0j: 4}", "{'é': 1, 'é': 2}", "{'🚀': 1, '日本': 2, '': 3}",
    "{9223372036854775807: 1, 9223372036854775808: 2, -9223372036854775809: 3}",
    "{2305843009213693951: 'p', 0: 'zero'}", "{1.5: 'a', 1152921504606846977: 'b'}",
]


SETS = [
    "set()", "frozenset()", "{1}", "{1, 2, 3}", "{3, 2, 1}", "{1, True, 1.0}", "{True, 1}",
    "{1.0, 1}", "{0, False, 0.0, -0.0}", "{-0.0, 0.0}", "{0, 8, 16, 24}", "{24, 16, 8, 0}",
    "{8, 0}", "{0, 8}", "{-1, -2}", "{-2, -1}", "{2305843009213693951, 0}", "{0, 2305843009213693951}",
    "{2305843009213693952, 1}", "{1.5, 1152921504606846977}", "{1152921504606846977, 1.5}",
    "{inf, -inf}", "{-inf, inf, 314159}", "{1j, 2j, 1+1j}", "{(1, 2), (2, 1)}",
    "{(1, 2), (2, 1), (1, (2,)), ()}", "{frozenset({1, 2}), frozenset({3}), frozenset()}",
    "frozenset({0.5, 0.25})", "frozenset([3, 1, 2])", "frozenset((5, 4, 5))", "set([3, 1, 2, 1])",
    "set((2, 1))", "set({9, 1, 5})", "set([])", "set(())", "frozenset([])",
    "{1, 2, 3, 4, 5}", "{5, 4, 3, 2, 1}", "{1, 2, 3, 4, 5, 6}", "{32, 64, 96, 0, 1, 33}",
    "{'a'}", "{b'a'}", "{None}", "{nan}", "frozenset({'x'})", "{('a', 'b')}", "{Digest('10')}",
    "{-1.0, -2}", "{-9223372036854775808, 9223372036854775807}",
    "{1e300, 1e-300, 5e-324}", "{True, False}", "{False, True}", "{1+0j, 1}",
    "[{1, 2}, frozenset({3, 4}), {'only'}]", "{'s': {4, 3}, 't': (set(), frozenset())}",
    "{frozenset({frozenset({1}), frozenset({2})}), 7}",
    "{" + ", ".join(str(i) for i in range(100)) + "}",
    "{" + ", ".join(str(i) for i in range(99, -1, -1)) + "}",
    "{" + ", ".join(str(i * 8) for i in range(40)) + "}",
    "{" + ", ".join(str(i * 1024) for i in range(50)) + "}",
    "{" + ", ".join(str((1 << 61) - 1 + i) for i in range(20)) + "}",
    "{" + ", ".join(str(-i) for i in range(30)) + "}",
    "{" + ", ".join(repr(i / 4) for i in range(30)) + "}",
    "frozenset([" + ", ".join(f"({i}, {i * i})" for i in range(25)) + "])",
]


RECORDS = [
    "Particle(x=1, y=2.5)", "__main__.Particle(x=1, y=2.5)", "a.b.C()", "C()",
    "Point(x=[1, 2], y={'a': 1})", "Outer(inner=Inner(v=1), tag='t')", "R(s={1, 2}, f=frozenset())",
    "Config(name='run-3', seed=42, lr=0.001, tags=('a', 'b'), extra=None)",
    "Particle(y=2.5, x=1)", "pkg.mod.Particle(x=1, y=2.5)", "Π(ä=1)", "Rec(d=Digest('10'))",
    "Node(value=1, children=[Node(value=2, children=[]), Node(value=3, children=[])])",
    "M(a=nan, b=-0.0, c=1j)", "[Particle(x=1, y=2), Particle(x=3, y=4)]",
    "{'p': Particle(x=0, y=0)}", "W(x=1, X=2, _y=3)", "E(s='', b=b'', t=(), l=[], d={})",
]


DIGESTS = [
    "Digest('10')", "D('20')", "Digest('60079f7901a9295349d1796c037afc132e81286f785ddeeb763104ef02363102')",
    "D('60079f79')", "Digest('')", "D(\"ABCDEF\")", "Digest('not hex at all')", "D('ünï')",
    "(Digest('10'), Digest('10'))", "{'a': D('1234')}",
]


BARE_WORDS = [
    "pbe", "run-3", "my_project", "a/b.txt", "x:1", "café", "_private", "v1.2.3", "foo.bar",
    "http://example.org/x", "a+b", "  pbe  ", "\tmy_project\n", "Ab_9-x.y+z/w:v", "日本",
]


def hand_picked():
    return (int_edges() + float_edges() + complex_edges() + STRINGS + BYTES + CONTAINERS + DICTS
            + SETS + RECORDS + DIGESTS + BARE_WORDS)


UNSTABLE = [
    "{'a', 'b'}", "{'b', 'a', 'c'}", "{b'a', b'b'}", "{None, 1}", "{1, None}", "{'a', 1}",
    "{('a',), (1,)}", "{(None,), 1}", "frozenset({'x', 'y'})", "frozenset(['x', 1])",
    "[{'a', 'b'}]", "{1: {'a', 'b'}}", "{frozenset({'a', 'b'}): 1}", "{nan, 1}", "{1, nan}",
    "{(nan,), 2}", "{nan+1j, 0}", "{Digest('10'), Digest('20')}", "{D('10'), 1}",
    "{frozenset({'a'}), 1}", "(1, {None, 2})", "Rec(x={'a', 'b'})", "set(['p', 'q'])",
    "{'" + "', '".join(f"s{i}" for i in range(20)) + "'}",
]


# --------------------------------------------------------------------------
# Seeded random literals


ALPHABETS = [
    [chr(c) for c in range(32, 127)],
    [chr(c) for c in list(range(0, 32)) + [127] + list(range(128, 160))],
    [chr(c) for c in range(160, 256)],
    list("αβγδΩЖжשלוםمرحبا中文日本語한국어ἀἅ̣ฅเ") + ["\u200b", "\u200d", "\u2028", "\ufeff", "\u00ad"],
    list("🚀😀👍🏻🇫🇷🧑‍💻") + ["\U0001F3FB", "\U0001FAE8", "\U0001F9D1"],
]


def random_char(rng):
    r = rng.random()
    if r < 0.85:
        return rng.choice(rng.choice(ALPHABETS))
    while True:
        c = rng.randrange(0x110000)
        if not 0xD800 <= c < 0xE000:
            return chr(c)


def random_text(rng, max_len=12):
    return "".join(random_char(rng) for _ in range(rng.randrange(max_len + 1)))


_ESCAPES = {"\n": "\\n", "\t": "\\t", "\r": "\\r", "\a": "\\a", "\b": "\\b", "\f": "\\f", "\v": "\\v"}
_SIMPLE_ESCAPE_CHARS = set("\n\\'\"abfnrtv01234567xNuU")


def escape_char(rng, c, text_mode=True):
    """A random escape for ``c``; bytes have no ``\\u``, ``\\U``, ``\\N``."""
    o = ord(c)
    choices = []
    if c in _ESCAPES:
        choices.append(_ESCAPES[c])
    if o < 256:
        choices += ["\\x%02x" % o, "\\x%02X" % o, "\\%03o" % o]
    if not text_mode:
        return rng.choice(choices)
    if o < 0x10000:
        choices += ["\\u%04x" % o, "\\u%04X" % o]
    choices.append("\\U%08x" % o)
    try:
        choices.append("\\N{%s}" % unicodedata.name(c))
    except ValueError:
        pass
    return rng.choice(choices)


def must_escape(c):
    o = ord(c)
    return o < 32 or o == 127 or c == "\\" or c == "\r"


def render_str_body(rng, s, quote, triple=False, bytes_mode=False):
    out = []
    verbatim_next = False
    for i, c in enumerate(s):
        nxt = s[i + 1] if i + 1 < len(s) else None
        if verbatim_next:
            out.append(c)
            verbatim_next = False
            continue
        if c == "\\":
            # An unknown escape keeps its backslash (`\q` is `\q`); the
            # character after it is then written as itself.
            if nxt is not None and nxt.isascii() and nxt.isprintable() and nxt != " " \
                    and nxt not in _SIMPLE_ESCAPE_CHARS and rng.random() < 0.5:
                out.append("\\")
                verbatim_next = True
                continue
            out.append("\\\\")
        elif c == quote:
            out.append("\\" + c)
        elif c == "\n" and triple and rng.random() < 0.7:
            out.append("\n")
        elif c == "\t" and rng.random() < 0.3:
            out.append("\t")
        elif must_escape(c) or (bytes_mode and ord(c) > 126) or rng.random() < 0.12:
            out.append(escape_char(rng, c, text_mode=not bytes_mode))
        else:
            out.append(c)
        if rng.random() < 0.02:
            out.append("\\\n")  # backslash-newline joins lines
    return "".join(out)


def render_str(rng, s):
    mode = rng.random()
    if mode < 0.3:
        return rng.choice(["", "", "u", "U"]) + repr(s)
    if mode < 0.4 and len(s) > 1:
        cut = rng.randrange(1, len(s))
        return render_str(rng, s[:cut]) + rng.choice([" ", "", "\t", "  "]) + render_str(rng, s[cut:])
    quote = rng.choice("'\"")
    if mode < 0.5 and quote not in s and "\n" not in s and "\r" not in s and not s.endswith("\\") \
            and "\x00" not in s and all(not must_escape(c) or c == "\\" for c in s):
        return rng.choice(["r", "R"]) + quote + s + quote
    if mode < 0.6:
        return quote * 3 + render_str_body(rng, s, quote, triple=True) + quote * 3
    return quote + render_str_body(rng, s, quote) + quote


def render_bytes(rng, b):
    if rng.random() < 0.4:
        return rng.choice(["b", "B"]) + repr(b)[1:]
    quote = rng.choice("'\"")
    s = b.decode("latin-1")
    return rng.choice(["b", "B"]) + quote + render_str_body(rng, s, quote, bytes_mode=True) + quote


INT_POOL_BITS = [1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 61, 62, 63, 64, 65, 100, 200, 600]


def random_int(rng):
    r = rng.random()
    if r < 0.4:
        n = rng.randint(-20, 20)
    elif r < 0.7:
        k = rng.choice(INT_POOL_BITS)
        n = (1 << k) + rng.randint(-2, 2)
    else:
        n = rng.getrandbits(rng.choice(INT_POOL_BITS))
    return -n if rng.random() < 0.35 else n


def render_int(rng, n):
    sign = "-" if n < 0 else rng.choice(["", "", "", "+"])
    m = abs(n)
    base = rng.random()
    if base < 0.6:
        digits = str(m)
        prefix = ""
    elif base < 0.8:
        digits, prefix = format(m, "x"), rng.choice(["0x", "0X"])
        if rng.random() < 0.5:
            digits = digits.upper()
    elif base < 0.9:
        digits, prefix = format(m, "o"), rng.choice(["0o", "0O"])
    else:
        digits, prefix = format(m, "b"), rng.choice(["0b", "0B"])
    if len(digits) > 3 and rng.random() < 0.3:
        parts = []
        while digits:
            take = rng.randint(1, 4)
            parts.append(digits[:take])
            digits = digits[take:]
        digits = "_".join(parts)
    if prefix and rng.random() < 0.2:
        prefix += "_"
    return sign + prefix + digits


SPECIAL_FLOATS = [0.0, -0.0, 1.0, -1.0, 2.0, 0.5, 1.5, 0.1, 1e300, 1e-300, 5e-324, 1e22,
                  2.0 ** 53, 2.0 ** 61, -(2.0 ** 61), 2.0 ** 64, 1.7976931348623157e308,
                  2.2250738585072014e-308, math.inf, -math.inf, math.nan, -math.nan]


def random_float(rng, stable):
    while True:
        r = rng.random()
        if r < 0.3:
            f = rng.choice(SPECIAL_FLOATS)
        elif r < 0.55:
            f = rng.randint(-1000, 1000) / rng.choice([1, 2, 4, 8, 10, 3])
        elif r < 0.75:
            f = float(rng.randint(-(1 << 62), 1 << 62))
        else:
            f = struct.unpack("<d", struct.pack("<Q", rng.getrandbits(64)))[0]
        if not (stable and math.isnan(f)):
            return f


def render_float(rng, f):
    if math.isnan(f):
        sign = "-" if math.copysign(1.0, f) < 0 else ""
        return rng.choice([sign + rng.choice(["nan", "NaN", "NAN"]), f"float('{sign}nan')"])
    if math.isinf(f):
        sign = "-" if f < 0 else ""
        return sign + rng.choice(["inf", "Inf", "infinity", "INFINITY", "1e400"]) if rng.random() < 0.8 \
            else f'float("{sign}inf")'
    text = repr(f)
    r = rng.random()
    if r < 0.1:
        return f"float('{text}')"
    if r < 0.2:
        text = text.replace("e", "E")
    if r < 0.3 and text.endswith(".0"):
        text = text[:-1]  # `2.` is 2.0
    if 0.3 <= r < 0.4 and text.startswith("0."):
        text = text[1:]  # `.5` is 0.5
    return text


def render_real_operand(rng, f):
    """A signed real number as the left operand of a complex sum: a number
    literal or an inf/nan name, never a `float('..')` call."""
    if rng.random() < 0.3 and float(f).is_integer() and abs(f) < 1e15:
        return str(int(f))
    text = render_float(rng, f)
    return text if "float(" not in text else render_real_operand(rng, f)


def random_complex_text(rng, stable):
    imag = rng.choice([0.0, 1.0, 2.0, 0.5, 1e300, 5e-324, 1e-7, 3.25, math.inf])
    if rng.random() < 0.3:
        imag = abs(random_float(rng, True))
    itext = "1e400" if math.isinf(imag) else repr(imag)
    form = rng.randrange(4)
    if form == 0:
        return itext + "j"
    if form == 1:
        return "-" + itext + "j"
    real = random_float(rng, stable)
    while math.isnan(real) and math.copysign(1, real) < 0:
        real = random_float(rng, stable)  # `-nan + x` relies on C's nan sign rules; keep to nan
    return render_real_operand(rng, real) + rng.choice([" + ", "+", " - ", "-"]) + itext + "j"


CLASS_NAMES = ["Particle", "__main__.Point", "pkg.mod.Config", "R", "Ω", "a.b.c.Deep"]
FIELD_NAMES = ["x", "y", "z", "name", "value", "_hidden", "data", "α", "n2", "items"]


def ws(rng):
    return rng.choice(["", " ", " ", " ", "  ", "\t", "\n "])


def join_items(rng, items):
    if not items:
        return ""
    text = ("," + ws(rng)).join(items)
    return ws(rng) + text + ws(rng)


def random_literal(rng, depth, need="any"):
    """(text, kind) of a random literal; ``need`` is ``any``, ``hashable``
    (dict keys, lone set elements) or ``stable`` (hash equal in every process)."""
    leaves = ["int", "float", "complex", "bool"]
    if need != "stable":
        leaves += ["none", "str", "str", "bytes", "digest"]
    containers = ["tuple", "frozenset"]
    if need == "any":
        containers += ["list", "dict", "set", "record"]
    kinds = leaves + (containers * 2 if depth > 0 else [])
    kind = rng.choice(kinds)
    if kind == "int":
        return render_int(rng, random_int(rng))
    if kind == "bool":
        return rng.choice(["True", "False"])
    if kind == "none":
        return "None"
    if kind == "float":
        return render_float(rng, random_float(rng, need == "stable"))
    if kind == "complex":
        return random_complex_text(rng, need == "stable")
    if kind == "str":
        return render_str(rng, random_text(rng))
    if kind == "bytes":
        return render_bytes(rng, bytes(rng.getrandbits(8) for _ in range(rng.randrange(10))))
    if kind == "digest":
        text = "".join(rng.choice("0123456789abcdef") for _ in range(rng.choice([2, 8, 64])))
        if rng.random() < 0.2:
            text = random_text(rng, 5)
        return rng.choice(["Digest", "D"]) + "(" + render_str(rng, text) + ")"
    n = rng.choice([0, 1, 1, 2, 2, 3, 4, 6])
    sub = depth - 1
    if kind == "tuple":
        items = [random_literal(rng, sub, need) for _ in range(n)]
        if n == 1:
            return "(" + ws(rng) + items[0] + "," + ws(rng) + ")"
        trailing = "," if n and rng.random() < 0.2 else ""
        return "(" + join_items(rng, items) + trailing + ")"
    if kind == "list":
        items = [random_literal(rng, sub) for _ in range(n)]
        trailing = "," if n and rng.random() < 0.2 else ""
        return "[" + join_items(rng, items) + trailing + "]"
    if kind == "dict":
        items = []
        for _ in range(n):
            key = random_literal(rng, sub, "hashable")
            items.append(key + ws(rng) + ":" + ws(rng) + random_literal(rng, sub))
            if rng.random() < 0.1:
                items.append(key + ":" + random_literal(rng, sub))  # duplicate key
        return "{" + join_items(rng, items) + "}"
    if kind in ("set", "frozenset"):
        if n == 0:
            return kind + "()"
        if rng.random() < 0.1:
            n = rng.randint(7, 40)
        elem_need = "hashable" if n == 1 and need != "stable" else "stable"
        items = [random_literal(rng, sub, elem_need) for _ in range(n)]
        if kind == "set" and rng.random() < 0.7:
            return "{" + join_items(rng, items) + "}"
        open_, close = rng.choice([("[", "]"), ("(", ",)" if n == 1 else ")"), ("{", "}")])
        return kind + "(" + open_ + join_items(rng, items) + close + ")"
    if kind == "record":
        names = rng.sample(FIELD_NAMES, rng.randrange(4))
        fields = [f"{name}{ws(rng)}={ws(rng)}{random_literal(rng, sub)}" for name in names]
        return rng.choice(CLASS_NAMES) + "(" + join_items(rng, fields) + ")"
    raise AssertionError(kind)


def random_values(rng, count):
    out = []
    while len(out) < count:
        text = random_literal(rng, rng.choice([0, 1, 2, 3, 3, 4]))
        if rng.random() < 0.05:
            text = text + "," + ws(rng) + random_literal(rng, 1)  # top-level bare tuple
        v = flit.evaluate(text)
        assert reproducible(v), text
        out.append(text)
    return out


# --------------------------------------------------------------------------
# Reproducibility


def stable_hash(v):
    """Whether ``hash(v)`` is the same in every process (see pyhash.rs)."""
    if type(v) in (bool, int):
        return True
    if type(v) is float:
        return not math.isnan(v)
    if type(v) is complex:
        return not (math.isnan(v.real) or math.isnan(v.imag))
    if type(v) in (tuple, frozenset):
        return all(stable_hash(x) for x in v)
    return False


def reproducible(v):
    """Whether digest(v) and repr(v) are the same in every process."""
    if isinstance(v, (set, frozenset)):
        if len(v) > 1 and not all(stable_hash(x) for x in v):
            return False
        return all(reproducible(x) for x in v)
    if isinstance(v, (tuple, list)):
        return all(reproducible(x) for x in v)
    if isinstance(v, dict):
        return all(reproducible(k) and reproducible(x) for k, x in v.items())
    if hasattr(v, "__dataclass_fields__"):
        return all(reproducible(getattr(v, f)) for f in v.__dataclass_fields__)
    return True


# --------------------------------------------------------------------------
# Call keys

NOTEBOOK = {
    ("long_running_calculation", (("x", "2"),)): "4435e2927c194eff1bb90270ab3f353f0db1a8b50ec04932de88f7a4e5745953",
    ("long_running_calculation", (("x", "10"),)): "a7ce6824785adc406ca3561dcf98b3c64ddf1539d2467e1b9e6318e4a97368e8",
    ("long_running_calculation", (("x", "100"),)): "cb9db168b7a8eb99bda637a54241ad5d4e2726b5cd67ad4cfb21baa5874c2b9e",
    ("double", (("x", "100"),)): "3fb9bd0ba9c388530e4a0f5fbb789aaf7b5c598c1fae748de84aad8f244a2d8f",
    ("another_calculation", (("a", "1"), ("b", "2"))): "a8a3061653183cff08e5c414f9a4087550ab5e33cc186ae7a2e91aa1fbac8c80",
    ("another_calculation", (("a", "3"), ("b", "4"))): "1e352b538b9219d4e5fcaf429882a4b3587f3bc6358ef0feca453b301b40156a",
    ("compute", (("self", "Digest('10')"), ("x", "5"))): "81d4df70836ded7d8a0dd70348976c431210ff824d870acb2932b984e7936e14",
    ("compute", (("self", "Digest('20')"), ("x", "5"))): "e9f9ca077d0566f335e54df480d202815d7b5b5ac5e7ccf7ba47c5bf2fa219ae",
}

# The 21 `fib` call keys of the notebook's cache table (n = 0..20).
NOTEBOOK_FIB = {
    "698e29f05ba00ee23503848cd166215f62cd976d54431594036979d8d56f254f",
    "405dfbadf453a9d5bbe3482fbb05251a6fc18b90045f8b4edeafb1c6f236fc80",
    "24231d9bc47f7abc0ea485d178fc8457dce8082790f8c948b936ebe906352225",
    "dabebddba19859bdb1a075e422b1842dde433c7d6ca51c2b9a284dc1bb743d79",
    "e2b3a4eaf9036f83560677b9bad64cbb8263cf3496ba6faeefc15b4231178912",
    "981a54293b3027931a47d21c275955d6dab2fe6d8fa4c2f4fcd3190b6187b0ac",
    "fdb0a9b8b1df91293924ad8fc03bcf041f3e50f924e9d199b8606eed60579d91",
    "db6b5632c77a01a692e13c486c54536a0c46907972d93900a60a1eab59110b93",
    "cd94bda61e484ca82c470b6ab50c0f1b98055e6a905d82f18b57abc5e07b6457",
    "f4efb0e68400d195d8d57051088964d98b9ae4f7dbb78dad4feb055b56fd47de",
    "bc7f8b67d293d9fbdec343f49c44d46e655516537cc492ba3a990edb7f86f176",
    "6fbe26ceafe80276c7714b2aae14c25bd38e24683d6624f01322946f5e53e7cf",
    "f3cefd42fd07119792c38084ecbb33f1955ccd83d8021e1bd078db3377cca4c3",
    "2b7c9e8c5e0a73afddb28a49d47415462b3c84adc05c35567b81514b90c053f2",
    "60bf26e7cdec62d1a8f9ebfbebb336850cf588d547badc7a18a0001fd0b65cf9",
    "9b23a905e639149d35169118ffefadec03a181cbd290006620e671655b1499c3",
    "18e77dab7a4a0385a66512547336e7a02ee62803634fd801e6dd49c6e5444e2f",
    "e1a78503325bcbb94116e03febed590b14bdd7f955c4f15b8649e613fbd6bf5c",
    "34814b3262b7920c7cef43eaf8a1e86e849611ed0d0317c4342b29231a8213ea",
    "9214caae9e9819230882f7e9f0f1970fd5f2fc354c3404d1fd7ef30aa2c75873",
    "c5a5bb6cf5b69c7eb5e244ed540af44391dff12a77fcecf19505cc660b50e6d9",
}


def call_spec(name, args, module="__main__", version=None, code_digest=None):
    return {"name": name, "module": module, "version": version, "code_digest": code_digest,
            "arguments": [list(a) for a in args]}


def call_key(spec):
    arguments = {name: flit.evaluate(text) for name, text in spec["arguments"]}
    assert len(arguments) == len(spec["arguments"]), "duplicate argument names"
    cd = spec["code_digest"]
    call = Call(spec["name"], arguments, module=spec["module"], version=spec["version"],
                code_digest=Digest(cd) if cd is not None else None)
    return str(call.to_lookup_key())


CALL_NAMES = ["f", "compute", "MyClass.compute", "outer.<locals>.inner", "función", "计算",
              "🚀launch", "λ", "train_model", "a" * 80, ""]
MODULES = ["__main__", None, "mypkg.sub", "ünïcode_mod", "", "a.b.c.d"]
VERSIONS = [None, 0, 1, 3, "3", "1.0.0", -1, 2 ** 40, 2 ** 70, "", "v2", 10 ** 30]
ARG_NAMES = ["x", "y", "n", "self", "α", "données", "_", "kwargs", "args", "名前", "x1"]


def call_specs(rng):
    specs = [call_spec(name, args) for (name, args) in NOTEBOOK]
    specs += [call_spec("fib", [("n", str(n))]) for n in range(21)]
    # The same arguments in both orders, versions as int and str, module None.
    for order in ([("a", "1"), ("b", "2")], [("b", "2"), ("a", "1")]):
        specs.append(call_spec("another_calculation", order))
    for version in (3, "3", None, 0, "0", 2 ** 70, str(2 ** 70)):
        specs.append(call_spec("f", [("x", "1")], version=version))
    for module in MODULES:
        specs.append(call_spec("f", [("x", "1")], module=module))
    specs.append(call_spec("f", []))
    specs.append(call_spec("f", [], module=None))
    specs.append(call_spec("f", [], code_digest="0" * 64))
    specs.append(call_spec("f", [("x", "1")], code_digest="ab" * 32))
    specs.append(call_spec("f", [("x", "1")], code_digest=""))
    specs.append(call_spec("f", [("x", "1")], code_digest="1234"))
    specs.append(call_spec("f", [("x", "Digest('60079f7901a9295349d1796c037afc132e81286f785ddeeb763104ef02363102')")]))
    specs.append(call_spec("f", [("x", "100")]))  # same key as the line above's Digest
    specs.append(call_spec("f", [("x", "'100'")]))
    specs.append(call_spec("f", [("x", "100.0")]))
    specs.append(call_spec("f", [("x", "True")]))
    specs.append(call_spec("f", [("x", "1")], version=1, code_digest="cd" * 32, module="m"))
    specs.append(call_spec("g", [("x", "1"), ("y", "2"), ("z", "3")]))
    specs.append(call_spec("g", [("z", "3"), ("y", "2"), ("x", "1")]))
    specs.append(call_spec("g", [("y", "2"), ("x", "1"), ("z", "3")]))
    specs.append(call_spec("Particle.energy", [("self", "Particle(x=1, y=2.5)"), ("scale", "2")]))
    while len(specs) < 150:
        nargs = rng.choice([0, 1, 1, 2, 2, 3, 4])
        names = rng.sample(ARG_NAMES, nargs)
        args = [(n, random_literal(rng, rng.choice([0, 0, 1, 2]))) for n in names]
        cd = rng.choice([None, None, "".join(rng.choice("0123456789abcdef") for _ in range(64))])
        specs.append(call_spec(rng.choice(CALL_NAMES), args, module=rng.choice(MODULES),
                               version=rng.choice(VERSIONS), code_digest=cd))
    return specs


# --------------------------------------------------------------------------
# Checks and output


def describe(v):
    return {"type": type(v).__name__, "repr": repr(v), "digest": str(digest(v))}


def same_as_literal_eval(text, v):
    """flit must agree with ast.literal_eval wherever the latter applies."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            expected = ast.literal_eval(text.strip())
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return True
    if not reproducible(expected):
        return True
    return describe(expected) == describe(v)


def check_other_processes(literals, expected):
    """Every recorded value must come out the same under other hash seeds."""
    for seed in ("0", "12345"):
        env = dict(os.environ, PYTHONHASHSEED=seed)
        payload = "".join(json.dumps({"literal": t}) + "\n" for t in literals)
        proc = subprocess.run([sys.executable, str(HERE / "oracle.py")], input=payload,
                              capture_output=True, text=True, env=env, check=True)
        lines = proc.stdout.splitlines()
        assert len(lines) == len(literals), proc.stderr
        for text, line, want in zip(literals, lines, expected):
            got = json.loads(line)
            assert got == want, (seed, text, got, want)


def write(doc):
    """One vector per line: reviewable diffs, and small."""
    head = {k: doc[k] for k in ("fleche_version", "python_version", "generator", "seed")}
    parts = ["{"]
    for k, v in head.items():
        parts.append(f" {json.dumps(k)}: {json.dumps(v)},")
    for section in ("values", "call_keys", "unstable"):
        items = doc[section]
        parts.append(f" {json.dumps(section)}: [")
        parts.append(",\n".join("  " + json.dumps(item, ensure_ascii=False) for item in items))
        parts.append(" ]" + ("," if section != "unstable" else ""))
    parts.append("}")
    OUT.write_text("\n".join(parts) + "\n", encoding="utf-8")


def main():
    if sys.version_info[:2] != (3, 11):
        sys.exit(f"the vectors record CPython 3.11's repr(); this is {platform.python_version()}")
    installed = importlib.metadata.version("fleche")
    if installed != FLECHE_VERSION:
        sys.exit(f"fleche {installed} is installed; the vectors are for {FLECHE_VERSION}")
    rng = random.Random(SEED)

    literals = hand_picked() + random_values(rng, RANDOM_VALUES)
    values = []
    seen = set()
    for text in literals:
        if text in seen:
            continue
        seen.add(text)
        v = flit.evaluate(text)
        assert reproducible(v), f"hand-picked value is not reproducible: {text}"
        assert same_as_literal_eval(text, v), f"flit disagrees with ast.literal_eval: {text}"
        values.append({"literal": text, **describe(v)})

    for text in UNSTABLE:
        assert not reproducible(flit.evaluate(text)), text

    calls = []
    for spec in call_specs(rng):
        spec["key"] = call_key(spec)
        calls.append(spec)
    for spec in calls:
        wanted = NOTEBOOK.get((spec["name"], tuple(map(tuple, spec["arguments"]))))
        if wanted is not None and spec["module"] == "__main__" and spec["version"] is None \
                and spec["code_digest"] is None:
            assert spec["key"] == wanted, spec
    fib = {c["key"] for c in calls if c["name"] == "fib"}
    assert fib == NOTEBOOK_FIB, "fleche does not reproduce the notebook's fib keys"

    check_other_processes([v["literal"] for v in values],
                          [{k: v[k] for k in ("digest", "repr", "type")} for v in values])

    write({
        "fleche_version": installed,
        "python_version": platform.python_version(),
        "generator": "tests/conformance/gen_vectors.py",
        "seed": SEED,
        "values": values,
        "call_keys": calls,
        "unstable": UNSTABLE,
    })
    print(f"wrote {len(values)} values, {len(calls)} call keys, {len(UNSTABLE)} unstable literals "
          f"to {OUT} ({OUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
