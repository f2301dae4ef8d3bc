"""Check a generated cache with real fleche, and our CLI's answers against fleche's.

    /tmp/fl/venv/bin/python bench/check_gen.py CACHE_DIR FLECHE_BINARY

CACHE_DIR holds the `fleche.toml` written by gen.py. Exits non-zero on the first
disagreement.
"""

import json
import os
import random
import subprocess
import sys

import fleche
from fleche.digest import digest


def main():
    cache_dir, binary = sys.argv[1], os.path.abspath(sys.argv[2])
    os.chdir(cache_dir)
    cache = fleche.cache()
    rng = random.Random(1)

    def ours(*args, stdin=None):
        out = subprocess.run([binary, *args], capture_output=True, text=True, input=stdin)
        if out.returncode not in (0, 1):
            sys.exit(f"fleche {' '.join(args)} failed: {out.stderr}")
        return out.stdout

    def agree(what, theirs, mine):
        if theirs != mine:
            sys.exit(f"{what}: fleche says {theirs!r}, we say {mine!r}")
        print(f"ok  {what}: {theirs if not isinstance(theirs, list) else len(theirs)}")

    rows = [json.loads(line) for line in ours("ls", "--format", "jsonl").splitlines()]
    keys = [r["key"] for r in rows]
    print(f"ok  ls lists {len(keys)} calls")

    # Loading: every sampled call loads in fleche, its key recomputes, values decode.
    for key in rng.sample(keys, 40):
        call = cache.load(key)
        if call.to_lookup_key() != key:
            sys.exit(f"{key}: fleche recomputes {call.to_lookup_key()}")
        row = next(r for r in rows if r["key"] == key)
        for name, value in call.arguments.items():
            if digest(value) != row["arguments"][name]:
                sys.exit(f"{key}: argument {name} digests differently")
        if digest(call.result) != row["result"]:
            sys.exit(f"{key}: result digests differently")
        shown = json.loads(ours("show", key[:12], "--format", "json"))
        shown = shown[0] if isinstance(shown, list) else shown
        if shown["decoded"]["result"]["repr"] != repr(call.result):
            sys.exit(f"{key}: show gives {shown['decoded']['result']['repr']}, fleche {call.result!r}")
    print("ok  40 sampled calls load in fleche with the same key, digests and result repr")

    # Queries: fleche's query() and ours return the same keys.
    def keyset(it):
        return sorted(str(c.to_lookup_key()) for c in it)

    def our_keys(*filters):
        return sorted(json.loads(line)["key"] for line in ours("query", *filters, "--format", "jsonl").splitlines())

    agree("query name=fib", keyset(cache.query(name="fib")), our_keys("--name", "fib"))
    agree("query x=100", keyset(cache.query(arguments={"x": 100})), our_keys("--arg", "x=100"))
    agree(
        "query tags project=proj-3",
        keyset(cache.query(metadata={"tags": {"project": "proj-3"}})),
        our_keys("--tag", "project=proj-3"),
    )

    # expand / shrink of calls and values.
    values = sorted(os.listdir("cache/values"))
    for key in rng.sample(keys, 5) + rng.sample(values, 5):
        short = str(cache.shrink(key))
        agree(f"shrink {key[:12]}", short, ours("shrink", key).strip())
        agree(f"expand {key[:8]}", str(cache.expand(key[:8])), ours("expand", key[:8]).strip())


if __name__ == "__main__":
    main()
