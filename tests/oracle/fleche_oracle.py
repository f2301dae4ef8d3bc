"""Real fleche 0.22.2 as the judge of the CLI's write commands.

Used by the tests in tests/it/ (oracle_write, concurrency, and cli for the
write cases); every subcommand runs inside DIR (the directory holding
fleche.toml) and prints one JSON document on stdout.

  write DIR           write fleche.toml and a small cache with real fleche
  config DIR          write fleche.toml and let fleche create an empty
                      database (processes creating it at once race: "table
                      calls already exists")
  state DIR [K=V ...] every call record as fleche loads it (arguments and
                      result decoded), the keys cache().query() finds for
                      each tag K=V, and SQLite's PRAGMA integrity_check
  gc DIR              run fleche's own Cache.gc() and list what it deleted
  calls DIR [Q ...]   the keys cache().query(**Q) finds for each JSON object
                      Q; for a single cache also every call record as
                      stored (name, tags, argument and result digests, the
                      key it loads under, values not loaded) and every value
                      key
  refuses DIR KEY     whether fleche refuses to write: evict(KEY) and save()
                      raising Rejected, and whether the cache has a gc()
  evict DIR KEY       cache().evict(KEY) (a stack evicts from every member
                      that takes writes)
  extremes DIR Q      the keys of cache().query(**Q).latest() and .oldest()
  loaded DIR [CONFIG] every call as fleche loads it from cache() in DIR, or
                      from cache_from_config(CONFIG, a JSON object): name,
                      module, version, code digest, metadata, the reprs of
                      its arguments and result, the key it loads under
  npy DIR KEY...      np.save's bytes (base64) of each value cache().load_value
                      gives back, or the type's name when it is no array
"""

import json
import os
import sqlite3
import sys
import traceback
from pathlib import Path

CONFIG = """\
[default]
root = true
cache = "main"
metadata = ["Runtime"]

[main]
values = { type = "pickle", root = ".fleche/values", remaining_depth = 2 }
calls = { type = "sql", url = "sqlite:///.fleche/calls.db" }
"""


def write_config(d: Path) -> None:
    d.mkdir(parents=True, exist_ok=True)
    (d / "fleche.toml").write_text(CONFIG)


def add(a, b):
    return a + b


def square(x):
    return x * x


def nest(n, label="n"):
    return {"label": label, "rows": [[i, [i, i + n]] for i in range(n)]}


def write(d: Path) -> dict:
    write_config(d)
    os.chdir(d)
    from fleche import fleche, tags

    # Decorated here (named add/square/nest in module __main__), so that
    # importing this file does not need fleche.
    add_, square_, nest_ = fleche(add), fleche(square), fleche(nest)
    for a in range(3):
        add_(a, 10)
    for x in (2, 3, 4):
        square_(x)
    with tags(owner="me", run=1):
        nest_(2)
        square_(5)
    nest_(3, label="three")
    return {"ok": True}


def integrity(db: Path) -> str:
    con = sqlite3.connect(db, timeout=30)
    try:
        return ";".join(r[0] for r in con.execute("PRAGMA integrity_check"))
    finally:
        con.close()


def state(d: Path, tag_specs: list) -> dict:
    os.chdir(d)
    from fleche import cache
    from fleche.digest import Digest

    c = cache()
    records = {}
    errors = []
    for key in sorted(str(k) for k in c.calls.list()):
        try:
            dc = c.calls.load(key)
            # Every argument and the result decoded, as a user would load them.
            call = c.load(key).fetch()
            entry = {
                "name": dc.name,
                "arguments": {k: str(v) for k, v in dc.arguments.items()},
                "result": None if dc.result is None else str(dc.result),
                "tags": dc.metadata.get("tags"),
                "lookup_key": str(call.to_lookup_key()),
                "argument_reprs": {k: repr(v) for k, v in call.arguments.items()},
                "result_repr": repr(call.result),
            }
            for v in list(dc.arguments.values()) + [dc.result]:
                if isinstance(v, Digest):
                    c.load_value(v)
            records[key] = entry
        except Exception as e:  # reported, the test decides
            errors.append({"key": key, "error": f"{type(e).__name__}: {e}",
                           "trace": traceback.format_exc()})
    queries = {}
    for spec in tag_specs:
        k, _, v = spec.partition("=")
        value = json.loads(v)
        found = c.query(metadata={"tags": {k: value}})
        queries[spec] = sorted(str(lc.to_lookup_key()) for lc in found)
    return {
        "records": records,
        "errors": errors,
        "queries": queries,
        "integrity": integrity(d / ".fleche" / "calls.db"),
    }


