#!/usr/bin/env python3
"""Checks that flit.py reads the CLI extensions as literal-syntax says.

Plain Python literals are cross-checked against ``ast.literal_eval`` by
``gen_vectors.py``; this covers what literal_eval cannot. Run:
``python tests/conformance/test_flit.py`` (exit status 0 when all pass).
"""

import math
import struct
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import flit  # noqa: E402
from fleche.digest import Digest  # noqa: E402


def bits(f):
    return struct.pack(">d", f).hex()


def expect(text, want, kind=None):
    got = flit.evaluate(text)
    assert type(got) is (kind or type(want)), (text, got)
    assert repr(got) == repr(want), (text, got, want)


def expect_error(text):
    try:
        got = flit.evaluate(text)
    except flit.LiteralError:
        return
    raise AssertionError(f"{text!r} should be refused, got {got!r}")


def main():
    # Float names in any case; `-nan` flips the sign bit like Python's unary minus.
    for text in ("inf", "Inf", "INFINITY", "infinity", "+inf", "float('inf')", "1e400"):
        assert flit.evaluate(text) == math.inf, text
    assert flit.evaluate("-Infinity") == -math.inf
    assert bits(flit.evaluate("nan")) == "7ff8000000000000"
    assert bits(flit.evaluate("-NaN")) == "fff8000000000000"
    assert bits(flit.evaluate("float('-nan')")) == "fff8000000000000"
    assert bits(flit.evaluate("--nan")) == "7ff8000000000000"
    expect("float(' 1_0.5 ')", 10.5)

    # Signs and complex sums follow CPython's arithmetic.
    expect("--1", 1)
    assert bits(flit.evaluate("-0.0")) == "8000000000000000"
    c = flit.evaluate("-0j")
    assert (bits(c.real), bits(c.imag)) == ("8000000000000000", "8000000000000000")
    c = flit.evaluate("-0.0+0j")
    assert bits(c.real) == "0000000000000000"
    c = flit.evaluate("-0.0-0j")
    assert (bits(c.real), bits(c.imag)) == ("8000000000000000", "0000000000000000")
    c = flit.evaluate("nan+1e400j")
    assert math.isnan(c.real) and c.imag == math.inf

    # Digests pass through as fleche's Digest (a str subclass).
    expect("Digest('10')", Digest("10"), Digest)
    expect('D("60079f79")', Digest("60079f79"), Digest)

    # Records: a dataclass per (name, fields), named by the last component.
    p = flit.evaluate("__main__.Particle(x=1, y=[2])")
    assert type(p).__name__ == "Particle" and repr(p) == "Particle(x=1, y=[2])"
    assert type(flit.evaluate("__main__.Particle(x=3, y=4)")) is type(p)
    assert [f for f in type(flit.evaluate("R(b=1, a=2)")).__dataclass_fields__] == ["b", "a"]
    expect("C()", flit.evaluate("C()"))

    # Sets keep the first of equal elements, dicts the first key and last value;
    # set(...) replays the elements in the order typed, even from a set display.
    expect("{1, True, 1.0}", {1})
    expect("{True, 1}", {True})
    expect("{1: 'a', True: 'b'}", {1: "b"})
    expect("set()", set())
    expect("frozenset()", frozenset())
    assert repr(flit.evaluate("set({8, 0})")) == repr({8, 0})
    assert repr(flit.evaluate("frozenset([0, 8])")) == repr(frozenset([0, 8]))

    # Top-level comma lists, newlines between tokens.
    expect("1, 2", (1, 2))
    expect("1,\n2", (1, 2))
    expect("[1,\n 2]", [1, 2])

    # Bare words only for the whole input, never for literal names.
    for word in ("pbe", "run-3", "my_project", "a/b.txt", "x:1", "café", "v1.2.3"):
        expect(word, word)
    expect("  pbe  ", "pbe")
    expect("True", True)
    expect("None", None)

    for text in ("01", "my project", "R(1)", "R(a=1, a=2)", "{[1]: 2}", "{[1]}", "set('ab')",
                 "float(1)", "f'x'", "...", "2x", "x==1", "1 # comment", "-True", "1j+1",
                 "1+2", "-(1+2j)", "[1]+[2]", "{**a}", "set({})", "b'\u00e9'", "'a' b'b'", ""):
        expect_error(text)
    print("flit: all checks passed")


if __name__ == "__main__":
    main()
