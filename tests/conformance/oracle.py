#!/usr/bin/env python3
"""Answer what real fleche says about CLI literals, one JSON line at a time.

Reads JSON lines ``{"literal": "..."}`` on stdin and writes, per input line
and in order, ``{"digest": ..., "repr": ..., "type": ...}`` or
``{"error": "..."}``, flushing each answer. One long-lived process serves a
whole test run (``crates/fleche-core/tests/conformance.rs``), so thousands of
values cost one interpreter start.
"""

import json
import sys
from pathlib import Path

if sys.version_info[:2] != (3, 11):
    # repr() of str follows the interpreter's Unicode database (3.11: 14.0),
    # and the CLI reproduces CPython 3.11's.
    sys.exit(f"oracle.py needs CPython 3.11, not {sys.version.split()[0]}")

sys.path.insert(0, str(Path(__file__).resolve().parent))

import flit  # noqa: E402
from fleche.digest import digest  # noqa: E402


def answer(line):
    try:
        request = json.loads(line)
        value = flit.evaluate(request["literal"])
        out = {"digest": str(digest(value)), "repr": repr(value), "type": type(value).__name__}
    except Exception as e:  # every failure is an answer, never a dead oracle
        out = {"error": f"{type(e).__name__}: {e}"}
    return json.dumps(out)


def main():
    # Pipes carry UTF-8 whatever the locale says; answers are ASCII JSON.
    sys.stdin.reconfigure(encoding="utf-8")
    for line in sys.stdin:
        if not line.strip():
            continue
        sys.stdout.write(answer(line) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