def gc(d: Path) -> dict:
    os.chdir(d)
    from fleche import cache

    return {"deleted": sorted(str(k) for k in cache().gc())}


def calls(d: Path, specs: list) -> dict:
    os.chdir(d)
    from fleche import cache
    from fleche.digest import Digest

    def text(v):
        return str(v) if isinstance(v, Digest) else None

    c = cache()
    out = {
        "queries": [
            sorted(str(lc.to_lookup_key()) for lc in c.query(**json.loads(q)))
            for q in specs
        ]
    }
    if hasattr(c, "calls"):
        records = {}
        for key in sorted(str(k) for k in c.calls.list()):
            dc = c.calls.load(key)
            records[key] = {
                "name": dc.name,
                "tags": dc.metadata.get("tags"),
                "arguments": {k: text(v) for k, v in dc.arguments.items()},
                "result": text(dc.result),
                "lookup_key": str(dc.to_lookup_key()),
            }
        out["records"] = records
        out["values"] = sorted(str(k) for k in c.values.list())
    return out


def loaded(d: Path, config: "str | None") -> dict:
    os.chdir(d)
    from fleche import cache
    from fleche.config import cache_from_config

    c = cache_from_config(json.loads(config)) if config else cache()
    out = {}
    for lc in c.query():
        key = str(lc.to_lookup_key())
        call = c.load(key).fetch()
        out[key] = {
            "name": call.name,
            "module": call.module,
            "version": repr(call.version),
            "code_digest": None if call.code_digest is None else str(call.code_digest),
            "metadata": json.loads(json.dumps(call.metadata, default=repr, sort_keys=True)),
            "arguments": {k: repr(v) for k, v in call.arguments.items()},
            "result": repr(call.result),
            "lookup_key": str(call.to_lookup_key()),
        }
    return out


def refuses(d: Path, key: str) -> dict:
    os.chdir(d)
    from fleche import cache
    from fleche.caches import Rejected

    c = cache()
    out = {"gc": hasattr(c, "gc")}
    # A read-only cache raises before looking at what it was given.
    for name, attempt in (("evict", lambda: c.evict(key)), ("save", lambda: c.save(None))):
        try:
            attempt()
            out[name] = None
        except Rejected:
            out[name] = "Rejected"
    return out


def main(argv):
    cmd, d = argv[1], Path(argv[2]).resolve()
    if cmd == "write":
        out = write(d)
    elif cmd == "config":
        write_config(d)
        os.chdir(d)
        from fleche import cache

        out = {"calls": len(list(cache().calls.list()))}
    elif cmd == "state":
        out = state(d, argv[3:])
    elif cmd == "gc":
        out = gc(d)
    elif cmd == "calls":
        out = calls(d, argv[3:])
    elif cmd == "loaded":
        out = loaded(d, argv[3] if len(argv) > 3 else None)
    elif cmd == "refuses":
        out = refuses(d, argv[3])
    elif cmd == "extremes":
        os.chdir(d)
        from fleche import cache

        q = json.loads(argv[3])
        out = {
            "latest": str(cache().query(**q).latest().to_lookup_key()),
            "oldest": str(cache().query(**q).oldest().to_lookup_key()),
        }
    elif cmd == "npy":
        import base64
        import io

        import numpy as np

        os.chdir(d)
        from fleche import cache

        out = {}
        for key in argv[3:]:
            v = cache().load_value(key)
            if isinstance(v, np.ndarray):
                buf = io.BytesIO()
                np.save(buf, v, allow_pickle=False)
                out[key] = base64.b64encode(buf.getvalue()).decode()
            else:
                out[key] = type(v).__name__
    elif cmd == "evict":
        os.chdir(d)
        from fleche import cache

        cache().evict(argv[3])
        out = {"ok": True}
    else:
        raise SystemExit(f"unknown command {cmd}")
    json.dump(out, sys.stdout, indent=1, sort_keys=True)


if __name__ == "__main__":
    main(sys.argv)
